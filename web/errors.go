package web

import (
	"errors"
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
func (h *Handler) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
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
	if status >= 500 {
		h.log.LogAttrs(c.Request().Context(), slog.LevelError, "request failed",
			slog.String("method", c.Request().Method), slog.String("path", c.Request().URL.Path),
			slog.String("error", err.Error()))
	}
	if strings.HasPrefix(c.Request().URL.Path, "/api/") {
		_ = c.JSON(status, map[string]string{"error": msg})
		return
	}
	l := h.layout(c, http.StatusText(status), "")
	if rerr := render(c, status, views.ErrorPage(l, status, msg)); rerr != nil {
		_ = c.String(status, msg)
	}
}

// unwrapNotFound maps a wrapped store.ErrNotFound to a user-facing 404 with its message.
func unwrapNotFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return userError{http.StatusNotFound, strings.TrimSuffix(err.Error(), ": "+store.ErrNotFound.Error()) + " not found"}
	}
	return err
}
