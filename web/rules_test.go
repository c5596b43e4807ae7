package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"sreport/analytics"
	"sreport/analytics/scorecard"
	"sreport/web"
)

// nonceAttr matches the per-response CSP nonce, the one part of a page
// that differs between two renders of the same data.
var nonceAttr = regexp.MustCompile(`nonce="[^"]*"`)

// TestPastReportSurvivesATargetChange is issue 14 item 5: changing the
// tier-0 MTTR target from 30 minutes to 2 hours rewrote the Q3 report
// ("meeting the 2-hour target for the first time in five quarters"). A
// change from the current period on leaves a past quarter's report
// identical, byte for byte, and applies to the period in progress.
func TestPastReportSurvivesATargetChange(t *testing.T) {
	srv, st, c := followupServer(t, web.RoleAdmin)
	ctx := context.Background()
	render := func(path string) string {
		t.Helper()
		status, body, _ := getWith(t, c, srv.URL+path)
		if status != http.StatusOK {
			t.Fatalf("%s: %d %.300s", path, status, body)
		}
		return nonceAttr.ReplaceAllString(body, `nonce=""`)
	}
	q3, q4 := render("/reports/2026-Q3.html"), render("/reports/2026-Q4.html")
	if !strings.Contains(q3, "30-minute target") {
		t.Fatalf("the Q3 report does not speak of the 30-minute tier-0 MTTR target:\n%.2000s", q3)
	}

	current, err := st.TierTargets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	form := targetsForm(current)
	form.Set("t_0_mttr_minutes", "2 h") // display units: 120 minutes
	status, _, hdr := postWith(t, c, srv.URL+"/settings/targets", form, true)
	if status != http.StatusSeeOther || !strings.Contains(hdr.Get("Location"), "from=2026-11") {
		t.Fatalf("save: %d %s", status, hdr.Get("Location"))
	}

	if again := render("/reports/2026-Q3.html"); again != q3 {
		t.Errorf("the Q3 report changed after a target change from November 2026:\n%s", firstDiff(q3, again))
	}
	// The quarter in progress is judged by what is in force in its last
	// month, so it now speaks of the 2-hour target.
	q4Again := render("/reports/2026-Q4.html")
	if q4Again == q4 || !strings.Contains(q4Again, "2-hour target") {
		t.Errorf("the Q4 report does not use the new target")
	}

	// The scorecard API: October keeps 30 minutes; November (to date)
	// has 120, and its previous-period cell is judged by October's 30.
	cell := func(period string) scorecard.Cell {
		_, js, _ := getWith(t, c, srv.URL+"/api/v1/scorecard?"+url.Values{"period": {period}, "tier": {"0"}}.Encode())
		var cd scorecard.Card
		if err := json.Unmarshal([]byte(js), &cd); err != nil {
			t.Fatal(err)
		}
		return cd.Tiers[0].KPIs[analytics.KPIMTTRMinutes]
	}
	oct, nov := cell("2026-10"), cell("2026-11")
	if oct.Target == nil || *oct.Target != 30 {
		t.Errorf("October tier-0 MTTR target %v, want 30", oct.Target)
	}
	if nov.Target == nil || *nov.Target != 120 || nov.PreviousTarget == nil || *nov.PreviousTarget != 30 {
		t.Errorf("November target %v previous %v, want 120 and 30", nov.Target, nov.PreviousTarget)
	}

	// The settings page shows the change in its history, in display units.
	_, page, _ := getWith(t, c, srv.URL+"/settings")
	if !strings.Contains(page, `data-testid="rule-history"`) || !strings.Contains(page, "Tier 0 target: MTTR") ||
		!strings.Contains(page, `data-testid="change-2026-11-mttr_minutes-0">2 h<`) || !strings.Contains(page, "30 min") {
		t.Error("the settings history does not show the MTTR change from 30 min to 2 h")
	}
	// The grid shows what is in force from the month chosen.
	if _, page, _ := getWith(t, c, srv.URL+"/settings?from=2026-10"); !strings.Contains(page, `name="t_0_mttr_minutes" value="30 min"`) {
		t.Error("the October grid does not show the 30-minute target")
	}
	if !strings.Contains(page, `name="t_0_mttr_minutes" value="2 h"`) {
		t.Error("the November grid does not show the 2-hour target")
	}
}

// firstDiff shows where two renders part.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(i-200, 0)
	return "before: …" + a[lo:min(i+200, len(a))] + "\nafter:  …" + b[lo:min(i+200, len(b))]
}

// TestSavingUnchangedFormsChangesNothing: the three forms as the page
// fills them, saved as they are, add no change to the history (the
// targets read back from "99.99 %" equal the stored 0.9999, and settings
// equal to their defaults are not stored).
func TestSavingUnchangedFormsChangesNothing(t *testing.T) {
	srv, st, c := followupServer(t, web.RoleAdmin)
	ctx := context.Background()
	current, err := st.TierTargets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for path, form := range map[string]url.Values{"/settings": settingsForm(nil), "/settings/targets": targetsForm(current), "/settings/dora": bandsForm()} {
		if status, body, _ := postWith(t, c, srv.URL+path, form, true); status != http.StatusSeeOther {
			t.Fatalf("%s: %d %.500s", path, status, body)
		}
	}
	changes, err := st.RuleChanges(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 0 {
		t.Errorf("unchanged forms wrote %d changes: %+v", len(changes), changes)
	}
	// One real change is one row.
	f := settingsForm(map[string]string{"noise_auto_resolve_minutes": "5"})
	if status, _, _ := postWith(t, c, srv.URL+"/settings", f, true); status != http.StatusSeeOther {
		t.Fatal(status)
	}
	if changes, _ = st.RuleChanges(ctx); len(changes) != 1 || changes[0].Key != "noise_auto_resolve_minutes" || changes[0].From != "2026-11" ||
		changes[0].New != "5" || changes[0].Old != "" {
		t.Errorf("changes after one edit: %+v", changes)
	}
}
