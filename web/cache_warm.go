package web

import (
	"context"
	"time"

	"sreport/analytics"
	"sreport/analytics/scorecard"
)

// warmLoop keeps the default scorecard (last complete month and the month
// before, organisation-wide) computed: every interval it asks whether the
// data changed and, if so, recomputes, so a slow cold computation on a large
// database is paid in the background rather than by the next visitor.
func (h *Handler) warmLoop(ctx context.Context, every time.Duration) {
	// The cache key includes the hour (the knowledge cut-off), so a new hour
	// needs warming as much as new data does.
	type state struct {
		version int64
		hour    time.Time
	}
	last := state{version: -1}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		v, err := h.store.DataVersion(ctx)
		now := state{version: v, hour: h.cfg.Now().Truncate(time.Hour)}
		if err == nil && now != last {
			start := time.Now()
			if err := h.warm(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				h.log.Warn("cache warm-up failed", "error", err)
			} else {
				last = now
				h.log.Info("cache warmed", "took", time.Since(start).Round(time.Millisecond))
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// warm computes what the default scorecard and trends views need.
func (h *Handler) warm(ctx context.Context) error {
	env, err := h.env(ctx)
	if err != nil {
		return err
	}
	p := analytics.MonthOf(h.cfg.Now(), env.Settings.Location()).Prev()
	for _, q := range []analytics.Period{p, p.Prev()} {
		if _, err := h.card(ctx, env, q, scorecard.Scope{}); err != nil {
			return err
		}
	}
	// The organisation trends page: twelve months of every record.
	_, err = h.series(ctx, env, p, scorecard.Scope{}, env.Services, trendMonths)
	return err
}
