package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"sreport/analytics"
	"sreport/analytics/kpifmt"
)

// SettingKeys lists every stored setting key, in the order the settings page shows them.
var SettingKeys = []string{
	SettingReportingTZ, SettingBusinessStart, SettingBusinessEnd, SettingSleepStart, SettingSleepEnd,
	SettingShiftDays, SettingProdEnvs, SettingDeployLinkH, SettingNoiseMinutes, SettingRepeatDays,
	SettingPMDaysSev1, SettingPMDaysSev2,
}

// MinSampleKeys lists the minimum-sample setting of every KPI that has a
// minimum by default (analytics.KPIDef.Sampled), in registry order.
func MinSampleKeys() []string {
	var out []string
	for _, d := range analytics.KPIDefs() {
		if d.Sampled() {
			out = append(out, MinSampleKey(d.Key))
		}
	}
	return out
}

// savedAt is the time a change is recorded with: the audit's, else now.
func savedAt(a Audit) string {
	at := a.At
	if at.IsZero() {
		at = time.Now()
	}
	return at.UTC().Format(time.RFC3339)
}

// checkFrom checks the month a change applies from: a month key, not "".
func checkFrom(from string) error {
	if from == "" {
		return fmt.Errorf("store: a change applies from a month (YYYY-MM)")
	}
	return analytics.ParseMonthKey(from)
}

// SaveSettings stores settings in force from month from on, in one
// transaction with one audit row (the changed keys' values in force there
// before and after). A value equal to the one in force just before from
// removes the change at from instead of repeating it. The reporting
// timezone draws every period, so it is stored as in force since the
// beginning whatever from is. Each value must parse (the caller validates
// ranges and shows messages beside the fields).
func (s *Store) SaveSettings(ctx context.Context, from string, values map[string]string, a Audit) error {
	if err := checkFrom(from); err != nil {
		return err
	}
	st := analytics.DefaultSettings()
	for k, v := range values {
		if err := applySetting(&st, k, v); err != nil {
			return fmt.Errorf("store: setting %s: %w", k, err)
		}
	}
	at := savedAt(a)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		rr, err := loadRuleRows(ctx, tx)
		if err != nil {
			return err
		}
		before, after := map[string]string{}, map[string]string{}
		for _, k := range slices.Sorted(maps.Keys(values)) {
			v, f := values[k], from
			if k == SettingReportingTZ {
				f = ""
			}
			cur, hadCur := rr.settingValuesAt(f)[k]
			if sameSetting(k, cur, hadCur, v) {
				continue
			}
			before[k], after[k] = cur, v
			prior, hadPrior := rr.settingValuesAt(monthBefore(f))[k]
			if f != "" && sameSetting(k, prior, hadPrior, v) {
				if _, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE key = ? AND effective_from = ?`, k, f); err != nil {
					return fmt.Errorf("store: save setting %s: %w", k, err)
				}
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings(key, effective_from, value, saved_at, saved_by) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT(key, effective_from) DO UPDATE SET value = excluded.value, saved_at = excluded.saved_at, saved_by = excluded.saved_by`,
				k, f, v, at, a.Actor); err != nil {
				return fmt.Errorf("store: save setting %s: %w", k, err)
			}
		}
		a.Action, a.Entity, a.EntityID, a.Before, a.After = "update", "settings", "from "+from, before, after
		return WriteAudit(ctx, tx, a)
	})
}

// sameSetting reports whether setting k stored as a (had: stored at all;
// else its default) means the same as value b: "prod,live" and "prod,
// live" do, as does an unstored key and its default written out.
func sameSetting(k, a string, had bool, b string) bool {
	x, y := analytics.DefaultSettings(), analytics.DefaultSettings()
	if had && applySetting(&x, k, a) != nil {
		return false
	}
	if applySetting(&y, k, b) != nil {
		return false
	}
	if kpi, ok := strings.CutPrefix(k, SettingMinSamplePrefix); ok {
		return x.MinSampleOf(kpi) == y.MinSampleOf(kpi)
	}
	return reflect.DeepEqual(x, y)
}

// monthBefore is the month key just before month ("2026-01" → "2025-12");
// "" (since the beginning) has none, and callers never look before it.
func monthBefore(month string) string {
	if month == "" {
		return ""
	}
	y, m := 0, 0
	fmt.Sscanf(month, "%d-%d", &y, &m)
	if m == 1 {
		y, m = y-1, 12
	} else {
		m--
	}
	return analytics.MonthKey(y, m)
}

// TargetDirection returns the direction kpi's targets must have, and false
// for a KPI this build does not know (either direction is accepted). It is
// the KPI's better direction (analytics.KPIDef.Better): "max" (at most the
// target) for durations, counts and rates of bad things, "min" (at least)
// for availability, attainment, on-time rates, deploy frequency and the
// error budget left. A target in the other direction would call the worse
// result "met".
func TargetDirection(kpi string) (string, bool) {
	d, ok := analytics.KPIDefOf(kpi)
	return d.Better, ok
}

// SaveTierTargets makes rows the tier targets in force from month from on,
// in one transaction with one audit row (the changed targets before and
// after). A tier/KPI in force at from but absent from rows has no target
// from from on; a later change stays in force from its own month. A value
// equal to the one in force just before from removes the change at from
// instead of repeating it. A KPI's direction must be its TargetDirection.
func (s *Store) SaveTierTargets(ctx context.Context, from string, rows []analytics.Target, a Audit) error {
	if err := checkFrom(from); err != nil {
		return err
	}
	for _, t := range rows {
		if t.Tier < 0 || t.Tier > 3 || t.KPI == "" || (t.Direction != analytics.DirectionMin && t.Direction != analytics.DirectionMax) {
			return fmt.Errorf("store: tier target %d/%s/%s is not valid", t.Tier, t.KPI, t.Direction)
		}
		if d, ok := TargetDirection(t.KPI); ok && t.Direction != d {
			return fmt.Errorf("store: tier target %d/%s: direction %s, want %s", t.Tier, t.KPI, t.Direction, d)
		}
	}
	at := savedAt(a)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		rr, err := loadRuleRows(ctx, tx)
		if err != nil {
			return err
		}
		book, err := rr.book()
		if err != nil {
			return err
		}
		cur, prior := book.At(from).Targets, book.At(monthBefore(from)).Targets
		want := analytics.NewTargetSet(rows)
		keys := map[[2]string]analytics.Target{}
		for _, t := range append(targetRows(cur), rows...) {
			keys[[2]string{strconv.Itoa(t.Tier), t.KPI}] = t
		}
		var before, after []analytics.TargetVersion
		for _, t := range targetRows(analytics.NewTargetSet(slices.Collect(maps.Values(keys)))) {
			c, hasCur := cur.Get(t.Tier, t.KPI)
			w, hasWant := want.Get(t.Tier, t.KPI)
			if sameTarget(c, hasCur, w, hasWant) {
				continue
			}
			before = append(before, targetVersion(from, t, c, hasCur))
			after = append(after, targetVersion(from, t, w, hasWant))
			p, hasPrior := prior.Get(t.Tier, t.KPI)
			if sameTarget(p, hasPrior, w, hasWant) {
				if _, err := tx.ExecContext(ctx, `DELETE FROM tier_targets WHERE tier = ? AND kpi = ? AND effective_from = ?`, t.Tier, t.KPI, from); err != nil {
					return fmt.Errorf("store: save tier target %d/%s: %w", t.Tier, t.KPI, err)
				}
				continue
			}
			v := targetVersion(from, t, w, hasWant)
			if _, err := tx.ExecContext(ctx, `INSERT INTO tier_targets (tier, kpi, effective_from, target, direction, saved_at, saved_by)
				VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (tier, kpi, effective_from) DO UPDATE SET target = excluded.target, direction = excluded.direction,
					saved_at = excluded.saved_at, saved_by = excluded.saved_by`,
				v.Tier, v.KPI, from, v.Target, v.Direction, at, a.Actor); err != nil {
				return fmt.Errorf("store: save tier target %d/%s: %w", t.Tier, t.KPI, err)
			}
		}
		a.Action, a.Entity, a.EntityID, a.Before, a.After = "update", "tier_targets", "from "+from, before, after
		return WriteAudit(ctx, tx, a)
	})
}

// sameTarget reports whether two targets (ok: one exists) are the same:
// both absent, or the same direction and a value equal up to float noise
// (a target read back from "99.99 %" may be an ulp off the stored 0.9999).
func sameTarget(a analytics.Target, aok bool, b analytics.Target, bok bool) bool {
	if aok != bok || !aok {
		return aok == bok
	}
	return a.Direction == b.Direction && sameNumber(a.Target, b.Target)
}

// sameNumber is equality up to float noise: twelve significant digits.
func sameNumber(a, b float64) bool {
	return math.Abs(a-b) <= 1e-12*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// targetVersion is t's target from month from on: v when ok, else none
// (the KPI's direction kept for the row).
func targetVersion(from string, t, v analytics.Target, ok bool) analytics.TargetVersion {
	tv := analytics.TargetVersion{From: from, Tier: t.Tier, KPI: t.KPI, Direction: t.Direction}
	if ok {
		x := v.Target
		tv.Target, tv.Direction = &x, v.Direction
	}
	if d, known := TargetDirection(t.KPI); known {
		tv.Direction = d
	}
	return tv
}

// DoraBandProblem is a DORA threshold out of order with the band above it.
type DoraBandProblem struct {
	Metric, Band string
	Message      string
}

// DoraBandOrder checks that each metric's bands get stricter towards
// elite: for change_failure_rate, lead_time_hours and recovery_hours a
// smaller threshold is stricter, so elite < high < medium; for
// deploy_frequency elite ≥ high (deploy-days per week; medium counts per
// month, so it is not compared). A band left out is skipped, and the next
// one is compared with the band above the gap.
func DoraBandOrder(rows []analytics.DoraBand) []DoraBandProblem {
	th := map[string]map[string]float64{}
	for _, b := range rows {
		if th[b.Metric] == nil {
			th[b.Metric] = map[string]float64{}
		}
		th[b.Metric][b.Band] = b.Threshold
	}
	var out []DoraBandProblem
	for _, m := range []string{analytics.DoraChangeFailureRate, analytics.DoraLeadTimeHours, analytics.DoraRecoveryHours} {
		prev, prevName := 0.0, ""
		for _, b := range []string{analytics.BandElite, analytics.BandHigh, analytics.BandMedium} {
			t, ok := th[m][b]
			if !ok {
				continue
			}
			if prevName != "" && t <= prev {
				out = append(out, DoraBandProblem{Metric: m, Band: b, Message: "Must be more than the " + prevName + " threshold (" + kpifmt.Exact(analytics.DoraUnit(m), prev) +
					"): a smaller threshold is stricter, and " + b + " must be less strict than " + prevName + "."})
			}
			prev, prevName = t, b
		}
	}
	m := analytics.DoraDeployFrequency
	if e, ok := th[m][analytics.BandElite]; ok {
		if h, ok := th[m][analytics.BandHigh]; ok && h > e {
			out = append(out, DoraBandProblem{Metric: m, Band: analytics.BandHigh, Message: "Must be at most the elite threshold (" + kpifmt.Exact(analytics.DoraUnit(m), e) +
				" deploy-days per week): high cannot ask for more than elite."})
		}
	}
	return out
}

// SaveDoraBands makes rows the DORA band thresholds in force from month
// from on, audited in the same transaction (the changed thresholds before
// and after). A band in force at from but absent from rows is removed from
// from on (analytics.DoraBands skips it); the bands must be in order
// (DoraBandOrder). A threshold equal to the one in force just before from
// removes the change at from instead of repeating it.
func (s *Store) SaveDoraBands(ctx context.Context, from string, rows []analytics.DoraBand, a Audit) error {
	if err := checkFrom(from); err != nil {
		return err
	}
	for _, b := range rows {
		switch b.Band {
		case analytics.BandElite, analytics.BandHigh, analytics.BandMedium:
		default:
			return fmt.Errorf("store: dora band %q is not elite, high or medium", b.Band)
		}
	}
	if p := DoraBandOrder(rows); len(p) > 0 {
		return fmt.Errorf("store: dora band %s/%s: %s", p[0].Metric, p[0].Band, p[0].Message)
	}
	at := savedAt(a)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		rr, err := loadRuleRows(ctx, tx)
		if err != nil {
			return err
		}
		book, err := rr.book()
		if err != nil {
			return err
		}
		index := func(bs []analytics.DoraBand) map[[2]string]float64 {
			m := map[[2]string]float64{}
			for _, b := range bs {
				m[[2]string{b.Metric, b.Band}] = b.Threshold
			}
			return m
		}
		cur, prior, want := index(book.At(from).Bands), index(book.At(monthBefore(from)).Bands), index(rows)
		keys := slices.Collect(maps.Keys(cur))
		for k := range want {
			if _, ok := cur[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.SortFunc(keys, func(a, b [2]string) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
		opt := func(m map[[2]string]float64, k [2]string) *float64 {
			if v, ok := m[k]; ok {
				return &v
			}
			return nil
		}
		same := func(x, y *float64) bool { return (x == nil) == (y == nil) && (x == nil || sameNumber(*x, *y)) }
		var before, after []analytics.BandVersion
		for _, k := range keys {
			c, w, p := opt(cur, k), opt(want, k), opt(prior, k)
			if same(c, w) {
				continue
			}
			before = append(before, analytics.BandVersion{From: from, Metric: k[0], Band: k[1], Threshold: c})
			after = append(after, analytics.BandVersion{From: from, Metric: k[0], Band: k[1], Threshold: w})
			if same(p, w) {
				if _, err := tx.ExecContext(ctx, `DELETE FROM dora_bands WHERE metric = ? AND band = ? AND effective_from = ?`, k[0], k[1], from); err != nil {
					return fmt.Errorf("store: save dora band %s/%s: %w", k[0], k[1], err)
				}
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO dora_bands (metric, band, effective_from, threshold, saved_at, saved_by) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (metric, band, effective_from) DO UPDATE SET threshold = excluded.threshold,
					saved_at = excluded.saved_at, saved_by = excluded.saved_by`, k[0], k[1], from, w, at, a.Actor); err != nil {
				return fmt.Errorf("store: save dora band %s/%s: %w", k[0], k[1], err)
			}
		}
		a.Action, a.Entity, a.EntityID, a.Before, a.After = "update", "dora_bands", "from "+from, before, after
		return WriteAudit(ctx, tx, a)
	})
}
