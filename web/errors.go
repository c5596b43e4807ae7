package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"sreport/analytics/store"
	"sreport/views"
)

// errBadRequest marks input errors whose message is safe to show.
type userError struct {
	status int
	msg    string
}

func (e userError) Error() string { return e.msg }

func badRequest(msg string) error { return userError{http.StatusBadRequest, msg} }

func notFound(what string) error { return userError{http.StatusNotFound, what + " not found"} }

// handleError turns a handler's error into a page (or JSON under /api/):
// 5xx are logged with request attributes and never show internals to users.
// An error after the response has started (a streamed CSV that fails half
// way) can no longer change what the client got, so it is only logged, with
// the status the error stands for and the status already sent.
func (h *Handler) handleError(err error, c echo.Context) {
	if clientGone(c, err) {
		// The work stopped because the reader left: nothing failed on our
		// side and nobody is waiting for a page.
		h.log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request cancelled by the client",
			slog.String("method", c.Request().Method), slog.String("path", c.Request().URL.Path))
		if !c.Response().Committed {
			_ = c.NoContent(StatusClientClosedRequest)
		}
		return
	}
	status, msg := errorStatus(err)
	if status == http.StatusServiceUnavailable && store.IsBusy(err) {
		c.Response().Header().Set("Retry-After", "60")
	}
	if res := c.Response(); res.Committed {
		h.logFailure(c, "request failed after the response started", status, err, slog.Int("sent_status", res.Status))
		return
	}
	if status >= 500 {
		h.logFailure(c, "request failed", status, err)
	}
	if p := c.Request().URL.Path; strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/webhooks/") {
		_ = c.JSON(status, map[string]string{"error": msg})
		return
	}
	l := h.layout(c, http.StatusText(status), "")
	if rerr := render(c, status, views.ErrorPage(l, status, msg)); rerr != nil {
		_ = c.String(status, msg)
	}
}

// StatusClientClosedRequest is the status logged for a request whose client
// went away before the answer was ready (nginx's 499): not a server error.
const StatusClientClosedRequest = 499

// clientGone reports whether err is the request's own context ending
// because the client disconnected.
func clientGone(c echo.Context, err error) bool {
	return errors.Is(err, context.Canceled) && errors.Is(c.Request().Context().Err(), context.Canceled)
}

// errorStatus is the status a handler's error answers with and the message
// a user may see: the error's own for input errors, a generic one for ours.
func errorStatus(err error) (int, string) {
	status, msg := http.StatusInternalServerError, "Something went wrong on our side. The error has been logged."
	var ue userError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ue):
		status, msg = ue.status, ue.msg
	case errors.Is(err, store.ErrBadCursor):
		status, msg = http.StatusBadRequest, "That page link is not valid any more; start from the first page."
	case errors.Is(err, store.ErrNotFound):
		status, msg = http.StatusNotFound, "Not found."
	case store.IsBusy(err):
		// Another process (a command-line import) has held the database
		// longer than a write waits: nothing was saved, and the same
		// request will work once it is done.
		status, msg = http.StatusServiceUnavailable, "The database is busy with a large import right now, so nothing was saved. Try again in a minute."
	case errors.As(err, &he):
		status = he.Code
		if status < 500 {
			if m, ok := he.Message.(string); ok {
				msg = m
			} else {
				msg = http.StatusText(status)
			}
		}
	}
	return status, msg
}

// logFailure logs a failed request with its attributes, and the stack of
// a recovered panic.
func (h *Handler) logFailure(c echo.Context, msg string, status int, err error, extra ...slog.Attr) {
	req := c.Request()
	attrs := append([]slog.Attr{
		slog.String("method", req.Method), slog.String("path", req.URL.Path),
		slog.Int("status", status), slog.String("error", err.Error()),
	}, extra...)
	var pe *panicError
	if errors.As(err, &pe) {
		attrs = append(attrs, slog.String("stack", string(pe.stack)))
	}
	h.log.LogAttrs(req.Context(), slog.LevelError, msg, attrs...)
}

// panicError is a handler's recovered panic with the stack it happened on.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v", e.value) }

// unwrapNotFound maps a wrapped store.ErrNotFound to a user-facing 404 with its message.
func unwrapNotFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return userError{http.StatusNotFound, strings.TrimSuffix(err.Error(), ": "+store.ErrNotFound.Error()) + " not found"}
	}
	return err
}
