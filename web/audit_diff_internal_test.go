package web

import (
	"encoding/json"
	"testing"

	"sreport/views"
)

// TestAuditChangesOfTargets: an audit row holding all 48 targets before
// and after (as older versions wrote) shows only the target that changed,
// named by tier and KPI; a reordered list is no change; a created record
// shows its fields from "—".
func TestAuditChangesOfTargets(t *testing.T) {
	type target struct {
		Tier      int     `json:"tier"`
		KPI       string  `json:"kpi"`
		Target    float64 `json:"target"`
		Direction string  `json:"direction"`
	}
	var before []target
	for tier := 0; tier < 4; tier++ {
		for i := 0; i < 12; i++ {
			before = append(before, target{Tier: tier, KPI: "kpi_" + string(rune('a'+i)), Target: float64(10 * (i + 1)), Direction: "max"})
		}
	}
	after := append([]target(nil), before...)
	after[5].Target = 45 // tier 0, kpi_f: 60 → 45
	// Reversed order: the same targets, so no change but the one.
	for i, j := 0, len(after)-1; i < j; i, j = i+1, j-1 {
		after[i], after[j] = after[j], after[i]
	}
	b, _ := json.Marshal(before)
	a, _ := json.Marshal(after)
	got := auditChanges(string(b), string(a))
	want := []views.AuditChange{{Field: "tier 0 kpi kpi_f · target", Before: "60", After: "45"}}
	if len(got) != 1 || got[0] != want[0] {
		t.Fatalf("changes = %+v, want %+v", got, want)
	}

	got = auditChanges("", `{"email":"ann@example.com","role":"editor","disabled":false}`)
	if len(got) != 3 || got[0] != (views.AuditChange{Field: "disabled", Before: "—", After: "no"}) ||
		got[1] != (views.AuditChange{Field: "email", Before: "—", After: "ann@example.com"}) {
		t.Errorf("created user: %+v", got)
	}
	if got := auditChanges(`{"role":"viewer","services":["a","b"]}`, `{"role":"editor","services":["a","b"]}`); len(got) != 1 || got[0].Field != "role" {
		t.Errorf("role change: %+v", got)
	}
	if got := auditChanges(`not json`, `{}`); len(got) != 0 {
		t.Errorf("malformed before: %+v", got)
	}
	if l := auditActionLabel("login", "sessions") + " / " + auditEntityLabel("sessions", "2"); l != "signed in / user #2" {
		t.Errorf("sign-in row reads %q", l)
	}
}
