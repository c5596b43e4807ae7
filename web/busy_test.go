package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/mattn/go-sqlite3"

	"sreport/testutil"
)

// TestBusyDatabaseIs503: a write that gave up waiting for another
// process's writer answers 503 with Retry-After and says why, not a 500.
func TestBusyDatabaseIs503(t *testing.T) {
	h := &Handler{store: testutil.NewStore(t), cfg: Config{Now: testutil.Now}, log: slog.New(slog.DiscardHandler)}
	e := echo.New()
	rec := httptest.NewRecorder()
	c := e.NewContext(httptest.NewRequest(http.MethodPost, "/account/tokens", nil), rec)
	h.handleError(fmt.Errorf("store: create token: %w", sqlite3.Error{Code: sqlite3.ErrBusy}), c)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" ||
		!strings.Contains(rec.Body.String(), "busy with a large import") {
		t.Errorf("%d %q %.300s", rec.Code, rec.Header().Get("Retry-After"), rec.Body.String())
	}
}
