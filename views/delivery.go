package views

// DeliveryView is /admin/delivery: the SMTP settings and the report schedules.
type DeliveryView struct {
	Layout    Layout
	SMTP      SMTPForm
	Schedules []ScheduleRow
	New       ScheduleForm
	Teams     []string
	// NoKey says the server runs without a secret key: no password can be stored.
	NoKey bool
}

// SMTPForm is the mail settings form; the password is never sent back.
type SMTPForm struct {
	Host, Port, Security, Username, Sender, PublicURL string
	PasswordSet                                       bool
	Errors                                            map[string]string
}

// ScheduleRow is one schedule in the list.
type ScheduleRow struct {
	ID, Kind, Scope, Recipients string
	LastPeriod, LastSent        string
	LastError                   string
	NextPeriod                  string
	TestHref, DeleteHref        string
}

// ScheduleForm adds a schedule.
type ScheduleForm struct {
	Kind, Team, Tier, Recipients string
	Errors                       map[string]string
}
