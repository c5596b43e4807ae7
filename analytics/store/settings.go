package store

import (
	"context"
	"fmt"
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
	SettingSleepThresh   = "oncall_sleep_threshold"
	SettingPeopleViewers = "oncall_people_for_viewers" // "1" lets viewers see per-person on-call load
)

// Settings returns the KPI settings: stored values over DefaultSettings.
func (s *Store) Settings(ctx context.Context) (analytics.Settings, error) {
	st := analytics.DefaultSettings()
	rows, err := s.db.QueryContext(ctx, `SELECT key, value FROM settings`)
	if err != nil {
		return st, fmt.Errorf("store: load settings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return st, fmt.Errorf("store: scan setting: %w", err)
		}
		if err := applySetting(&st, k, v); err != nil {
			return st, fmt.Errorf("store: setting %s: %w", k, err)
		}
	}
	return st, rows.Err()
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
	case SettingSleepThresh:
		st.SleepInterruptThreshold = n
	case SettingPeopleViewers:
		if n != 0 && n != 1 {
			return fmt.Errorf("want 0 or 1, got %d", n)
		}
		st.OnCallPeopleForViewers = n == 1
	}
	return nil
}

// SetSetting stores one setting after checking it parses.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	st := analytics.DefaultSettings()
	if err := applySetting(&st, key, value); err != nil {
		return fmt.Errorf("store: setting %s: %w", key, err)
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO settings(key, value) VALUES (?, ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("store: save setting %s: %w", key, err)
	}
	return nil
}
