package web_test

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/kpifmt"
	"sreport/analytics/scorecard"
	"sreport/analytics/store"
	"sreport/web"
)

// settingsForm is the settings form as the page fills it, with changes.
func settingsForm(changes map[string]string) url.Values {
	f := url.Values{}
	for k, v := range map[string]string{store.SettingReportingTZ: "UTC", store.SettingBusinessStart: "9", store.SettingBusinessEnd: "18",
		store.SettingSleepStart: "22", store.SettingSleepEnd: "7", store.SettingShiftDays: "7", store.SettingProdEnvs: "prod, production, prd, live",
		store.SettingDeployLinkH: "24", store.SettingNoiseMinutes: "10", store.SettingRepeatDays: "90",
		store.SettingPMDaysSev1: "5", store.SettingPMDaysSev2: "10", store.SettingSleepThresh: "3", store.SettingPeopleViewers: "0"} {
		f.Set(k, v)
	}
	for _, k := range store.MinSampleKeys() {
		f.Set(k, "5")
	}
	// Each KPI's own default (toil's is 1, the program KPIs' vary): the
	// form as the page fills it.
	for _, d := range analytics.KPIDefs() {
		if d.Sampled() {
			f.Set(store.MinSampleKey(d.Key), strconv.Itoa(d.MinSample))
		}
	}
	for k, v := range changes {
		f.Set(k, v)
	}
	return f
}

func TestSettingsSave(t *testing.T) {
	srv, st, c := followupServer(t, web.RoleAdmin)
	ctx := context.Background()
	status, body, _ := getWith(t, c, srv.URL+"/settings")
	if status != 200 || !strings.Contains(body, `data-testid="setting-reporting_tz"`) || !strings.Contains(body, "Default: 24") ||
		!strings.Contains(body, `data-testid="targets"`) || !strings.Contains(body, `data-testid="dora-bands"`) {
		t.Fatalf("settings page: %d", status)
	}
	if !strings.Contains(body, `href="/settings"`) || !strings.Contains(body, `href="/action-items"`) {
		t.Error("admin nav lacks Settings or Action items")
	}
	bad := []struct {
		key, value, msg string
	}{
		{store.SettingReportingTZ, "Mars/Olympus", "IANA timezone"},
		{store.SettingBusinessEnd, "8", "must end after they start"},
		{store.SettingSleepStart, "25", "from 0 to 23"},
		{store.SettingShiftDays, "0", "from 1 to 366"},
		{store.SettingProdEnvs, ",", "at least one production environment"},
		{store.SettingDeployLinkH, "-1", "from 0 to 720"},
		{store.SettingNoiseMinutes, "ten", "whole number"},
		{store.SettingRepeatDays, "0", "from 1 to 3650"},
		{store.SettingPMDaysSev1, "x", "whole number"},
		{store.SettingSleepThresh, "-1", "from 0 to 1000"},
		{store.SettingPeopleViewers, "yes", "Enter 1"},
	}
	for _, b := range bad {
		t.Run(b.key, func(t *testing.T) {
			status, body, _ := postWith(t, c, srv.URL+"/settings", settingsForm(map[string]string{b.key: b.value}), true)
			if status != http.StatusUnprocessableEntity || !strings.Contains(body, b.msg) {
				t.Fatalf("%s=%q: %d, want 422 with %q", b.key, b.value, status, b.msg)
			}
			if !strings.Contains(body, `value="`+b.value+`"`) {
				t.Errorf("input %q not kept", b.value)
			}
		})
	}
	status, _, hdr := postWith(t, c, srv.URL+"/settings", settingsForm(map[string]string{store.SettingReportingTZ: "Europe/Berlin",
		store.SettingDeployLinkH: "12", store.SettingPMDaysSev1: "3", store.SettingProdEnvs: "prod, live",
		store.SettingSleepThresh: "5", store.SettingPeopleViewers: "1"}), true)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/settings?done=saved&from=2026-11" {
		t.Fatalf("save: %d %s", status, hdr.Get("Location"))
	}
	got, _ := st.Settings(ctx)
	if got.ReportingTZ != "Europe/Berlin" || got.DeployLinkWindow != 12*time.Hour || got.PostmortemDaysSev1 != 3 || len(got.ProdEnvironments) != 2 ||
		got.SleepInterruptThreshold != 5 || !got.OnCallPeopleForViewers {
		t.Errorf("settings after save: %+v", got)
	}
	rows, _ := st.AuditEntries(ctx, store.AuditFilter{Entity: "settings"})
	if len(rows) != 1 || !strings.Contains(rows[0].After, "Europe/Berlin") {
		t.Errorf("audit: %+v", rows)
	}

	// DORA bands in display units: the change failure rate a percentage,
	// times in hours or with their unit, nothing negative.
	status, body, _ = postWith(t, c, srv.URL+"/settings/dora", url.Values{"b_change_failure_rate_elite": {"150"}, "b_lead_time_hours_high": {"-3"}}, true)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "A percentage is from 0 to 100 %.") || !strings.Contains(body, "Enter a duration") {
		t.Fatalf("bad bands: %d", status)
	}
	form := bandsForm()
	form.Set("b_change_failure_rate_elite", "4 %")
	if status, _, _ := postWith(t, c, srv.URL+"/settings/dora", form, true); status != http.StatusSeeOther {
		t.Fatalf("save bands: %d", status)
	}
	bands, _ := st.DoraBands(ctx)
	if len(bands) != 12 {
		t.Errorf("bands: %d", len(bands))
	}
	for _, b := range bands {
		if b.Metric == analytics.DoraChangeFailureRate && b.Band == analytics.BandElite && b.Threshold != 0.04 {
			t.Errorf("elite CFR threshold %v", b.Threshold)
		}
	}

	// Editors cannot reach settings.
	es := signIn(t, st, srv.URL, web.RoleEditor)
	ec := loginClient(t, srv.URL, es.email, es.password, false)
	if status, _, _ := getWith(t, ec, srv.URL+"/settings"); status != http.StatusForbidden {
		t.Errorf("editor on /settings: %d", status)
	}
}

// targetsForm is the targets grid as the page fills it: display units.
func targetsForm(rows []analytics.Target) url.Values {
	f := url.Values{}
	for _, r := range rows {
		d, _ := analytics.KPIDefOf(r.KPI)
		f.Set("t_"+strconv.Itoa(r.Tier)+"_"+r.KPI, kpifmt.Exact(d.Unit, r.Target))
		f.Set("dir_"+r.KPI, r.Direction)
	}
	return f
}

// bandsForm is the default DORA bands as the page fills them.
func bandsForm() url.Values {
	f := url.Values{}
	for _, b := range analytics.DefaultDoraBands() {
		f.Set("b_"+b.Metric+"_"+b.Band, kpifmt.Exact(analytics.DoraUnit(b.Metric), b.Threshold))
	}
	return f
}

// TestTargetChangesScorecard tightens a tier target and checks the
// scorecard API reports the new target and status at once.
func TestTargetChangesScorecard(t *testing.T) {
	srv, st, c := followupServer(t, web.RoleAdmin)
	ctx := context.Background()
	card := func() scorecard.Card {
		_, js, _ := getWith(t, c, srv.URL+"/api/v1/scorecard?period=2026-10")
		var cd scorecard.Card
		if err := json.Unmarshal([]byte(js), &cd); err != nil {
			t.Fatal(err)
		}
		return cd
	}
	var row scorecard.Row
	for _, r := range card().Services {
		if v := r.KPIs[analytics.KPIMTTRMinutes]; v.Value != nil && v.Status == analytics.StatusMet && *v.Value > 1 {
			row = r
			break
		}
	}
	if row.Name == "" {
		t.Fatal("no service meets its MTTR target in October")
	}
	mttr := *row.KPIs[analytics.KPIMTTRMinutes].Value
	current, _ := st.TierTargets(ctx)
	form := targetsForm(current)

	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("t_0_availability", "150")
	bad.Set("t_1_availability", "0.999")
	bad.Set("t_1_mttr_minutes", "-5")
	bad.Set("dir_toil_ratio", "up")
	status, body, _ := postWith(t, c, srv.URL+"/settings/targets", bad, true)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "A percentage is from 0 to 100 %") ||
		!strings.Contains(body, "Write the target as a percentage with its sign: 99.9 % or 0.999 %.") ||
		!strings.Contains(body, "Enter a duration") || !strings.Contains(body, "Toil is better when lower") || !strings.Contains(body, `value="150"`) {
		t.Fatalf("bad targets: %d", status)
	}

	form.Set("t_"+strconv.Itoa(*row.Tier)+"_mttr_minutes", strconv.FormatFloat(mttr/2, 'f', 2, 64))
	mttrCell := func(period string) scorecard.Cell {
		_, js, _ := getWith(t, c, srv.URL+"/api/v1/scorecard?period="+period)
		var cd scorecard.Card
		if err := json.Unmarshal([]byte(js), &cd); err != nil {
			t.Fatal(err)
		}
		for _, r := range cd.Services {
			if r.Name == row.Name {
				return r.KPIs[analytics.KPIMTTRMinutes]
			}
		}
		t.Fatalf("%s not on the %s scorecard", row.Name, period)
		return scorecard.Cell{}
	}
	before := mttrCell("2026-10")
	// Saved from the current month (the default): October keeps its target.
	if status, _, _ := postWith(t, c, srv.URL+"/settings/targets", form, true); status != http.StatusSeeOther {
		t.Fatalf("save targets: %d", status)
	}
	if got := mttrCell("2026-10"); got.Status != before.Status || *got.Target != *before.Target {
		t.Errorf("October after a change from November: %s %v, want %s %v", got.Status, *got.Target, before.Status, *before.Target)
	}
	if got := mttrCell("2026-11"); got.Target == nil || math.Abs(*got.Target-mttr/2) > 0.01 || got.PreviousTarget == nil || *got.PreviousTarget != *before.Target {
		t.Errorf("November target %v (previous period's %v), want %.2f (and October's %v)", got.Target, got.PreviousTarget, mttr/2, *before.Target)
	}
	// Saved from October: October is judged by it.
	form.Set("from", "2026-10")
	if status, _, _ := postWith(t, c, srv.URL+"/settings/targets", form, true); status != http.StatusSeeOther {
		t.Fatalf("save targets from October: %d", status)
	}
	cell := mttrCell("2026-10")
	if cell.Status != analytics.StatusMissed || cell.Target == nil || math.Abs(*cell.Target-mttr/2) > 0.01 {
		t.Errorf("%s MTTR %.1f: status %s target %v after halving the target from October", row.Name, mttr, cell.Status, cell.Target)
	}
	after, _ := st.TierTargets(ctx)
	if len(after) != len(current) {
		t.Errorf("targets %d, want %d", len(after), len(current))
	}
	if rows, _ := st.AuditEntries(ctx, store.AuditFilter{Entity: "tier_targets"}); len(rows) != 2 {
		t.Errorf("audit rows: %d", len(rows))
	}
	// A change dated after the current month is refused.
	form.Set("from", "2027-01")
	if status, _, _ := postWith(t, c, srv.URL+"/settings/targets", form, true); status != http.StatusBadRequest {
		t.Errorf("change from 2027-01: %d, want 400", status)
	}
}

// TestCatalogueMerge creates, renames and merges services through the
// catalogue page and checks the KPIs of the merged service are the sum.
func TestCatalogueMerge(t *testing.T) {
	srv, st, c := followupServer(t, web.RoleAdmin)
	ctx := context.Background()
	kpis := func(q string) scorecard.KPIResponse {
		status, js, _ := getWith(t, c, srv.URL+"/api/v1/kpis?period=2026-10"+q)
		if status != 200 {
			t.Fatalf("kpis %s: %d %s", q, status, js)
		}
		var r scorecard.KPIResponse
		if err := json.Unmarshal([]byte(js), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	status, body, _ := getWith(t, c, srv.URL+"/settings/services")
	if status != 200 || !strings.Contains(body, `data-testid="catalogue-checkout"`) {
		t.Fatalf("catalogue: %d", status)
	}
	// Validation keeps the input.
	status, body, _ = postWith(t, c, srv.URL+"/settings/services", url.Values{"name": {"checkout"}, "tier": {"1"}, "oncall_tz": {"Nowhere/City"}}, true)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "IANA timezone") || !strings.Contains(body, `value="Nowhere/City"`) {
		t.Fatalf("bad service: %d", status)
	}
	status, body, _ = postWith(t, c, srv.URL+"/settings/services", url.Values{"name": {"checkout"}, "tier": {"1"}, "oncall_tz": {"UTC"}}, true)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "A service with this name exists.") {
		t.Fatalf("duplicate service: %d", status)
	}
	status, _, _ = postWith(t, c, srv.URL+"/settings/services", url.Values{"name": {"ledger"}, "tier": {"1"}, "team": {"finance-platform"}, "oncall_tz": {"Europe/Paris"}}, true)
	if status != http.StatusSeeOther {
		t.Fatalf("create: %d", status)
	}
	ledger, err := st.ServiceByName(ctx, "ledger")
	if err != nil || ledger.Team != "finance-platform" || ledger.Tier != 1 || ledger.OnCallTZ != "Europe/Paris" {
		t.Fatalf("created: %+v %v", ledger, err)
	}
	// Rename and re-tier.
	status, _, _ = postWith(t, c, srv.URL+"/settings/services/"+idStr(ledger.ID), url.Values{"name": {"ledger-svc"}, "tier": {"2"}, "team": {"payments"}, "oncall_tz": {"UTC"}}, true)
	if status != http.StatusSeeOther {
		t.Fatalf("rename: %d", status)
	}
	if sv, err := st.ServiceByName(ctx, "ledger-svc"); err != nil || sv.Tier != 2 || sv.Team != "payments" {
		t.Fatalf("renamed: %+v %v", sv, err)
	}
	// Alias mapping.
	status, _, _ = postWith(t, c, srv.URL+"/settings/aliases", url.Values{"source": {"pagerduty"}, "alias": {"Ledger (prod)"}, "service": {idStr(ledger.ID)}}, true)
	if status != http.StatusSeeOther {
		t.Fatalf("alias: %d", status)
	}
	status, body, _ = postWith(t, c, srv.URL+"/settings/aliases", url.Values{"source": {""}, "alias": {"x"}, "service": {idStr(ledger.ID)}}, true)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Enter the source") {
		t.Fatalf("bad alias: %d", status)
	}

	// Merge search-api into checkout.
	from, _ := st.ServiceByName(ctx, "search-api")
	into, _ := st.ServiceByName(ctx, "checkout")
	a, b, org := kpis("&service=search-api"), kpis("&service=checkout"), kpis("")
	status, body, _ = postWith(t, c, srv.URL+"/settings/services/"+idStr(from.ID)+"/merge", url.Values{"into": {idStr(from.ID)}}, true)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Choose another service") {
		t.Fatalf("merge into itself: %d", status)
	}
	status, _, hdr := postWith(t, c, srv.URL+"/settings/services/"+idStr(from.ID)+"/merge", url.Values{"into": {idStr(into.ID)}}, true)
	if status != http.StatusSeeOther || !strings.Contains(hdr.Get("Location"), "merged") {
		t.Fatalf("merge: %d %s", status, hdr.Get("Location"))
	}
	merged, orgAfter := kpis("&service=checkout"), kpis("")
	sum := func(k func(scorecard.KPIResponse) *float64) (float64, float64, float64) {
		return *k(a) + *k(b), *k(merged), *k(org) - *k(orgAfter)
	}
	for name, k := range map[string]func(scorecard.KPIResponse) *float64{
		"incidents_total": func(r scorecard.KPIResponse) *float64 { return r.KPIs.IncidentsTotal },
		"deployments":     func(r scorecard.KPIResponse) *float64 { return r.KPIs.Deployments },
		"pages_total":     func(r scorecard.KPIResponse) *float64 { return r.KPIs.PagesTotal },
		"sev1_count":      func(r scorecard.KPIResponse) *float64 { return r.KPIs.Sev1Count },
	} {
		want, got, orgDiff := sum(k)
		if got != want || orgDiff != 0 {
			t.Errorf("%s: merged %v, want %v; organisation changed by %v", name, got, want, orgDiff)
		}
	}
	if *a.KPIs.IncidentsTotal == 0 {
		t.Error("search-api had no October incidents; the test proves little")
	}
	if status, _, _ := getWith(t, c, srv.URL+"/services/search-api"); status != http.StatusNotFound {
		t.Errorf("merged service still shown: %d", status)
	}
}

// TestSettingsTargetDirections refuses a KPI target direction that would
// call the worse result "met": MTTR "min", availability "max".
func TestSettingsTargetDirections(t *testing.T) {
	srv, st, c := followupServer(t, web.RoleAdmin)
	ctx := context.Background()
	current, _ := st.TierTargets(ctx)
	_, body, _ := getWith(t, c, srv.URL+"/settings")
	if !strings.Contains(body, `data-testid="direction-mttr_minutes"`) || strings.Contains(body, `<select name="dir_mttr_minutes"`) {
		t.Error("the MTTR direction is offered as a choice")
	}
	for _, tc := range []struct{ kpi, dir, msg string }{
		{analytics.KPIMTTRMinutes, "min", "is better when lower: its target is a maximum"},
		{analytics.KPIChangeFailureRate, "min", "is better when lower"},
		{analytics.KPIAvailability, "max", "is better when higher: its target is a minimum"},
		{analytics.KPIActionItemOnTimeRate, "max", "is better when higher"},
		{analytics.KPIToilRatio, "sideways", "is better when lower"},
	} {
		t.Run(tc.kpi, func(t *testing.T) {
			form := targetsForm(current)
			form.Set("dir_"+tc.kpi, tc.dir)
			status, body, _ := postWith(t, c, srv.URL+"/settings/targets", form, true)
			if status != http.StatusUnprocessableEntity || !strings.Contains(body, tc.msg) {
				t.Fatalf("%s %s: %d, want 422 with %q", tc.kpi, tc.dir, status, tc.msg)
			}
		})
	}
	if rows, _ := st.AuditEntries(ctx, store.AuditFilter{Entity: "tier_targets"}); len(rows) != 0 {
		t.Errorf("rejected targets wrote %d audit rows", len(rows))
	}
	// The form as the page fills it (directions included) still saves.
	if status, _, _ := postWith(t, c, srv.URL+"/settings/targets", targetsForm(current), true); status != http.StatusSeeOther {
		t.Fatalf("save targets: %d", status)
	}
}

// TestSettingsDoraBandOrder refuses DORA thresholds out of order, with the
// message beside the cell and the input kept.
func TestSettingsDoraBandOrder(t *testing.T) {
	srv, st, c := followupServer(t, web.RoleAdmin)
	ctx := context.Background()
	defaults := bandsForm
	for _, tc := range []struct{ field, value, msg string }{
		{"b_change_failure_rate_elite", "12 %", "Must be more than the elite threshold (12 %)"},
		{"b_lead_time_hours_medium", "100", "Must be more than the high threshold (7 d)"},
		{"b_recovery_hours_high", "1", "Must be more than the elite threshold (1 h)"},
		{"b_deploy_frequency_high", "7", "Must be at most the elite threshold (5 deploy-days per week)"},
	} {
		t.Run(tc.field, func(t *testing.T) {
			form := defaults()
			form.Set(tc.field, tc.value)
			status, body, _ := postWith(t, c, srv.URL+"/settings/dora", form, true)
			if status != http.StatusUnprocessableEntity || !strings.Contains(body, tc.msg) || !strings.Contains(body, `value="`+tc.value+`"`) {
				t.Fatalf("%s=%s: %d, want 422 with %q", tc.field, tc.value, status, tc.msg)
			}
		})
	}
	if rows, _ := st.AuditEntries(ctx, store.AuditFilter{Entity: "dora_bands"}); len(rows) != 0 {
		t.Errorf("rejected bands wrote %d audit rows", len(rows))
	}
	// A removed band is skipped: elite and medium still in order.
	form := defaults()
	form.Set("b_lead_time_hours_high", "")
	if status, _, _ := postWith(t, c, srv.URL+"/settings/dora", form, true); status != http.StatusSeeOther {
		t.Fatalf("bands without high lead time: %d", status)
	}
}
