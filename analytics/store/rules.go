package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"

	"sreport/analytics"
)

// Targets, DORA bands and settings are effective-dated: every row applies
// from its effective_from month ("2026-11"; "" since the beginning) until
// a later row for the same key (docs/metrics.md, "Targets and settings
// over time"). A NULL target or threshold ends the target or band.

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// settingRow is one stored setting version.
type settingRow struct {
	Key, From, Value, SavedAt, SavedBy string
}

// targetRow and bandRow are stored target and band versions.
type targetRow struct {
	analytics.TargetVersion
	SavedAt, SavedBy string
}

type bandRow struct {
	analytics.BandVersion
	SavedAt, SavedBy string
}

// ruleRows is every stored version of every rule.
type ruleRows struct {
	settings []settingRow
	targets  []targetRow
	bands    []bandRow
}

// loadRuleRows reads every version, ordered by key and month.
func loadRuleRows(ctx context.Context, q querier) (ruleRows, error) {
	var rr ruleRows
	rows, err := q.QueryContext(ctx, `SELECT key, effective_from, value, saved_at, saved_by FROM settings ORDER BY key, effective_from`)
	if err != nil {
		return rr, fmt.Errorf("store: load settings: %w", err)
	}
	rr.settings, err = collectAll(rows, func(sc interface{ Scan(...any) error }) (settingRow, error) {
		var r settingRow
		err := sc.Scan(&r.Key, &r.From, &r.Value, &r.SavedAt, &r.SavedBy)
		return r, err
	})
	rows.Close()
	if err != nil {
		return rr, fmt.Errorf("store: load settings: %w", err)
	}
	rows, err = q.QueryContext(ctx, `SELECT tier, kpi, effective_from, target, direction, saved_at, saved_by
		FROM tier_targets ORDER BY tier, kpi, effective_from`)
	if err != nil {
		return rr, fmt.Errorf("store: load tier targets: %w", err)
	}
	rr.targets, err = collectAll(rows, func(sc interface{ Scan(...any) error }) (targetRow, error) {
		var r targetRow
		var v sql.NullFloat64
		err := sc.Scan(&r.Tier, &r.KPI, &r.From, &v, &r.Direction, &r.SavedAt, &r.SavedBy)
		if v.Valid {
			r.Target = &v.Float64
		}
		return r, err
	})
	rows.Close()
	if err != nil {
		return rr, fmt.Errorf("store: load tier targets: %w", err)
	}
	rows, err = q.QueryContext(ctx, `SELECT metric, band, effective_from, threshold, saved_at, saved_by
		FROM dora_bands ORDER BY metric, band, effective_from`)
	if err != nil {
		return rr, fmt.Errorf("store: load dora bands: %w", err)
	}
	rr.bands, err = collectAll(rows, func(sc interface{ Scan(...any) error }) (bandRow, error) {
		var r bandRow
		var v sql.NullFloat64
		err := sc.Scan(&r.Metric, &r.Band, &r.From, &v, &r.SavedAt, &r.SavedBy)
		if v.Valid {
			r.Threshold = &v.Float64
		}
		return r, err
	})
	rows.Close()
	if err != nil {
		return rr, fmt.Errorf("store: load dora bands: %w", err)
	}
	return rr, nil
}

// settingValuesAt returns the raw value of every setting stored for
// month: the latest row of each key not after it. Keys with none use
// their default.
func (rr ruleRows) settingValuesAt(month string) map[string]string {
	out := map[string]string{}
	for _, r := range rr.settings { // ordered by key, then month
		if r.From <= month {
			out[r.Key] = r.Value
		}
	}
	return out
}

// book builds the rule book: the whole settings in force from each month
// a setting changed, and the target and band versions.
func (rr ruleRows) book() (analytics.RuleBook, error) {
	var froms []string
	for _, r := range rr.settings {
		froms = append(froms, r.From)
	}
	slices.Sort(froms)
	froms = slices.Compact(froms)
	var sv []analytics.SettingsVersion
	for _, f := range froms {
		st := analytics.DefaultSettings()
		// Apply in key order for a deterministic result; keys are independent.
		vals := rr.settingValuesAt(f)
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range vals {
				if !yield(k) {
					return
				}
			}
		})
		for _, k := range keys {
			if err := applySetting(&st, k, vals[k]); err != nil {
				return analytics.RuleBook{}, fmt.Errorf("store: setting %s from %q: %w", k, f, err)
			}
		}
		sv = append(sv, analytics.SettingsVersion{From: f, Settings: st})
	}
	tv := make([]analytics.TargetVersion, len(rr.targets))
	for i, r := range rr.targets {
		tv[i] = r.TargetVersion
	}
	bv := make([]analytics.BandVersion, len(rr.bands))
	for i, r := range rr.bands {
		bv[i] = r.BandVersion
	}
	return analytics.NewRuleBook(sv, tv, bv), nil
}

// Rules returns the settings, tier targets and DORA bands over time, read
// in one transaction so the three agree.
func (s *Store) Rules(ctx context.Context) (analytics.RuleBook, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return analytics.RuleBook{}, fmt.Errorf("store: load rules: %w", err)
	}
	defer tx.Rollback()
	rr, err := loadRuleRows(ctx, tx)
	if err != nil {
		return analytics.RuleBook{}, err
	}
	return rr.book()
}

// SettingValuesAt returns the raw stored settings in force in month (key →
// value); keys not stored use their default.
func (s *Store) SettingValuesAt(ctx context.Context, month string) (map[string]string, error) {
	rr, err := loadRuleRows(ctx, s.db)
	if err != nil {
		return nil, err
	}
	return rr.settingValuesAt(month), nil
}

// TierTargets returns the tier targets in force from the latest change on,
// ordered by tier and KPI.
func (s *Store) TierTargets(ctx context.Context) ([]analytics.Target, error) {
	book, err := s.Rules(ctx)
	if err != nil {
		return nil, err
	}
	return targetRows(latest(book).Targets), nil
}

// targetRows lists a target set ordered by tier and KPI.
func targetRows(ts analytics.TargetSet) []analytics.Target {
	var out []analytics.Target
	for _, byKPI := range ts {
		for _, t := range byKPI {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b analytics.Target) int { return cmp.Or(cmp.Compare(a.Tier, b.Tier), cmp.Compare(a.KPI, b.KPI)) })
	return out
}

// DoraBands returns the DORA band thresholds in force from the latest
// change on, ordered by metric and band.
func (s *Store) DoraBands(ctx context.Context) ([]analytics.DoraBand, error) {
	book, err := s.Rules(ctx)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(latest(book).Bands)
	slices.SortFunc(out, func(a, b analytics.DoraBand) int {
		return cmp.Or(cmp.Compare(a.Metric, b.Metric), cmp.Compare(a.Band, b.Band))
	})
	return out, nil
}

// Rule change kinds.
const (
	ChangeSetting = "setting"
	ChangeTarget  = "target"
	ChangeBand    = "band"
)

// RuleChange is one dated change of a setting, tier target or DORA band:
// what it was just before From and what it is from From on.
type RuleChange struct {
	From string // "2026-11"
	Kind string // ChangeSetting, ChangeTarget or ChangeBand
	// Key is the setting key; Tier and KPI name a target; Metric and Band a band.
	Key          string
	Tier         int
	KPI          string
	Metric, Band string
	// Old and New are a setting's values ("" for its default); OldNum and
	// NewNum a target's or threshold's, nil for none.
	Old, New       string
	OldNum, NewNum *float64
	SavedAt        string
	SavedBy        string
}

// RuleChanges returns every dated change (not the values in force since
// the beginning), newest month first.
func (s *Store) RuleChanges(ctx context.Context) ([]RuleChange, error) {
	rr, err := loadRuleRows(ctx, s.db)
	if err != nil {
		return nil, err
	}
	var out []RuleChange
	// Rows are ordered by key then month, so the row before is the value
	// just before, when it is of the same key.
	for i, r := range rr.settings {
		if r.From == "" {
			continue
		}
		c := RuleChange{From: r.From, Kind: ChangeSetting, Key: r.Key, New: r.Value, SavedAt: r.SavedAt, SavedBy: r.SavedBy}
		if i > 0 && rr.settings[i-1].Key == r.Key {
			c.Old = rr.settings[i-1].Value
		}
		out = append(out, c)
	}
	for i, r := range rr.targets {
		if r.From == "" {
			continue
		}
		c := RuleChange{From: r.From, Kind: ChangeTarget, Tier: r.Tier, KPI: r.KPI, NewNum: r.Target, SavedAt: r.SavedAt, SavedBy: r.SavedBy}
		if p := rr.targets[max(i-1, 0)]; i > 0 && p.Tier == r.Tier && p.KPI == r.KPI {
			c.OldNum = p.Target
		}
		out = append(out, c)
	}
	for i, r := range rr.bands {
		if r.From == "" {
			continue
		}
		c := RuleChange{From: r.From, Kind: ChangeBand, Metric: r.Metric, Band: r.Band, NewNum: r.Threshold, SavedAt: r.SavedAt, SavedBy: r.SavedBy}
		if p := rr.bands[max(i-1, 0)]; i > 0 && p.Metric == r.Metric && p.Band == r.Band {
			c.OldNum = p.Threshold
		}
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b RuleChange) int {
		return cmp.Or(cmp.Compare(b.From, a.From), cmp.Compare(b.SavedAt, a.SavedAt))
	})
	return out, nil
}
