package analytics

import "time"

// ReportSchedule mails one scope's report for every month or quarter
// once it has ended.
type ReportSchedule struct {
	ID   int64
	Kind PeriodKind // Month or Quarter
	// Team and Tier scope the report: "" and nil for the organisation.
	Team       string
	Tier       *int
	Recipients []string
	// LastPeriod is the label of the last period delivered ("" for none).
	LastPeriod string
	LastSentAt *time.Time
	// LastError says why the latest attempt failed, "" after a success;
	// LastTryAt is when it was made.
	LastError string
	LastTryAt *time.Time
	CreatedAt time.Time
}

// RetryAfter is how long a failed delivery waits before the next attempt,
// so an SMTP outage does not turn into a retry storm.
const RetryAfter = time.Hour

// DuePeriod is the period the schedule should deliver at now: the last
// month or quarter that has ended, unless it was delivered already or a
// failed attempt was made less than RetryAfter ago. A schedule created
// during a period starts with that period, not with the one before it.
func (s ReportSchedule) DuePeriod(now time.Time, loc *time.Location) (Period, bool) {
	cur := MonthOf(now, loc)
	if s.Kind == Quarter {
		cur = QuarterOf(now, loc)
	}
	last := cur.Prev()
	if s.LastPeriod == last.Label || !s.CreatedAt.Before(last.To) {
		return last, false
	}
	if s.LastError != "" && s.LastTryAt != nil && now.Sub(*s.LastTryAt) < RetryAfter {
		return last, false
	}
	return last, true
}
