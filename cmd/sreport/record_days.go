package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"sreport/analytics/store"
)

// packRecordDays packs the record days a command's writes left dirty
// (store.RefreshRecordDays), so the next scorecard or report reads blobs.
// Loads are exact without it; a failure is reported, not fatal.
func packRecordDays(ctx context.Context, st *store.Store, stderr io.Writer) {
	if _, err := st.RefreshRecordDays(ctx); err != nil {
		fmt.Fprintf(stderr, "warning: packing record days: %v (scorecards read the records until the server packs them)\n", err)
	}
}

// maintainRecordDays runs the server's record days maintainer until the
// returned stop is called.
func maintainRecordDays(ctx context.Context, st *store.Store, logger *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		st.MaintainRecordDays(ctx, time.Second, func(err error) { logger.Warn("record days", "err", err) })
	}()
	return func() { cancel(); <-done }
}
