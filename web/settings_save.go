package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/kpifmt"
	"sreport/analytics/store"
	"sreport/views"
)

// saveSettings validates and stores the KPI settings and minimum samples
// in force from the form's month on; every change is audited, and the
// scorecard cache drops its results on the commit.
func (h *Handler) saveSettings(c echo.Context) error {
	from, err := h.settingsFrom(c, c.FormValue("from"))
	if err != nil {
		return err
	}
	specs := allSettingSpecs()
	values := map[string]string{}
	for _, sp := range specs {
		values[sp.key] = strings.TrimSpace(c.FormValue(sp.key))
	}
	errs := map[string]string{}
	for _, sp := range specs {
		if msg := sp.check(values[sp.key], values); msg != "" {
			errs[sp.key] = msg
		}
	}
	if len(errs) > 0 {
		return h.rejectSettings(c, from, settingsInput{values: values, valueErrs: errs})
	}
	if err := h.store.SaveSettings(c.Request().Context(), from, values, h.Audit(c)); err != nil {
		return err
	}
	return h.savedSettings(c, from)
}

// savedSettings redirects to the page showing what is now in force from from.
func (h *Handler) savedSettings(c echo.Context, from string) error {
	return c.Redirect(http.StatusSeeOther, "/settings?"+url.Values{"from": {from}, "done": {"saved"}}.Encode())
}

func (h *Handler) rejectSettings(c echo.Context, from string, in settingsInput) error {
	v, err := h.settingsView(c, from, in)
	if err != nil {
		return err
	}
	return render(c, http.StatusUnprocessableEntity, views.SettingsPage(v))
}

// saveTargets makes the grid the tier targets in force from the form's
// month on: each cell in display units (kpifmt.ParseTarget: percentages,
// durations with their unit), an empty cell for no target. A known KPI's
// direction is fixed (store.TargetDirection; an empty one means that
// direction), any other KPI's is min or max.
func (h *Handler) saveTargets(c echo.Context) error {
	ctx := c.Request().Context()
	from, err := h.settingsFrom(c, c.FormValue("from"))
	if err != nil {
		return err
	}
	book, err := h.store.Rules(ctx)
	if err != nil {
		return err
	}
	texts, errs := map[string]string{}, map[string]string{}
	var rows []analytics.Target
	for _, k := range targetKPIs(rulesTargets(book.At(from).Targets)) {
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
			f, err := kpifmt.ParseTarget(kpiUnit(k), text)
			if err != nil {
				errs[name] = err.Error()
				continue
			}
			rows = append(rows, analytics.Target{Tier: tier, KPI: k, Target: f, Direction: dir})
		}
	}
	if len(errs) > 0 {
		return h.rejectSettings(c, from, settingsInput{targets: texts, targetErrs: errs})
	}
	if err := h.store.SaveTierTargets(ctx, from, rows, h.Audit(c)); err != nil {
		return err
	}
	return h.savedSettings(c, from)
}

// directionMessage explains why kpi's target direction cannot be changed.
func directionMessage(kpi, fixed string) string {
	if fixed == analytics.DirectionMax {
		return kpiLabel(kpi) + " is better when lower: its target is a maximum (max)."
	}
	return kpiLabel(kpi) + " is better when higher: its target is a minimum (min)."
}

// saveDoraBands makes the grid the DORA band thresholds in force from the
// form's month on: the change failure rate a percentage, lead and recovery
// times in hours (or with their unit), deploy-days plain; each band
// stricter than the one below it (store.DoraBandOrder); an empty cell
// removes the band.
func (h *Handler) saveDoraBands(c echo.Context) error {
	from, err := h.settingsFrom(c, c.FormValue("from"))
	if err != nil {
		return err
	}
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
			f, err := kpifmt.ParseTarget(analytics.DoraUnit(m.metric), text)
			if err != nil {
				errs[name] = err.Error()
				continue
			}
			rows = append(rows, analytics.DoraBand{Metric: m.metric, Band: b, Threshold: f})
		}
	}
	if len(errs) == 0 {
		for _, p := range store.DoraBandOrder(rows) {
			errs[bandField(p.Metric, p.Band)] = p.Message
		}
	}
	if len(errs) > 0 {
		return h.rejectSettings(c, from, settingsInput{bands: texts, bandErrs: errs})
	}
	if err := h.store.SaveDoraBands(c.Request().Context(), from, rows, h.Audit(c)); err != nil {
		return err
	}
	return h.savedSettings(c, from)
}
