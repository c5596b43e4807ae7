package web

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/kpifmt"
	"sreport/analytics/store"
	"sreport/views"
)

// settingSpec describes one setting of docs/metrics.md for the form: its
// label, its default as stored text, help, and how to check a value.
type settingSpec struct {
	key, label, help string
	def              func(analytics.Settings) string
	// check returns a message for a bad value ("" = fine); all holds the
	// whole submission for rules that compare two fields.
	check func(v string, all map[string]string) string
}

func intRange(lo, hi int, what string) func(string, map[string]string) string {
	return func(v string, _ map[string]string) string {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < lo || n > hi {
			return "Enter a whole number of " + what + " from " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi) + "."
		}
		return ""
	}
}

// settingSpecs lists every setting docs/metrics.md names, in page order.
var settingSpecs = []settingSpec{
	{store.SettingReportingTZ, "Reporting timezone", "IANA name, e.g. Europe/Berlin; sets period boundaries and postmortem business days.",
		func(s analytics.Settings) string { return s.ReportingTZ },
		func(v string, _ map[string]string) string {
			if _, err := time.LoadLocation(v); err != nil || strings.TrimSpace(v) == "" || v != strings.TrimSpace(v) {
				return "Enter an IANA timezone such as UTC or Europe/Berlin."
			}
			return ""
		}},
	{store.SettingBusinessStart, "Business hours start (hour, local)", "Pages outside business hours count as after-hours.",
		func(s analytics.Settings) string { return strconv.Itoa(s.BusinessStartHour) }, intRange(0, 23, "hours")},
	{store.SettingBusinessEnd, "Business hours end (hour, local, exclusive)", "",
		func(s analytics.Settings) string { return strconv.Itoa(s.BusinessEndHour) },
		func(v string, all map[string]string) string {
			if msg := intRange(1, 24, "hours")(v, nil); msg != "" {
				return msg
			}
			end, _ := strconv.Atoi(strings.TrimSpace(v))
			if start, err := strconv.Atoi(strings.TrimSpace(all[store.SettingBusinessStart])); err == nil && end <= start {
				return "Business hours must end after they start."
			}
			return ""
		}},
	{store.SettingSleepStart, "Sleep hours start (hour, local)", "Sleep hours may wrap midnight (22 to 7).",
		func(s analytics.Settings) string { return strconv.Itoa(s.SleepStartHour) }, intRange(0, 23, "hours")},
	{store.SettingSleepEnd, "Sleep hours end (hour, local, exclusive)", "",
		func(s analytics.Settings) string { return strconv.Itoa(s.SleepEndHour) },
		func(v string, all map[string]string) string {
			if msg := intRange(0, 23, "hours")(v, nil); msg != "" {
				return msg
			}
			if strings.TrimSpace(v) == strings.TrimSpace(all[store.SettingSleepStart]) {
				return "Sleep hours must end at a different hour than they start."
			}
			return ""
		}},
	{store.SettingShiftDays, "On-call shift length (days)", "One shift per service per this many days (pages per shift).",
		func(s analytics.Settings) string { return strconv.Itoa(s.ShiftDays) }, intRange(1, 366, "days")},
	{store.SettingProdEnvs, "Production environment names", "Comma-separated, case-insensitive.",
		func(s analytics.Settings) string { return strings.Join(s.ProdEnvironments, ", ") },
		func(v string, _ map[string]string) string {
			for _, e := range strings.Split(v, ",") {
				if strings.TrimSpace(e) != "" {
					return ""
				}
			}
			return "Name at least one production environment."
		}},
	{store.SettingDeployLinkH, "Deploy-link window (hours)", "An incident this soon after a deploy fails it; rollbacks and hotfixes too.",
		func(s analytics.Settings) string { return strconv.Itoa(int(s.DeployLinkWindow / time.Hour)) }, intRange(0, 720, "hours")},
	{store.SettingNoiseMinutes, "Noise threshold (minutes)", "Unacknowledged pages resolved this fast, linked to no incident, are noise.",
		func(s analytics.Settings) string { return strconv.Itoa(int(s.NoiseAutoResolve / time.Minute)) }, intRange(0, 1440, "minutes")},
	{store.SettingRepeatDays, "Repeat look-back (days)", "An incident repeats one of the same theme detected this many days before.",
		func(s analytics.Settings) string { return strconv.Itoa(int(s.RepeatLookback / (24 * time.Hour))) }, intRange(1, 3650, "days")},
	{store.SettingPMDaysSev1, "Postmortem deadline, Sev1 (business days)", "After the civil resolution date, reporting timezone.",
		func(s analytics.Settings) string { return strconv.Itoa(s.PostmortemDaysSev1) }, intRange(0, 90, "days")},
	{store.SettingPMDaysSev2, "Postmortem deadline, Sev2 (business days)", "",
		func(s analytics.Settings) string { return strconv.Itoa(s.PostmortemDaysSev2) }, intRange(0, 90, "days")},
}

// minSampleSpecs are the minimum-sample settings, one per KPI that has a
// minimum by default.
func minSampleSpecs() []settingSpec {
	var out []settingSpec
	for _, d := range analytics.KPIDefs() {
		if !d.Sampled() {
			continue
		}
		def := d
		out = append(out, settingSpec{key: store.MinSampleKey(d.Key), label: d.Label + ": minimum " + d.Sample.Many,
			help:  "Below it the value is shown with its sample but not judged.",
			def:   func(s analytics.Settings) string { return strconv.Itoa(s.MinSampleOf(def.Key)) },
			check: intRange(0, store.MaxMinSample, def.Sample.Many)})
	}
	return out
}

// allSettingSpecs are the settings form's fields: the KPI settings, then
// the minimum samples.
func allSettingSpecs() []settingSpec { return append(slices.Clone(settingSpecs), minSampleSpecs()...) }

// showSettings shows the KPI settings, tier targets and DORA bands in
// force from the chosen month (?from=, default the current one) and the
// history of changes.
func (h *Handler) showSettings(c echo.Context) error {
	from, err := h.settingsFrom(c, c.QueryParam("from"))
	if err != nil {
		return err
	}
	v, err := h.settingsView(c, from, settingsInput{})
	if err != nil {
		return err
	}
	if c.QueryParam("done") == "saved" {
		v.Layout.Flash = "Saved. The change applies from " + monthTitle(from) + " on; earlier periods keep what was in force then."
	}
	return ok(c, views.SettingsPage(v))
}

// settingsFrom reads the month changes apply from: "2026-11" or a quarter
// "2026-Q4" (its first month), not after the current month; "" is the
// current month in the reporting timezone.
func (h *Handler) settingsFrom(c echo.Context, text string) (string, error) {
	st, err := h.store.Settings(c.Request().Context())
	if err != nil {
		return "", err
	}
	now := analytics.MonthOf(h.cfg.Now(), st.Location())
	if strings.TrimSpace(text) == "" {
		return now.RulesMonth(), nil
	}
	p, err := analytics.ParsePeriod(text, st.Location())
	if err != nil {
		return "", badRequest("from: " + err.Error())
	}
	first := p.Months()[0]
	if first.From.After(now.From) {
		return "", badRequest("from: changes apply from the current month or an earlier one, not from " + p.Label)
	}
	return first.RulesMonth(), nil
}

// monthTitle is "November 2026" for "2026-11".
func monthTitle(month string) string {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return "the beginning"
	}
	return t.Format("January 2006")
}

// settingsInput carries a rejected submission of one of the page's forms
// (nil maps = show the stored values).
type settingsInput struct {
	values     map[string]string // settings form
	valueErrs  map[string]string
	targets    map[string]string // targets form: field name → text
	targetErrs map[string]string
	bands      map[string]string
	bandErrs   map[string]string
}

func targetField(tier int, kpi string) string { return "t_" + strconv.Itoa(tier) + "_" + kpi }
func directionField(kpi string) string        { return "dir_" + kpi }
func bandField(metric, band string) string    { return "b_" + metric + "_" + band }

// targetKPIs are the KPIs the targets grid shows: the documented ones, then
// any other KPI the table holds.
func targetKPIs(rows []analytics.Target) []string {
	var out []string
	for _, t := range analytics.DefaultTargets() {
		if !slices.Contains(out, t.KPI) {
			out = append(out, t.KPI)
		}
	}
	for _, t := range rows {
		if !slices.Contains(out, t.KPI) {
			out = append(out, t.KPI)
		}
	}
	return out
}

var doraMetrics = []struct{ metric, label, test string }{
	{analytics.DoraChangeFailureRate, "Change failure rate", "value ≤ threshold"},
	{analytics.DoraLeadTimeHours, "Lead time", "value < threshold"},
	{analytics.DoraRecoveryHours, "Recovery time", "value < threshold"},
	{analytics.DoraDeployFrequency, "Deploy frequency (deploy-days)", "elite/high: per week ≥; medium: per month ≥"},
}

var doraBandNames = []string{analytics.BandElite, analytics.BandHigh, analytics.BandMedium}

func (h *Handler) settingsView(c echo.Context, from string, in settingsInput) (views.SettingsView, error) {
	ctx := c.Request().Context()
	book, err := h.store.Rules(ctx)
	if err != nil {
		return views.SettingsView{}, err
	}
	stored, err := h.store.SettingValuesAt(ctx, from)
	if err != nil {
		return views.SettingsView{}, err
	}
	changes, err := h.store.RuleChanges(ctx)
	if err != nil {
		return views.SettingsView{}, err
	}
	rules := book.At(from)
	targets := rulesTargets(rules.Targets)
	def := analytics.DefaultSettings()
	v := views.SettingsView{Layout: h.layout(c, "Settings", views.NavSettings), Problems: map[string]string{},
		From: from, FromTitle: monthTitle(from)}
	field := func(sp settingSpec) views.SettingField {
		val, ok := stored[sp.key]
		if !ok {
			val = sp.def(def)
		}
		if in.values != nil {
			val = in.values[sp.key]
		}
		return views.SettingField{Key: sp.key, Label: sp.label, Value: val, Default: sp.def(def), Help: sp.help, Error: in.valueErrs[sp.key]}
	}
	for _, sp := range settingSpecs {
		v.Fields = append(v.Fields, field(sp))
	}
	for _, sp := range minSampleSpecs() {
		v.MinSamples = append(v.MinSamples, field(sp))
	}
	if len(in.valueErrs) > 0 {
		v.Problems["settings"] = "Nothing was saved: correct the fields marked below."
	}

	ts := rules.Targets
	defs := analytics.NewTargetSet(analytics.DefaultTargets())
	for tier := 0; tier <= 3; tier++ {
		v.Targets.Tiers = append(v.Targets.Tiers, "Tier "+strconv.Itoa(tier))
	}
	for _, k := range targetKPIs(targets) {
		u := kpiUnit(k)
		row := views.TargetRow{KPI: k, Label: kpiLabel(k), Unit: kpifmt.Hint(u), DirName: directionField(k)}
		for tier := 0; tier <= 3; tier++ {
			if t, ok := ts.Get(tier, k); ok && row.Direction == "" {
				row.Direction = t.Direction
			}
			if t, ok := defs.Get(tier, k); ok && row.DefaultDir == "" {
				row.DefaultDir = t.Direction
			}
		}
		if row.Direction == "" {
			row.Direction = row.DefaultDir
		}
		if in.targets != nil {
			row.Direction = in.targets[row.DirName]
			row.DirError = in.targetErrs[row.DirName]
		}
		// A known KPI's direction is not a choice: better is lower or higher.
		if fixed, ok := store.TargetDirection(k); ok {
			row.Direction, row.DirFixed = fixed, true
		}
		for tier := 0; tier <= 3; tier++ {
			cell := views.GridCell{Name: targetField(tier, k)}
			if t, ok := ts.Get(tier, k); ok {
				cell.Value = kpifmt.Exact(u, t.Target)
			}
			if t, ok := defs.Get(tier, k); ok {
				cell.Default = kpifmt.Exact(u, t.Target)
			}
			if in.targets != nil {
				cell.Value, cell.Error = in.targets[cell.Name], in.targetErrs[cell.Name]
			}
			row.Cells = append(row.Cells, cell)
		}
		v.Targets.Rows = append(v.Targets.Rows, row)
	}
	if len(in.targetErrs) > 0 {
		v.Problems["targets"] = "Nothing was saved: correct the cells marked below."
	}

	cur := map[string]float64{}
	for _, b := range rules.Bands {
		cur[b.Metric+"/"+b.Band] = b.Threshold
	}
	defBands := map[string]float64{}
	for _, b := range analytics.DefaultDoraBands() {
		defBands[b.Metric+"/"+b.Band] = b.Threshold
	}
	v.Bands.Bands = doraBandNames
	for _, m := range doraMetrics {
		u := analytics.DoraUnit(m.metric)
		row := views.BandRow{Metric: m.metric, Label: m.label, Test: m.test}
		if u != analytics.UnitRate {
			row.Label += " (" + kpifmt.Hint(u) + ")"
		}
		for _, b := range doraBandNames {
			cell := views.GridCell{Name: bandField(m.metric, b), Default: kpifmt.Exact(u, defBands[m.metric+"/"+b])}
			if t, ok := cur[m.metric+"/"+b]; ok {
				cell.Value = kpifmt.Exact(u, t)
			}
			if in.bands != nil {
				cell.Value, cell.Error = in.bands[cell.Name], in.bandErrs[cell.Name]
			}
			row.Cells = append(row.Cells, cell)
		}
		v.Bands.Rows = append(v.Bands.Rows, row)
	}
	if len(in.bandErrs) > 0 {
		v.Problems["bands"] = "Nothing was saved: correct the cells marked below."
	}
	v.History = historyTable(changes)
	return v, nil
}

// rulesTargets lists a target set's rows.
func rulesTargets(ts analytics.TargetSet) []analytics.Target {
	var out []analytics.Target
	for _, byKPI := range ts {
		for _, t := range byKPI {
			out = append(out, t)
		}
	}
	return out
}

// historyTable lists every dated change, newest month first: what changed
// from which month, from what to what, and who saved it.
func historyTable(changes []store.RuleChange) views.Table {
	t := views.Table{TestID: "rule-history", Empty: "No change since the beginning: every period is judged by the values shown for it.",
		Columns: []views.Column{{Label: "From"}, {Label: "What"}, {Label: "Before"}, {Label: "From then on"}, {Label: "Saved"}}}
	labels := map[string]string{}
	for _, sp := range allSettingSpecs() {
		labels[sp.key] = sp.label
	}
	for _, ch := range changes {
		var what, before, after string
		num := func(u analytics.Unit, v *float64, none string) string {
			if v == nil {
				return none
			}
			return kpifmt.Exact(u, *v)
		}
		switch ch.Kind {
		case store.ChangeSetting:
			what = cmp.Or(labels[ch.Key], ch.Key)
			before, after = cmp.Or(ch.Old, "default"), ch.New
		case store.ChangeTarget:
			what = "Tier " + strconv.Itoa(ch.Tier) + " target: " + kpiLabel(ch.KPI)
			before, after = num(kpiUnit(ch.KPI), ch.OldNum, "no target"), num(kpiUnit(ch.KPI), ch.NewNum, "no target")
		case store.ChangeBand:
			what = "DORA " + ch.Band + " threshold: " + doraLabel(ch.Metric)
			u := analytics.DoraUnit(ch.Metric)
			before, after = num(u, ch.OldNum, "no band"), num(u, ch.NewNum, "no band")
		}
		saved := ch.SavedBy
		if at, err := time.Parse(time.RFC3339, ch.SavedAt); err == nil {
			saved = at.UTC().Format("2 Jan 2006 15:04 UTC") + " · " + ch.SavedBy
		}
		t.Rows = append(t.Rows, []views.Cell{{Text: monthTitle(ch.From)}, {Text: what}, {Text: before}, {Text: after, TestID: "change-" + ch.From + "-" + ch.Key + ch.KPI + ch.Metric + ch.Band + tierSuffix(ch)}, {Text: saved}})
	}
	return t
}

// tierSuffix tells a target change's tier apart in test IDs.
func tierSuffix(ch store.RuleChange) string {
	if ch.Kind != store.ChangeTarget {
		return ""
	}
	return "-" + strconv.Itoa(ch.Tier)
}
