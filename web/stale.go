package web

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics/scorecard"
	"sreport/views"
)

// acceptStale lets the page being served show figures from before the
// latest change to the data, at once, while one background computation
// brings them up to date (Config.StaleFor bounds how old): a viewer opening
// a page during an import is not kept waiting for a recomputation. The page
// says so (layout, staleNotice; the JSON API in its body, freshness). Only
// what labels its answer calls it: downloads, exports and e-mailed reports
// leave the app without the label, so they wait for the current figures.
func acceptStale(c echo.Context) context.Context {
	ctx, _ := scorecard.AcceptStale(c.Request().Context())
	c.SetRequest(c.Request().WithContext(ctx))
	return ctx
}

// staleSince reports whether any figure of this answer was served from
// before the latest change to the data, and when the oldest one's
// computation started; a stale answer is kept out of browser and proxy
// caches.
func staleSince(c echo.Context) (time.Time, bool) {
	s := scorecard.ServedFrom(c.Request().Context())
	if s == nil {
		return time.Time{}, false
	}
	from, stale := s.Stale()
	if stale {
		c.Response().Header().Set("Cache-Control", "no-store")
	}
	return from, stale
}

// staleNotice is the page's "Updating" label when any of its figures was
// served from before the latest change to the data, or nil.
func staleNotice(c echo.Context) *views.StaleNotice {
	from, stale := staleSince(c)
	if !stale {
		return nil
	}
	return &views.StaleNotice{ComputedAt: from.UTC().Format("15:04:05 UTC"), ReloadHref: c.Request().URL.RequestURI()}
}
