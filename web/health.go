package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// ReadyCheck is one component reported on /readyz, such as replication or
// scheduled backups.
type ReadyCheck struct {
	Name string
	// Required checks make /readyz answer 503 when they fail. Replication
	// and backups are not required: the app serves correctly without its
	// replica, and taking it out of rotation would turn a storage outage
	// into an app outage. Alert on their metrics instead.
	Required bool
	// Check reports whether the component is healthy and a short detail.
	// Details are public (like /readyz): no URLs, hosts or error texts.
	Check func(ctx context.Context) (ok bool, detail string)
}

// healthz answers as long as the process serves requests.
func (h *Handler) healthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok\n")
}

// readyz answers 200 when the database answers a query and every required
// check passes. The body's first line is "ready" or "not ready"; one line
// per component follows, [+] healthy or [-] not, as Kubernetes components
// print theirs.
func (h *Handler) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	var b strings.Builder
	ready := true
	line := func(ok bool, name, detail string) {
		mark := "[+]"
		if !ok {
			mark = "[-]"
		}
		b.WriteString(mark + " " + name)
		if detail != "" {
			b.WriteString(": " + detail)
		}
		b.WriteString("\n")
	}
	if err := h.store.Ping(ctx); err != nil {
		h.log.Warn("not ready", "error", err)
		ready = false
		line(false, "database", "unavailable")
	} else {
		line(true, "database", "")
	}
	for _, rc := range h.cfg.ReadyChecks {
		ok, detail := rc.Check(ctx)
		if !ok && rc.Required {
			ready = false
		}
		line(ok, rc.Name, detail)
	}
	if !ready {
		return c.String(http.StatusServiceUnavailable, "not ready\n"+b.String())
	}
	return c.String(http.StatusOK, "ready\n"+b.String())
}
