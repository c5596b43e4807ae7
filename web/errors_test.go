package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"
)

// syncBuffer collects log output written by the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// logLines decodes the JSON log lines with the given message.
func (b *syncBuffer) logLines(t *testing.T, msg string) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// TestFailuresAreLogged drives handlers that fail in the three ways a
// request can, through the middleware every request passes (request log,
// panic recovery, error handler), and reads the log they leave.
func TestFailuresAreLogged(t *testing.T) {
	cases := []struct {
		name       string
		handler    echo.HandlerFunc
		wantStatus int    // what the client gets
		wantBody   string // part of what the client reads
		failMsg    string // the error handler's log message
		wantErr    string // its "error" attribute
		sentStatus int    // the status already sent, when the response had started
	}{
		{
			name: "error before the response",
			handler: func(c echo.Context) error {
				return errors.New("load incidents: database is locked")
			},
			wantStatus: http.StatusInternalServerError,
			wantBody:   "Something went wrong on our side",
			failMsg:    "request failed",
			wantErr:    "load incidents: database is locked",
		},
		{
			name: "error after the response started",
			handler: func(c echo.Context) error {
				c.Response().Header().Set(echo.HeaderContentType, "text/csv")
				c.Response().WriteHeader(http.StatusOK)
				_, _ = io.WriteString(c.Response(), "id,title\n1,first\n")
				return errors.New("export risks: next row: disk I/O error")
			},
			wantStatus: http.StatusOK,
			wantBody:   "1,first",
			failMsg:    "request failed after the response started",
			wantErr:    "export risks: next row: disk I/O error",
			sentStatus: http.StatusOK,
		},
		{
			name: "panic",
			handler: func(c echo.Context) error {
				panic(fmt.Errorf("incident %d has no service", 7))
			},
			wantStatus: http.StatusInternalServerError,
			wantBody:   "Something went wrong on our side",
			failMsg:    "request failed",
			wantErr:    "panic: incident 7 has no service",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var logs syncBuffer
			h := &Handler{cfg: Config{Version: "test"}, log: slog.New(slog.NewJSONHandler(&logs, nil))}
			e := h.newEcho()
			e.GET("/fail", tc.handler)
			srv := httptest.NewServer(e)
			res, err := http.Get(srv.URL + "/fail")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			srv.Close() // waits for the handler, so every log line is written
			if res.StatusCode != tc.wantStatus || !strings.Contains(string(body), tc.wantBody) {
				t.Fatalf("client got %d %q, want %d with %q", res.StatusCode, body, tc.wantStatus, tc.wantBody)
			}
			if strings.Contains(string(body), tc.wantErr) {
				t.Errorf("the error's text reached the client: %q", body)
			}

			fails := logs.logLines(t, tc.failMsg)
			if len(fails) != 1 {
				t.Fatalf("%d %q log lines, want 1:\n%s", len(fails), tc.failMsg, logs.buf.String())
			}
			f := fails[0]
			if f["level"] != "ERROR" || f["error"] != tc.wantErr || f["status"] != float64(500) || f["path"] != "/fail" {
				t.Errorf("failure logged as %v", f)
			}
			if tc.sentStatus != 0 && f["sent_status"] != float64(tc.sentStatus) {
				t.Errorf("sent_status %v, want %d", f["sent_status"], tc.sentStatus)
			}
			stack, _ := f["stack"].(string)
			if tc.name == "panic" {
				// The stack names the function that panicked.
				if !strings.Contains(stack, "web.TestFailuresAreLogged") || !strings.Contains(stack, "errors_test.go") {
					t.Errorf("panic logged without its stack: %q", stack)
				}
			} else if stack != "" {
				t.Errorf("stack logged for a plain error: %q", stack)
			}

			reqs := logs.logLines(t, "request")
			if len(reqs) != 1 {
				t.Fatalf("%d request log lines, want 1:\n%s", len(reqs), logs.buf.String())
			}
			// The request log counts the failure as a 500 even when a 200
			// had gone out before it.
			if r := reqs[0]; r["status"] != float64(500) {
				t.Errorf("request logged with status %v, want 500: %v", r["status"], r)
			}
			if got, want := reqs[0]["sent_status"], tc.sentStatus; (want == 0 && got != nil) || (want != 0 && got != float64(want)) {
				t.Errorf("request log sent_status %v, want %d", got, want)
			}
		})
	}
}
