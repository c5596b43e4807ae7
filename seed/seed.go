// Package seed generates a realistic, deterministic demo data set for sreport:
// a fictional company ("Acme") with six teams and 24 services, 18 months of
// deploys, incidents, pages, SLIs, toil, postmortem action items and a risk
// register.
//
// Generation is streaming: rows are produced one service-month at a time,
// written through prepared INSERTs and committed every few thousand rows, so
// memory stays flat at any Scale. The same Options always give byte-identical
// table contents; the package never reads the clock.
package seed

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Options controls the generated data set.
type Options struct {
	Months int       // months of history, ending with the month that contains End (default 18)
	Scale  int       // multiplies incident, deploy and page volumes (default 1)
	Seed   int64     // random seed (default 42; 0 means default)
	End    time.Time // "now" of the data set: nothing is recorded after it (required)
}

// Summary counts the rows written.
type Summary struct {
	Teams, Services, Incidents, Deploys, Pages, SLIDays, ToilWeeks, ActionItems, Risks int
	// ProgramRecords counts the reliability program's records (program.go).
	ProgramRecords int
}

// ErrNotEmpty is returned when the database already holds a service catalogue.
var ErrNotEmpty = errors.New("seed: database already has teams or services")

const (
	defaultMonths = 18
	defaultSeed   = 42
	pcgStream     = 0x5EED_2026_ACE0_0001
	day_          = 86400
)

// Generate writes the demo data set into db, which must hold the migrated
// schema and no teams or services. Rows are committed in batches; if
// Generate fails part way, the rows of earlier batches stay.
func Generate(ctx context.Context, db *sql.DB, opt Options) (Summary, error) {
	if opt.Months <= 0 {
		opt.Months = defaultMonths
	}
	if opt.Months > 240 {
		return Summary{}, fmt.Errorf("seed: Months %d too large (max 240)", opt.Months)
	}
	if opt.Scale <= 0 {
		opt.Scale = 1
	}
	if opt.Seed == 0 {
		opt.Seed = defaultSeed
	}
	if opt.End.IsZero() {
		return Summary{}, errors.New("seed: Options.End is required")
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM teams) + (SELECT COUNT(*) FROM services)`).Scan(&n); err != nil {
		return Summary{}, fmt.Errorf("seed: check empty: %w", err)
	}
	if n > 0 {
		return Summary{}, ErrNotEmpty
	}

	// One pinned connection for the whole run. While bulk loading, the WAL is
	// checkpointed less often (the checkpoints dominated the run time); the
	// connection's setting is restored afterwards.
	conn, err := db.Conn(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("seed: connection: %w", err)
	}
	defer conn.Close()
	var autockpt int64
	if err := conn.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&autockpt); err != nil {
		return Summary{}, fmt.Errorf("seed: read wal_autocheckpoint: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 20000`); err != nil {
		return Summary{}, fmt.Errorf("seed: set wal_autocheckpoint: %w", err)
	}
	defer func() {
		bg := context.WithoutCancel(ctx)
		_, _ = conn.ExecContext(bg, fmt.Sprintf(`PRAGMA wal_autocheckpoint = %d`, autockpt))
		_, _ = conn.ExecContext(bg, `PRAGMA wal_checkpoint(PASSIVE)`)
	}()

	g := newGen(ctx, conn, opt)
	if err := g.run(); err != nil {
		g.w.rollback()
		return g.sum, err
	}
	if err := g.w.commit(); err != nil {
		return g.sum, err
	}
	return g.sum, nil
}

type gen struct {
	opt   Options
	w     *writer
	rng   *rand.Rand
	scale float64

	start, end int64 // unix seconds; data covers [start, end]
	endF       float64
	nDays      int // complete days in [start, end]
	months     []int64

	svcs  []*svcState
	chunk chunk

	nextDeployID, nextIncID, nextPageID, nextActionID int64
	ghRun, glPipe                                     int64
	incExtN, pageExtN                                 uint64
	prbN                                              int
	openCount                                         int

	impAvail, impLat [][]float64 // per service, per day: extra bad-event fraction caused by incidents

	sum Summary
}

func newGen(ctx context.Context, db *sql.Conn, opt Options) *gen {
	e := opt.End.UTC().Truncate(time.Second)
	startT := time.Date(e.Year(), e.Month()-time.Month(opt.Months-1), 1, 0, 0, 0, 0, time.UTC)
	g := &gen{
		opt:    opt,
		w:      &writer{ctx: ctx, db: db},
		rng:    rand.New(rand.NewPCG(uint64(opt.Seed), pcgStream)),
		scale:  float64(opt.Scale),
		start:  startT.Unix(),
		end:    e.Unix(),
		endF:   float64(e.Unix()),
		ghRun:  4_100_000_000,
		glPipe: 880_000,
		prbN:   40_100,
	}
	g.nDays = int((g.end - g.start) / day_)
	for i := 0; i <= opt.Months; i++ {
		g.months = append(g.months, time.Date(startT.Year(), startT.Month()+time.Month(i), 1, 0, 0, 0, 0, time.UTC).Unix())
	}
	g.impAvail = make([][]float64, len(services))
	g.impLat = make([][]float64, len(services))
	for i := range services {
		g.impAvail[i] = make([]float64, g.nDays+1)
		g.impLat[i] = make([]float64, g.nDays+1)
	}
	return g
}

// subRNG returns an independent deterministic stream for one purpose.
func (g *gen) subRNG(kind, idx uint64) *rand.Rand {
	x := (kind<<32 | idx) + 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	x ^= x >> 31
	return rand.New(rand.NewPCG(uint64(g.opt.Seed), x))
}

func (g *gen) run() error {
	if err := g.catalogue(); err != nil {
		return err
	}
	for m := 0; m < g.opt.Months; m++ {
		me := float64(min(g.months[m+1], g.end+1))
		for _, s := range g.svcs {
			if err := g.serviceMonth(s, me); err != nil {
				return err
			}
		}
	}
	if err := g.injectOpen(); err != nil {
		return err
	}
	if err := g.sli(); err != nil {
		return err
	}
	if err := g.toil(); err != nil {
		return err
	}
	if err := g.risks(); err != nil {
		return err
	}
	if err := g.roadmap(); err != nil {
		return err
	}
	return g.program()
}

func (g *gen) catalogue() error {
	teamCreated := g.start - 400*day_
	for i, t := range teams {
		if err := g.w.exec(stTeam, i+1, t.name, tsStr(teamCreated+int64(i)*3*day_)); err != nil {
			return err
		}
		g.sum.Teams++
		for _, name := range t.people {
			if err := g.w.exec(stPerson, name, email(name), tsStr(teamCreated)); err != nil {
				return err
			}
		}
	}
	var sloID int64
	for i := range services {
		d := &services[i]
		ti := teamIndex(d.team)
		loc, err := time.LoadLocation(d.tz)
		if err != nil {
			return fmt.Errorf("seed: time zone %s: %w", d.tz, err)
		}
		s := &svcState{def: d, team: &teams[ti], teamIdx: ti, idx: i, id: int64(i + 1), loc: loc,
			rng: g.subRNG(1, uint64(i)), major: 1 + i%4, minor: 10 + (i*7)%30}
		s.cur = s.version()
		created := g.start - int64(120+i*11)*day_
		if err := g.w.exec(stService, s.id, d.name, d.tier, ti+1, d.desc, d.tz, tsStr(created)); err != nil {
			return err
		}
		g.sum.Services++
		if err := g.w.exec(stAlias, "pagerduty", titleCase(d.name)+" (Production)", s.id); err != nil {
			return err
		}
		if err := g.w.exec(stAlias, s.team.ciSource, "acme/"+d.name, s.id); err != nil {
			return err
		}
		for _, slo := range d.slos {
			sloID++
			window := 28
			if d.tier == 3 {
				window = 30
			}
			if err := g.w.exec(stSLO, sloID, s.id, slo.name, slo.obj, window); err != nil {
				return err
			}
			s.sloIDs = append(s.sloIDs, sloID)
		}
		g.setupService(s)
		g.svcs = append(g.svcs, s)
	}
	return nil
}

func teamIndex(name string) int {
	for i, t := range teams {
		if t.name == name {
			return i
		}
	}
	panic("seed: unknown team " + name)
}

func serviceIndex(name string) int {
	for i, s := range services {
		if s.name == name {
			return i
		}
	}
	panic("seed: unknown service " + name)
}

func titleCase(name string) string {
	b := []byte(name)
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = c == '-'
		if c == '-' {
			b[i] = ' '
		}
	}
	return string(b)
}

// ---- sampling helpers ----

func lognorm(r *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}

func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func weighted(r *rand.Rand, w []float64) int {
	var sum float64
	for _, x := range w {
		sum += x
	}
	u := r.Float64() * sum
	for i, x := range w {
		if u < x {
			return i
		}
		u -= x
	}
	return len(w) - 1
}

// avgWeight is the mean of w over one week of hours.
func avgWeight(w func(time.Time) float64) float64 {
	ref := time.Date(2024, 3, 4, 0, 30, 0, 0, time.UTC) // a Monday
	var s float64
	for h := 0; h < 7*24; h++ {
		s += w(ref.Add(time.Duration(h) * time.Hour))
	}
	return s / (7 * 24)
}

func deployWeight(t time.Time) float64 {
	f := 1.0
	if m, d := t.Month(), t.Day(); (m == 12 && d >= 20) || (m == 1 && d <= 2) {
		f = 0.15 // holiday change freeze
	}
	wd, h := t.Weekday(), t.Hour()
	switch {
	case wd == time.Saturday || wd == time.Sunday:
		return 0.02 * f
	case h >= 9 && h < 17:
		if wd == time.Friday && h >= 14 {
			return 0.35 * f
		}
		return f
	case (h >= 7 && h < 9) || (h >= 17 && h < 20):
		return 0.3 * f
	}
	return 0.03 * f
}

func businessHours(t time.Time) bool {
	wd, h := t.Weekday(), t.Hour()
	return wd != time.Saturday && wd != time.Sunday && h >= 9 && h < 18
}

func pageWeight(t time.Time) float64 {
	if businessHours(t) {
		return 1
	}
	return 0.45
}

func noisyWeight(t time.Time) float64 {
	if h := t.Hour(); h >= 1 && h < 4 {
		return 1 // nightly batch window
	}
	return 0.5
}

func incidentWeight(t time.Time) float64 {
	wd, h := t.Weekday(), t.Hour()
	switch {
	case wd == time.Saturday || wd == time.Sunday:
		return 0.45
	case h >= 9 && h < 18:
		return 1
	case h >= 18 && h < 23:
		return 0.6
	}
	return 0.4
}

var (
	avgDeployW   = avgWeight(deployWeight)
	avgPageW     = avgWeight(pageWeight)
	avgNoisyW    = avgWeight(noisyWeight)
	avgIncidentW = avgWeight(incidentWeight)
)

func addBusinessDays(sec int64, n int) int64 {
	t := time.Unix(sec, 0).UTC()
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return t.Unix()
}

const b36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// pdID makes a PagerDuty-style id ("Q1ABC2DEF3GHI4"): the first six characters
// are a bijection of n (unique), the rest random.
func pdID(prefix byte, n uint64, r *rand.Rand) string {
	var b [14]byte
	b[0] = prefix
	x := (n * 1_345_279_633) % 2_176_782_336 // 36^6; the multiplier is coprime to 36
	for i := 6; i >= 1; i-- {
		b[i] = b36[x%36]
		x /= 36
	}
	for i := 7; i < 14; i++ {
		b[i] = b36[r.IntN(36)]
	}
	return string(b[:])
}

func hexStr(r *rand.Rand, n int) string {
	const hx = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = hx[r.IntN(16)]
	}
	return string(b)
}

// fill expands a title template.
func fill(tpl string, s *svcState, r *rand.Rand, dep, ver string) string {
	out := make([]byte, 0, len(tpl)+32)
	for i := 0; i < len(tpl); i++ {
		if tpl[i] != '{' {
			out = append(out, tpl[i])
			continue
		}
		j := i + 1
		for j < len(tpl) && tpl[j] != '}' {
			j++
		}
		switch tpl[i+1 : j] {
		case "svc":
			out = append(out, s.def.name...)
		case "hex":
			out = append(out, hexStr(r, 5)...)
		case "n":
			out = fmt.Appendf(out, "%d", 1+r.IntN(24))
		case "ms":
			out = fmt.Appendf(out, "%d", 500+100*r.IntN(26))
		case "dep":
			if dep == "" {
				dep = pick(r, s.team.thirdParty)
			}
			out = append(out, dep...)
		case "ver":
			out = append(out, ver...)
		case "region":
			out = append(out, pick(r, regions)...)
		case "thing":
			out = append(out, pick(r, things)...)
		}
		i = j
	}
	return string(out)
}

// dayIndex returns the day number of sec relative to start.
func (g *gen) dayIndex(sec int64) int { return int((sec - g.start) / day_) }

func slicesSortBy[T any](xs []*T, key func(*T) (int64, int)) {
	slices.SortStableFunc(xs, func(a, b *T) int {
		ka, sa := key(a)
		kb, sb := key(b)
		switch {
		case ka < kb:
			return -1
		case ka > kb:
			return 1
		}
		return sa - sb
	})
}
