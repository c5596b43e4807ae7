package web

import (
	"database/sql"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"sreport/seed"
)

// errDemoNotEmpty refuses the demo on a database that already holds data:
// the demo company would mix with real services.
var errDemoNotEmpty = userError{http.StatusConflict, "The database already holds services; the demo loads only into an empty one."}

// loadDemo fills an empty database with the deterministic demo company
// (the same data as `sreport serve --demo`), from the first-run page.
func (h *Handler) loadDemo(c echo.Context) error {
	ctx := c.Request().Context()
	// One load at a time: a second click while the first runs must not seed twice.
	select {
	case h.demoSlot <- struct{}{}:
		defer func() { <-h.demoSlot }()
	default:
		return userError{http.StatusConflict, "The demo is being loaded already; reload the scorecard in a minute."}
	}
	n, err := h.store.ServiceCount(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return errDemoNotEmpty
	}
	sum, err := seed.Generate(ctx, h.store.Writer(), seed.Options{Months: 18, Scale: 1, Seed: 42, End: h.cfg.Now()})
	if err != nil {
		return fmt.Errorf("web: load demo: %w", err)
	}
	a := h.Audit(c)
	a.Action, a.Entity, a.After = "load demo", "services", sum
	if err := h.store.WithAudit(ctx, a, func(*sql.Tx) error { return nil }); err != nil {
		return fmt.Errorf("web: audit demo load: %w", err)
	}
	h.log.Info("demo loaded from the first-run page", "services", sum.Services, "incidents", sum.Incidents, "actor", a.Actor)
	return c.Redirect(http.StatusSeeOther, "/scorecards?loaded=demo")
}
