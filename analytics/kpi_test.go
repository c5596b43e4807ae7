package analytics

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestComputeEmpty(t *testing.T) {
	zero := f64(0)
	for _, tc := range []struct {
		name string
		in   Input
	}{
		{"nil input", Input{}},
		{"only out-of-period records", Input{
			Incidents:   []Incident{{ID: 1, ServiceID: 1, Title: "x", DetectedAt: at("2026-09-30T23:59:59Z")}},
			Deploys:     []Deploy{{ID: 1, ServiceID: 1, Environment: "prod", Status: DeploySuccess, FinishedAt: at("2026-11-01T00:00:00Z")}},
			Pages:       []Page{{ID: 1, ServiceID: 1, TriggeredAt: at("2026-11-01T00:00:00Z")}},
			SLIDays:     []SLIDay{{SLOID: 1, ServiceID: 1, Objective: 0.99, Day: day("2026-09-30"), Good: 1, Total: 1}},
			Toil:        []ToilWeek{{TeamID: 1, WeekStart: day("2026-09-28"), ToilHours: 1, TotalHours: 40}},
			ActionItems: []ActionItem{{ID: 1, ServiceID: 1, DueAt: atp("2026-11-01T00:00:00Z")}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Compute(tc.in, oct2026(), DefaultSettings())
			counts := map[string]bool{
				KPIIncidentsTotal: true, KPISev1Count: true, KPISev2Count: true, KPICustomerImpactingIncidents: true,
				KPIDeployments: true, KPIDeploysPerWeek: true, KPIPagesTotal: true, KPIPagesAfterHours: true, KPIPagesSleepHours: true,
				KPIActionItemsOverdue: true,
			}
			want := map[string]*float64{}
			for _, n := range KPINames {
				if counts[n] {
					want[n] = zero
				} else {
					want[n] = nil
				}
			}
			checkKPIs(t, r, want)
			if r.Counts.Days != 31 {
				t.Errorf("days = %d, want 31", r.Counts.Days)
			}
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if strings.Contains(string(b), "NaN") || strings.Contains(string(b), "Evidence") {
				t.Errorf("bad JSON: %s", b)
			}
		})
	}
}

func TestKPINamesMatchJSON(t *testing.T) {
	var k KPIs
	for i := range k.fields() {
		*k.fields()[i] = f64(float64(i))
	}
	b, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	// Decode preserving order by scanning the keys with a decoder.
	dec := json.NewDecoder(strings.NewReader(string(b)))
	var keys []string
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var v float64
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(keys, KPINames) {
		t.Fatalf("JSON keys %v\n!= KPINames %v", keys, KPINames)
	}
	if n := reflect.TypeOf(k).NumField(); n != len(KPINames) {
		t.Fatalf("KPIs has %d fields, KPINames %d", n, len(KPINames))
	}
	m := k.Map()
	for i, name := range KPINames {
		if got := k.Get(name); got == nil || *got != float64(i) || *m[name] != float64(i) {
			t.Errorf("Get/Map(%s) wrong", name)
		}
	}
	if k.Get("nope") != nil {
		t.Error("Get of unknown name must be nil")
	}
}

func TestIncidentTimes(t *testing.T) {
	p := oct2026()
	inc := func(id int64, detected string, mod func(*Incident)) Incident {
		x := Incident{ID: id, ServiceID: 1, Title: "t" + strings.Repeat("x", int(id)), DetectedAt: at(detected), Severity: Sev3}
		if mod != nil {
			mod(&x)
		}
		return x
	}
	resolvedAfter := func(min int) func(*Incident) {
		return func(x *Incident) { r := x.DetectedAt.Add(time.Duration(min) * time.Minute); x.ResolvedAt = &r }
	}
	for _, tc := range []struct {
		name   string
		incs   []Incident
		want   map[string]*float64
		counts func(Counts) bool
	}{
		{
			name: "only open incidents",
			incs: []Incident{
				inc(1, "2026-10-03T10:00:00Z", func(x *Incident) { x.Severity = Sev1; x.CustomerImpacting = true }),
				inc(2, "2026-10-04T10:00:00Z", func(x *Incident) { x.Severity = Sev2 }),
			},
			want: map[string]*float64{
				KPIIncidentsTotal: f64(2), KPISev1Count: f64(1), KPISev2Count: f64(1), KPICustomerImpactingIncidents: f64(1),
				KPIMTTRMinutes: nil, KPIMTTRMedianMinutes: nil, KPIMTTRP90Minutes: nil, KPIMTTDMinutes: nil, KPIMTTAMinutes: nil, KPITTMMinutes: nil,
			},
			counts: func(c Counts) bool { return c.OpenIncidents == 2 && c.ResolvedIncidents == 0 },
		},
		{
			name: "mean, median and nearest-rank p90 over odd count",
			incs: []Incident{
				inc(1, "2026-10-02T00:00:00Z", resolvedAfter(10)),
				inc(2, "2026-10-03T00:00:00Z", resolvedAfter(100)),
				inc(3, "2026-10-04T00:00:00Z", resolvedAfter(30)),
				inc(4, "2026-10-05T00:00:00Z", resolvedAfter(20)),
				inc(5, "2026-10-06T00:00:00Z", resolvedAfter(40)),
				inc(6, "2026-10-07T00:00:00Z", nil), // open: counted in total only
			},
			// 10,20,30,40,100: mean 40, median 30, p90 rank ⌈4.5⌉ = 5 → 100.
			want: map[string]*float64{KPIIncidentsTotal: f64(6), KPIMTTRMinutes: f64(40), KPIMTTRMedianMinutes: f64(30), KPIMTTRP90Minutes: f64(100)},
			counts: func(c Counts) bool {
				return c.ResolvedIncidents == 5 && c.OpenIncidents == 1
			},
		},
		{
			name: "even count median averages the middle pair",
			incs: []Incident{
				inc(1, "2026-10-02T00:00:00Z", resolvedAfter(10)),
				inc(2, "2026-10-03T00:00:00Z", resolvedAfter(20)),
				inc(3, "2026-10-04T00:00:00Z", resolvedAfter(30)),
				inc(4, "2026-10-05T00:00:00Z", resolvedAfter(40)),
			},
			// p90 rank ⌈3.6⌉ = 4 → 40.
			want: map[string]*float64{KPIMTTRMinutes: f64(25), KPIMTTRMedianMinutes: f64(25), KPIMTTRP90Minutes: f64(40)},
		},
		{
			name: "ack before detection is ignored, equal timestamps count as zero",
			incs: []Incident{
				inc(1, "2026-10-02T10:00:00Z", func(x *Incident) { x.AcknowledgedAt = atp("2026-10-02T09:59:00Z") }),
				inc(2, "2026-10-02T10:00:00Z", func(x *Incident) { x.AcknowledgedAt = atp("2026-10-02T10:00:00Z") }),
				inc(3, "2026-10-02T10:00:00Z", func(x *Incident) { x.AcknowledgedAt = atp("2026-10-02T10:09:00Z") }),
			},
			want:   map[string]*float64{KPIMTTAMinutes: f64(4.5)},
			counts: func(c Counts) bool { return c.IncidentsWithAck == 2 },
		},
		{
			name: "MTTD needs started_at not after detection; TTM over mitigated",
			incs: []Incident{
				inc(1, "2026-10-02T10:00:00Z", func(x *Incident) {
					x.StartedAt = atp("2026-10-02T09:50:00Z")
					x.MitigatedAt = atp("2026-10-02T10:30:00Z")
				}),
				inc(2, "2026-10-02T10:00:00Z", func(x *Incident) {
					x.StartedAt = atp("2026-10-02T09:30:00Z")
					x.MitigatedAt = atp("2026-10-02T09:00:00Z") // before detection: excluded
				}),
				inc(3, "2026-10-02T10:00:00Z", func(x *Incident) { x.StartedAt = atp("2026-10-02T10:05:00Z") }), // excluded
				inc(4, "2026-10-02T10:00:00Z", func(x *Incident) {
					x.MitigatedAt = atp("2026-10-02T11:30:00Z")
					x.ResolvedAt = atp("2026-10-02T09:00:00Z") // resolved before detection: excluded
				}),
			},
			want: map[string]*float64{KPIMTTDMinutes: f64(20), KPITTMMinutes: f64(60), KPIMTTRMinutes: nil},
			counts: func(c Counts) bool {
				return c.IncidentsWithStart == 2 && c.MitigatedIncidents == 2 && c.ResolvedIncidents == 0 && c.OpenIncidents == 3
			},
		},
		{
			name: "period boundaries: From included, To excluded",
			incs: []Incident{
				inc(1, "2026-09-30T23:59:59Z", resolvedAfter(1000)),
				inc(2, "2026-10-01T00:00:00Z", resolvedAfter(10)),
				inc(3, "2026-10-31T23:59:59Z", resolvedAfter(20)),
				inc(4, "2026-11-01T00:00:00Z", resolvedAfter(1000)),
			},
			want: map[string]*float64{KPIIncidentsTotal: f64(2), KPIMTTRMinutes: f64(15)},
		},
		{
			name: "severity 0 and 3/4 are not sev1/sev2",
			incs: []Incident{
				inc(1, "2026-10-02T00:00:00Z", func(x *Incident) { x.Severity = SevUnknown }),
				inc(2, "2026-10-02T00:00:00Z", func(x *Incident) { x.Severity = Sev4 }),
				inc(3, "2026-10-02T00:00:00Z", func(x *Incident) { x.Severity = Sev1 }),
			},
			want: map[string]*float64{KPIIncidentsTotal: f64(3), KPISev1Count: f64(1), KPISev2Count: f64(0)},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Compute(Input{Incidents: tc.incs}, p, DefaultSettings())
			checkKPIs(t, r, tc.want)
			if tc.counts != nil && !tc.counts(r.Counts) {
				t.Errorf("counts wrong: %+v", r.Counts)
			}
		})
	}
}

func TestRepeatIncidents(t *testing.T) {
	p := oct2026()
	mk := func(id, svc int64, detected, title string) Incident {
		return Incident{ID: id, ServiceID: svc, Title: title, DetectedAt: at(detected)}
	}
	for _, tc := range []struct {
		name    string
		incs    []Incident
		rate    *float64
		repeats []int64
	}{
		{"no incidents → nil", nil, nil, nil},
		{
			name: "earlier incident in the previous period within 90 days counts",
			incs: []Incident{
				mk(1, 1, "2026-08-01T00:00:00Z", "DB latency high on db-01"),
				mk(2, 1, "2026-10-05T00:00:00Z", "db latency HIGH on db-07"),
			},
			rate: f64(1), repeats: []int64{2},
		},
		{
			name: "exactly 90 days counts, 90 days + 1s does not",
			incs: []Incident{
				mk(1, 1, "2026-07-07T00:00:00Z", "disk full"),
				mk(2, 1, "2026-10-05T00:00:00Z", "disk full"), // 90 d after #1
				mk(3, 1, "2026-07-08T00:00:00Z", "cert expired"),
				mk(4, 1, "2026-10-06T00:00:01Z", "cert expired"), // 90 d + 1 s after #3
			},
			rate: f64(0.5), repeats: []int64{2},
		},
		{
			name: "other service or other fingerprint is not a repeat",
			incs: []Incident{
				mk(1, 1, "2026-10-01T00:00:00Z", "disk full"),
				mk(2, 2, "2026-10-02T00:00:00Z", "disk full"),
				mk(3, 1, "2026-10-03T00:00:00Z", "cpu high"),
			},
			rate: f64(0), repeats: nil,
		},
		{
			name: "duplicate timestamps: the higher ID is the repeat; input order irrelevant",
			incs: []Incident{
				mk(9, 1, "2026-10-10T00:00:00Z", "OOM kill"),
				mk(3, 1, "2026-10-10T00:00:00Z", "oom kill"),
				mk(5, 1, "2026-10-11T00:00:00Z", "oom kill"),
			},
			rate: f64(2.0 / 3), repeats: []int64{5, 9},
		},
		{
			name: "explicit problem ref groups different titles",
			incs: []Incident{
				{ID: 1, ServiceID: 1, Title: "checkout errors", ProblemRef: "PRB001", DetectedAt: at("2026-10-01T00:00:00Z")},
				{ID: 2, ServiceID: 1, Title: "payment timeouts", ProblemRef: "prb001", DetectedAt: at("2026-10-02T00:00:00Z")},
				{ID: 3, ServiceID: 1, Title: "checkout errors", DetectedAt: at("2026-10-03T00:00:00Z")},
			},
			rate: f64(1.0 / 3), repeats: []int64{2},
		},
		{
			// ServiceNow's Category is a taxonomy: two unrelated failures of
			// one service filed under "Hardware" are not a repeat, and
			// neither is a shared root-cause class. The problem record is.
			name: "ITSM category and root cause never make a repeat",
			incs: []Incident{
				{ID: 1, ServiceID: 1, Title: "Database connection pool exhausted", Category: "Hardware",
					RootCause: "Capacity", DetectedAt: at("2026-10-01T00:00:00Z")},
				{ID: 2, ServiceID: 1, Title: "Certificate expired on api.acme.com", Category: "Hardware",
					RootCause: "Capacity", DetectedAt: at("2026-10-02T00:00:00Z")},
				{ID: 3, ServiceID: 1, Title: "Disk full on db-1", Category: "Software", ProblemRef: "PRB0007",
					DetectedAt: at("2026-10-03T00:00:00Z")},
				{ID: 4, ServiceID: 1, Title: "Replica lag on db-2", Category: "Network", ProblemRef: "prb0007",
					DetectedAt: at("2026-10-04T00:00:00Z")},
			},
			rate: f64(1.0 / 4), repeats: []int64{4},
		},
		{
			name: "numbers-only titles have no fingerprint and never repeat",
			incs: []Incident{
				mk(1, 1, "2026-10-01T00:00:00Z", "12345"),
				mk(2, 1, "2026-10-02T00:00:00Z", "12345"),
			},
			rate: f64(0), repeats: nil,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Compute(Input{Incidents: tc.incs}, p, DefaultSettings())
			wantF(t, KPIRepeatIncidentRate, r.KPIs.RepeatIncidentRate, tc.rate)
			got := included(r, KPIRepeatIncidentRate)
			slices.Sort(got)
			if !slices.Equal(got, tc.repeats) {
				t.Errorf("repeats = %v, want %v", got, tc.repeats)
			}
			if r.Counts.RepeatIncidents != len(tc.repeats) {
				t.Errorf("count = %d", r.Counts.RepeatIncidents)
			}
		})
	}
}

func TestPages(t *testing.T) {
	p := oct2026()
	// Service 1 is on call in New York (EDT, UTC−4, in October 2026),
	// service 2 has an unknown zone and falls back to UTC.
	svcs := []Service{{ID: 1, OnCallTZ: "America/New_York"}, {ID: 2, OnCallTZ: "Not/AZone"}}
	pg := func(id, svc int64, trig string, mod func(*Page)) Page {
		x := Page{ID: id, ServiceID: svc, TriggeredAt: at(trig)}
		if mod != nil {
			mod(&x)
		}
		return x
	}
	ack := func(after time.Duration) func(*Page) {
		return func(x *Page) { a := x.TriggeredAt.Add(after); x.AcknowledgedAt = &a }
	}
	pages := []Page{
		pg(1, 1, "2026-10-05T12:00:00Z", ack(4*time.Minute)),  // Mon 08:00 EDT: after hours, not sleep
		pg(2, 1, "2026-10-05T13:00:00Z", ack(2*time.Minute)),  // Mon 09:00 EDT: business hours
		pg(3, 1, "2026-10-05T22:00:00Z", nil),                 // Mon 18:00 EDT: after hours
		pg(4, 1, "2026-10-10T15:00:00Z", nil),                 // Sat 11:00 EDT: weekend
		pg(5, 1, "2026-10-06T03:00:00Z", ack(-1*time.Minute)), // Mon 23:00 EDT: after + sleep; ack before trigger ignored
		pg(6, 1, "2026-10-06T10:59:00Z", nil),                 // Tue 06:59 EDT: sleep
		pg(7, 1, "2026-10-06T11:00:00Z", nil),                 // Tue 07:00 EDT: after hours, not sleep
		pg(8, 2, "2026-10-06T12:00:00Z", nil),                 // Tue 12:00 UTC: business hours
		pg(9, 2, "2026-11-01T00:00:00Z", nil),                 // next period
	}
	// Noise: #3 not actionable; #4 auto-resolved unacked in 10 min; #6
	// resolved in 5 min but linked to an incident (not noise); #7 resolved
	// in 11 min (not noise); #8 quick but classified actionable (not noise).
	pages[2].Actionable = boolp(false)
	pages[3].ResolvedAt = atp("2026-10-10T15:10:00Z")
	pages[5].ResolvedAt = atp("2026-10-06T11:04:00Z")
	pages[5].IncidentID = i64(77)
	pages[6].ResolvedAt = atp("2026-10-06T11:11:00Z")
	pages[7].ResolvedAt = atp("2026-10-06T12:01:00Z")
	pages[7].Actionable = boolp(true)

	r := Compute(Input{Services: svcs, Pages: pages}, p, DefaultSettings())
	shifts := 2 * 31.0 / 7
	checkKPIs(t, r, map[string]*float64{
		KPIPagesTotal:       f64(8),
		KPIPagesAfterHours:  f64(6),
		KPIPagesSleepHours:  f64(2),
		KPIPagesPerShift:    f64(8 / shifts),
		KPIAlertNoiseRatio:  f64(2.0 / 8),
		KPIMTTAPagesMinutes: f64(3),
	})
	for kpi, want := range map[string][]int64{
		KPIPagesAfterHours: {1, 3, 4, 5, 6, 7},
		KPIPagesSleepHours: {5, 6},
		KPIAlertNoiseRatio: {3, 4},
	} {
		got := included(r, kpi)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s rows = %v, want %v", kpi, got, want)
		}
	}
	if r.Counts.Shifts != shifts || r.Counts.NoisePages != 2 || r.Counts.PagesWithAck != 2 {
		t.Errorf("counts %+v", r.Counts)
	}

	t.Run("no services in scope → pages_per_shift nil", func(t *testing.T) {
		r := Compute(Input{Pages: pages}, p, DefaultSettings())
		wantF(t, KPIPagesPerShift, r.KPIs.PagesPerShift, nil)
		wantF(t, KPIPagesTotal, r.KPIs.PagesTotal, f64(8))
	})
	t.Run("services but no pages → 0 per shift, noise nil", func(t *testing.T) {
		r := Compute(Input{Services: svcs}, p, DefaultSettings())
		wantF(t, KPIPagesPerShift, r.KPIs.PagesPerShift, f64(0))
		wantF(t, KPIAlertNoiseRatio, r.KPIs.AlertNoiseRatio, nil)
	})
}

func TestToil(t *testing.T) {
	p := oct2026()
	toil := []ToilWeek{
		{TeamID: 1, WeekStart: day("2026-09-28"), ToilHours: 40, TotalHours: 40}, // starts in September
		{TeamID: 1, WeekStart: day("2026-10-05"), ToilHours: 10, TotalHours: 40},
		{TeamID: 2, WeekStart: day("2026-10-05"), ToilHours: 30, TotalHours: 80},
		{TeamID: 1, WeekStart: day("2026-10-26"), ToilHours: 0, TotalHours: 40}, // runs into November, counts
		{TeamID: 1, WeekStart: day("2026-11-02"), ToilHours: 40, TotalHours: 40},
	}
	r := Compute(Input{Toil: toil}, p, DefaultSettings())
	wantF(t, KPIToilRatio, r.KPIs.ToilRatio, f64(40.0/160))
	if r.Counts.ToilHours != 40 || r.Counts.TotalHours != 160 || r.Counts.ToilWeeks != 3 {
		t.Errorf("counts %+v", r.Counts)
	}
}

func TestPostmortems(t *testing.T) {
	p := oct2026() // UTC
	mk := func(id int64, sev int, resolved string, published string) Incident {
		// The source tracks postmortems (its file has a postmortem column):
		// an empty publication date means none was published.
		x := Incident{ID: id, ServiceID: 1, Title: "x", Severity: sev, DetectedAt: at(resolved).Add(-time.Hour), ResolvedAt: atp(resolved),
			PostmortemTracked: true}
		if published != "" {
			x.PostmortemPublishedAt = atp(published)
		}
		return x
	}
	incs := []Incident{
		// Sev1 resolved Fri Oct 2: 5 business days → due end of Fri Oct 9.
		mk(1, Sev1, "2026-10-02T15:00:00Z", "2026-10-09T23:59:59Z"), // on time
		mk(2, Sev1, "2026-10-02T15:00:00Z", "2026-10-10T00:00:00Z"), // late
		mk(3, Sev1, "2026-10-02T15:00:00Z", ""),                     // missing, past deadline: late
		// Sev2 resolved Thu Oct 29: 10 business days → due end of Thu Nov 12.
		mk(4, Sev2, "2026-10-29T10:00:00Z", ""),                     // pending as of Nov 1: excluded
		mk(5, Sev2, "2026-10-29T10:00:00Z", "2026-10-30T10:00:00Z"), // on time
		mk(6, Sev3, "2026-10-02T15:00:00Z", ""),                     // sev3: not counted
		mk(7, Sev1, "2026-09-30T15:00:00Z", ""),                     // resolved in September
		// Override: due Oct 5 09:00, published 10:00 → late.
		func() Incident {
			x := mk(8, Sev2, "2026-10-02T15:00:00Z", "2026-10-05T10:00:00Z")
			x.PostmortemDueAt = atp("2026-10-05T09:00:00Z")
			return x
		}(),
		// Detected in September, resolved in October: counts (resolution decides).
		{ID: 9, ServiceID: 1, Severity: Sev1, DetectedAt: at("2026-09-20T00:00:00Z"), ResolvedAt: atp("2026-10-01T00:00:00Z"),
			PostmortemPublishedAt: atp("2026-10-02T00:00:00Z")},
		mk(10, Sev1, "2026-10-20T10:00:00Z", "2026-11-05T00:00:00Z"), // published after AsOf but deadline Oct 27 passed: late
		// A source without postmortem fields (PagerDuty, ServiceNow): nothing
		// is known, so nothing is late.
		{ID: 11, ServiceID: 1, Severity: Sev1, DetectedAt: at("2026-10-02T14:00:00Z"), ResolvedAt: atp("2026-10-02T15:00:00Z")},
		// The same, but a user entered a due date (Wed Oct 7 09:00): expected, and late once it passed.
		{ID: 12, ServiceID: 1, Severity: Sev2, DetectedAt: at("2026-10-05T09:00:00Z"), ResolvedAt: atp("2026-10-05T10:00:00Z"),
			PostmortemDueAt: atp("2026-10-07T09:00:00Z")},
		// Linked, but no publication date: it exists, when is unknown.
		{ID: 13, ServiceID: 1, Severity: Sev1, DetectedAt: at("2026-10-05T09:00:00Z"), ResolvedAt: atp("2026-10-05T10:00:00Z"),
			PostmortemURL: "https://wiki/pm/13"},
		// A user's due date still ahead (Nov 20): pending.
		{ID: 14, ServiceID: 1, Severity: Sev1, DetectedAt: at("2026-10-28T09:00:00Z"), ResolvedAt: atp("2026-10-28T10:00:00Z"),
			PostmortemDueAt: atp("2026-11-20T00:00:00Z")},
	}
	for _, tc := range []struct {
		name                string
		asOf                time.Time
		onTime, due, pendng int
	}{
		// Late: #2, #3, #8, #10 and #12; pending: #4 and #14; unknown: #11 and #13.
		{"as of period end", time.Time{}, 3, 8, 2},
		// As of Nov 13 #4 is late too; #10 still late; #14 still pending.
		{"as of after the sev2 deadline", at("2026-11-13T00:00:00Z"), 3, 9, 1},
		// As of Oct 9 12:00: #1 is not published yet and deadline not passed → pending,
		// #2 pending, #3 pending, #5 pending (published later), #4 pending,
		// #8 published late, #9 on time, #10 pending, #12 late (due Oct 7), #14 pending.
		{"as of mid period", at("2026-10-09T12:00:00Z"), 1, 3, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := DefaultSettings()
			s.AsOf = tc.asOf
			r := Compute(Input{Incidents: incs}, p, s)
			c := r.Counts
			if c.PostmortemsOnTime != tc.onTime || c.PostmortemsDue != tc.due || c.PostmortemsPending != tc.pendng {
				t.Errorf("on time/due/pending = %d/%d/%d, want %d/%d/%d", c.PostmortemsOnTime, c.PostmortemsDue, c.PostmortemsPending, tc.onTime, tc.due, tc.pendng)
			}
			// Twelve Sev1/Sev2 incidents resolved in October (#6 is Sev3, #7
			// resolved in September); #11 and #13 have no postmortem data.
			if c.PostmortemsRequired != 12 || c.PostmortemsWithData != 10 || c.PostmortemsWithData != c.PostmortemsDue+c.PostmortemsPending {
				t.Errorf("required %d, with data %d (due %d + pending %d)", c.PostmortemsRequired, c.PostmortemsWithData, c.PostmortemsDue, c.PostmortemsPending)
			}
			d, _ := KPIDefOf(KPIPostmortemOnTimeRate)
			if got := d.CoverageText(c); got != "postmortem data on 10 of 12 Sev1/Sev2 incidents" {
				t.Errorf("coverage %q", got)
			}
			notes := map[int64]string{}
			for _, row := range r.Evidence.For(KPIPostmortemOnTimeRate) {
				notes[row.ID] = row.Note
			}
			if !strings.Contains(notes[11], "no postmortem data") || !strings.Contains(notes[13], "without a publication date") {
				t.Errorf("unknown rows say %q and %q", notes[11], notes[13])
			}
			wantF(t, KPIPostmortemOnTimeRate, r.KPIs.PostmortemOnTimeRate, f64(float64(tc.onTime)/float64(tc.due)))
		})
	}
	t.Run("a source without postmortem data is no data, not 0 %", func(t *testing.T) {
		r := Compute(Input{Incidents: incs[10:11]}, p, DefaultSettings())
		wantF(t, KPIPostmortemOnTimeRate, r.KPIs.PostmortemOnTimeRate, nil)
		if c := r.Counts; c.PostmortemsRequired != 1 || c.PostmortemsWithData != 0 || c.PostmortemsDue != 0 {
			t.Errorf("counts %+v", c)
		}
	})
	t.Run("nothing due → nil", func(t *testing.T) {
		r := Compute(Input{Incidents: incs[3:4]}, p, DefaultSettings())
		wantF(t, KPIPostmortemOnTimeRate, r.KPIs.PostmortemOnTimeRate, nil)
	})
}

func TestBusinessDeadline(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	for _, tc := range []struct {
		name string
		t    string
		n    int
		loc  *time.Location
		want string
	}{
		{"Fri + 5 → next Fri", "2026-10-02T15:00:00Z", 5, time.UTC, "2026-10-09T23:59:59.999999999Z"},
		{"Sat + 1 → Mon", "2026-10-03T15:00:00Z", 1, time.UTC, "2026-10-05T23:59:59.999999999Z"},
		{"Thu + 10 → Thu two weeks on", "2026-10-29T10:00:00Z", 10, time.UTC, "2026-11-12T23:59:59.999999999Z"},
		{"0 → end of same day", "2026-10-02T15:00:00Z", 0, time.UTC, "2026-10-02T23:59:59.999999999Z"},
		// 23:30 UTC Fri Oct 23 is Sat 01:30 in Berlin; Mon Oct 26 is day 1 (CET after the DST change).
		{"local date decides, across DST", "2026-10-23T23:30:00Z", 1, berlin, "2026-10-26T22:59:59.999999999Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := BusinessDeadline(at(tc.t), tc.n, tc.loc)
			want, _ := time.Parse(time.RFC3339Nano, tc.want)
			if !got.Equal(want) {
				t.Errorf("got %s, want %s", got.UTC().Format(time.RFC3339Nano), tc.want)
			}
		})
	}
}

func TestActionItems(t *testing.T) {
	p := oct2026()
	items := []ActionItem{
		{ID: 1, DueAt: atp("2026-10-10T00:00:00Z"), ClosedAt: atp("2026-10-10T00:00:00Z")}, // closed exactly at due: on time
		{ID: 2, DueAt: atp("2026-10-10T00:00:00Z"), ClosedAt: atp("2026-10-12T00:00:00Z")}, // late
		{ID: 3, DueAt: atp("2026-10-20T00:00:00Z")},                                        // open
		{ID: 4, DueAt: atp("2026-10-31T23:59:59Z"), ClosedAt: atp("2026-10-01T00:00:00Z")}, // early: on time
		{ID: 5, DueAt: atp("2026-11-01T00:00:00Z")},                                        // next period
		{ID: 6}, // no due date: never counted
	}
	for _, tc := range []struct {
		name                 string
		asOf                 time.Time
		onTime, due, pending int
	}{
		{"as of period end: open items are overdue", time.Time{}, 2, 4, 0},
		// As of Oct 11: #2 closes after AsOf and is past due → overdue; #3 is
		// open and not yet due → excluded; #4 closed early → on time.
		{"as of Oct 11: not-yet-due open items excluded", at("2026-10-11T00:00:00Z"), 2, 3, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := DefaultSettings()
			s.AsOf = tc.asOf
			r := Compute(Input{ActionItems: items}, p, s)
			c := r.Counts
			if c.ActionItemsOnTime != tc.onTime || c.ActionItemsDue != tc.due || c.ActionItemsPending != tc.pending {
				t.Errorf("got %d/%d/%d want %d/%d/%d", c.ActionItemsOnTime, c.ActionItemsDue, c.ActionItemsPending, tc.onTime, tc.due, tc.pending)
			}
			wantF(t, KPIActionItemOnTimeRate, r.KPIs.ActionItemOnTimeRate, f64(float64(tc.onTime)/float64(tc.due)))
		})
	}
}

// TestActionItemsOverdue checks action_items_overdue: items open past their
// due date at the period's end (or at AsOf, if earlier), whatever the due
// date, each with the hours it has been overdue.
func TestActionItemsOverdue(t *testing.T) {
	items := []ActionItem{
		{ID: 1, Title: "old", DueAt: atp("2025-03-01T00:00:00Z")},                                                 // open since 2025: overdue
		{ID: 2, Title: "closed late", DueAt: atp("2025-03-01T00:00:00Z"), ClosedAt: atp("2026-10-15T00:00:00Z")},  // closed before the end
		{ID: 3, Title: "closed after", DueAt: atp("2026-10-10T00:00:00Z"), ClosedAt: atp("2026-11-05T00:00:00Z")}, // open at Nov 1
		{ID: 4, Title: "due at the end", DueAt: atp("2026-11-01T00:00:00Z")},                                      // not past due at Nov 1
		{ID: 5, Title: "closed at the end", DueAt: atp("2026-10-01T00:00:00Z"), ClosedAt: atp("2026-11-01T00:00:00Z")},
		{ID: 6, Title: "no due date"},                                        // never overdue
		{ID: 7, Title: "next month", DueAt: atp("2026-11-20T00:00:00Z")},     // not due yet
		{ID: 8, Title: "due mid-period", DueAt: atp("2026-10-20T00:00:00Z")}, // overdue at Nov 1
	}
	for _, tc := range []struct {
		name  string
		p     Period
		asOf  time.Time
		ids   []int64
		hours map[int64]float64
	}{
		// At Nov 1 00:00: #1 is 610 days overdue (Mar 1 2025 → Nov 1 2026), #3 22 days, #8 12 days.
		{"past period: at its end", oct2026(), at("2026-12-01T00:00:00Z"), []int64{1, 3, 8},
			map[int64]float64{1: 610 * 24, 3: 22 * 24, 8: 12 * 24}},
		// In progress, AsOf Oct 15 12:00: #2 closed at 00:00 that day; #8 not due yet.
		{"period in progress: at AsOf", oct2026(), at("2026-10-15T12:00:00Z"), []int64{1, 3, 5},
			map[int64]float64{1: 593*24 + 12, 3: 5*24 + 12, 5: 14*24 + 12}},
		// The previous month at its own end, Oct 1 00:00: #5 due at that instant is not past due.
		{"previous period", NewMonth(2026, 9, time.UTC), time.Time{}, []int64{1, 2}, nil},
		// October in Berlin ends at Oct 31 23:00 UTC: #8 is 11 days 23 hours
		// overdue, and #5, closed at Nov 1 00:00 UTC, was still open then.
		{"reporting zone", NewMonth(2026, 10, mustLoc(t, "Europe/Berlin")), time.Time{}, []int64{1, 3, 5, 8},
			map[int64]float64{5: 30*24 + 23, 8: 11*24 + 23}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := DefaultSettings()
			s.AsOf = tc.asOf
			r := Compute(Input{ActionItems: items}, tc.p, s)
			got := included(r, KPIActionItemsOverdue)
			slices.Sort(got)
			if !slices.Equal(got, tc.ids) {
				t.Errorf("overdue %v, want %v", got, tc.ids)
			}
			wantF(t, KPIActionItemsOverdue, r.KPIs.ActionItemsOverdue, f64(float64(len(tc.ids))))
			if r.Counts.ActionItemsOverdue != len(tc.ids) {
				t.Errorf("count %d", r.Counts.ActionItemsOverdue)
			}
			for _, row := range r.Evidence.For(KPIActionItemsOverdue) {
				if want, ok := tc.hours[row.ID]; ok && (row.Value == nil || math.Abs(*row.Value-want) > 1e-9) {
					t.Errorf("#%d overdue %v h, want %v", row.ID, fmtp(row.Value), want)
				}
			}
		})
	}
	t.Run("no items: zero, a count", func(t *testing.T) {
		wantF(t, KPIActionItemsOverdue, Compute(Input{}, oct2026(), DefaultSettings()).KPIs.ActionItemsOverdue, f64(0))
	})
}

func TestSLO(t *testing.T) {
	p := oct2026()
	days := []SLIDay{
		// SLO 1, objective 0.99: budget 1 % of events.
		{SLOID: 1, ServiceID: 1, Objective: 0.99, Day: day("2026-10-01"), Good: 990, Total: 1000}, // met exactly
		{SLOID: 1, ServiceID: 1, Objective: 0.99, Day: day("2026-10-02"), Good: 980, Total: 1000}, // missed
		{SLOID: 1, ServiceID: 1, Objective: 0.99, Day: day("2026-10-03"), Good: 0, Total: 0},      // no traffic: excluded
		// SLO 2, objective 0.999.
		{SLOID: 2, ServiceID: 1, Objective: 0.999, Day: day("2026-10-31"), Good: 9999, Total: 10000}, // met
		{SLOID: 2, ServiceID: 1, Objective: 0.999, Day: day("2026-11-01"), Good: 0, Total: 10000},    // outside
		{SLOID: 2, ServiceID: 1, Objective: 0.999, Day: day("2026-09-30"), Good: 0, Total: 10000},    // outside
	}
	// good 11969 of 12000; bad 31; budget 10 + 10 + 10 = 30.
	r := Compute(Input{SLIDays: days}, p, DefaultSettings())
	checkKPIs(t, r, map[string]*float64{
		KPIAvailability:         f64(11969.0 / 12000),
		KPISLOAttainment:        f64(2.0 / 3),
		KPIBurnRate:             f64(31.0 / 30),
		KPIErrorBudgetRemaining: f64(1 - 31.0/30),
	})
	if c := r.Counts; c.GoodEvents != 11969 || c.TotalEvents != 12000 || c.BadEvents != 31 || c.SLODays != 3 || c.SLODaysMet != 2 {
		t.Errorf("counts %+v", c)
	}
	t.Run("only zero-traffic days → all nil", func(t *testing.T) {
		r := Compute(Input{SLIDays: days[2:3]}, p, DefaultSettings())
		checkKPIs(t, r, map[string]*float64{KPIAvailability: nil, KPISLOAttainment: nil, KPIBurnRate: nil, KPIErrorBudgetRemaining: nil})
	})
	t.Run("objective outside (0,1) has no budget and no burn", func(t *testing.T) {
		in := Input{SLIDays: []SLIDay{
			{SLOID: 3, Objective: 1, Day: day("2026-10-05"), Good: 99, Total: 100},
			{SLOID: 1, Objective: 0.99, Day: day("2026-10-05"), Good: 990, Total: 1000},
		}}
		r := Compute(in, p, DefaultSettings())
		// Burn: 10 bad of a 10-event budget; the objective-1 day's bad event is outside it.
		checkKPIs(t, r, map[string]*float64{KPIBurnRate: f64(1), KPIErrorBudgetRemaining: f64(0),
			KPIAvailability: f64(1089.0 / 1100), KPISLOAttainment: f64(0.5)})
		if r.Counts.BadEvents != 11 {
			t.Errorf("bad events %d", r.Counts.BadEvents)
		}
	})
	t.Run("single SLO burn rate equals bad ratio over allowed ratio", func(t *testing.T) {
		r := Compute(Input{SLIDays: days[1:2]}, p, DefaultSettings())
		// (20/1000) / (1 − 0.99) = 2.
		checkKPIs(t, r, map[string]*float64{KPIBurnRate: f64(2), KPIErrorBudgetRemaining: f64(-1)})
	})
}

// TestDSTReportingZone checks an October period in Europe/Berlin, where the
// clocks go back on Sunday Oct 25 2026: the period is 31 days but 745 hours.
func TestDSTReportingZone(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	p, err := ParsePeriod("2026-10", berlin)
	if err != nil {
		t.Fatal(err)
	}
	if !p.From.Equal(at("2026-09-30T22:00:00Z")) || !p.To.Equal(at("2026-10-31T23:00:00Z")) {
		t.Fatalf("boundaries %s – %s", p.From.UTC(), p.To.UTC())
	}
	if p.Days() != 31 || p.To.Sub(p.From) != 745*time.Hour {
		t.Fatalf("days %d, hours %v", p.Days(), p.To.Sub(p.From))
	}
	q, _ := ParsePeriod("2026-Q4", berlin)
	if q.Days() != 92 {
		t.Errorf("Q4 days = %d", q.Days())
	}
	s := DefaultSettings()
	s.ReportingTZ = "Europe/Berlin"
	dep := func(id int64, fin string) Deploy {
		return Deploy{ID: id, ServiceID: 1, Environment: "Production", Status: DeploySuccess, FinishedAt: at(fin)}
	}
	in := Input{
		Incidents: []Incident{
			{ID: 1, ServiceID: 1, Title: "a", DetectedAt: at("2026-09-30T21:59:59Z")}, // Sep 30 23:59:59 CEST: out
			{ID: 2, ServiceID: 1, Title: "b", DetectedAt: at("2026-09-30T22:00:00Z")}, // Oct 1 00:00 CEST: in
			{ID: 3, ServiceID: 1, Title: "c", DetectedAt: at("2026-10-31T22:59:59Z")}, // Oct 31 23:59:59 CET: in
			{ID: 4, ServiceID: 1, Title: "d", DetectedAt: at("2026-10-31T23:00:00Z")}, // Nov 1 00:00 CET: out
		},
		Deploys: []Deploy{dep(1, "2026-09-30T22:00:00Z"), dep(2, "2026-10-31T22:59:59Z"), dep(3, "2026-10-31T23:00:00Z")},
		SLIDays: []SLIDay{
			{SLOID: 1, Objective: 0.9, Day: day("2026-10-01"), Good: 1, Total: 1},
			{SLOID: 1, Objective: 0.9, Day: day("2026-10-31"), Good: 1, Total: 2},
			{SLOID: 1, Objective: 0.9, Day: day("2026-11-01"), Good: 0, Total: 5},
			{SLOID: 1, Objective: 0.9, Day: day("2026-09-30"), Good: 0, Total: 5},
		},
		Toil: []ToilWeek{{TeamID: 1, WeekStart: day("2026-10-26"), ToilHours: 4, TotalHours: 40}},
	}
	r := Compute(in, p, s)
	checkKPIs(t, r, map[string]*float64{
		KPIIncidentsTotal: f64(2),
		KPIDeployments:    f64(2),
		KPIDeploysPerWeek: f64(2 / (31.0 / 7)),
		KPIAvailability:   f64(2.0 / 3),
		KPISLOAttainment:  f64(0.5),
		KPIToilRatio:      f64(0.1),
	})
	// Deploy-days: Oct 1 (block 0) and Oct 31 (day index 30: trailing partial block, left out).
	perWeek, perMonth, n := DeployDays(in, p, s)
	if perWeek != 0 || perMonth != 2 || n != 2 {
		t.Errorf("deploy days per week %v, per month %v, n %d", perWeek, perMonth, n)
	}
}

// TestInputWindow checks the documented margins and that records outside
// the window never change a result.
func TestInputWindow(t *testing.T) {
	p := oct2026()
	s := DefaultSettings()
	from, to := s.InputWindow(p)
	if !from.Equal(at("2026-07-03T00:00:00Z")) || !to.Equal(at("2026-11-02T00:00:00Z")) {
		t.Fatalf("window %s – %s", from, to)
	}
	s.RepeatLookback = 0
	s.DeployLinkWindow = 0
	from, to = s.InputWindow(p)
	if !from.Equal(at("2026-09-30T00:00:00Z")) || !to.Equal(p.To) {
		t.Fatalf("minimal window %s – %s", from, to)
	}

	base := Input{
		Incidents: []Incident{{ID: 10, ServiceID: 1, Title: "disk full", DetectedAt: at("2026-10-05T00:00:00Z")}},
		Deploys:   []Deploy{{ID: 10, ServiceID: 1, Environment: "prod", Status: DeploySuccess, FinishedAt: at("2026-10-31T20:00:00Z")}},
	}
	extra := base
	extra.Incidents = append(slices.Clone(base.Incidents),
		// Before the window (and the lookback).
		Incident{ID: 1, ServiceID: 1, Title: "disk full", DetectedAt: at("2026-07-01T00:00:00Z")},
		// Explicitly names deploy 10 but was detected after To + DeployLinkWindow.
		Incident{ID: 2, ServiceID: 1, Title: "late", DetectedAt: at("2026-11-03T00:00:00Z"), CausedByDeployID: i64(10)},
	)
	a := Compute(base, p, DefaultSettings())
	b := Compute(extra, p, DefaultSettings())
	if !reflect.DeepEqual(a.KPIs, b.KPIs) || a.Counts != b.Counts {
		t.Errorf("extra records changed the result:\n%+v\n%+v", a.Counts, b.Counts)
	}
}

func TestSplitAndMerge(t *testing.T) {
	p := oct2026()
	svcs := []Service{{ID: 1, TeamID: 7, OnCallTZ: "UTC"}, {ID: 2, TeamID: 7}, {ID: 3, TeamID: 8}}
	in := Input{
		Services: svcs,
		Incidents: []Incident{
			{ID: 1, ServiceID: 1, Title: "a", DetectedAt: at("2026-10-02T00:00:00Z"), ResolvedAt: atp("2026-10-02T01:00:00Z")},
			{ID: 2, ServiceID: 2, Title: "b", DetectedAt: at("2026-10-03T00:00:00Z"), ResolvedAt: atp("2026-10-03T00:30:00Z"),
				CausedByDeployID: i64(30)}, // names service 3's deploy
			{ID: 3, ServiceID: 3, Title: "c", DetectedAt: at("2026-10-04T00:00:00Z")},
		},
		Deploys: []Deploy{
			{ID: 10, ServiceID: 1, Environment: "prod", Status: DeploySuccess, FinishedAt: at("2026-10-01T23:00:00Z")},
			{ID: 30, ServiceID: 3, Environment: "prod", Status: DeploySuccess, FinishedAt: at("2026-10-01T00:00:00Z")},
		},
		Pages: []Page{{ID: 1, ServiceID: 3, TriggeredAt: at("2026-10-05T12:00:00Z")}},
		Toil: []ToilWeek{
			{TeamID: 7, WeekStart: day("2026-10-05"), ToilHours: 10, TotalHours: 40},
			{TeamID: 8, WeekStart: day("2026-10-05"), ToilHours: 20, TotalHours: 40},
		},
		SLIDays: []SLIDay{{SLOID: 1, ServiceID: 1, Objective: 0.9, Day: day("2026-10-05"), Good: 9, Total: 10}},
	}
	parts := SplitByService(in)
	if len(parts) != 3 {
		t.Fatalf("parts %d", len(parts))
	}
	if len(parts[1].Toil) != 1 || len(parts[2].Toil) != 1 || parts[2].Toil[0].TeamID != 7 || len(parts[3].Toil) != 1 {
		t.Errorf("toil not split by team: %+v", parts)
	}
	// Service 3's CFR sees the explicit link from service 2's incident; its incident count does not.
	r3 := Compute(parts[3], p, DefaultSettings())
	checkKPIs(t, r3, map[string]*float64{
		KPIChangeFailureRate: f64(1), KPIIncidentsTotal: f64(1), KPIFailedDeployRecoveryMedianMinutes: f64(30),
		KPIPagesPerShift: f64(1 / (31.0 / 7)),
	})
	// Service 1: incident #1 is inferred to deploy #10 (1 h after it).
	r1 := Compute(parts[1], p, DefaultSettings())
	checkKPIs(t, r1, map[string]*float64{KPIChangeFailureRate: f64(1), KPIFailedDeployRecoveryMedianMinutes: f64(60), KPIToilRatio: f64(0.25)})

	var list []Input
	for _, id := range []int64{3, 1, 2} {
		list = append(list, parts[id])
	}
	merged := MergeInputs(list...)
	want := Compute(in, p, DefaultSettings())
	got := Compute(merged, p, DefaultSettings())
	if !reflect.DeepEqual(want.KPIs.Map(), got.KPIs.Map()) || want.Counts != got.Counts {
		t.Errorf("merge of split differs:\nwant %+v\ngot  %+v", want.Counts, got.Counts)
	}
	checkKPIs(t, got, map[string]*float64{KPIToilRatio: f64(30.0 / 80), KPIChangeFailureRate: f64(1), KPIIncidentsTotal: f64(3)})
	if len(merged.LinkIncidents) != 0 {
		t.Errorf("link-only incidents leaked into the merge: %v", merged.LinkIncidents)
	}
}

func TestNoNaN(t *testing.T) {
	// Objective of exactly 1 has no budget: burn rate must be nil, not Inf.
	r := Compute(Input{SLIDays: []SLIDay{{SLOID: 1, Objective: 1, Day: day("2026-10-05"), Good: 9, Total: 10}}},
		oct2026(), DefaultSettings())
	for n, v := range r.KPIs.Map() {
		if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
			t.Errorf("%s = %v", n, *v)
		}
	}
	wantF(t, KPIBurnRate, r.KPIs.BurnRate, nil)
	wantF(t, KPIAvailability, r.KPIs.Availability, f64(0.9))
}

func TestEvidence(t *testing.T) {
	p := oct2026()
	in := Input{Incidents: []Incident{
		{ID: 2, ServiceID: 1, Title: "disk full", DetectedAt: at("2026-10-09T00:00:00Z"), ResolvedAt: atp("2026-10-09T00:45:00Z")},
		{ID: 1, ServiceID: 1, Title: "Disk full", DetectedAt: at("2026-10-02T00:00:00Z")},
	}}
	r := Compute(in, p, DefaultSettings())
	rows := r.Evidence.For(KPIRepeatIncidentRate)
	if len(rows) != 2 || rows[0].ID != 1 || rows[1].ID != 2 {
		t.Fatalf("rows not sorted by time: %+v", rows)
	}
	if rows[0].Included || !rows[1].Included || rows[1].Note != "repeat of #1" || rows[1].Kind != KindIncident {
		t.Errorf("repeat evidence %+v", rows)
	}
	mttr := r.Evidence.For(KPIMTTRMinutes)
	if len(mttr) != 2 || mttr[0].Note != "open" || mttr[1].Value == nil || *mttr[1].Value != 45 {
		t.Errorf("mttr evidence %+v", mttr)
	}
	if len(r.Evidence.For(KPIChangeFailureRate)) != 0 {
		t.Error("no deploys, no CFR evidence")
	}
}

// TestComputeKPIsMatchesCompute checks that skipping evidence changes no number.
func TestComputeKPIsMatchesCompute(t *testing.T) {
	in := syntheticInput()
	p := oct2026()
	full, fast := Compute(in, p, DefaultSettings()), ComputeKPIs(in, p, DefaultSettings())
	if !reflect.DeepEqual(full.KPIs, fast.KPIs) || full.Counts != fast.Counts {
		t.Fatalf("ComputeKPIs differs:\n%+v\n%+v", full.Counts, fast.Counts)
	}
	if fast.Evidence != nil {
		t.Fatal("ComputeKPIs built evidence")
	}
}
