package web

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"

	"sreport/analytics"
	"sreport/analytics/scorecard"
	"sreport/views"
)

// TestChartMemoDrawsWhatTrendChartsDraws: the memo answers what drawing
// afresh gives, once per set of figures, and tells different figures,
// scopes and prefixes apart.
func TestChartMemoDrawsWhatTrendChartsDraws(t *testing.T) {
	ctx := context.Background()
	loc := time.UTC
	end := analytics.MonthOf(time.Date(2026, 11, 15, 0, 0, 0, 0, loc), loc)
	months := []analytics.Period{end.Prev().Prev(), end.Prev(), end}
	results := func(mttr float64) []analytics.Result {
		rs := make([]analytics.Result, len(months))
		for i := range rs {
			v, n := mttr+float64(i), float64(3+i)
			rs[i].KPIs.MTTRMinutes, rs[i].KPIs.IncidentsTotal = &v, &n
			rs[i].Counts.Incidents, rs[i].Counts.ResolvedIncidents = 3+i, 3+i
		}
		return rs
	}
	env := scorecard.Env{Settings: analytics.DefaultSettings()}
	tier := 0
	a, b := results(40), results(90)
	m := newChartMemo(8)
	first := m.trendCharts(ctx, "svc", months, a, env, &tier, "")
	if len(first) == 0 || first[0].Empty != "" && first[1].Empty != "" {
		t.Fatalf("nothing drawn: %+v", first)
	}
	if !reflect.DeepEqual(first, trendCharts(ctx, "svc", months, a, env, &tier, "")) {
		t.Fatal("memo's charts differ from a fresh drawing")
	}
	if again := m.trendCharts(ctx, "svc", months, a, env, &tier, ""); !reflect.DeepEqual(again, first) {
		t.Fatal("second call differs")
	}
	if m.entries.Len() != 1 {
		t.Fatalf("%d entries after drawing one set twice, want 1", m.entries.Len())
	}
	other := m.trendCharts(ctx, "svc", months, b, env, &tier, "")
	if reflect.DeepEqual(other, first) {
		t.Fatal("other figures were answered with the first figures' charts")
	}
	if !reflect.DeepEqual(other, trendCharts(ctx, "svc", months, b, env, &tier, "")) {
		t.Fatal("memo's charts of the other figures differ from a fresh drawing")
	}
	m.trendCharts(ctx, "trend", months, a, env, &tier, "")
	m.trendCharts(ctx, "svc", months, a, env, nil, "")
	if m.entries.Len() != 4 {
		t.Fatalf("%d entries, want 4 (two figure sets, another prefix, another scope)", m.entries.Len())
	}
	// Each request's scripts carry its own CSP nonce.
	n1 := m.trendCharts(templ.WithNonce(ctx, "nonce-one"), "rpt", months, a, env, &tier, "")
	n2 := m.trendCharts(templ.WithNonce(ctx, "nonce-two"), "rpt", months, a, env, &tier, "")
	drawn := slices.IndexFunc(n1, func(c views.Chart) bool { return c.Script != "" })
	if drawn < 0 {
		t.Fatal("no chart drawn")
	}
	if !strings.Contains(n1[drawn].Script, `nonce="nonce-one"`) || !strings.Contains(n2[drawn].Script, `nonce="nonce-two"`) || strings.Contains(n2[drawn].Script, "nonce-one") {
		t.Fatalf("nonces not per request:\n%.80s\n%.80s", n1[drawn].Script, n2[drawn].Script)
	}
	if !strings.Contains(n1[drawn].Script, `nonce="nonce-one"`) {
		t.Fatal("the first drawing lost its nonce to the second")
	}
	var none *chartMemo
	if !reflect.DeepEqual(none.trendCharts(ctx, "svc", months, a, env, &tier, ""), first) {
		t.Fatal("a nil memo does not draw")
	}
}
