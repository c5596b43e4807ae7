package web

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/scorecard"
	"sreport/analytics/store"
	"sreport/testutil"
)

// TestBrowserRunDueDeliveries runs the scheduler's pass as serve does: a due
// schedule is mailed once (a second pass sends nothing), and a failure is
// recorded and not retried before analytics.RetryAfter.
func TestBrowserRunDueDeliveries(t *testing.T) {
	testutil.Browser(t)
	ctx := context.Background()
	smtpSrv := testutil.StartSMTP(t, "", "")
	st := testutil.DemoStore(t)
	now := testutil.Now()
	h := &Handler{store: st, cfg: Config{Now: func() time.Time { return now }, Version: "test"},
		log: slog.New(slog.NewTextHandler(io.Discard, nil)), cache: scorecard.NewCache(8), pdfSlots: make(chan struct{}, 1)}
	a := store.Audit{Actor: "test"}
	if err := st.SaveSMTP(ctx, store.SMTPSettings{Host: smtpSrv.Host, Port: smtpSrv.Port, Security: "none", Sender: "sreport@example.com"}, a); err != nil {
		t.Fatal(err)
	}
	created := now.AddDate(0, -4, 0)
	id, err := st.CreateReportSchedule(ctx, analytics.ReportSchedule{Kind: analytics.Month, Recipients: []string{"vp@example.com"}, CreatedAt: created}, a)
	if err != nil {
		t.Fatal(err)
	}
	sent, err := h.runDueDeliveries(ctx)
	if err != nil || sent != 1 || len(smtpSrv.Messages()) != 1 {
		t.Fatalf("first pass: sent %d (%d received), %v", sent, len(smtpSrv.Messages()), err)
	}
	sc, _ := st.ReportSchedule(ctx, id)
	want := analytics.MonthOf(now, time.UTC).Prev().Label
	if sc.LastPeriod != want || sc.LastSentAt == nil || sc.LastError != "" {
		t.Errorf("after delivery: %+v, want last period %s", sc, want)
	}
	if p := testutil.ParseMail(t, smtpSrv.Messages()[0].Data); !strings.Contains(p.Subject, "Organisation") || len(p.Attachments) != 1 {
		t.Errorf("message: subject %q, %d attachments", p.Subject, len(p.Attachments))
	}
	if sent, err := h.runDueDeliveries(ctx); err != nil || sent != 0 {
		t.Errorf("second pass sent %d, %v: a period goes out once", sent, err)
	}

	// The server goes away: the attempt is recorded and waits before a retry.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if err := st.SaveSMTP(ctx, store.SMTPSettings{Host: "127.0.0.1", Port: closed, Security: "none", Sender: "sreport@example.com"}, a); err != nil {
		t.Fatal(err)
	}
	qid, err := st.CreateReportSchedule(ctx, analytics.ReportSchedule{Kind: analytics.Quarter, Recipients: []string{"vp@example.com"}, CreatedAt: created}, a)
	if err != nil {
		t.Fatal(err)
	}
	if sent, err := h.runDueDeliveries(ctx); err != nil || sent != 0 {
		t.Fatalf("failing pass: sent %d, %v", sent, err)
	}
	q, _ := st.ReportSchedule(ctx, qid)
	if q.LastError == "" || q.LastTryAt == nil || q.LastPeriod != "" {
		t.Fatalf("failure not recorded: %+v", q)
	}
	if _, due := q.DuePeriod(now.Add(time.Minute), time.UTC); due {
		t.Error("a failed delivery is due again a minute later")
	}
	if _, due := q.DuePeriod(now.Add(analytics.RetryAfter+time.Minute), time.UTC); !due {
		t.Error("a failed delivery is not retried after RetryAfter")
	}
}
