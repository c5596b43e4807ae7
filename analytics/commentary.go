package analytics

import (
	"strings"
	"time"
)

// Commentary is the editors' notes on one report: what went well, what
// did not, and what they ask of the reader. Each save is a new Version.
type Commentary struct {
	Period string // "2026-Q3"
	// Team and Tier scope the notes as the report is scoped: "" and nil
	// for the organisation.
	Team       string
	Tier       *int
	Version    int
	Highlights string
	Lowlights  string
	Asks       string
	Author     string
	SavedAt    time.Time
}

// MaxCommentaryText bounds each of a commentary's three notes: a page-one
// paragraph, not a document.
const MaxCommentaryText = 1200

// Empty says the commentary has nothing to show.
func (c Commentary) Empty() bool {
	return strings.TrimSpace(c.Highlights) == "" && strings.TrimSpace(c.Lowlights) == "" && strings.TrimSpace(c.Asks) == ""
}

// Validate returns the problems of a commentary about to be saved, keyed by field.
func (c Commentary) Validate() map[string]string {
	errs := map[string]string{}
	for field, v := range map[string]string{"highlights": c.Highlights, "lowlights": c.Lowlights, "asks": c.Asks} {
		if len([]rune(v)) > MaxCommentaryText {
			errs[field] = "Keep each note under 1,200 characters: it prints on the first page."
		}
	}
	return errs
}
