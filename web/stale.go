package web

import (
	"context"

	"github.com/labstack/echo/v4"

	"sreport/analytics/scorecard"
	"sreport/views"
)

// acceptStale lets the page being served show figures from before the
// latest change to the data, at once, while one background computation
// brings them up to date (Config.StaleFor bounds how old): a viewer opening
// a page during an import is not kept waiting for a recomputation. The page
// says so (layout, staleNotice). Only interactive pages call it: downloads,
// exports, e-mailed reports and the JSON API leave the app without the
// label, so they wait for the current figures.
func acceptStale(c echo.Context) context.Context {
	ctx, _ := scorecard.AcceptStale(c.Request().Context())
	c.SetRequest(c.Request().WithContext(ctx))
	return ctx
}

// staleNotice is the page's "Updating" label when any of its figures was
// served from before the latest change to the data, or nil.
func staleNotice(c echo.Context) *views.StaleNotice {
	s := scorecard.ServedFrom(c.Request().Context())
	if s == nil {
		return nil
	}
	from, stale := s.Stale()
	if !stale {
		return nil
	}
	// Stale pages must not be kept by a browser or proxy either.
	c.Response().Header().Set("Cache-Control", "no-store")
	return &views.StaleNotice{ComputedAt: from.UTC().Format("15:04:05 UTC"), ReloadHref: c.Request().URL.RequestURI()}
}
