package store_test

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/store"
	"sreport/seed"
	"sreport/testutil"
)

// TestSLIDaysMatchPlainScan: SLIDaysInRange, which keeps each distinct
// name and day once, returns what scanning every column of every row
// returns, for random ranges and sets of services.
func TestSLIDaysMatchPlainScan(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	end := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	if _, err := seed.Generate(ctx, st.Writer(), seed.Options{Months: 3, Scale: 1, Seed: 7, End: end}); err != nil {
		t.Fatal(err)
	}
	plain := func(ids []int64, from, to time.Time) []analytics.SLIDay {
		t.Helper()
		q := `SELECT d.slo_id, o.service_id, s.name, o.name, o.objective, d.day, d.good, d.total
			FROM sli_daily d JOIN slos o ON o.id = d.slo_id JOIN services s ON s.id = o.service_id
			WHERE d.day >= ? AND d.day < ? ORDER BY d.day, d.slo_id`
		rows, err := st.Writer().QueryContext(ctx, q, from.Format(store.DayLayout), to.Format(store.DayLayout))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		keep := map[int64]bool{}
		for _, id := range ids {
			keep[id] = true
		}
		var out []analytics.SLIDay
		for rows.Next() {
			var d analytics.SLIDay
			var day string
			if err := rows.Scan(&d.SLOID, &d.ServiceID, &d.Service, &d.SLO, &d.Objective, &day, &d.Good, &d.Total); err != nil {
				t.Fatal(err)
			}
			if d.Day, err = time.Parse(store.DayLayout, day); err != nil {
				t.Fatal(err)
			}
			if ids == nil || keep[d.ServiceID] {
				out = append(out, d)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	services, err := st.Services(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 5))
	compared := 0
	for i := range 40 {
		from := end.AddDate(0, 0, -rng.IntN(100))
		to := from.AddDate(0, 0, rng.IntN(40))
		var ids []int64
		if i%4 != 0 {
			ids = []int64{}
			for _, s := range services {
				if rng.IntN(2) == 0 {
					ids = append(ids, s.ID)
				}
			}
		}
		got, err := st.SLIDaysInRange(ctx, ids, from, to)
		if err != nil {
			t.Fatal(err)
		}
		want := plain(ids, from, to)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("range %s..%s, services %v: %d days, want %d", from.Format(time.DateOnly), to.Format(time.DateOnly), ids, len(got), len(want))
		}
		compared += len(want)
	}
	if compared < 1000 {
		t.Fatalf("only %d SLI days compared: the seed or the ranges are too thin to test", compared)
	}
}
