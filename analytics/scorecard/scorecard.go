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
	// Rules returns the settings, tier targets and DORA bands over time.
	Rules(ctx context.Context) (analytics.RuleBook, error)
	Services(ctx context.Context) ([]analytics.Service, error)
}

// Versioner reports the version of the data: any commit changes it.
type Versioner interface {
	DataVersion(ctx context.Context) (int64, error)
}

// Env is what every computation needs besides records: the rules over
// time, the knowledge cut-off and the service catalogue, loaded once per
// request. Every period is computed and judged by the rules in force in it
// (RulesFor), never by today's.
type Env struct {
	// Settings are the settings in force in the month of AsOf: the
	// reporting timezone (one for all periods) and views of the present
	// (open action items, the repeat look-back of a service page).
	// Computing a period takes SettingsFor.
	Settings analytics.Settings
	Rules    analytics.RuleBook
	// AsOf is the knowledge cut-off for pending postmortems and action
	// items, and what makes a period "in progress" (Card.ToDate).
	AsOf     time.Time
	Services []analytics.Service
}

// LoadEnv reads the rules and the catalogue. asOf is the knowledge cut-off
// (the caller's clock; the engine never reads one).
func LoadEnv(ctx context.Context, src EnvSource, asOf time.Time) (Env, error) {
	book, err := src.Rules(ctx)
	if err != nil {
		return Env{}, err
	}
	env := Env{Rules: book, AsOf: asOf}
	if env.Services, err = src.Services(ctx); err != nil {
		return env, err
	}
	// The timezone is one setting for all time (it draws the periods), so
	// any version gives it; the month of asOf is found in it.
	loc := book.At("").Settings.Location()
	env.Settings = env.SettingsFor(analytics.MonthOf(asOf, loc))
	return env, nil
}

// RulesFor returns the rules in force in p, its settings carrying the
// knowledge cut-off.
func (env Env) RulesFor(p analytics.Period) analytics.Rules {
	r := env.Rules.For(p)
	r.Settings.AsOf = env.AsOf
	return r
}

// SettingsFor returns the settings that compute p (see RulesFor).
func (env Env) SettingsFor(p analytics.Period) analytics.Settings { return env.RulesFor(p).Settings }

// Location is the reporting timezone.
func (env Env) Location() *time.Location { return env.Settings.Location() }

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
