package store

import (
	"context"

	"sreport/analytics"
)

// The lean loads, both ways, for the record days tests in store_test.

// RawLeanDeploys is the lean deploy load straight from the deploys table.
func RawLeanDeploys(s *Store, ctx context.Context, ids []int64, r TimeRange) ([]analytics.Deploy, error) {
	return leanDeploys(ctx, s.db, ids, r)
}

// RawLeanPages is the lean page load straight from the pages table.
func RawLeanPages(s *Store, ctx context.Context, ids []int64, r TimeRange) ([]analytics.Page, error) {
	return leanPages(ctx, s.db, ids, r)
}

// PackedLeanDeploys is the lean deploy load through record days.
func PackedLeanDeploys(s *Store, ctx context.Context, ids []int64, r TimeRange) ([]analytics.Deploy, error) {
	return s.packedDeploys(ctx, ids, r)
}

// PackedLeanPages is the lean page load through record days.
func PackedLeanPages(s *Store, ctx context.Context, ids []int64, r TimeRange) ([]analytics.Page, error) {
	return s.packedPages(ctx, ids, r)
}

// RawIncidents is IncidentsInRange straight from the records.
func RawIncidents(s *Store, ctx context.Context, ids []int64, r TimeRange) ([]analytics.Incident, error) {
	return s.IncidentsInRange(ctx, ids, r)
}

// PackedIncidents is the engine's incident load through record days.
func PackedIncidents(s *Store, ctx context.Context, ids []int64, r TimeRange) ([]analytics.Incident, error) {
	return s.packedIncidents(ctx, ids, r)
}

// ProgramInputWindow is the program records a load over the Rest window r
// reads (every service and team), and with a zero r all of them.
func ProgramInputWindow(ctx context.Context, st *Store, r TimeRange) (analytics.Input, error) {
	var in analytics.Input
	sc := programScope{}
	sc.from, sc.to = monthsOf(r)
	err := st.programInput(ctx, sc, &in)
	return in, err
}
