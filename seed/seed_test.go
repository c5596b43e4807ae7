package seed

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sreport/analytics/store"
)

var testEnd = time.Date(2026, 10, 14, 15, 4, 5, 0, time.UTC)

func openStore(t testing.TB, name string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func generate(t testing.TB, name string, opt Options) (*sql.DB, Summary) {
	t.Helper()
	st := openStore(t, name)
	sum, err := Generate(context.Background(), st.Writer(), opt)
	if err != nil {
		t.Fatal(err)
	}
	return st.Writer(), sum
}

// dumpTables hashes every application table, row by row in rowid order.
func dumpTables(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'goose%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	out := map[string]string{}
	for _, n := range names {
		rs, err := db.Query(`SELECT * FROM "` + n + `" ORDER BY rowid`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rs.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		h := sha256.New()
		count := 0
		for rs.Next() {
			if err := rs.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				fmt.Fprintf(h, "%T:%v\x1f", v, v)
			}
			h.Write([]byte{'\n'})
			count++
		}
		rs.Close()
		out[n] = fmt.Sprintf("%d:%x", count, h.Sum(nil))
	}
	return out
}

func TestDeterministic(t *testing.T) {
	opt := Options{End: testEnd}
	a, _ := generate(t, "a.db", opt)
	b, _ := generate(t, "b.db", opt)
	da, db := dumpTables(t, a), dumpTables(t, b)
	if len(da) != len(db) {
		t.Fatalf("table sets differ: %d vs %d", len(da), len(db))
	}
	for n, h := range da {
		if db[n] != h {
			t.Errorf("table %s differs: %s vs %s", n, h, db[n])
		}
	}

	opt.Seed = 7
	c, _ := generate(t, "c.db", opt)
	dc := dumpTables(t, c)
	for _, n := range []string{"incidents", "deploys", "pages", "sli_daily", "toil_entries"} {
		if dc[n] == da[n] {
			t.Errorf("table %s identical for a different seed", n)
		}
	}
}

func TestNotEmpty(t *testing.T) {
	st := openStore(t, "x.db")
	opt := Options{Months: 1, End: testEnd}
	if _, err := Generate(context.Background(), st.Writer(), opt); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(context.Background(), st.Writer(), opt); err != ErrNotEmpty {
		t.Fatalf("second Generate: got %v, want ErrNotEmpty", err)
	}
	if _, err := Generate(context.Background(), openStore(t, "y.db").Writer(), Options{}); err == nil {
		t.Fatal("Generate without End succeeded")
	}
}

func TestEdgeCases(t *testing.T) {
	// End exactly at a month start, in a non-UTC zone: a one-month window with no complete day.
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 3, 1, 1, 0, 0, 0, berlin) // 2026-03-01T00:00:00Z
	db, sum := generate(t, "edge.db", Options{Months: 1, End: end})
	if sum.Services != 24 || sum.SLIDays != 0 || sum.ToilWeeks != 0 {
		t.Errorf("unexpected summary %+v", sum)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM incidents WHERE detected_at > ?`, store.FormatTime(end)); n != 0 {
		t.Errorf("%d incidents after End", n)
	}

	// A cancelled context stops generation.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Generate(ctx, openStore(t, "cancel.db").Writer(), Options{End: testEnd}); err == nil {
		t.Error("Generate with a cancelled context succeeded")
	}
}

func count(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestScale1(t *testing.T) {
	db, sum := generate(t, "s1.db", Options{End: testEnd})
	t.Logf("summary: %+v", sum)

	// Summary matches the tables.
	for tbl, want := range map[string]int{
		"teams": sum.Teams, "services": sum.Services, "incidents": sum.Incidents, "deploys": sum.Deploys,
		"pages": sum.Pages, "sli_daily": sum.SLIDays, "toil_entries": sum.ToilWeeks,
		"action_items": sum.ActionItems, "risks": sum.Risks,
	} {
		if got := count(t, db, `SELECT COUNT(*) FROM `+tbl); got != want {
			t.Errorf("%s: %d rows, summary says %d", tbl, got, want)
		}
	}

	between := func(name string, got, lo, hi int) {
		t.Helper()
		if got < lo || got > hi {
			t.Errorf("%s = %d, want %d..%d", name, got, lo, hi)
		}
	}
	between("teams", sum.Teams, 6, 6)
	between("services", sum.Services, 24, 24)
	between("incidents", sum.Incidents, 600, 1400)
	between("deploys", sum.Deploys, 12000, 30000)
	between("pages", sum.Pages, 8000, 30000)
	between("sli days", sum.SLIDays, 40*540, 45*560)
	between("toil weeks", sum.ToilWeeks, 6*70, 6*80)
	between("action items", sum.ActionItems, 150, 700)
	between("risks", sum.Risks, 10, 15)

	for tier, want := range []int{4, 6, 8, 6} {
		between(fmt.Sprintf("tier %d services", tier), count(t, db, `SELECT COUNT(*) FROM services WHERE tier = ?`, tier), want, want)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM services s JOIN teams t ON t.id = s.team_id
		WHERE s.name = 'checkout' AND s.tier = 0 AND t.name = 'payments'`); n != 1 {
		t.Error("checkout (tier 0, payments) missing")
	}

	end := store.FormatTime(testEnd)
	endDay := testEnd.Format(store.DayLayout)
	// No event recorded after End (due/target/review dates are plans and may lie ahead).
	for _, q := range []string{
		`SELECT COUNT(*) FROM teams WHERE created_at > ?`,
		`SELECT COUNT(*) FROM services WHERE created_at > ?`,
		`SELECT COUNT(*) FROM deploys WHERE finished_at > ?1 OR started_at > ?1 OR commit_at > ?1`,
		`SELECT COUNT(*) FROM incidents WHERE started_at > ?1 OR detected_at > ?1 OR acknowledged_at > ?1
			OR mitigated_at > ?1 OR resolved_at > ?1 OR postmortem_published_at > ?1`,
		`SELECT COUNT(*) FROM pages WHERE triggered_at > ?1 OR acknowledged_at > ?1 OR resolved_at > ?1`,
		`SELECT COUNT(*) FROM action_items WHERE created_at > ?1 OR closed_at > ?1`,
		`SELECT COUNT(*) FROM risks WHERE created_at > ?1 OR updated_at > ?1 OR closed_at > ?1`,
		`SELECT COUNT(*) FROM risk_events WHERE at > ?1`,
	} {
		if n := count(t, db, q, end); n != 0 {
			t.Errorf("%d rows after End: %s", n, q)
		}
	}
	if n := count(t, db, `SELECT COUNT(*) FROM sli_daily WHERE day >= ?`, endDay); n != 0 {
		t.Errorf("%d SLI days at or after End's day", n)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM toil_entries WHERE date(week_start, '+7 days') > ? OR strftime('%w', week_start) != '1'`, endDay); n != 0 {
		t.Errorf("%d toil weeks incomplete or not starting on Monday", n)
	}
	// Timestamps are well-formed.
	if n := count(t, db, `SELECT COUNT(*) FROM incidents WHERE detected_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'`); n != 0 {
		t.Errorf("%d malformed detected_at", n)
	}

	// Lifecycle invariants.
	invariants := []string{
		`SELECT COUNT(*) FROM incidents WHERE started_at > detected_at`,
		`SELECT COUNT(*) FROM incidents WHERE acknowledged_at < detected_at`,
		`SELECT COUNT(*) FROM incidents WHERE mitigated_at < acknowledged_at`,
		`SELECT COUNT(*) FROM incidents WHERE resolved_at < COALESCE(mitigated_at, acknowledged_at, detected_at)`,
		`SELECT COUNT(*) FROM incidents WHERE resolved_at IS NOT NULL AND acknowledged_at IS NULL`,
		`SELECT COUNT(*) FROM incidents WHERE (status = 'resolved') != (resolved_at IS NOT NULL)`,
		`SELECT COUNT(*) FROM incidents WHERE status = 'open' AND acknowledged_at IS NOT NULL`,
		`SELECT COUNT(*) FROM incidents WHERE status = 'mitigated' AND (mitigated_at IS NULL OR resolved_at IS NOT NULL)`,
		`SELECT COUNT(*) FROM incidents WHERE severity NOT BETWEEN 1 AND 4 OR severity_raw != 'P' || severity`,
		`SELECT COUNT(*) FROM incidents WHERE severity <= 2 AND resolved_at IS NOT NULL AND postmortem_due_at IS NULL`,
		`SELECT COUNT(*) FROM incidents WHERE postmortem_published_at < resolved_at`,
		`SELECT COUNT(*) FROM incidents i JOIN deploys d ON d.id = i.caused_by_deploy_id
			WHERE d.finished_at > i.detected_at OR d.service_id != i.service_id OR d.environment != 'production'`,
		`SELECT COUNT(*) FROM deploys WHERE started_at > finished_at OR commit_at > started_at`,
		`SELECT COUNT(*) FROM pages WHERE acknowledged_at < triggered_at OR resolved_at < triggered_at OR resolved_at < acknowledged_at`,
		`SELECT COUNT(*) FROM pages p JOIN incidents i ON i.id = p.incident_id WHERE p.incident_ref != i.external_id OR p.service_id != i.service_id`,
		`SELECT COUNT(*) FROM action_items WHERE due_at < created_at OR closed_at < created_at`,
		`SELECT COUNT(*) FROM sli_daily WHERE good > total OR total <= 0`,
		`SELECT COUNT(*) FROM toil_entries WHERE toil_hours > total_hours`,
		`SELECT COUNT(*) FROM risks WHERE status = 'accepted' AND (acceptance_rationale = '' OR accepted_by = '')`,
		`SELECT COUNT(*) FROM risks WHERE (status = 'closed') != (closed_at IS NOT NULL)`,
		`SELECT COUNT(*) FROM risks r WHERE updated_at != (SELECT MAX(at) FROM risk_events e WHERE e.risk_id = r.id)`,
	}
	for _, q := range invariants {
		if n := count(t, db, q); n != 0 {
			t.Errorf("%d violations: %s", n, q)
		}
	}

	// Shape of the data.
	open := count(t, db, `SELECT COUNT(*) FROM incidents WHERE resolved_at IS NULL`)
	between("open incidents", open, 3, 10)
	sev1 := count(t, db, `SELECT COUNT(*) FROM incidents WHERE severity = 1`)
	sev4 := count(t, db, `SELECT COUNT(*) FROM incidents WHERE severity = 4`)
	if sev1*10 > sum.Incidents || sev4 < sev1*5 {
		t.Errorf("severity mix off: sev1=%d sev4=%d of %d", sev1, sev4, sum.Incidents)
	}
	between("explicit deploy links", count(t, db, `SELECT COUNT(*) FROM incidents WHERE caused_by_deploy_id IS NOT NULL`), 20, 400)
	between("third-party incidents", count(t, db, `SELECT COUNT(*) FROM incidents WHERE category = 'third-party'`), 30, 400)
	between("incidents with problem_ref", count(t, db, `SELECT COUNT(*) FROM incidents WHERE problem_ref != ''`), 50, 600)
	between("rollbacks", count(t, db, `SELECT COUNT(*) FROM deploys WHERE is_rollback = 1`), 50, 1000)
	between("hotfixes", count(t, db, `SELECT COUNT(*) FROM deploys WHERE is_hotfix = 1`), 20, 500)
	between("staging deploys", count(t, db, `SELECT COUNT(*) FROM deploys WHERE environment = 'staging'`), 2000, 15000)
	between("failed deploys", count(t, db, `SELECT COUNT(*) FROM deploys WHERE status != 'success'`), 300, 3000)
	between("late postmortems", count(t, db, `SELECT COUNT(*) FROM incidents WHERE postmortem_published_at > postmortem_due_at`), 3, 100)
	between("overdue postmortems", count(t, db, `SELECT COUNT(*) FROM incidents WHERE postmortem_published_at IS NULL AND postmortem_due_at < ?`, end), 3, 100)
	between("overdue action items", count(t, db, `SELECT COUNT(*) FROM action_items WHERE closed_at IS NULL AND due_at < ?`, end), 5, 300)
	between("risk links", count(t, db, `SELECT COUNT(*) FROM risk_incidents`), 3, 20)
	noisy := count(t, db, `SELECT COUNT(*) FROM pages p JOIN services s ON s.id = p.service_id
		WHERE s.name IN ('ingress-controller','email-sender') AND p.acknowledged_at IS NULL AND p.auto_resolved = 1
		AND p.resolved_at <= strftime('%Y-%m-%dT%H:%M:%SZ', p.triggered_at, '+10 minutes')`)
	if noisy*4 < sum.Pages {
		t.Errorf("noisy services produced only %d noise pages of %d", noisy, sum.Pages)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM (SELECT problem_ref FROM incidents WHERE problem_ref != '' GROUP BY problem_ref HAVING COUNT(*) >= 3)`); n < 10 {
		t.Errorf("only %d recurring problems", n)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM incidents WHERE title LIKE 'Elevated 5xx on checkout pod checkout-%'`); n < 3 {
		t.Errorf("only %d repeat checkout 5xx incidents", n)
	}
}

func TestScaleMultiplies(t *testing.T) {
	opt := Options{Months: 2, End: testEnd}
	_, s1 := generate(t, "a.db", opt)
	opt.Scale = 5
	_, s5 := generate(t, "b.db", opt)
	if s5.Services != s1.Services || s5.SLIDays != s1.SLIDays {
		t.Errorf("scale changed the catalogue: %+v vs %+v", s1, s5)
	}
	for _, c := range [][3]any{{"incidents", s1.Incidents, s5.Incidents}, {"deploys", s1.Deploys, s5.Deploys}, {"pages", s1.Pages, s5.Pages}} {
		a, b := c[1].(int), c[2].(int)
		if b < 3*a || b > 7*a {
			t.Errorf("%s: scale 1 %d, scale 5 %d", c[0], a, b)
		}
	}
}

func TestTitleCase(t *testing.T) {
	if got := titleCase("payments-api"); got != "Payments Api" {
		t.Errorf("titleCase = %q", got)
	}
	if id := pdID('Q', 1, rand.New(rand.NewPCG(1, 2))); len(id) != 14 || !strings.HasPrefix(id, "Q") {
		t.Errorf("pdID = %q", id)
	}
}

func BenchmarkGenerateScale1(b *testing.B) {
	for i := 0; i < b.N; i++ {
		st := openStore(b, fmt.Sprintf("b%d.db", i))
		if _, err := Generate(context.Background(), st.Writer(), Options{End: testEnd}); err != nil {
			b.Fatal(err)
		}
	}
}
