package web

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"sreport/analytics"
	"sreport/analytics/scorecard"
	"sreport/views"
)

// chartMemo keeps the trend charts drawn for a cached series or report:
// drawing them (go-echarts options, marshalled per chart) was a sixth of
// the server's CPU under sixteen viewers, every one redrawing the same
// charts of the same cached figures. An entry is keyed by the figures'
// own backing array, not by the data version: a page served stale draws
// the stale figures' charts, and the array, held by the key, cannot be
// reused for other figures while the entry lives.
type chartMemo struct {
	mu      sync.Mutex
	entries *simplelru.LRU[chartKey, drawnCharts]
}

// drawnCharts are charts as drawn for one request, whose CSP nonce their
// scripts carry: another request gets them with its own.
type drawnCharts struct {
	charts []views.Chart
	nonce  string
}

// chartKey names one drawing of trend charts.
type chartKey struct {
	results           *analytics.Result // the first month's result in the cached figures
	n                 int
	prefix, href      string
	tier              int
	tiered            bool
	firstFrom, lastTo int64
}

func newChartMemo(size int) *chartMemo {
	entries, err := simplelru.NewLRU[chartKey, drawnCharts](size, nil)
	if err != nil {
		panic(err) // size is a positive constant
	}
	return &chartMemo{entries: entries}
}

// trendCharts is the package's trendCharts, drawn once per cached set of
// figures and scope; a nil memo draws every time.
func (m *chartMemo) trendCharts(ctx context.Context, idPrefix string, ms []analytics.Period, rs []analytics.Result, env scorecard.Env, tier *int, importHref string) []views.Chart {
	if m == nil || len(rs) == 0 || len(ms) != len(rs) {
		return trendCharts(ctx, idPrefix, ms, rs, env, tier, importHref)
	}
	k := chartKey{results: &rs[0], n: len(rs), prefix: idPrefix, href: importHref,
		firstFrom: ms[0].From.UnixNano(), lastTo: ms[len(ms)-1].To.UnixNano()}
	if tier != nil {
		k.tier, k.tiered = *tier, true
	}
	m.mu.Lock()
	d, ok := m.entries.Get(k)
	m.mu.Unlock()
	n := nonce(ctx)
	if !ok {
		cs := trendCharts(ctx, idPrefix, ms, rs, env, tier, importHref)
		m.mu.Lock()
		m.entries.Add(k, drawnCharts{charts: cs, nonce: n})
		m.mu.Unlock()
		return cs
	}
	cs := slices.Clone(d.charts)
	for i := range cs {
		cs[i].Script = strings.Replace(cs[i].Script, `nonce="`+d.nonce+`"`, `nonce="`+n+`"`, 1)
	}
	return cs
}
