package store_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/imports"
	"sreport/analytics/store"
	"sreport/testutil"
)

// incidentBatch is an export of one open incident of service svc per
// title, a minute apart, each on its own line.
func incidentBatch(svc string, titles ...string) *imports.Batch {
	b := &imports.Batch{Format: "test", Source: "test", Lines: map[string]int{}}
	det := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	for i, title := range titles {
		id := fmt.Sprintf("%s-%05d", svc, i)
		b.Incidents = append(b.Incidents, analytics.Incident{ExternalID: id, Service: svc, Title: title, Severity: 3,
			Status: analytics.StatusOpen, DetectedAt: det.Add(time.Duration(i) * time.Minute)})
		b.Lines[imports.IncidentKey(id)] = i + 2
	}
	return b
}

// TestCursorValueWithSeparator walks a title-sorted list whose page
// boundaries fall on titles holding the cursor's separator: every page
// loads, and the walk returns every row once, in order.
func TestCursorValueWithSeparator(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	titles := []string{"A", "Checkout | 5xx spike", "Checkout | 5xx spike", "Checkout || x", "|", "| leading", "trailing |",
		"a|b|c", "B", "Z"}
	if _, err := st.ApplyBatch(ctx, incidentBatch("api", titles...), store.ApplyOptions{CreateServices: true}); err != nil {
		t.Fatal(err)
	}
	for _, desc := range []bool{false, true} {
		for _, limit := range []int{1, 2, 3} {
			f := store.ListFilter{Sort: "title", Desc: desc, Limit: limit}
			var got []string
			seen := map[int64]bool{}
			for pages := 0; ; pages++ {
				if pages > len(titles) {
					t.Fatalf("desc=%v limit=%d: no last page", desc, limit)
				}
				page, err := st.Incidents(ctx, f)
				if err != nil {
					t.Fatalf("desc=%v limit=%d after %q: %v", desc, limit, f.After, err)
				}
				for _, in := range page.Rows {
					if seen[in.ID] {
						t.Fatalf("desc=%v limit=%d: incident %d twice", desc, limit, in.ID)
					}
					seen[in.ID] = true
					got = append(got, in.Title)
				}
				if page.Next == "" {
					break
				}
				f.After = page.Next
			}
			if len(got) != len(titles) {
				t.Fatalf("desc=%v limit=%d: walked %d of %d: %q", desc, limit, len(got), len(titles), got)
			}
			for i := 1; i < len(got); i++ {
				if desc && got[i] > got[i-1] || !desc && got[i] < got[i-1] {
					t.Fatalf("desc=%v limit=%d: %q before %q", desc, limit, got[i-1], got[i])
				}
			}
		}
	}
}

// TestMalformedCursor: a cursor this store did not issue is ErrBadCursor
// (a 400 page), never a query.
func TestMalformedCursor(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, tc := range []struct{ sort, after string }{
		{"title", "not base64!"},
		{"title", enc("no separator")},
		{"title", enc("Checkout | 5xx spike")}, // the id is not a number
		{"title", enc("x|")},
		{"title", enc("x|12a")},
		{"severity", enc("two|5")},
		{"severity", enc("2|5|6")},
		{"severity", enc("|5")},
	} {
		if _, err := st.Incidents(ctx, store.ListFilter{Sort: tc.sort, After: tc.after}); !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("sort=%s after=%q: %v, want ErrBadCursor", tc.sort, tc.after, err)
		}
	}
}
