package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"sreport/testutil"
)

var (
	formInputRE  = regexp.MustCompile(`<input[^>]*? name="([^"]+)"[^>]*? value="([^"]*)"`)
	formSelectRE = regexp.MustCompile(`(?s)<select name="([^"]+)"[^>]*>(.*?)</select>`)
	selectedRE   = regexp.MustCompile(`<option value="([^"]*)" selected`)
	textareaRE   = regexp.MustCompile(`(?s)<textarea name="([^"]+)"[^>]*>(.*?)</textarea>`)
)

// harvestForm returns what a browser would post from the page's form with
// data-testid testID, as it was rendered (inputs, selected options,
// textareas), without the CSRF token, which postWith adds.
func harvestForm(t *testing.T, body, testID string) url.Values {
	t.Helper()
	i := strings.Index(body, `data-testid="`+testID+`"`)
	if i < 0 {
		t.Fatalf("no form %s on the page", testID)
	}
	end := strings.Index(body[i:], "</form>")
	f := body[i : i+end]
	v := url.Values{}
	for _, m := range formInputRE.FindAllStringSubmatch(f, -1) {
		if m[1] != "_csrf" && !strings.Contains(m[0], `type="checkbox"`) {
			v.Add(m[1], html.UnescapeString(m[2]))
		}
	}
	for _, m := range formSelectRE.FindAllStringSubmatch(f, -1) {
		for _, o := range selectedRE.FindAllStringSubmatch(m[2], -1) {
			v.Add(m[1], html.UnescapeString(o[1]))
		}
	}
	for _, m := range textareaRE.FindAllStringSubmatch(f, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// TestRiskSaveAppliesOnlyChangedFields replays the lost update of the
// register: Bob raises the likelihood 3 → 4 while Ann, on the form she
// opened before, changes the owner. Ann's save keeps Bob's likelihood.
// When both change the impact differently, Ann's save is refused with a
// table of just that field (human labels), Bob's other change already in
// her form; saving again applies her impact and keeps his change.
func TestRiskSaveAppliesOnlyChangedFields(t *testing.T) {
	s := newRiskServer(t, testutil.DemoStore(t))
	ctx := context.Background()
	if status, _, _ := postWith(t, s.editor, s.url+"/risks", validRiskForm(), true); status != http.StatusSeeOther {
		t.Fatalf("create: %d", status)
	}
	edit := s.url + "/risks/R-013/edit"
	_, page, _ := getWith(t, s.editor, edit)
	ann := harvestForm(t, page, "risk-form")
	if ann.Get("was") != "1" || ann.Get("was_likelihood") != "3" || ann.Get("was_services") != "checkout, payments-api" {
		t.Fatalf("the edit form does not carry the values it was loaded with: %v", ann)
	}
	_, page, _ = getWith(t, s.editor, edit)
	bob := harvestForm(t, page, "risk-form")
	bob.Set("likelihood", "4")
	if status, _, _ := postWith(t, s.editor, s.url+"/risks/R-013", bob, true); status != http.StatusSeeOther {
		t.Fatalf("Bob's save: %d", status)
	}
	ann.Set("owner", "ann@test.example")
	if status, body, _ := postWith(t, s.editor, s.url+"/risks/R-013", ann, true); status != http.StatusSeeOther {
		t.Fatalf("Ann's save from version 1: %d %.300s", status, body)
	}
	r, _ := s.st.RiskByCode(ctx, "R-013")
	if r.Likelihood != 4 || r.Owner != "ann@test.example" || r.Impact != 4 {
		t.Fatalf("after both saves: likelihood %d owner %s impact %d; want Bob's 4, Ann's owner, impact 4", r.Likelihood, r.Owner, r.Impact)
	}

	// Both change the impact; Bob also the mitigation.
	_, page, _ = getWith(t, s.editor, edit)
	ann = harvestForm(t, page, "risk-form")
	_, page, _ = getWith(t, s.editor, edit)
	bob = harvestForm(t, page, "risk-form")
	bob.Set("impact", "2")
	bob.Set("mitigation", "Dead-letter queue in place")
	if status, _, _ := postWith(t, s.editor, s.url+"/risks/R-013", bob, true); status != http.StatusSeeOther {
		t.Fatalf("Bob's second save: %d", status)
	}
	ann.Set("impact", "5")
	status, body, _ := postWith(t, s.editor, s.url+"/risks/R-013", ann, true)
	if status != http.StatusConflict {
		t.Fatalf("both changed impact: %d, want 409", status)
	}
	table := body[strings.Index(body, `data-testid="conflict-diff"`):]
	table = table[:strings.Index(table, "</table>")]
	if !strings.Contains(table, "<td>Impact</td><td>4</td><td>2</td><td>5</td>") || strings.Count(table, "<tr>") != 2 {
		t.Errorf("conflict table should list just Impact (was 4, theirs 2, yours 5): %s", table)
	}
	if strings.Contains(table, "impact</td>") || strings.Contains(table, "next_review_date") {
		t.Errorf("conflict table shows raw field names: %s", table)
	}
	again := harvestForm(t, body, "risk-form")
	if again.Get("mitigation") != "Dead-letter queue in place" || again.Get("impact") != "5" || again.Get("was_impact") != "2" {
		t.Fatalf("409 form: mitigation %q impact %q was_impact %q; want Bob's mitigation merged, Ann's impact, base = Bob's",
			again.Get("mitigation"), again.Get("impact"), again.Get("was_impact"))
	}
	if r, _ := s.st.RiskByCode(ctx, "R-013"); r.Impact != 2 {
		t.Fatalf("a refused save changed the impact to %d", r.Impact)
	}
	if status, _, _ := postWith(t, s.editor, s.url+"/risks/R-013", again, true); status != http.StatusSeeOther {
		t.Fatalf("save again: %d", status)
	}
	r, _ = s.st.RiskByCode(ctx, "R-013")
	if r.Impact != 5 || r.Mitigation != "Dead-letter queue in place" || r.Likelihood != 4 {
		t.Errorf("after saving again: impact %d mitigation %q likelihood %d", r.Impact, r.Mitigation, r.Likelihood)
	}
}

// TestRiskDateRules: a target or review date before the risk was recorded
// or more than ten years ahead is refused with a banner linking to the
// field; an old date the editor did not change never blocks an edit.
func TestRiskDateRules(t *testing.T) {
	s := newRiskServer(t, testutil.DemoStore(t))
	for field, c := range map[string]struct{ value, want string }{
		"target_date":      {"2020-01-01", "Target date cannot be before the risk was recorded (2026-11-15)."},
		"next_review_date": {"2019-06-01", "Next review date cannot be before the risk was recorded (2026-11-15)."},
	} {
		f := validRiskForm()
		f.Set(field, c.value)
		status, body, _ := postWith(t, s.editor, s.url+"/risks", f, true)
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, c.want) ||
			!strings.Contains(body, `data-testid="error-summary"`) || !strings.Contains(body, `href="#f-`+field+`"`) {
			t.Errorf("%s %s: %d, want 422 with %q in a linked summary", field, c.value, status, c.want)
		}
	}
	f := validRiskForm()
	f.Set("target_date", "2206-12-31")
	if status, body, _ := postWith(t, s.editor, s.url+"/risks", f, true); status != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "must be within 10 years (by 2036-11-15)") {
		t.Errorf("far future target: %d", status)
	}
	// A risk imported with a date before its creation stays editable.
	if status, _, _ := postWith(t, s.editor, s.url+"/risks", validRiskForm(), true); status != http.StatusSeeOther {
		t.Fatal("create")
	}
	if _, err := s.st.Writer().Exec(`UPDATE risks SET next_review_date = '2025-01-01' WHERE code = 'R-013'`); err != nil {
		t.Fatal(err)
	}
	_, page, _ := getWith(t, s.editor, s.url+"/risks/R-013/edit")
	form := harvestForm(t, page, "risk-form")
	form.Set("owner", "ann@test.example")
	if status, _, _ := postWith(t, s.editor, s.url+"/risks/R-013", form, true); status != http.StatusSeeOther {
		t.Errorf("edit keeping an old review date: %d", status)
	}
	form.Set("version", "2")
	form.Set("was_owner", "ann@test.example")
	form.Set("next_review_date", "2024-01-01")
	if status, _, _ := postWith(t, s.editor, s.url+"/risks/R-013", form, true); status != http.StatusUnprocessableEntity {
		t.Errorf("moving the review date before creation: %d, want 422", status)
	}
}
