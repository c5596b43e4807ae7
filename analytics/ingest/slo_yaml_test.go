package ingest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sreport/analytics"
	"sreport/analytics/imports"
)

// TestSLODefinitionsFromRealExamples reads the OpenSLO and Sloth examples
// from the projects' own repositories (testdata/real/SOURCES.md).
func TestSLODefinitionsFromRealExamples(t *testing.T) {
	const slothTotal = `sum(rate(http_request_duration_seconds_count{job="myservice"}[{{.window}}]))`
	const slothErr = `sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))`
	cases := []struct {
		file, format string
		want         []analytics.SLODefinition
		rejects      int
	}{
		{"openslo/budgeting-method_occurences-slo.yaml", "openslo", []analytics.SLODefinition{{Service: "web-shop", Name: "search-slo",
			Objective: 0.99, WindowDays: 14, Description: "Regardless of the number of paraller searches it never should be more than 500ms."}}, 0},
		{"openslo/budgeting-method_ratio-timeslices.yaml", "openslo", []analytics.SLODefinition{{Service: "web-shop", Name: "main-page",
			Objective: 0.99, WindowDays: 14, Description: "Our main page should be available always", QueryType: "any",
			GoodQuery: "Any", TotalQuery: "Any"}}, 0},
		{"openslo/treat-low-traffic-as-equally-important_timeslices-slo.yaml", "openslo", []analytics.SLODefinition{{Service: "web-availability",
			Name: "service-availability", Objective: 0.9995, WindowDays: 7, Calendar: analytics.CalendarWeek, QueryType: "any",
			GoodQuery: "Any", TotalQuery: "Any"}}, 0},
		{"openslo/readme_inline_sli.yaml", "openslo", []analytics.SLODefinition{{Service: "foo", Name: "foo-slo", Objective: 0.98,
			WindowDays: DefaultSLOWindowDays, QueryType: "datadog",
			GoodQuery:  "sum:trace.http.request.hits.by_http_status{http.status_code:200}.as_count()",
			TotalQuery: "sum:trace.http.request.hits.by_http_status{*}.as_count()"}}, 0},
		{"sloth/getting-started.yml", "sloth", []analytics.SLODefinition{{Service: "myservice", Name: "requests-availability",
			Objective: 0.999, WindowDays: SlothWindowDays, Description: "Common SLO based on availability for HTTP request responses.",
			QueryType: "prometheus", BadQuery: slothErr, TotalQuery: slothTotal}}, 0},
		{"sloth/k8s-getting-started.yml", "sloth", []analytics.SLODefinition{{Service: "myservice", Name: "requests-availability",
			Objective: 0.999, WindowDays: SlothWindowDays, Description: "Common SLO based on availability for HTTP request responses.",
			QueryType: "prometheus", BadQuery: slothErr, TotalQuery: slothTotal}}, 0},
		{"sloth/openslo-getting-started.yml", "openslo", []analytics.SLODefinition{{Service: "my-service", Name: "sloth-slo-my-service",
			Objective: 0.999, WindowDays: 30, Description: "Common SLO based on availability for HTTP request responses.",
			QueryType: "prometheus", GoodQuery: `sum(rate(http_request_duration_seconds_count{job="myservice",code!~"(5..|429)"}[{{.window}}]))`,
			TotalQuery: slothTotal}}, 0},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			b := parseRealSLO(t, c.file, c.format)
			if len(b.Rejects) != c.rejects {
				t.Fatalf("rejects = %+v, want %d", b.Rejects, c.rejects)
			}
			if len(b.SLOs) != len(c.want) {
				t.Fatalf("SLOs = %+v, want %d", b.SLOs, len(c.want))
			}
			for i, w := range c.want {
				if b.SLOs[i] != w {
					t.Errorf("SLO %d =\n %+v\nwant\n %+v", i, b.SLOs[i], w)
				}
			}
		})
	}
}

// TestSlothMultiDocumentFiles checks files with several services and SLOs.
func TestSlothMultiDocumentFiles(t *testing.T) {
	for _, file := range []string{"sloth/multifile.yml", "sloth/k8s-multifile.yml", "sloth/kubernetes-apiserver.yml",
		"sloth/home-wifi.yml", "sloth/raw-home-wifi.yml", "sloth/plugin-getting-started.yml"} {
		t.Run(file, func(t *testing.T) {
			b := parseRealSLO(t, file, "sloth")
			if len(b.Rejects) != 0 || len(b.SLOs) == 0 {
				t.Fatalf("rejects %+v, SLOs %d", b.Rejects, len(b.SLOs))
			}
			raw, _ := os.ReadFile(filepath.Join("..", "..", "testdata", "real", file))
			if n := strings.Count(string(raw), "objective:"); n != len(b.SLOs) {
				t.Errorf("%d SLOs, the file has %d objectives", len(b.SLOs), n)
			}
			for _, d := range b.SLOs {
				if d.Service == "" || d.Objective <= 0.5 || d.Objective >= 1 || d.WindowDays != SlothWindowDays {
					t.Errorf("SLO %+v", d)
				}
				// Events SLIs keep both queries; raw and plugin SLIs none.
				if (d.TotalQuery == "") != (d.BadQuery == "") || (d.TotalQuery != "") != (d.QueryType == "prometheus") {
					t.Errorf("SLO %s queries: %+v", d.Name, d)
				}
			}
		})
	}
}

func parseRealSLO(t *testing.T, file, format string) *imports.Batch {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "real", file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := Parse(f, filepath.Base(file), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Format != format {
		t.Fatalf("detected %q, want %q", b.Format, format)
	}
	return b
}

// TestSLODefinitionRejects covers definitions that cannot become SLOs.
func TestSLODefinitionRejects(t *testing.T) {
	cases := []struct{ name, yaml, reason string }{
		{"percent above 100", "version: prometheus/v1\nservice: a\nslos:\n  - name: x\n    objective: 100\n", "objective"},
		{"sub-day rolling window", "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec:\n  service: a\n  timeWindow:\n    - duration: 5m\n      isRolling: true\n  objectives:\n    - target: 0.9\n", "whole days"},
		{"two months calendar", "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec:\n  service: a\n  timeWindow:\n    - duration: 2M\n      calendar: {startTime: 2020-01-01 00:00:00, timeZone: UTC}\n  objectives:\n    - target: 0.9\n", "calendar window"},
		{"missing SLI", "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec:\n  service: a\n  indicatorRef: nope\n  objectives:\n    - target: 0.9\n", "names no SLI"},
		{"no service", "version: prometheus/v1\nslos:\n  - name: x\n    objective: 99\n", "no service"},
		{"twice", "version: prometheus/v1\nservice: a\nslos:\n  - name: x\n    objective: 99\n  - name: x\n    objective: 98\n", "defined twice"},
		{"v2alpha", "apiVersion: openslo/v2alpha\nkind: SLO\nmetadata: {name: x}\nspec: {}\n", "not supported"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := Parse(strings.NewReader(c.yaml), "slo.yaml", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Rejects) != 1 || !strings.Contains(b.Rejects[0].Reason, c.reason) {
				t.Fatalf("rejects %+v, want one about %q", b.Rejects, c.reason)
			}
		})
	}
}

// TestOpenSLOIndicatorRefAndObjectives: an SLI object referenced by name,
// a calendar month, and one SLO per objective.
func TestOpenSLOIndicatorRefAndObjectives(t *testing.T) {
	const doc = `apiVersion: openslo/v1
kind: SLI
metadata:
  name: checkout-errors
spec:
  ratioMetric:
    counter: true
    bad:
      metricSource:
        type: Prometheus
        spec:
          query: http_requests_total{job="checkout",code=~"5.."}
    total:
      metricSource:
        type: Prometheus
        spec:
          query: http_requests_total{job="checkout"}
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout
spec:
  service: checkout
  indicatorRef: checkout-errors
  timeWindow:
    - duration: 1M
      calendar:
        startTime: 2024-01-01 00:00:00
        timeZone: UTC
  budgetingMethod: Occurrences
  objectives:
    - displayName: strict
      target: 0.999
    - displayName: relaxed
      targetPercent: 99
`
	b, err := Parse(strings.NewReader(doc), "checkout.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Rejects) != 0 || len(b.SLOs) != 2 {
		t.Fatalf("rejects %+v SLOs %+v", b.Rejects, b.SLOs)
	}
	want := analytics.SLODefinition{Service: "checkout", Name: "checkout/strict", Objective: 0.999, WindowDays: 30,
		Calendar: analytics.CalendarMonth, QueryType: "prometheus", BadQuery: `http_requests_total{job="checkout",code=~"5.."}`,
		TotalQuery: `http_requests_total{job="checkout"}`}
	if b.SLOs[0] != want {
		t.Errorf("got %+v\nwant %+v", b.SLOs[0], want)
	}
	if b.SLOs[1].Name != "checkout/relaxed" || b.SLOs[1].Objective != 0.99 {
		t.Errorf("second objective %+v", b.SLOs[1])
	}
}
