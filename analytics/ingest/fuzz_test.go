package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"sreport/analytics/imports"
)

// The fuzz targets feed every importer family, format detection, date
// parsing and the generic mapping with mutated exports. Each run starts
// from the fixtures (and the files in testdata/real when that folder
// exists), cut to their first kilobytes so mutations stay fast, plus the
// inputs kept under testdata/fuzz/<target>: the corpus committed with the
// repository and every crasher found so far, which plain `go test` runs as
// regression tests. scripts/test.sh fuzzes each target for a few seconds.

// seedFiles returns the fixtures and real exports that match one of pats:
// a file name ending ("opsgenie.json") or a folder of testdata/real
// ("opsgenie/", every sample of that vendor).
func seedFiles(f *testing.F, pats ...string) [][]byte {
	f.Helper()
	var out [][]byte
	for _, dir := range []string{fixtures, "../../testdata/real/"} {
		err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(dir, path)
			rel = filepath.ToSlash(rel)
			ok := false
			for _, x := range pats {
				ok = ok || strings.HasSuffix(x, "/") && strings.HasPrefix(rel, x) || !strings.HasSuffix(x, "/") && strings.HasSuffix(rel, x)
			}
			if !ok {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			out = append(out, smallSeed(b))
			return nil
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) { // testdata/real is optional
			f.Fatal(err)
		}
	}
	return out
}

// smallSeed keeps a seed small enough for quick mutations: a JSON export
// with every array cut to its first two elements (still valid JSON, so
// mutations reach the importers rather than the syntax errors), a CSV
// export cut to its header and the first rows.
func smallSeed(b []byte) []byte {
	var v any
	if json.Unmarshal(b, &v) == nil {
		if out, err := json.Marshal(firstElements(v)); err == nil {
			return out
		}
	}
	if len(b) <= 1536 {
		return b
	}
	cut := b[:1536]
	if i := bytes.LastIndexByte(cut, '\n'); i > 0 {
		cut = cut[:i+1]
	}
	return cut
}

func firstElements(v any) any {
	switch x := v.(type) {
	case []any:
		x = x[:min(len(x), 2)]
		for i := range x {
			x[i] = firstElements(x[i])
		}
		return x
	case map[string]any:
		for k := range x {
			x[k] = firstElements(x[k])
		}
	}
	return v
}

// checkBatch asserts what every parse promises: each record knows its
// source line, rejects are sorted by line, text is valid UTF-8, and the
// field limits hold (Validate finds nothing more to refuse).
func checkBatch(t *testing.T, b *imports.Batch) {
	t.Helper()
	texts := func(key string, ss ...string) {
		if _, ok := b.Lines[key]; !ok {
			t.Errorf("%s has no source line", key)
		}
		for _, s := range ss {
			if !utf8.ValidString(s) {
				t.Errorf("%s: invalid UTF-8 %q", key, s)
			}
		}
	}
	for _, x := range b.Incidents {
		texts(imports.IncidentKey(x.ExternalID), x.ExternalID, x.Service, x.Title, x.SeverityRaw, x.RootCause)
		if x.DetectedAt.IsZero() || x.Severity < 0 || x.Severity > 4 {
			t.Errorf("incident %q: detected %v, severity %d", x.ExternalID, x.DetectedAt, x.Severity)
		}
	}
	for _, x := range b.Deploys {
		texts(imports.DeployKey(x.ExternalID), x.ExternalID, x.Service, x.Version, x.Environment)
	}
	for _, x := range b.Pages {
		texts(imports.PageKey(x.ExternalID), x.ExternalID, x.Service, x.Title)
	}
	for _, x := range b.ActionItems {
		texts(imports.ActionItemKey(x.ExternalID), x.ExternalID, x.Service, x.Title, x.Owner)
	}
	for _, x := range b.SLIDays {
		texts(imports.SLIKey(x), x.Service, x.SLO)
	}
	for _, x := range b.Toil {
		texts(imports.ToilKey(x), x.Team, x.Note)
	}
	if !sort.SliceIsSorted(b.Rejects, func(i, j int) bool { return b.Rejects[i].Line < b.Rejects[j].Line }) {
		t.Error("rejects not sorted by line")
	}
	recs, rejects := b.Records(), len(b.Rejects)
	imports.Validate(b)
	if b.Records() != recs || len(b.Rejects) != rejects {
		t.Errorf("Validate refused %d more records after Parse", recs-b.Records())
	}
}

// fuzzFormats parses data as each format (and detected), checking every batch.
func fuzzFormats(f *testing.F, exts []string, formats ...string) {
	for _, s := range seedFiles(f, exts...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range append(formats, "auto") {
			b, err := Parse(bytes.NewReader(data), "fuzz", Options{Format: format, Limits: Limits{MaxRecords: 10000}})
			if err != nil {
				continue
			}
			checkBatch(t, b)
		}
	})
}

func FuzzPagerDuty(f *testing.F) {
	fuzzFormats(f, []string{"pagerduty_api_incidents.json", "pagerduty_api_log_entries.json", "pagerduty_insights_incidents.csv", "pagerduty_incident_activity.csv",
		"pagerduty/"}, "pagerduty-api", "pagerduty-insights-csv")
}

func FuzzOpsgenie(f *testing.F) {
	fuzzFormats(f, []string{"opsgenie.json", "opsgenie/"}, "opsgenie-api", "opsgenie-alerts-csv")
}

func FuzzServiceNow(f *testing.F) {
	fuzzFormats(f, []string{"servicenow_incidents.csv", "servicenow_changes.csv", "servicenow/"}, "servicenow-csv", "servicenow-change-csv")
}

func FuzzJira(f *testing.F) { fuzzFormats(f, []string{"jira_incidents.csv", "jira/"}, "jira-csv") }

// FuzzDeployAPIs covers the deploy importers: GitHub, GitLab, Jenkins, Argo CD.
func FuzzDeployAPIs(f *testing.F) {
	fuzzFormats(f, []string{"github_api_workflow_runs.json", "gitlab_api_deployments.json", "synthetic_github_deployments.json",
		"synthetic_jenkins_builds.json", "synthetic_argocd_app.json", "github/", "gitlab/", "jenkins/"},
		"github-deployments", "github-actions-runs", "gitlab-deployments", "gitlab-pipelines", "jenkins-builds", "argocd-app")
}

// FuzzIncidentTools covers the incident-management importers: incident.io
// (API and CSV), FireHydrant, Rootly, Statuspage, Grafana OnCall, Datadog.
func FuzzIncidentTools(f *testing.F) {
	fuzzFormats(f, []string{"incidentio/", "firehydrant/", "rootly/", "statuspage/", "grafana_oncall/", "datadog/"},
		"incidentio-api", "incidentio-csv", "firehydrant-api", "rootly-api", "statuspage-api", "grafana-oncall-api", "datadog-incidents")
}

// FuzzCICD covers the CI/CD importers added with them: Azure DevOps builds
// and releases, CircleCI, Bitbucket pipelines and deployments, Argo CD YAML.
func FuzzCICD(f *testing.F) {
	fuzzFormats(f, []string{"azuredevops/", "circleci/", "bitbucket/", "argocd/"},
		"azure-devops-builds", "azure-devops-releases", "circleci-api", "bitbucket-pipelines", "bitbucket-deployments", "argocd-yaml")
}

// FuzzSLODefinitions covers the SLO-as-code importers, OpenSLO and Sloth
// (its prometheus/v1 spec and the Kubernetes PrometheusServiceLevel): every
// definition kept has a service, a name, an objective strictly between 0
// and 1, a window of at least a day, its source line, and text within the
// field limits.
func FuzzSLODefinitions(f *testing.F) {
	for _, s := range seedFiles(f, "openslo/", "sloth/") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []string{"openslo", "sloth", "auto"} {
			b, err := Parse(bytes.NewReader(data), "fuzz.yaml", Options{Format: format, Limits: Limits{MaxRecords: 10000}})
			if err != nil {
				continue
			}
			for _, d := range b.SLOs {
				key := imports.SLOKey(d.Service, d.Name)
				if _, ok := b.Lines[key]; !ok {
					t.Errorf("%s has no source line", key)
				}
				if d.Service == "" || d.Name == "" || !(d.Objective > 0 && d.Objective < 1) || d.WindowDays < 1 {
					t.Errorf("%s: objective %v, window %d days", key, d.Objective, d.WindowDays)
				}
				for _, s := range []string{d.Service, d.Name, d.Description, d.GoodQuery, d.BadQuery, d.TotalQuery} {
					if !utf8.ValidString(s) {
						t.Errorf("%s: invalid UTF-8 %q", key, s)
					}
				}
			}
			checkBatch(t, b)
		}
	})
}

// FuzzGenericCSV fuzzes the file and the mapping's date layout: the
// generic importer with a mapping of each kind, and the SLI and toil CSVs.
func FuzzGenericCSV(f *testing.F) {
	for _, s := range seedFiles(f, "sli_daily.csv", "toil_weeks.csv", "servicenow_incidents.csv") {
		f.Add(s, "")
	}
	f.Add([]byte("Ref;Svc;Opened;Closed;Sev\nA-1;api;01.07.2026 10:00;01.07.2026 11:30;critical\n"), "dd.MM.yyyy HH:mm")
	mappings := []*imports.Mapping{
		{Name: "i", Kind: "incidents", Columns: map[string]string{"external_id": "Ref", "service": "Svc", "detected_at": "Opened",
			"resolved_at": "Closed", "severity": "Sev", "title": "number"}},
		{Name: "d", Kind: "deploys", Columns: map[string]string{"external_id": "Ref", "service": "Svc", "finished_at": "Opened", "status": "Sev"}},
		{Name: "p", Kind: "pages", Columns: map[string]string{"external_id": "Ref", "service": "Svc", "triggered_at": "Opened"}},
		{Name: "a", Kind: "action_items", Columns: map[string]string{"external_id": "Ref", "title": "Sev", "service": "Svc", "due_at": "Closed"}},
		{Name: "s", Kind: "sli", Columns: map[string]string{"service": "service", "slo": "slo", "day": "day", "good": "good", "total": "total"}},
		{Name: "t", Kind: "toil", Columns: map[string]string{"team": "team", "week": "week", "toil_hours": "toil_hours", "total_hours": "total_hours"}},
	}
	f.Fuzz(func(t *testing.T, data []byte, layout string) {
		for _, m := range mappings {
			mm := *m
			mm.DateLayout = layout
			if b, err := Parse(bytes.NewReader(data), "fuzz.csv", Options{Format: "csv", Mapping: &mm, Limits: Limits{MaxRecords: 10000}}); err == nil {
				checkBatch(t, b)
			}
		}
		for _, format := range []string{"sli-csv", "toil-csv"} {
			if b, err := Parse(bytes.NewReader(data), "fuzz.csv", Options{Format: format, DateLayout: layout, Limits: Limits{MaxRecords: 10000}}); err == nil {
				checkBatch(t, b)
			}
		}
		if h, rows, err := Headers(bytes.NewReader(data)); err == nil && (len(h) > MaxColumns || len(rows) > 20) {
			t.Errorf("Headers: %d columns, %d rows", len(h), len(rows))
		}
	})
}

// FuzzDetect: any head and name give a known format or an error, the
// same one every time.
func FuzzDetect(f *testing.F) {
	for _, s := range seedFiles(f, ".csv", ".json", ".yaml") {
		f.Add("export.csv", s)
	}
	f.Add("pagerduty.json", []byte("[]"))
	f.Add("x.csv.gz", []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Fuzz(func(t *testing.T, name string, head []byte) {
		format, err := Detect(name, head)
		again, err2 := Detect(name, head)
		if format != again || (err == nil) != (err2 == nil) {
			t.Fatalf("Detect not deterministic: %q/%v then %q/%v", format, err, again, err2)
		}
		if err != nil {
			return
		}
		if _, ok := formatInfo(format); !ok {
			t.Fatalf("Detect gave unknown format %q", format)
		}
	})
}

// FuzzParseTime: parseTime never panics, answers in UTC, and reads back
// every instant it formats in RFC 3339; goLayout accepts any layout text.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-07-01T10:00:00Z", "2026-07-01 10:00:00", "01.07.2026 10:00", "1751364000", "1751364000123",
		"Wed, 01 Jul 2026 10:00:00 +0200", "2/Jul/26 3:04 PM", "2026-07-01"} {
		f.Add(s, "", int64(1751364000), int64(0))
	}
	f.Add("01.07.2026 10:00", "dd.MM.yyyy HH:mm", int64(-62135596800), int64(999999999))
	f.Add("07/01/2026", "mm/dd/yyyy", int64(253402300799), int64(1))
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s, layout string, sec, nsec int64) {
		gl := goLayout(layout)
		for _, loc := range []*time.Location{time.UTC, berlin} {
			if tm, err := parseTime(s, gl, loc); err == nil && tm.Location() != time.UTC {
				t.Errorf("parseTime(%q, %q) in %v", s, gl, tm.Location())
			}
		}
		if d, err := parseDay(s, gl); err == nil && (d.Location() != time.UTC || d.Hour()+d.Minute()+d.Second()+d.Nanosecond() != 0) {
			t.Errorf("parseDay(%q) = %v, not a UTC midnight", s, d)
		}
		in := time.Unix(sec, nsec%1e9).UTC()
		if y := in.Year(); y < 1 || y > 9999 {
			return // RFC 3339 has four-digit years
		}
		out, err := parseTime(in.Format(time.RFC3339Nano), "", berlin)
		if err != nil || !out.Equal(in) {
			t.Errorf("round trip of %v: %v %v", in, out, err)
		}
	})
}
