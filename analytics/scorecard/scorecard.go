// Package scorecard is the scorecard model and its rules: the cells, rows
// and cards the web pages, the JSON API, the CLI and the reports show, how
// services roll up into tiers and the organisation, how rows sort, and the
// change from the previous period. It runs the KPI engine for a scope and
// period, so those callers can never disagree.
//
// The package touches no database: records arrive through the small
// interfaces below, which *store.Store satisfies, and Compute and Split are
// pure functions of the records.
package scorecard

import (
	"context"
	"fmt"
	"time"

	"sreport/analytics"
)

// Source loads the records the engine needs for services over windows.
// KPIInputLean leaves out the display fields only evidence labels need.
type Source interface {
	KPIInput(ctx context.Context, services []analytics.Service, w analytics.LoadWindows) (analytics.Input, error)
	KPIInputLean(ctx context.Context, services []analytics.Service, w analytics.LoadWindows) (analytics.Input, error)
}

// EnvSource loads what every computation needs besides records.
type EnvSource interface {
	Settings(ctx context.Context) (analytics.Settings, error)
	TierTargets(ctx context.Context) ([]analytics.Target, error)
	DoraBands(ctx context.Context) ([]analytics.DoraBand, error)
	Services(ctx context.Context) ([]analytics.Service, error)
}

// Versioner reports the version of the data: any commit changes it.
type Versioner interface {
	DataVersion(ctx context.Context) (int64, error)
}

// Env is what every computation needs besides records: settings, targets,
// DORA bands and the service catalogue, loaded once per request.
type Env struct {
	Settings analytics.Settings
	Targets  analytics.TargetSet
	Bands    []analytics.DoraBand
	Services []analytics.Service
}

// LoadEnv reads the settings, targets, bands and catalogue. asOf is the
// knowledge cut-off for pending postmortems and action items (the caller's
// clock; the engine never reads one).
func LoadEnv(ctx context.Context, src EnvSource, asOf time.Time) (Env, error) {
	var env Env
	var err error
	if env.Settings, err = src.Settings(ctx); err != nil {
		return env, err
	}
	env.Settings.AsOf = asOf
	targets, err := src.TierTargets(ctx)
	if err != nil {
		return env, err
	}
	env.Targets = analytics.NewTargetSet(targets)
	if env.Bands, err = src.DoraBands(ctx); err != nil {
		return env, err
	}
	if env.Services, err = src.Services(ctx); err != nil {
		return env, err
	}
	return env, nil
}

// Scope narrows a computation to one service, one tier or one team; the
// zero Scope is the whole organisation.
type Scope struct {
	Service string
	Tier    *int
	Team    string
}

// Filter returns the catalogue's services inside the scope, or an error
// wrapping analytics.ErrNotFound that names an unknown service or team.
func (env Env) Filter(sc Scope) ([]analytics.Service, error) {
	var out []analytics.Service
	teamSeen := sc.Team == ""
	for _, s := range env.Services {
		if s.Team == sc.Team {
			teamSeen = true
		}
		if sc.Service != "" && s.Name != sc.Service {
			continue
		}
		if sc.Tier != nil && s.Tier != *sc.Tier {
			continue
		}
		if sc.Team != "" && s.Team != sc.Team {
			continue
		}
		out = append(out, s)
	}
	if sc.Service != "" && len(out) == 0 {
		return nil, fmt.Errorf("service %q: %w", sc.Service, analytics.ErrNotFound)
	}
	if !teamSeen {
		return nil, fmt.Errorf("team %q: %w", sc.Team, analytics.ErrNotFound)
	}
	if out == nil {
		out = []analytics.Service{}
	}
	return out, nil
}

// JSON is the scope as the API reports it.
func (sc Scope) JSON() map[string]any {
	m := map[string]any{}
	if sc.Service != "" {
		m["service"] = sc.Service
	}
	if sc.Tier != nil {
		m["tier"] = *sc.Tier
	}
	if sc.Team != "" {
		m["team"] = sc.Team
	}
	if len(m) == 0 {
		m["organisation"] = true
	}
	return m
}
