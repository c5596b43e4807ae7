package imports

import (
	"fmt"
	"sort"
	"strconv"
	"unicode/utf8"

	"sreport/analytics"
)

// Field length limits of imported records, in characters. They are
// generous for what each field holds in real exports, and they keep one
// absurd value (a 100 MB title) out of the database and every page that
// shows it.
const (
	MaxTitleChars = 1000  // incident, page and action item titles
	MaxRefChars   = 200   // external ids and references to other records
	MaxNameChars  = 200   // a service, SLO or team as a file names it; owners
	MaxLabelChars = 100   // severity, status, urgency, environment, category
	MaxURLChars   = 2048  // links back to the source
	MaxTextChars  = 10000 // root cause, toil notes
)

// field is one text field of a record with its limit.
type field struct {
	name  string
	value string
	max   int
}

// tooLong returns the reason the first field over its limit is refused, or "".
func tooLong(fs ...field) string {
	for _, f := range fs {
		// A string is never more characters than bytes: most values
		// are settled without counting.
		if len(f.value) <= f.max {
			continue
		}
		if n := utf8.RuneCountInString(f.value); n > f.max {
			return fmt.Sprintf("%s longer than %s characters (%s)", f.name, thousands(f.max), thousands(n))
		}
	}
	return ""
}

// thousands writes n with thousands separators: 10000 → "10,000".
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// label names a record in a reject reason, its id shortened if it is the
// field that is too long.
func label(kind, id string) string {
	if utf8.RuneCountInString(id) > 40 {
		r := []rune(id)
		id = string(r[:40]) + "…"
	}
	return kind + " " + id
}

// Validate applies the field length limits to every record of b: a record
// with a field over its limit leaves the batch's records and becomes a
// Reject on its source line, with a reason that names the field and the
// limit ("incident INC-7: title longer than 1,000 characters (104,857,600)").
// Every path that writes imported records runs it (ingest.Parse and
// store.ApplyBatch), so the limits hold whoever built the batch; running it
// again changes nothing.
func Validate(b *Batch) {
	before := len(b.Rejects)
	defer func() {
		if len(b.Rejects) > before {
			sort.SliceStable(b.Rejects, func(i, j int) bool { return b.Rejects[i].Line < b.Rejects[j].Line })
		}
	}()
	b.Incidents = keep(b, b.Incidents, func(x analytics.Incident) (string, string) { return IncidentKey(x.ExternalID), CheckIncident(x) })
	b.Deploys = keep(b, b.Deploys, func(x analytics.Deploy) (string, string) { return DeployKey(x.ExternalID), CheckDeploy(x) })
	b.Pages = keep(b, b.Pages, func(x analytics.Page) (string, string) { return PageKey(x.ExternalID), CheckPage(x) })
	b.ActionItems = keep(b, b.ActionItems, func(x analytics.ActionItem) (string, string) {
		return ActionItemKey(x.ExternalID), CheckActionItem(x)
	})
	b.SLIDays = keep(b, b.SLIDays, func(x analytics.SLIDay) (string, string) { return SLIKey(x), CheckSLIDay(x) })
	b.Toil = keep(b, b.Toil, func(x analytics.ToilWeek) (string, string) { return ToilKey(x), CheckToil(x) })
	b.SLOs = keep(b, b.SLOs, func(x analytics.SLODefinition) (string, string) {
		return SLOKey(x.Service, x.Name), CheckSLODefinition(x)
	})
}

// The Check functions return why a record breaks the field length limits
// ("incident INC-7: title longer than 1,000 characters (104,857,600)"), or
// "" when it keeps them. Validate applies them to a batch; a streamed file
// (Sink) has each record checked as it arrives.

// CheckIncident checks an incident's fields against their limits.
func CheckIncident(x analytics.Incident) string {
	return reason(label("incident", x.ExternalID), tooLong(append([]field{
		field{"external id", x.ExternalID, MaxRefChars}, field{"service", x.Service, MaxNameChars},
		field{"title", x.Title, MaxTitleChars}, field{"severity", x.SeverityRaw, MaxLabelChars},
		field{"status", x.Status, MaxLabelChars}, field{"root cause", x.RootCause, MaxTextChars},
		field{"category", x.Category, MaxLabelChars}, field{"problem reference", x.ProblemRef, MaxRefChars},
		field{"fingerprint", x.Fingerprint, MaxRefChars}, field{"caused-by reference", x.CausedByRef, MaxRefChars},
		field{"postmortem URL", x.PostmortemURL, MaxURLChars}, field{"URL", x.URL, MaxURLChars}},
		responderFields(x.Responders)...)...))
}

// CheckDeploy checks a deploy's fields against their limits.
func CheckDeploy(x analytics.Deploy) string {
	return reason(label("deploy", x.ExternalID), tooLong(
		field{"external id", x.ExternalID, MaxRefChars}, field{"service", x.Service, MaxNameChars},
		field{"environment", x.Environment, MaxLabelChars}, field{"version", x.Version, MaxRefChars},
		field{"status", x.Status, MaxLabelChars}, field{"URL", x.URL, MaxURLChars}))
}

// CheckPage checks a page's fields against their limits.
func CheckPage(x analytics.Page) string {
	return reason(label("page", x.ExternalID), tooLong(append([]field{
		field{"external id", x.ExternalID, MaxRefChars}, field{"service", x.Service, MaxNameChars},
		field{"incident reference", x.IncidentRef, MaxRefChars}, field{"title", x.Title, MaxTitleChars},
		field{"urgency", x.Urgency, MaxLabelChars}, field{"responder", x.Responder, MaxNameChars}},
		responderFields(x.Responders)...)...))
}

// CheckActionItem checks an action item's fields against their limits.
func CheckActionItem(x analytics.ActionItem) string {
	return reason(label("action item", x.ExternalID), tooLong(
		field{"external id", x.ExternalID, MaxRefChars}, field{"incident reference", x.IncidentRef, MaxRefChars},
		field{"service", x.Service, MaxNameChars}, field{"title", x.Title, MaxTitleChars},
		field{"owner", x.Owner, MaxNameChars}, field{"URL", x.URL, MaxURLChars}))
}

// CheckSLIDay checks an SLI day's fields against their limits.
func CheckSLIDay(x analytics.SLIDay) string {
	return reason("SLI day", tooLong(field{"service", x.Service, MaxNameChars}, field{"SLO", x.SLO, MaxNameChars}))
}

// CheckSLODefinition checks an SLO definition's fields (OpenSLO, Sloth)
// against their limits. A query is free text: the longest in Sloth's and
// OpenSLO's own examples is a few hundred characters.
func CheckSLODefinition(x analytics.SLODefinition) string {
	return reason(label("SLO", x.Name), tooLong(
		field{"service", x.Service, MaxNameChars}, field{"name", x.Name, MaxNameChars},
		field{"description", x.Description, MaxTextChars}, field{"calendar", x.Calendar, MaxLabelChars},
		field{"query type", x.QueryType, MaxLabelChars},
		field{"good query", x.GoodQuery, MaxTextChars}, field{"bad query", x.BadQuery, MaxTextChars},
		field{"total query", x.TotalQuery, MaxTextChars}))
}

// CheckToil checks a toil week's fields against their limits.
func CheckToil(x analytics.ToilWeek) string {
	return reason("toil week", tooLong(field{"team", x.Team, MaxNameChars}, field{"note", x.Note, MaxTextChars}))
}

// responderFields are the length-checked fields of a record's responders.
func responderFields(rs []analytics.Responder) []field {
	out := make([]field, 0, 3*len(rs))
	for _, r := range rs {
		out = append(out, field{"responder " + r.Role, r.Name, MaxNameChars}, field{"responder e-mail", r.Email, MaxNameChars},
			field{"incident role", r.Label, MaxNameChars})
	}
	return out
}

func reason(label, why string) string {
	if why == "" {
		return ""
	}
	return label + ": " + why
}

// keep returns the records of xs that check passes (in place) and turns
// the others into rejects; check returns a record's Lines key and the
// reason it is refused ("" = fine).
func keep[T any](b *Batch, xs []T, check func(T) (key, reason string)) []T {
	out := xs[:0]
	for _, x := range xs {
		key, why := check(x)
		if why == "" {
			out = append(out, x)
			continue
		}
		b.Rejects = append(b.Rejects, Reject{Line: b.Line(key), Reason: why})
		delete(b.Lines, key)
	}
	// The dropped tail would otherwise keep the refused values in memory.
	clear(xs[len(out):])
	return out
}
