package web

import (
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/store"
	"sreport/views"
)

// saveSettings validates and stores the KPI settings; every change is
// audited, and the scorecard cache drops its results on the commit.
func (h *Handler) saveSettings(c echo.Context) error {
	values := map[string]string{}
	for _, sp := range settingSpecs {
		values[sp.key] = strings.TrimSpace(c.FormValue(sp.key))
	}
	errs := map[string]string{}
	for _, sp := range settingSpecs {
		if msg := sp.check(values[sp.key], values); msg != "" {
			errs[sp.key] = msg
		}
	}
	if len(errs) > 0 {
		return h.rejectSettings(c, settingsInput{values: values, valueErrs: errs})
	}
	if err := h.store.SaveSettings(c.Request().Context(), values, h.Audit(c)); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/settings?done=saved")
}

func (h *Handler) rejectSettings(c echo.Context, in settingsInput) error {
	v, err := h.settingsView(c, in)
	if err != nil {
		return err
	}
	return render(c, http.StatusUnprocessableEntity, views.SettingsPage(v))
}

// parseNumber reads a decimal (a comma is accepted as the decimal mark).
func parseNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(s), ",", "."), 64)
	return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
}

// saveTargets replaces the tier targets: ratios 0–1, other KPIs ≥ 0, an
// empty cell for no target. A known KPI's direction is fixed
// (store.TargetDirection; an empty one means that direction), any other
// KPI's is min or max.
func (h *Handler) saveTargets(c echo.Context) error {
	ctx := c.Request().Context()
	current, err := h.store.TierTargets(ctx)
	if err != nil {
		return err
	}
	texts, errs := map[string]string{}, map[string]string{}
	var rows []analytics.Target
	for _, k := range targetKPIs(current) {
		dn := directionField(k)
		dir := strings.TrimSpace(c.FormValue(dn))
		texts[dn] = dir
		if fixed, ok := store.TargetDirection(k); ok {
			if dir == "" {
				dir = fixed
			}
			if dir != fixed {
				errs[dn] = directionMessage(k, fixed)
			}
		} else if dir != analytics.DirectionMin && dir != analytics.DirectionMax {
			errs[dn] = "Choose min or max."
		}
		for tier := 0; tier <= 3; tier++ {
			name := targetField(tier, k)
			text := strings.TrimSpace(c.FormValue(name))
			texts[name] = text
			if text == "" {
				continue
			}
			f, ok := parseNumber(text)
			switch {
			case !ok:
				errs[name] = "Enter a number."
			case analytics.IsRatioKPI(k) && (f < 0 || f > 1):
				errs[name] = "A ratio is from 0 to 1 (0.999 = 99.9 %)."
			case f < 0:
				errs[name] = "Enter 0 or more."
			default:
				rows = append(rows, analytics.Target{Tier: tier, KPI: k, Target: f, Direction: dir})
			}
		}
	}
	if len(errs) > 0 {
		return h.rejectSettings(c, settingsInput{targets: texts, targetErrs: errs})
	}
	if err := h.store.ReplaceTierTargets(ctx, rows, h.Audit(c)); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/settings?done=saved")
}

// directionMessage explains why kpi's target direction cannot be changed.
func directionMessage(kpi, fixed string) string {
	if fixed == analytics.DirectionMax {
		return kpiLabel(kpi) + " is better when lower: its target is a maximum (max)."
	}
	return kpiLabel(kpi) + " is better when higher: its target is a minimum (min)."
}

// saveDoraBands replaces the DORA band thresholds: every threshold ≥ 0, the
// change failure rate a ratio 0–1, each band stricter than the one below it
// (store.DoraBandOrder); an empty cell removes the band.
func (h *Handler) saveDoraBands(c echo.Context) error {
	texts, errs := map[string]string{}, map[string]string{}
	var rows []analytics.DoraBand
	for _, m := range doraMetrics {
		for _, b := range doraBandNames {
			name := bandField(m.metric, b)
			text := strings.TrimSpace(c.FormValue(name))
			texts[name] = text
			if text == "" {
				continue
			}
			f, ok := parseNumber(text)
			switch {
			case !ok:
				errs[name] = "Enter a number."
			case m.metric == analytics.DoraChangeFailureRate && (f < 0 || f > 1):
				errs[name] = "A ratio is from 0 to 1."
			case f < 0:
				errs[name] = "Enter 0 or more."
			default:
				rows = append(rows, analytics.DoraBand{Metric: m.metric, Band: b, Threshold: f})
			}
		}
	}
	if len(errs) == 0 {
		for _, p := range store.DoraBandOrder(rows) {
			errs[bandField(p.Metric, p.Band)] = p.Message
		}
	}
	if len(errs) > 0 {
		return h.rejectSettings(c, settingsInput{bands: texts, bandErrs: errs})
	}
	if err := h.store.ReplaceDoraBands(c.Request().Context(), rows, h.Audit(c)); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/settings?done=saved")
}
