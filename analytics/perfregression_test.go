package analytics

import (
	"slices"
	"testing"
)

// TestPerfRegressionRate: flagged ÷ deployments with a known flag, over
// the deployments the change failure rate counts (production, in the
// period, not rollbacks). Unknown flags are neither numerator nor
// denominator; they show in the coverage counts.
func TestPerfRegressionRate(t *testing.T) {
	yes, no := boolp(true), boolp(false)
	dep := func(id int64, env, fin string, flag *bool) Deploy {
		return Deploy{ID: id, ServiceID: 1, Environment: env, Status: DeploySuccess, FinishedAt: at(fin), PerfRegression: flag}
	}
	for _, tc := range []struct {
		name                  string
		deps                  []Deploy
		want                  *float64
		known, flagged, total int
		included              []int64
	}{
		{name: "no deploys: no data", want: nil},
		{
			name:  "no flags at all: no data, not 0 %",
			deps:  []Deploy{dep(1, "prod", "2026-10-02T10:00:00Z", nil), dep(2, "prod", "2026-10-03T10:00:00Z", nil)},
			want:  nil,
			total: 2,
		},
		{
			// 1 flagged of 4 known (#1 yes; #2, #3, #5 no); #4 unknown → 1/4.
			name: "unknown flags are left out of the denominator",
			deps: []Deploy{dep(1, "prod", "2026-10-02T10:00:00Z", yes), dep(2, "prod", "2026-10-03T10:00:00Z", no),
				dep(3, "prod", "2026-10-04T10:00:00Z", no), dep(4, "prod", "2026-10-05T10:00:00Z", nil),
				dep(5, "prod", "2026-10-06T10:00:00Z", no)},
			want: f64(1.0 / 4), known: 4, flagged: 1, total: 5, included: []int64{1},
		},
		{
			// Staging #11 and September's #12 are outside the KPI; the
			// rollback #13 is not a deployment: 2 flagged of 3 known.
			name: "only period production deployments count",
			deps: []Deploy{dep(10, "prod", "2026-10-02T10:00:00Z", yes), dep(11, "staging", "2026-10-02T11:00:00Z", yes),
				dep(12, "prod", "2026-09-30T10:00:00Z", yes), dep(14, "prod", "2026-10-20T10:00:00Z", yes),
				dep(15, "prod", "2026-10-21T10:00:00Z", no),
				{ID: 13, ServiceID: 1, Environment: "prod", Status: DeploySuccess, FinishedAt: at("2026-10-22T10:00:00Z"), IsRollback: true, PerfRegression: yes}},
			want: f64(2.0 / 3), known: 3, flagged: 2, total: 3, included: []int64{10, 14},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Compute(Input{Deploys: tc.deps}, oct2026(), DefaultSettings())
			wantF(t, KPIPerfRegressionRate, r.KPIs.PerfRegressionRate, tc.want)
			c := r.Counts
			if c.DeploymentsPerfFlag != tc.known || c.PerfRegressions != tc.flagged || c.Deployments != tc.total {
				t.Errorf("counts: known %d flagged %d deployments %d, want %d %d %d",
					c.DeploymentsPerfFlag, c.PerfRegressions, c.Deployments, tc.known, tc.flagged, tc.total)
			}
			got := included(r, KPIPerfRegressionRate)
			slices.Sort(got)
			if !slices.Equal(got, tc.included) {
				t.Errorf("included = %v, want %v", got, tc.included)
			}
			d, _ := KPIDefOf(KPIPerfRegressionRate)
			if have, of, _ := d.CoverageOf(c); have != tc.known || of != tc.total {
				t.Errorf("coverage %d of %d, want %d of %d", have, of, tc.known, tc.total)
			}
		})
	}
}

// TestKPIDefsInGroup: the program group lists its KPIs in registry order
// and an empty group name lists none.
func TestKPIDefsInGroup(t *testing.T) {
	var keys []string
	for _, d := range KPIDefsInGroup(KPIGroupProgram) {
		keys = append(keys, d.Key)
	}
	if !slices.Contains(keys, KPIPerfRegressionRate) {
		t.Errorf("program group %v lacks %s", keys, KPIPerfRegressionRate)
	}
	if got := KPIDefsInGroup(""); len(got) != 0 {
		t.Errorf("empty group lists %d KPIs", len(got))
	}
}
