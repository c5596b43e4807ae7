package analytics

import "time"

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

// ReviewOverdue reports whether the next review date has passed at asOf for a risk still in play.
func (r Risk) ReviewOverdue(asOf time.Time) bool {
	return r.Status != RiskClosed && r.NextReviewDate != nil && r.NextReviewDate.Before(asOf)
}

// PastTarget reports whether a risk still open or being mitigated has passed its target date.
func (r Risk) PastTarget(asOf time.Time) bool {
	return (r.Status == RiskOpen || r.Status == RiskMitigating) && r.TargetDate != nil && r.TargetDate.Before(asOf)
}
