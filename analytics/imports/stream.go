package imports

import "sreport/analytics"

// Header is what a streamed file says about itself before its first
// record: its format, the source its records are stored under, and whether
// a value it lacks keeps the stored one (see Batch.KeepStored).
type Header struct {
	Format     string
	Source     string
	KeepStored bool
}

// Sink receives a file's records one at a time, in file order, so a file
// of any size is applied without holding its records (store.ApplyStream).
// Begin comes before the first record. Records arrive as a parser makes
// them: the duplicate rule (the last occurrence of a key wins) and the
// field limits (Check*) are the sink's to apply. An error from a method
// stops the parse and fails the file.
type Sink interface {
	Begin(h Header) error
	Incident(line int, x analytics.Incident) error
	Deploy(line int, x analytics.Deploy) error
	Page(line int, x analytics.Page) error
	SLIDay(line int, x analytics.SLIDay) error
	Toil(line int, x analytics.ToilWeek) error
	ActionItem(line int, x analytics.ActionItem) error
}
