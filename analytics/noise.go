package analytics

import (
	"cmp"
	"slices"
	"time"
)

// NoiseAnalysis is where a period's pages came from and when (docs/metrics.md,
// "Alert noise analysis"): the alerts and services that page most, the
// weekday × hour they page at, and the actionable share. Every page is
// judged by ClassifyPage, so the totals are those of the alert_noise_ratio
// KPI of the same period and scope.
type NoiseAnalysis struct {
	Pages      int // pages triggered in the period
	Noise      int // of them noise
	Classified int // of them classified by a human, either way
	// ActionableShare is (Pages − Noise) ÷ Pages, 1 − alert_noise_ratio;
	// nil without pages.
	ActionableShare *float64
	// MinSample is the alert noise ratio's minimum sample: a share over
	// fewer pages is shown but not to be judged.
	MinSample int
	Alerts    []NoiseGroup // by normalised title, noisiest first
	Services  []NoiseGroup // by service, noisiest first
	// Heat counts pages by local weekday (Monday first) and hour in the
	// reporting timezone: a page at 01:30 UTC on the night clocks go
	// forward in Berlin is a 03:30 page, and the hour that happens twice
	// when they go back holds the pages of both.
	Heat    [7][24]NoiseCount
	HeatMax int // the largest cell's pages
}

// NoiseCount is a number of pages and how many of them were noise.
type NoiseCount struct {
	Pages, Noise int
}

// Share is Noise ÷ Pages, nil without pages.
func (n NoiseCount) Share() *float64 { return ratio(float64(n.Noise), float64(n.Pages)) }

// NoiseGroup is the pages of one alert or one service.
type NoiseGroup struct {
	// Key is the alert's normalised title (NormalizeTitle, the repeat
	// fingerprint's title rule), "" for titles that normalise to nothing;
	// or the service's name.
	Key string
	// Title is the latest raw title in the group, to recognise the alert by.
	Title string
	NoiseCount
	Services int       // distinct services the alert paged for
	Last     time.Time // the latest page
	services map[int64]bool
}

// WeekdayIndex is t's weekday with Monday 0 and Sunday 6, the rows of
// NoiseAnalysis.Heat.
func WeekdayIndex(t time.Time) int { return (int(t.Weekday()) + 6) % 7 }

// AnalyseNoise computes the noise analysis of the pages triggered in p,
// judged by s (the settings in force for p), hours in p's timezone.
func AnalyseNoise(pages []Page, p Period, s Settings) NoiseAnalysis {
	out := NoiseAnalysis{MinSample: s.MinSampleOf(KPIAlertNoiseRatio)}
	loc := p.Loc
	if loc == nil {
		loc = time.UTC
	}
	alerts := map[string]*NoiseGroup{}
	services := map[string]*NoiseGroup{}
	add := func(m map[string]*NoiseGroup, key string, pg *Page, noise bool) {
		g := m[key]
		if g == nil {
			g = &NoiseGroup{Key: key, services: map[int64]bool{}}
			m[key] = g
		}
		g.Pages++
		if noise {
			g.Noise++
		}
		if !pg.TriggeredAt.Before(g.Last) {
			g.Last, g.Title = pg.TriggeredAt, pg.Title
		}
		g.services[pg.ServiceID] = true
	}
	for i := range pages {
		pg := &pages[i]
		if !p.Contains(pg.TriggeredAt) {
			continue
		}
		v := ClassifyPage(*pg, s)
		noise := v.Noise()
		out.Pages++
		if noise {
			out.Noise++
		}
		if v == PageClassifiedActionable || v == PageClassifiedNoise {
			out.Classified++
		}
		add(alerts, NormalizeTitle(pg.Title), pg, noise)
		add(services, pg.Service, pg, noise)
		lt := pg.TriggeredAt.In(loc)
		cell := &out.Heat[WeekdayIndex(lt)][lt.Hour()]
		cell.Pages++
		if noise {
			cell.Noise++
		}
		out.HeatMax = max(out.HeatMax, cell.Pages)
	}
	out.ActionableShare = ratio(float64(out.Pages-out.Noise), float64(out.Pages))
	out.Alerts = noisiest(alerts)
	out.Services = noisiest(services)
	return out
}

// noisiest orders groups by noise pages, then pages, then key, so the
// alert to fix first comes first and equal groups keep a stable order.
func noisiest(m map[string]*NoiseGroup) []NoiseGroup {
	out := make([]NoiseGroup, 0, len(m))
	for _, g := range m {
		g.Services = len(g.services)
		g.services = nil
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b NoiseGroup) int {
		return cmp.Or(cmp.Compare(b.Noise, a.Noise), cmp.Compare(b.Pages, a.Pages), cmp.Compare(a.Key, b.Key))
	})
	return out
}
