// Package analytics holds sreport's domain types and the pure KPI code.
//
// Nothing in this package touches a database, the network or the clock:
// every function takes records and a period and returns numbers, so the
// same inputs always give the same KPIs and tests can hand-compute them.
package analytics

import "time"

// Severity levels after normalisation. SevUnknown is kept apart so an
// unmapped source value never silently inflates a count.
const (
	SevUnknown = 0
	Sev1       = 1
	Sev2       = 2
	Sev3       = 3
	Sev4       = 4
)

// Deploy statuses.
const (
	DeploySuccess   = "success"
	DeployFailed    = "failed"
	DeployCancelled = "cancelled"
)

// Incident statuses.
const (
	StatusOpen         = "open"
	StatusAcknowledged = "acknowledged"
	StatusMitigated    = "mitigated"
	StatusResolved     = "resolved"
)

// Team is a group that owns services and carries an on-call rotation.
type Team struct {
	ID   int64
	Name string
}

// Service is a unit of the service catalogue, with its tier (0 = most critical).
type Service struct {
	ID          int64
	Name        string
	Tier        int
	TeamID      int64
	Team        string
	Description string
	OnCallTZ    string // IANA zone of the on-call rotation, e.g. "Europe/Berlin"
}

// Incident is one incident with its lifecycle timestamps, all in UTC.
// Fields hold effective values: a user's override where one exists, the
// imported value otherwise.
type Incident struct {
	ID                int64
	Source            string
	ExternalID        string
	ServiceID         int64
	Service           string
	Title             string
	Severity          int    // 1..4, 0 unknown
	SeverityRaw       string // the source's own value, e.g. "P1" or "1 - Critical"
	Status            string
	CustomerImpacting bool
	StartedAt         *time.Time // impact start
	DetectedAt        time.Time
	AcknowledgedAt    *time.Time
	MitigatedAt       *time.Time
	ResolvedAt        *time.Time
	RootCause         string
	Category          string
	ProblemRef        string
	// Fingerprint is a user's explicit repeat-theme key; empty means derive it.
	Fingerprint string
	// CausedByRef is the source's change reference (e.g. ServiceNow CHG number).
	CausedByRef string
	// CausedByDeployID is an explicit link (imported or set by a user).
	CausedByDeployID *int64
	// NotDeployRelated excludes the incident from automatic deploy linking.
	NotDeployRelated bool
	// InferredLinkRejected records that a user removed the inferred deploy link.
	InferredLinkRejected  bool
	PostmortemDueAt       *time.Time
	PostmortemPublishedAt *time.Time
	PostmortemURL         string
	// PostmortemTracked says the source records postmortems for this
	// incident (its file had a postmortem column), so an empty postmortem
	// means none was published rather than that nothing is known.
	PostmortemTracked bool
	URL               string
	// Responders are the people the source names for the incident: who was
	// assigned, acknowledged, resolved it, and who held an incident role.
	Responders []Responder
}

// Deploy is one deployment (or change) of a service.
type Deploy struct {
	ID          int64
	Source      string
	ExternalID  string
	ServiceID   int64
	Service     string
	Environment string
	Version     string
	StartedAt   *time.Time
	FinishedAt  time.Time
	Status      string // success, failed, cancelled
	IsRollback  bool
	IsHotfix    bool
	CommitAt    *time.Time // first commit time, for lead time
	URL         string
	// PerfRegression is whether the deploy was flagged as a performance
	// regression: nil when the source does not say (most do not), which
	// perf_regression_rate keeps apart from "checked and clean".
	PerfRegression *bool
}

// Page is one alert or notification that reached an on-call engineer.
type Page struct {
	ID             int64
	Source         string
	ExternalID     string
	ServiceID      int64
	Service        string
	IncidentID     *int64
	IncidentRef    string // source's incident id, resolved on import
	Title          string
	Urgency        string
	TriggeredAt    time.Time
	AcknowledgedAt *time.Time
	ResolvedAt     *time.Time
	AutoResolved   bool
	Actionable     *bool  // nil = not classified by anyone
	Responder      string // who the notification reached (PagerDuty's notified user), for per-person on-call load; "" = unknown
	// Responders are the people the source names for the page: who it
	// notified, who acknowledged and who resolved it (Page.Interrupted).
	Responders []Responder
}

// SLO is a service level objective over a rolling window.
type SLO struct {
	ID         int64
	ServiceID  int64
	Service    string
	Name       string
	Objective  float64 // e.g. 0.999
	WindowDays int
	// Calendar is the calendar period the SLO budgets by (CalendarMonth…);
	// "" = a rolling window of WindowDays.
	Calendar string
}

// Calendar periods an SLO's time window can be aligned to.
const (
	CalendarDay     = "day"
	CalendarWeek    = "week"
	CalendarMonth   = "month"
	CalendarQuarter = "quarter"
	CalendarYear    = "year"
)

// SLODefinition is an SLO as a team keeps it in code (OpenSLO, Sloth): what
// an import creates or updates. The queries are kept as written; a
// connector of QueryType turns them into daily counts.
type SLODefinition struct {
	Service     string
	Name        string
	Objective   float64 // ratio in (0,1)
	WindowDays  int     // rolling window; for a calendar window its usual length
	Calendar    string  // "" (rolling) or a Calendar* period
	Description string
	QueryType   string // metric source: "prometheus", "datadog"…; "" = no event queries
	GoodQuery   string // good events; "" when BadQuery is given
	BadQuery    string // bad (error) events
	TotalQuery  string
}

// SLIDay is one day of good/total events for one SLO.
type SLIDay struct {
	SLOID     int64
	ServiceID int64
	Service   string
	SLO       string
	Objective float64
	Day       time.Time // midnight UTC of the civil date
	Good      int64
	Total     int64
}

// ToilWeek is one team's toil accounting for one week.
type ToilWeek struct {
	TeamID     int64
	Team       string
	WeekStart  time.Time // civil date of the week's Monday, midnight UTC
	ToilHours  float64
	TotalHours float64
	Note       string
}

// ActionItem is a corrective action from an incident's postmortem.
type ActionItem struct {
	ID          int64
	IncidentID  *int64
	IncidentRef string // source's incident key, resolved on import
	ServiceID   int64
	Service     string
	Title       string
	Owner       string
	DueAt       *time.Time
	ClosedAt    *time.Time
	URL         string
	Source      string
	ExternalID  string
}
