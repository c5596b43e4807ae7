package analytics

import (
	"reflect"
	"testing"
)

// TestMergeRiskEdit replays the register's lost update: Ann raises the
// likelihood 3 → 4 while Bob, editing the version before, changes the
// owner and the mitigation. Bob's save keeps Ann's likelihood; a field
// both changed differently is a conflict, the same change on both sides
// is not.
func TestMergeRiskEdit(t *testing.T) {
	base := Risk{Title: "Single region", Category: "dependency", Likelihood: 3, Impact: 5, Owner: "ann", Status: RiskOpen,
		Mitigation: "none", Services: []string{"checkout"}}
	theirs := base
	theirs.Likelihood = 4
	theirs.Title = "Single region (eu-west-1)"
	mine := base
	mine.Owner = "bob"
	mine.Mitigation = "second region"
	mine.Title = "Single region (eu-west-1)" // the same change as theirs

	merged, conflicts := MergeRiskEdit(theirs, mine, RiskBaseValues(base))
	if len(conflicts) != 0 {
		t.Fatalf("conflicts %v, want none", conflicts)
	}
	if merged.Likelihood != 4 || merged.Owner != "bob" || merged.Mitigation != "second region" || merged.Title != theirs.Title {
		t.Fatalf("merged %+v: want their likelihood 4 with my owner and mitigation", merged)
	}
	if got := RiskChangedFields(mine, RiskBaseValues(base)); !reflect.DeepEqual(got, []string{"title", "owner", "mitigation"}) {
		t.Errorf("changed fields %v", got)
	}

	mine.Likelihood = 2 // both changed likelihood, to different values
	mine.Services = []string{"checkout", "ledger"}
	merged, conflicts = MergeRiskEdit(theirs, mine, RiskBaseValues(base))
	if !reflect.DeepEqual(conflicts, []string{"likelihood"}) {
		t.Fatalf("conflicts %v, want [likelihood]", conflicts)
	}
	if merged.Likelihood != 2 || !reflect.DeepEqual(merged.Services, []string{"checkout", "ledger"}) {
		t.Errorf("merged keeps the editor's input for the form: %+v", merged)
	}
	if theirs.Services[0] != "checkout" || len(theirs.Services) != 1 {
		t.Error("the merge changed the stored risk's service list")
	}
	for field, want := range map[string]string{"next_review_date": "Next review date", "services": "Affected services", "likelihood": "Likelihood"} {
		if got := RiskFieldTitle(field); got != want {
			t.Errorf("RiskFieldTitle(%s) = %q, want %q", field, got, want)
		}
	}
}
