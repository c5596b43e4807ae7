package web

import (
	"time"

	"github.com/labstack/echo/v4"
)

// routeUnmatched labels requests no route matched, so scanners probing
// random paths cannot create a series per path.
const routeUnmatched = "unmatched"

// observeRequests records each request's duration under its route template
// (c.Path(), e.g. /services/:name), not the raw path. It runs outermost and
// hands errors to the error handler itself, so the status it records is the
// one the client got, error pages and recovered panics included.
func (h *Handler) observeRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" || c.Response().Status == 404 && !h.isRoute(route) {
			route = routeUnmatched
		}
		h.cfg.Metrics.ObserveRequest(c.Request().Method, route, c.Response().Status, time.Since(start))
		return nil
	}
}

// isRoute reports whether path is a registered route template.
func (h *Handler) isRoute(path string) bool {
	for _, r := range h.table {
		if r.Path == path {
			return true
		}
	}
	return false
}
