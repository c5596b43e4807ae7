package store

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"sreport/analytics"
)

// Setting keys as stored in the settings table (docs/metrics.md names each).
const (
	SettingReportingTZ   = "reporting_tz"
	SettingBusinessStart = "business_start_hour"
	SettingBusinessEnd   = "business_end_hour"
	SettingSleepStart    = "sleep_start_hour"
	SettingSleepEnd      = "sleep_end_hour"
	SettingShiftDays     = "shift_days"
	SettingProdEnvs      = "prod_environments"
	SettingDeployLinkH   = "deploy_link_window_hours"
	SettingNoiseMinutes  = "noise_auto_resolve_minutes"
	SettingRepeatDays    = "repeat_lookback_days"
	SettingPMDaysSev1    = "postmortem_days_sev1"
	SettingPMDaysSev2    = "postmortem_days_sev2"
	// SettingMinSamplePrefix + a KPI key is that KPI's minimum sample
	// ("min_sample_mttr_minutes").
	SettingMinSamplePrefix = "min_sample_"
)

// MinSampleKey is the setting key of kpi's minimum sample.
func MinSampleKey(kpi string) string { return SettingMinSamplePrefix + kpi }

// MaxMinSample bounds a minimum sample setting.
const MaxMinSample = 1000

// Settings returns the KPI settings in force from the latest change on:
// stored values over DefaultSettings. Changes are never dated after the
// current month (the settings page refuses that), so these are the
// settings of the period in progress; a computation of any period uses
// Rules instead, which holds what was in force in each.
func (s *Store) Settings(ctx context.Context) (analytics.Settings, error) {
	book, err := s.Rules(ctx)
	if err != nil {
		return analytics.DefaultSettings(), err
	}
	return latest(book).Settings, nil
}

// latest is the book's last version: the rules in force from the latest change on.
func latest(book analytics.RuleBook) analytics.Rules {
	froms := book.Froms()
	return book.At(froms[len(froms)-1])
}

// applySetting parses one stored value into st; unknown keys are ignored so
// an older binary can read a newer database.
func applySetting(st *analytics.Settings, k, v string) error {
	num := func() (int, error) { return strconv.Atoi(strings.TrimSpace(v)) }
	var n int
	var err error
	switch k {
	case SettingReportingTZ:
		if _, err := time.LoadLocation(v); err != nil {
			return err
		}
		st.ReportingTZ = v
		return nil
	case SettingProdEnvs:
		var envs []string
		for _, e := range strings.Split(v, ",") {
			if e = strings.TrimSpace(e); e != "" {
				envs = append(envs, e)
			}
		}
		st.ProdEnvironments = envs
		return nil
	}
	if kpi, ok := strings.CutPrefix(k, SettingMinSamplePrefix); ok {
		if _, known := analytics.KPIDefOf(kpi); !known {
			return nil // a KPI this build does not know
		}
		if n, err = num(); err != nil {
			return err
		}
		if n < 0 || n > MaxMinSample {
			return fmt.Errorf("minimum sample %d: want 0 to %d", n, MaxMinSample)
		}
		// Settings are copied by value: never write into a shared map.
		m := maps.Clone(st.MinSample)
		if m == nil {
			m = map[string]int{}
		}
		m[kpi] = n
		st.MinSample = m
		return nil
	}
	switch k {
	case SettingBusinessStart, SettingBusinessEnd, SettingSleepStart, SettingSleepEnd, SettingShiftDays,
		SettingDeployLinkH, SettingNoiseMinutes, SettingRepeatDays, SettingPMDaysSev1, SettingPMDaysSev2:
	default:
		return nil // unknown: not parsed, so any value of a newer build reads
	}
	if n, err = num(); err != nil {
		return err
	}
	switch k {
	case SettingBusinessStart:
		st.BusinessStartHour = n
	case SettingBusinessEnd:
		st.BusinessEndHour = n
	case SettingSleepStart:
		st.SleepStartHour = n
	case SettingSleepEnd:
		st.SleepEndHour = n
	case SettingShiftDays:
		st.ShiftDays = n
	case SettingDeployLinkH:
		st.DeployLinkWindow = time.Duration(n) * time.Hour
	case SettingNoiseMinutes:
		st.NoiseAutoResolve = time.Duration(n) * time.Minute
	case SettingRepeatDays:
		st.RepeatLookback = time.Duration(n) * 24 * time.Hour
	case SettingPMDaysSev1:
		st.PostmortemDaysSev1 = n
	case SettingPMDaysSev2:
		st.PostmortemDaysSev2 = n
	}
	return nil
}

// SetSetting stores one setting in force since the beginning, after
// checking it parses; it is not audited (tests and the CLI's set-up). The
// settings page saves through SaveSettings.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	st := analytics.DefaultSettings()
	if err := applySetting(&st, key, value); err != nil {
		return fmt.Errorf("store: setting %s: %w", key, err)
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO settings(key, effective_from, value) VALUES (?, '', ?)
		ON CONFLICT(key, effective_from) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("store: save setting %s: %w", key, err)
	}
	return nil
}
