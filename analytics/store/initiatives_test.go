package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/testutil"
)

// roadmapStore is a fresh database with two services and one risk.
func roadmapStore(t *testing.T) (*store.Store, analytics.Risk) {
	t.Helper()
	ctx := context.Background()
	st := testutil.NewStore(t)
	if _, err := st.Writer().ExecContext(ctx, `INSERT INTO services (name, tier) VALUES ('checkout', 0), ('payments-api', 1)`); err != nil {
		t.Fatal(err)
	}
	r, err := st.CreateRisk(ctx, newRisk(), riskAudit("ann@example.com", testutil.Now()))
	if err != nil {
		t.Fatal(err)
	}
	return st, r
}

func canary(risk string) analytics.Initiative {
	return analytics.Initiative{Title: "Canary releases for checkout", Owner: "ann@example.com", StartQuarter: "2026-Q2",
		EndQuarter: "2026-Q3", Status: analytics.InitiativeInProgress, KPI: analytics.KPIChangeFailureRate,
		TargetKind: analytics.TargetChange, Target: -0.05, Services: []string{"Checkout"}, Risks: []string{risk}}
}

func TestInitiativeLifecycle(t *testing.T) {
	ctx := context.Background()
	st, risk := roadmapStore(t)
	a := riskAudit("ann@example.com", testutil.Now())
	in, err := st.CreateInitiative(ctx, canary(risk.Code), a)
	if err != nil {
		t.Fatal(err)
	}
	// The service name is stored as the catalogue spells it.
	if in.Code != "I-001" || !slices.Equal(in.Services, []string{"checkout"}) || !slices.Equal(in.Risks, []string{risk.Code}) {
		t.Fatalf("created %+v", in)
	}
	linked, err := st.InitiativesForRisk(ctx, risk.Code)
	if err != nil || len(linked) != 1 || linked[0].Code != "I-001" {
		t.Fatalf("risk's initiatives %v, %v", linked, err)
	}

	edit := in
	edit.Status, edit.Services = analytics.InitiativeDelivered, []string{"checkout", "payments-api"}
	_, chs, err := st.UpdateInitiative(ctx, in.Code, edit, a)
	if err != nil {
		t.Fatal(err)
	}
	if len(chs) != 2 || chs[0].Field != "status" || chs[1].Field != "services" {
		t.Fatalf("changes %+v", chs)
	}
	// The audit row holds the changed fields only.
	var before, after string
	if err := st.Writer().QueryRowContext(ctx, `SELECT before_json, after_json FROM audit_log WHERE entity = 'initiatives' AND action = 'update'`).Scan(&before, &after); err != nil {
		t.Fatal(err)
	}
	var b, af map[string]string
	if json.Unmarshal([]byte(before), &b) != nil || json.Unmarshal([]byte(after), &af) != nil ||
		len(b) != 2 || b["status"] != "in_progress" || af["status"] != "delivered" || af["services"] != "checkout; payments-api" {
		t.Fatalf("audit before %s after %s", before, after)
	}
	// Saving the same values changes nothing and audits nothing.
	if _, chs, err := st.UpdateInitiative(ctx, in.Code, edit, a); err != nil || len(chs) != 0 {
		t.Fatalf("no-op edit: %v, %v", chs, err)
	}
	if n := countRows(t, st, `SELECT count(*) FROM audit_log WHERE entity = 'initiatives'`); n != 2 {
		t.Errorf("%d audit rows, want create + update", n)
	}

	bad := edit
	bad.EndQuarter = "2026-Q1"
	var ie *store.InvalidInitiativeError
	if _, _, err := st.UpdateInitiative(ctx, in.Code, bad, a); !errors.As(err, &ie) || ie.Fields["end_quarter"] == "" {
		t.Errorf("end before start: %v", err)
	}
	bad = edit
	bad.Risks = []string{"R-999"}
	if _, _, err := st.UpdateInitiative(ctx, in.Code, bad, a); !errors.Is(err, store.ErrUnknownRisk) {
		t.Errorf("unknown risk: %v", err)
	}

	if err := st.DeleteInitiative(ctx, in.Code, a); err != nil {
		t.Fatal(err)
	}
	if _, err := st.InitiativeByCode(ctx, in.Code); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
	if n := countRows(t, st, `SELECT count(*) FROM initiative_risks`); n != 0 {
		t.Errorf("%d risk links left", n)
	}
}

func TestImportInitiativesAllOrNothing(t *testing.T) {
	ctx := context.Background()
	st, risk := roadmapStore(t)
	a := riskAudit("ann@example.com", testutil.Now())
	kept := canary(risk.Code)
	kept.Code = "I-007"
	other := canary("")
	other.Risks, other.Title = nil, "Runbooks for tier 0"
	res, err := st.ImportInitiatives(ctx, store.InitiativeImport{Rows: []analytics.Initiative{other, kept}, Source: "roadmap.csv"}, a)
	if err != nil {
		t.Fatal(err)
	}
	// The file's code is kept; the uncoded row takes the next free one.
	if !slices.Equal(res.Created, []string{"I-007", "I-008"}) || len(res.Updated)+len(res.Unchanged) != 0 {
		t.Fatalf("first import %+v", res)
	}
	// A row failing inside the transaction leaves nothing behind.
	broken := canary(risk.Code)
	broken.Services = []string{"nowhere"}
	if _, err := st.ImportInitiatives(ctx, store.InitiativeImport{Rows: []analytics.Initiative{canary(risk.Code), broken}, Source: "x.csv"}, a); !errors.Is(err, store.ErrUnknownService) {
		t.Fatalf("unknown service: %v", err)
	}
	if n := countRows(t, st, `SELECT count(*) FROM initiatives`); n != 2 {
		t.Errorf("%d initiatives after a failed import, want 2", n)
	}
	// Re-importing what is stored changes nothing and writes no audit row.
	stored, err := st.Initiatives(ctx)
	if err != nil {
		t.Fatal(err)
	}
	audits := countRows(t, st, `SELECT count(*) FROM audit_log`)
	res, err = st.ImportInitiatives(ctx, store.InitiativeImport{Rows: stored, Source: "export.csv"}, a)
	if err != nil || len(res.Unchanged) != 2 || len(res.Created)+len(res.Updated) != 0 {
		t.Fatalf("re-import %+v, %v", res, err)
	}
	if n := countRows(t, st, `SELECT count(*) FROM audit_log`); n != audits {
		t.Errorf("re-import wrote %d audit rows", n-audits)
	}
}

// TestPerfRegressionFlagStored: the write API's flag is stored as 1, 0 or
// NULL (unknown), a re-send changes nothing, a changed flag updates the
// deploy, and the KPI input reads the three states back.
func TestPerfRegressionFlagStored(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	if _, err := st.Writer().ExecContext(ctx, `INSERT INTO services (name, tier) VALUES ('checkout', 0)`); err != nil {
		t.Fatal(err)
	}
	send := func(flags ...string) store.ImportResult {
		t.Helper()
		var items []json.RawMessage
		for i, f := range flags {
			rec := `{"external_id":"d` + string(rune('a'+i)) + `","service":"checkout","status":"success","finished_at":"2026-10-0` +
				string(rune('1'+i)) + `T10:00:00Z"`
			if f != "" {
				rec += `,"perf_regression":` + f
			}
			items = append(items, json.RawMessage(rec+"}"))
		}
		b, errs := ingest.ParseRecords("deploys", items, ingest.Options{})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		r, err := st.ApplyBatch(ctx, b, store.ApplyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	counts(t, "first", send("true", "false", ""), 3, 0, 0, 0)
	want(t, "stored", query(t, st, `SELECT group_concat(x, ' ') FROM (SELECT external_id || '=' || COALESCE(perf_regression, 'null') AS x
		FROM deploys ORDER BY external_id)`), "da=1 db=0 dc=null")
	counts(t, "re-send", send("true", "false", ""), 0, 0, 3, 0)
	counts(t, "flag cleared and set", send("false", "false", "true"), 0, 2, 1, 0)

	svcs, err := st.Services(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := analytics.NewMonth(2026, 10, time.UTC)
	in, err := st.KPIInput(ctx, svcs, analytics.DefaultSettings().LoadWindows(p))
	if err != nil {
		t.Fatal(err)
	}
	r := analytics.Compute(in, p, analytics.DefaultSettings())
	if r.Counts.DeploymentsPerfFlag != 3 || r.Counts.PerfRegressions != 1 || *r.KPIs.PerfRegressionRate != 1.0/3 {
		t.Errorf("perf regressions %d of %d, rate %v", r.Counts.PerfRegressions, r.Counts.DeploymentsPerfFlag, r.KPIs.PerfRegressionRate)
	}
}
