package analytics

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Risk statuses.
const (
	RiskOpen       = "open"
	RiskMitigating = "mitigating"
	RiskAccepted   = "accepted"
	RiskClosed     = "closed"
)

// RiskCategories are the register's categories, in display order.
var RiskCategories = []string{"capacity", "single point of failure", "dependency", "change safety",
	"observability gap", "security", "DR/backup", "people/process", "other"}

// Risk is one entry of the reliability risk register.
type Risk struct {
	ID                  int64
	Code                string
	Title               string
	Description         string
	Category            string
	Likelihood          int // 1..5
	Impact              int // 1..5
	ResidualLikelihood  *int
	ResidualImpact      *int
	Owner               string
	Status              string
	Mitigation          string
	AcceptanceRationale string
	AcceptedBy          string
	TargetDate          *time.Time
	NextReviewDate      *time.Time
	Version             int
	CreatedAt           time.Time
	CreatedBy           string
	UpdatedAt           time.Time
	UpdatedBy           string
	ClosedAt            *time.Time
	Services            []string
	IncidentIDs         []int64
}

// Score is likelihood × impact (1..25).
func (r Risk) Score() int { return r.Likelihood * r.Impact }

// RiskRating bands a score (docs/metrics.md, "Risk rating"):
// 1–4 low, 5–9 medium, 10–16 high, 20–25 critical.
func RiskRating(score int) string {
	switch {
	case score >= 20:
		return "critical"
	case score >= 10:
		return "high"
	case score >= 5:
		return "medium"
	}
	return "low"
}

// ReviewOverdue is ReviewOverdueIn(asOf, asOf.Location()): the calendar
// day is asOf's own. Callers with settings pass the reporting timezone to
// ReviewOverdueIn (or asOf already converted with In).
func (r Risk) ReviewOverdue(asOf time.Time) bool { return r.ReviewOverdueIn(asOf, asOf.Location()) }

// ReviewOverdueIn reports whether a risk not closed has a next review date
// before today, today being asOf's calendar date in loc. A review due today
// is not overdue until the day is over where the register is reported.
func (r Risk) ReviewOverdueIn(asOf time.Time, loc *time.Location) bool {
	return r.Status != RiskClosed && dayBefore(r.NextReviewDate, asOf, loc)
}

// PastTarget is PastTargetIn(asOf, asOf.Location()).
func (r Risk) PastTarget(asOf time.Time) bool { return r.PastTargetIn(asOf, asOf.Location()) }

// PastTargetIn reports whether a risk still open or being mitigated has a
// target date before asOf's calendar date in loc (the target day itself
// is still on time).
func (r Risk) PastTargetIn(asOf time.Time, loc *time.Location) bool {
	return (r.Status == RiskOpen || r.Status == RiskMitigating) && dayBefore(r.TargetDate, asOf, loc)
}

// dayBefore reports whether the civil date due (stored as midnight UTC, so
// its UTC fields are the date) falls before asOf's date in loc. Comparing
// dates, not instants, keeps a date from expiring at 00:00 UTC of itself.
func dayBefore(due *time.Time, asOf time.Time, loc *time.Location) bool {
	if due == nil {
		return false
	}
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := asOf.In(loc).Date()
	dy, dm, dd := due.UTC().Date()
	return time.Date(dy, dm, dd, 0, 0, 0, 0, time.UTC).Before(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// RiskStatuses are the register's statuses, in workflow order.
var RiskStatuses = []string{RiskOpen, RiskMitigating, RiskAccepted, RiskClosed}

// RiskRatings are the rating bands, lowest first.
var RiskRatings = []string{"low", "medium", "high", "critical"}

// Rating is the band of the risk's score.
func (r Risk) Rating() string { return RiskRating(r.Score()) }

// InPlay reports whether the risk counts on the heat map: open or being mitigated.
func (r Risk) InPlay() bool { return r.Status == RiskOpen || r.Status == RiskMitigating }

// RiskEvent is one entry of a risk's history: a field change (Old → New),
// a comment (Field empty) or both.
type RiskEvent struct {
	ID       int64
	RiskID   int64
	RiskCode string
	Title    string
	At       time.Time
	Actor    string
	Field    string
	Old      string
	New      string
	Comment  string
}

// Kind classifies a status event for period reports: "created" (the
// risk's first event), "closed", "reopened" (out of closed) or "status"
// (any other status change); "" for events that are not status changes.
func (e RiskEvent) Kind() string {
	switch {
	case e.Field != "status":
		return ""
	case e.Old == "":
		return "created"
	case e.New == RiskClosed:
		return "closed"
	case e.Old == RiskClosed:
		return "reopened"
	}
	return "status"
}

// RiskChange is one field that differs between two versions of a risk.
type RiskChange struct {
	Field string
	Old   string
	New   string
}

// RiskFields are the editable fields in the order history and diffs list them.
var RiskFields = []string{"title", "description", "services", "category", "likelihood", "impact",
	"residual_likelihood", "residual_impact", "owner", "status", "mitigation", "acceptance_rationale",
	"accepted_by", "target_date", "next_review_date"}

// RiskFieldLabel is the human name of a field of RiskFields.
func RiskFieldLabel(field string) string {
	switch field {
	case "residual_likelihood":
		return "residual likelihood"
	case "residual_impact":
		return "residual impact"
	case "acceptance_rationale":
		return "acceptance rationale"
	case "accepted_by":
		return "accepted by"
	case "target_date":
		return "target date"
	case "next_review_date":
		return "next review date"
	case "incidents":
		return "linked incidents"
	}
	return field
}

// FieldValue renders one field of RiskFields as text, as history records it.
func (r Risk) FieldValue(field string) string {
	optInt := func(p *int) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(*p)
	}
	optDate := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format(time.DateOnly)
	}
	switch field {
	case "title":
		return r.Title
	case "description":
		return r.Description
	case "services":
		s := slices.Clone(r.Services)
		slices.Sort(s)
		return strings.Join(s, ", ")
	case "category":
		return r.Category
	case "likelihood":
		return strconv.Itoa(r.Likelihood)
	case "impact":
		return strconv.Itoa(r.Impact)
	case "residual_likelihood":
		return optInt(r.ResidualLikelihood)
	case "residual_impact":
		return optInt(r.ResidualImpact)
	case "owner":
		return r.Owner
	case "status":
		return r.Status
	case "mitigation":
		return r.Mitigation
	case "acceptance_rationale":
		return r.AcceptanceRationale
	case "accepted_by":
		return r.AcceptedBy
	case "target_date":
		return optDate(r.TargetDate)
	case "next_review_date":
		return optDate(r.NextReviewDate)
	}
	return ""
}

// DiffRisks lists the fields whose values differ from a to b, in RiskFields order.
func DiffRisks(a, b Risk) []RiskChange {
	var out []RiskChange
	for _, f := range RiskFields {
		if av, bv := a.FieldValue(f), b.FieldValue(f); av != bv {
			out = append(out, RiskChange{Field: f, Old: av, New: bv})
		}
	}
	return out
}

// Length limits of a risk's free-text fields, in characters (the title's is 200).
const (
	MaxRiskTextChars = 10000 // description, mitigation, acceptance rationale
	MaxRiskNameChars = 200   // owner, accepted by
)

// Validate checks a risk as entered and returns a message per field
// (keys of RiskFields); an empty map means the risk can be saved.
func (r Risk) Validate() map[string]string {
	errs := map[string]string{}
	if strings.TrimSpace(r.Title) == "" {
		errs["title"] = "Give the risk a title."
	} else if len([]rune(r.Title)) > 200 {
		errs["title"] = "Keep the title under 200 characters."
	}
	if len(r.Services) == 0 {
		errs["services"] = "Name at least one affected service."
	}
	if !slices.Contains(RiskCategories, r.Category) {
		errs["category"] = "Choose one of the categories."
	}
	if r.Likelihood < 1 || r.Likelihood > 5 {
		errs["likelihood"] = "Likelihood must be 1 to 5."
	}
	if r.Impact < 1 || r.Impact > 5 {
		errs["impact"] = "Impact must be 1 to 5."
	}
	if p := r.ResidualLikelihood; p != nil && (*p < 1 || *p > 5) {
		errs["residual_likelihood"] = "Residual likelihood must be 1 to 5."
	}
	if p := r.ResidualImpact; p != nil && (*p < 1 || *p > 5) {
		errs["residual_impact"] = "Residual impact must be 1 to 5."
	}
	if (r.ResidualLikelihood == nil) != (r.ResidualImpact == nil) {
		if r.ResidualLikelihood == nil {
			errs["residual_likelihood"] = "Give residual likelihood and impact together."
		} else {
			errs["residual_impact"] = "Give residual likelihood and impact together."
		}
	}
	if strings.TrimSpace(r.Owner) == "" {
		errs["owner"] = "Every risk needs an owner (an email or a name)."
	}
	if !slices.Contains(RiskStatuses, r.Status) {
		errs["status"] = "Status must be open, mitigating, accepted or closed."
	}
	// Length limits, so that no form, import or API call stores a value
	// that every page showing the risk would have to carry.
	for _, f := range []struct {
		field, value string
		max          int
	}{{"description", r.Description, MaxRiskTextChars}, {"mitigation", r.Mitigation, MaxRiskTextChars},
		{"acceptance_rationale", r.AcceptanceRationale, MaxRiskTextChars},
		{"owner", r.Owner, MaxRiskNameChars}, {"accepted_by", r.AcceptedBy, MaxRiskNameChars}} {
		if _, set := errs[f.field]; !set && len(f.value) > f.max && utf8.RuneCountInString(f.value) > f.max {
			errs[f.field] = fmt.Sprintf("Keep the %s under %d characters.", RiskFieldLabel(f.field), f.max)
		}
	}
	if r.Status == RiskAccepted {
		if strings.TrimSpace(r.AcceptanceRationale) == "" {
			errs["acceptance_rationale"] = "Accepting a risk needs a rationale."
		}
		if strings.TrimSpace(r.AcceptedBy) == "" {
			errs["accepted_by"] = "Accepting a risk needs the person who accepts it."
		}
	}
	return errs
}
