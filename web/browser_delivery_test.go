package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"sreport/analytics/store"
	"sreport/secrets"
	"sreport/testutil"
	"sreport/web"
)

// TestBrowserReportDelivery sets up mail on /admin/delivery against a real
// SMTP server on loopback, schedules team payments' quarterly report and
// sends a test now: the message arrives with the report's PDF attached
// (its first page the executive summary) and a link to the web report;
// the SMTP password is stored sealed and never audited.
func TestBrowserReportDelivery(t *testing.T) {
	testutil.Browser(t) // the PDF needs Chromium; skips (or fails under SREPORT_REQUIRE_BROWSER) without it
	smtpSrv := testutil.StartSMTP(t, "reports", "s3cret-smtp-pw")
	st := testutil.DemoStore(t)
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	box, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.New(st, web.Config{Now: testutil.Now, Secrets: box, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
	signIn(t, st, srv.URL, web.RoleAdmin)
	ctx := context.Background()

	status, body, _ := postForm(t, srv.URL+"/admin/delivery/smtp", url.Values{"host": {smtpSrv.Host}, "port": {strconv.Itoa(smtpSrv.Port)},
		"security": {"none"}, "username": {"reports"}, "password": {"s3cret-smtp-pw"}, "sender": {"sreport@example.com"},
		"public_url": {"https://sreport.example.com/"}})
	if status != http.StatusOK || !strings.Contains(body, "The mail server was saved.") {
		t.Fatalf("save SMTP: %d", status)
	}
	m, err := st.SMTP(ctx)
	if err != nil || !strings.HasPrefix(m.PasswordSealed, "v1:") || strings.Contains(m.PasswordSealed, "s3cret") {
		t.Fatalf("stored password = %q, %v: want it sealed", m.PasswordSealed, err)
	}
	audit, err := st.AuditEntries(ctx, store.AuditFilter{Entity: "smtp_settings", Limit: 5})
	if err != nil || len(audit) != 1 || strings.Contains(audit[0].After, "s3cret") || strings.Contains(audit[0].After, "v1:") {
		t.Fatalf("audit = %+v, %v", audit, err)
	}
	// Saving again without a password keeps the stored one.
	if status, _, _ := postForm(t, srv.URL+"/admin/delivery/smtp", url.Values{"host": {smtpSrv.Host}, "port": {strconv.Itoa(smtpSrv.Port)},
		"security": {"none"}, "username": {"reports"}, "sender": {"sreport@example.com"}, "public_url": {"https://sreport.example.com"}}); status != http.StatusOK {
		t.Fatalf("save SMTP again: %d", status)
	}
	if m2, _ := st.SMTP(ctx); m2.PasswordSealed != m.PasswordSealed {
		t.Error("saving without a password dropped the stored one")
	}
	if status, body, _ := postForm(t, srv.URL+"/admin/delivery/schedules", url.Values{"kind": {"quarter"}, "team": {"payments"},
		"recipients": {"vp@example.com, not an address"}}); status != http.StatusUnprocessableEntity || !strings.Contains(body, "not e-mail addresses") {
		t.Errorf("bad recipients: %d", status)
	}
	status, body, _ = postForm(t, srv.URL+"/admin/delivery/schedules", url.Values{"kind": {"quarter"}, "team": {"payments"},
		"recipients": {"vp@example.com\nlead@example.com"}})
	if status != http.StatusOK || !strings.Contains(body, "The schedule was added.") || !strings.Contains(body, "Team payments") {
		t.Fatalf("add schedule: %d", status)
	}
	scheds, err := st.ReportSchedules(ctx)
	if err != nil || len(scheds) != 1 {
		t.Fatalf("schedules = %v, %v", scheds, err)
	}

	status, body, _ = postForm(t, srv.URL+"/admin/delivery/schedules/"+strconv.FormatInt(scheds[0].ID, 10)+"/test", nil)
	if status != http.StatusOK || !strings.Contains(body, "The test report was sent") {
		t.Fatalf("send a test now: %d %s", status, body)
	}
	msgs := smtpSrv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages delivered, want 1", len(msgs))
	}
	msg := msgs[0]
	if msg.AuthUser != "reports" || strings.Join(msg.To, ",") != "vp@example.com,lead@example.com" || msg.From != "sreport@example.com" {
		t.Errorf("envelope = from %s to %v as %q", msg.From, msg.To, msg.AuthUser)
	}
	p := testutil.ParseMail(t, msg.Data)
	if subj := p.Subject; !strings.Contains(subj, "Q3 2026") || !strings.Contains(subj, "Team payments") {
		t.Errorf("subject = %q", subj)
	}
	if !strings.Contains(p.Text, "https://sreport.example.com/reports/2026-Q3?team=payments") {
		t.Errorf("text lacks the report link:\n%s", p.Text)
	}
	pdf, ok := p.Attachments["sreport-2026-Q3-team-payments.pdf"]
	if !ok || p.Types["sreport-2026-Q3-team-payments.pdf"] != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("attachments = %v (types %v)", len(p.Attachments), p.Types)
	}
	path := filepath.Join(t.TempDir(), "attached.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("SREPORT_REQUIRE_BROWSER") == "1" {
			t.Fatal("pdftotext not installed (poppler-utils)")
		}
		t.Skip("pdftotext not installed")
	}
	first := strings.Join(strings.Fields(pdfPageText(t, path, 1)), " ")
	for _, w := range []string{"Executive summary", "Q3 2026", "Team payments", "Services against their tier targets"} {
		if !strings.Contains(first, w) {
			t.Errorf("the attached PDF's page 1 lacks %q:\n%s", w, first)
		}
	}
	// A test is not the scheduled delivery: the quarter is still due.
	if scheds, _ := st.ReportSchedules(ctx); scheds[0].LastPeriod != "" {
		t.Errorf("a test marked %s delivered", scheds[0].LastPeriod)
	}
}
