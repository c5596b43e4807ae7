package analytics

import (
	"math"
	"testing"
	"time"
)

// noisePage builds a page of service svc ("api" 1, "web" 2) triggered at
// trig; how it ended decides its verdict.
func noisePage(id, svc int64, trig, title string, end func(*Page)) Page {
	p := Page{ID: id, ServiceID: svc, Service: map[int64]string{1: "api", 2: "web"}[svc], Title: title, TriggeredAt: at(trig)}
	if end != nil {
		end(&p)
	}
	return p
}

func resolvedAfter(d time.Duration) func(*Page) {
	return func(p *Page) { r := p.TriggeredAt.Add(d); p.ResolvedAt = &r }
}

func acked(p *Page) {
	a := p.TriggeredAt.Add(time.Minute)
	p.AcknowledgedAt = &a
	resolvedAfter(time.Hour)(p)
}

func classified(actionable bool) func(*Page) {
	return func(p *Page) { p.Actionable = &actionable; resolvedAfter(time.Minute)(p) }
}

// TestAnalyseNoiseGrouping: alerts group by the repeat fingerprint's title
// rule, groups and services rank by noise pages, then pages, and the
// totals are the alert_noise_ratio KPI's.
func TestAnalyseNoiseGrouping(t *testing.T) {
	pages := []Page{
		noisePage(1, 1, "2026-10-05T10:00:00Z", "[FIRING:3] disk full on db-7f3a9c2b", resolvedAfter(2*time.Minute)), // noise: unacked, 2 min
		noisePage(2, 2, "2026-10-06T10:00:00Z", "[FIRING:1] Disk full on db-0a1b2c3d", classified(false)),            // noise: classified
		noisePage(3, 1, "2026-10-07T10:00:00Z", "Disk full on db-99ffee11", acked),                                   // actionable
		noisePage(4, 1, "2026-10-08T10:00:00Z", "Checkout 5xx spike", classified(true)),                              // classified actionable
		noisePage(5, 1, "2026-10-09T10:00:00Z", "checkout 5xx spike", resolvedAfter(10*time.Minute)),                 // noise: 10 min is inclusive
		noisePage(6, 2, "2026-10-10T10:00:00Z", "checkout  5xx SPIKE", resolvedAfter(11*time.Minute)),                // not noise: 11 min
		noisePage(7, 2, "2026-10-11T10:00:00Z", "", resolvedAfter(time.Minute)),                                      // noise, no title
		noisePage(8, 1, "2026-11-01T00:00:00Z", "checkout 5xx spike", resolvedAfter(time.Minute)),                    // November: outside
	}
	p, s := oct2026(), DefaultSettings()
	got := AnalyseNoise(pages, p, s)

	// Hand count: 7 pages in October; noise #1 #2 #5 #7; classified #2 #4.
	if got.Pages != 7 || got.Noise != 4 || got.Classified != 2 {
		t.Fatalf("pages %d noise %d classified %d; want 7 4 2", got.Pages, got.Noise, got.Classified)
	}
	wantF(t, "actionable share", got.ActionableShare, f64(3.0/7))
	kpi := ComputeKPIs(Input{Services: []Service{{ID: 1, Name: "api"}, {ID: 2, Name: "web"}}, Pages: pages}, p, s)
	if kpi.KPIs.AlertNoiseRatio == nil || math.Abs(1-*kpi.KPIs.AlertNoiseRatio-*got.ActionableShare) > 1e-12 || kpi.Counts.NoisePages != got.Noise {
		t.Fatalf("KPI noise ratio %v (%d noise pages) disagrees with the analysis %v", fmtp(kpi.KPIs.AlertNoiseRatio), kpi.Counts.NoisePages, *got.ActionableShare)
	}
	if got.MinSample != s.MinSampleOf(KPIAlertNoiseRatio) {
		t.Errorf("min sample %d", got.MinSample)
	}

	type group struct {
		key, title             string
		pages, noise, services int
	}
	wantAlerts := []group{
		{"firing disk full on db", "[FIRING:1] Disk full on db-0a1b2c3d", 2, 2, 2}, // ids and the count in [FIRING:n] drop out
		{"checkout xx spike", "checkout  5xx SPIKE", 3, 1, 2},                      // case and spacing fold; 1 noise of 3
		{"", "", 1, 1, 1}, // 1 noise, 1 page; "" sorts before "disk…"
		{"disk full on db", "Disk full on db-99ffee11", 1, 0, 1},
	}
	wantServices := []group{
		{"api", "checkout 5xx spike", 4, 2, 1}, // #1 #3 #4 #5; the title of the latest, #5
		{"web", "", 3, 2, 1},                   // #2 #6 #7; ties on noise, fewer pages; #7 is untitled
	}
	check := func(name string, got []NoiseGroup, want []group) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d groups, want %d: %+v", name, len(got), len(want), got)
		}
		for i, w := range want {
			g := got[i]
			if g.Key != w.key || g.Title != w.title || g.Pages != w.pages || g.Noise != w.noise || g.Services != w.services {
				t.Errorf("%s[%d] = %q %q %d pages %d noise %d services; want %+v", name, i, g.Key, g.Title, g.Pages, g.Noise, g.Services, w)
			}
		}
	}
	check("alerts", got.Alerts, wantAlerts)
	check("services", got.Services, wantServices)
	wantF(t, "checkout share", got.Alerts[1].Share(), f64(1.0/3))
}

// TestAnalyseNoiseHeatDST buckets pages by local weekday and hour in
// Europe/Berlin across both clock changes of 2026 (29 March 01:00 UTC
// forward, 25 October 01:00 UTC back; both Sundays).
func TestAnalyseNoiseHeatDST(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	type cell struct{ weekday, hour, pages int }
	cases := []struct {
		name   string
		period Period
		trig   []string
		want   []cell // every other cell is zero
		max    int
	}{
		{
			name:   "spring forward: 02:00 does not exist",
			period: NewMonth(2026, 3, berlin),
			trig: []string{
				"2026-02-28T23:30:00Z", // Sun 1 Mar 00:30 CET: March in Berlin, February in UTC
				"2026-03-29T00:30:00Z", // Sun 01:30 CET
				"2026-03-29T00:59:00Z", // Sun 01:59 CET
				"2026-03-29T01:30:00Z", // Sun 03:30 CEST: the next UTC hour skips 02
				"2026-03-30T22:30:00Z", // Tue 31 Mar 00:30 CEST: Monday in UTC
				"2026-03-31T22:30:00Z", // Wed 1 Apr 00:30 CEST: April, outside
			},
			want: []cell{{6, 0, 1}, {6, 1, 2}, {6, 3, 1}, {1, 0, 1}},
			max:  2,
		},
		{
			name:   "fall back: 02:00 happens twice",
			period: NewMonth(2026, 10, berlin),
			trig: []string{
				"2026-10-25T00:30:00Z", // Sun 02:30 CEST
				"2026-10-25T01:30:00Z", // Sun 02:30 CET, the same local hour again
				"2026-10-25T02:30:00Z", // Sun 03:30 CET
				"2026-10-26T06:15:00Z", // Mon 07:15 CET
			},
			want: []cell{{6, 2, 2}, {6, 3, 1}, {0, 7, 1}},
			max:  2,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var pages []Page
			for i, s := range c.trig {
				pages = append(pages, noisePage(int64(i+1), 1, s, "disk full", acked))
			}
			got := AnalyseNoise(pages, c.period, DefaultSettings())
			var want [7][24]int
			total := 0
			for _, w := range c.want {
				want[w.weekday][w.hour] = w.pages
				total += w.pages
			}
			for d := range 7 {
				for h := range 24 {
					if got.Heat[d][h].Pages != want[d][h] {
						t.Errorf("weekday %d hour %02d: %d pages, want %d", d, h, got.Heat[d][h].Pages, want[d][h])
					}
				}
			}
			if got.HeatMax != c.max || got.Pages != total {
				t.Errorf("max %d pages %d; want %d %d", got.HeatMax, got.Pages, c.max, total)
			}
		})
	}
}

// TestAnalyseNoiseEmpty: no pages is no share (not 0 % or 100 %), no
// groups and an empty heat map.
func TestAnalyseNoiseEmpty(t *testing.T) {
	for _, pages := range [][]Page{nil, {noisePage(1, 1, "2026-09-30T23:59:59Z", "before", acked)}} {
		got := AnalyseNoise(pages, oct2026(), DefaultSettings())
		if got.Pages != 0 || got.Noise != 0 || got.ActionableShare != nil || len(got.Alerts) != 0 || len(got.Services) != 0 || got.HeatMax != 0 {
			t.Errorf("%d pages: %+v", len(pages), got)
		}
	}
}
