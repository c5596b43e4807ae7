package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/imports"
	"sreport/analytics/store"
	"sreport/testutil"
)

// TestPagesWhere walks a page list narrowed by a Go predicate at several
// page sizes: every kept row comes once, in order, the dropped ones never,
// and the last page has no cursor.
func TestPagesWhere(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	b := &imports.Batch{Format: "test", Source: "test", Lines: map[string]int{}}
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	var want []string
	for i := range 11 {
		title := fmt.Sprintf("disk full %d", i)
		if i%3 == 0 {
			title = fmt.Sprintf("cpu high %d", i) // dropped
		} else {
			want = append(want, title)
		}
		id := fmt.Sprintf("p-%02d", i)
		b.Pages = append(b.Pages, analytics.Page{ExternalID: id, Service: "api", Title: title, Urgency: "high",
			TriggeredAt: start.Add(time.Duration(i) * time.Hour)})
		b.Lines[imports.PageKey(id)] = i + 2
	}
	if _, err := st.ApplyBatch(ctx, b, store.ApplyOptions{CreateServices: true}); err != nil {
		t.Fatal(err)
	}
	keep := func(p analytics.Page) bool { return strings.HasPrefix(p.Title, "disk") }
	for _, limit := range []int{1, 2, 3, 7, 50} {
		f := store.ListFilter{Sort: "triggered", Limit: limit}
		var got []string
		for pages := 0; ; pages++ {
			if pages > len(want) {
				t.Fatalf("limit %d: no last page", limit)
			}
			page, err := st.PagesWhere(ctx, f, keep)
			if err != nil {
				t.Fatalf("limit %d: %v", limit, err)
			}
			if len(page.Rows) > limit || (page.Next != "" && len(page.Rows) != limit) {
				t.Fatalf("limit %d: %d rows, next %q", limit, len(page.Rows), page.Next)
			}
			for _, p := range page.Rows {
				got = append(got, p.Title)
			}
			if page.Next == "" {
				break
			}
			f.After = page.Next
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("limit %d: %v, want %v", limit, got, want)
		}
	}
}
