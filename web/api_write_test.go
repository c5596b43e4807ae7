package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"sreport/analytics/store"
	"sreport/web"
)

func TestWriteAPIDeployments(t *testing.T) {
	e := newLive(t)
	one := `{"external_id":"run-1","service":"checkout","status":"success","version":"v1.2.0",
		"started_at":"2026-10-05T10:00:00Z","finished_at":"2026-10-05T10:07:00Z","environment":"prod"}`

	// A read token and a viewer's token write nothing.
	for _, tok := range []string{e.read, e.viewer} {
		if st, body := e.api(t, http.MethodPost, "/api/v1/deployments", tok, one); st != http.StatusForbidden {
			t.Fatalf("read token: %d %v", st, body)
		}
	}
	if n := e.count(t, `SELECT COUNT(*) FROM deploys`); n != 0 {
		t.Fatalf("refused requests wrote %d deploys", n)
	}

	st, res := e.api(t, http.MethodPost, "/api/v1/deployments", e.write, one)
	if st != http.StatusOK || res["inserted"] != 1.0 || res["import_id"] == nil {
		t.Fatalf("insert: %d %v", st, res)
	}
	importID := int64(res["import_id"].(float64))
	if got := e.str(t, `SELECT source || ' ' || environment || ' ' || version || ' ' || status FROM deploys WHERE external_id = 'run-1'`); got != "api prod v1.2.0 success" {
		t.Fatalf("stored deploy: %s", got)
	}
	// Repeating the request changes nothing and records nothing.
	imports := e.count(t, `SELECT COUNT(*) FROM imports`)
	st, res = e.api(t, http.MethodPost, "/api/v1/deployments", e.write, one)
	if st != http.StatusOK || res["unchanged"] != 1.0 || res["inserted"] != 0.0 || res["import_id"] != nil {
		t.Fatalf("repeat: %d %v", st, res)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM imports`); n != imports {
		t.Fatalf("a repeated request recorded an import (%d → %d)", imports, n)
	}
	// The request is recorded like an import: history, audit and roll back.
	im, err := e.st.ImportByID(context.Background(), importID)
	if err != nil || im.Format != "api-deploys" || im.User != "ed-w@example.com" || im.FileName != "POST /api/v1/deployments" || im.Inserted != 1 {
		t.Fatalf("import record: %+v %v", im, err)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'import' AND entity_id = ?`, fmt.Sprint(importID)); n != 1 {
		t.Fatalf("audit rows: %d", n)
	}

	// All or nothing: one bad record among good ones writes none of them,
	// and each problem names its record and field.
	batch := `{"items":[
		{"external_id":"run-2","service":"checkout","status":"success","finished_at":"2026-10-06T10:00:00Z"},
		{"external_id":"run-3","service":"checkout","status":"exploded","finished_at":"2026-10-06T11:00:00Z"},
		{"external_id":"run-4","service":"checkout","status":"success","finished_at":"yesterday"},
		{"external_id":"run-5","service":"checkout","status":"success","finished_at":"2026-10-06T12:00:00Z","finshed_at":"x"},
		{"external_id":"run-6","service":"nowhere","status":"success","finished_at":"2026-10-06T13:00:00Z"}]}`
	st, res = e.api(t, http.MethodPost, "/api/v1/deployments", e.write, batch)
	if st != http.StatusBadRequest {
		t.Fatalf("bad batch: %d %v", st, res)
	}
	want := map[string]string{"1/status": "unknown deploy status", "2/finished_at": "finished_at: bad date", "3/finshed_at": "unknown field"}
	got := map[string]string{}
	for _, x := range res["errors"].([]any) {
		m := x.(map[string]any)
		got[fmt.Sprintf("%v/%v", m["index"], m["field"])] = m["reason"].(string)
	}
	for k, reason := range want {
		if !strings.Contains(got[k], reason) {
			t.Errorf("error %s = %q, want it to say %q (all: %v)", k, got[k], reason, got)
		}
	}
	if n := e.count(t, `SELECT COUNT(*) FROM deploys`); n != 1 {
		t.Fatalf("a refused batch wrote deploys: %d", n)
	}
	// Only the unknown service is left: the store refuses it, again with
	// its index and field.
	batch = `{"items":[
		{"external_id":"run-2","service":"checkout","status":"success","finished_at":"2026-10-06T10:00:00Z"},
		{"external_id":"run-6","service":"nowhere","status":"success","finished_at":"2026-10-06T13:00:00Z"}]}`
	st, res = e.api(t, http.MethodPost, "/api/v1/deployments", e.write, batch)
	if st != http.StatusBadRequest || !strings.Contains(fmt.Sprint(res["errors"]), "index:1") || !strings.Contains(fmt.Sprint(res["errors"]), "field:service") {
		t.Fatalf("unknown service: %d %v", st, res)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM deploys`); n != 1 {
		t.Fatalf("unknown service wrote deploys: %d", n)
	}
	// An alias of the source maps the name, as for file imports.
	if err := e.st.SaveServiceAlias(context.Background(), "api", "nowhere", "payments"); err != nil {
		t.Fatal(err)
	}
	st, res = e.api(t, http.MethodPost, "/api/v1/deployments", e.write, batch)
	if st != http.StatusOK || res["inserted"] != 2.0 {
		t.Fatalf("after alias: %d %v", st, res)
	}
	if got := e.str(t, `SELECT s.name FROM deploys d JOIN services s ON s.id = d.service_id WHERE d.external_id = 'run-6'`); got != "payments" {
		t.Fatalf("alias resolved to %s", got)
	}
	last := int64(res["import_id"].(float64))
	if _, err := e.st.RollbackImport(context.Background(), last, store.Audit{Actor: "test"}); err != nil {
		t.Fatalf("roll back the API import: %v", err)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM deploys`); n != 1 {
		t.Fatalf("after roll back: %d deploys, want 1", n)
	}

	// Limits: at most 1,000 records; bodies that are not one record or items.
	var many strings.Builder
	many.WriteString(`{"items":[`)
	for i := 0; i < 1001; i++ {
		if i > 0 {
			many.WriteString(",")
		}
		fmt.Fprintf(&many, `{"service":"checkout","status":"success","finished_at":"2026-10-07T00:%02d:%02dZ"}`, i/60%60, i%60)
	}
	many.WriteString("]}")
	if st, res = e.api(t, http.MethodPost, "/api/v1/deployments", e.write, many.String()); st != http.StatusBadRequest ||
		!strings.Contains(fmt.Sprint(res["error"]), "at most 1000") {
		t.Fatalf("1001 records: %d %v", st, res)
	}
	for _, body := range []string{`[]`, `{"items":[]}`, `{"items":[{}],"source":"x"}`, `not json`} {
		if st, res = e.api(t, http.MethodPost, "/api/v1/deployments", e.write, body); st != http.StatusBadRequest {
			t.Fatalf("%s: %d %v", body, st, res)
		}
	}
}

func TestWriteAPIIncidentsAndPages(t *testing.T) {
	e := newLive(t)
	inc := `{"items":[{"source":"statuspage","external_id":"INC-7","service":"checkout","title":"Checkout errors","severity":"P1",
		"detected_at":"2026-10-10T08:00:00Z","acknowledged_at":"2026-10-10T08:04:00Z","resolved_at":"2026-10-10T09:00:00Z","customer_impacting":true}]}`
	if st, res := e.api(t, http.MethodPost, "/api/v1/incidents", e.write, inc); st != http.StatusOK || res["inserted"] != 1.0 {
		t.Fatalf("incident: %d %v", st, res)
	}
	if got := e.str(t, `SELECT severity || ' ' || status || ' ' || customer_impacting FROM incidents WHERE external_id = 'INC-7'`); got != "1 resolved 1" {
		t.Fatalf("incident stored as %s (severity, status derived as a file import would)", got)
	}
	page := `{"source":"statuspage","external_id":"PG-1","service":"checkout","incident_ref":"INC-7","urgency":"high",
		"triggered_at":"2026-10-10T07:59:00Z","acknowledged_at":"2026-10-10T08:04:00Z"}`
	if st, res := e.api(t, http.MethodPost, "/api/v1/pages", e.write, page); st != http.StatusOK || res["inserted"] != 1.0 {
		t.Fatalf("page: %d %v", st, res)
	}
	if got := e.str(t, `SELECT i.external_id FROM pages p JOIN incidents i ON i.id = p.incident_id WHERE p.external_id = 'PG-1'`); got != "INC-7" {
		t.Fatalf("page linked to %s", got)
	}
	// Mixed sources in one request are refused: a request is one batch.
	mixed := `{"items":[{"service":"checkout","detected_at":"2026-10-11T08:00:00Z"},{"source":"other","service":"checkout","detected_at":"2026-10-11T09:00:00Z"}]}`
	if st, res := e.api(t, http.MethodPost, "/api/v1/incidents", e.write, mixed); st != http.StatusBadRequest || !strings.Contains(fmt.Sprint(res["errors"]), "field:source") {
		t.Fatalf("mixed sources: %d %v", st, res)
	}
}

// TestWriteAPIInvalidatesCache: the scorecard is cached per data version,
// so an API write shows at once, like any other commit.
func TestWriteAPIInvalidatesCache(t *testing.T) {
	e := newLive(t)
	deploys := func() float64 {
		t.Helper()
		st, res := e.api(t, http.MethodGet, "/api/v1/scorecard?period=2026-10", e.viewer, "")
		if st != http.StatusOK {
			t.Fatalf("scorecard: %d %v", st, res)
		}
		for _, r := range res["services"].([]any) {
			row := r.(map[string]any)
			if row["name"] == "checkout" {
				return row["counts"].(map[string]any)["deployments"].(float64)
			}
		}
		t.Fatalf("no checkout row: %v", res)
		return 0
	}
	if n := deploys(); n != 0 {
		t.Fatalf("before: %v deployments", n)
	}
	if n := deploys(); n != 0 { // served from the cache
		t.Fatalf("cached: %v", n)
	}
	body := `{"external_id":"d1","service":"checkout","status":"success","finished_at":"2026-10-12T10:00:00Z"}`
	if st, res := e.api(t, http.MethodPost, "/api/v1/deployments", e.write, body); st != http.StatusOK {
		t.Fatalf("write: %d %v", st, res)
	}
	if n := deploys(); n != 1 {
		t.Fatalf("after the write the scorecard shows %v deployments, want 1", n)
	}
}

// TestOpenAPICoversRoutes fails when a registered /api/v1 route is missing
// from openapi.json, or the document names a route that does not exist.
func TestOpenAPICoversRoutes(t *testing.T) {
	e := newLive(t)
	_, table := web.NewWithRoutes(e.st, web.Config{})
	registered := map[string]bool{}
	for _, r := range table {
		if !strings.HasPrefix(r.Path, "/api/v1/") {
			continue
		}
		p := pathParam.ReplaceAllStringFunc(r.Path, func(s string) string { return "{" + s[1:] + "}" })
		key := r.Method + " " + p
		registered[key] = true
		req, _ := http.NewRequest(r.Method, p, nil)
		route, _, err := e.router.FindRoute(req)
		if err != nil || route.Path != p {
			t.Errorf("route %s is not documented in openapi.json", key)
		}
	}
	if len(registered) < 9 {
		t.Fatalf("only %d API routes registered", len(registered))
	}
	// The document is served, and documents only real routes.
	st, doc := e.api(t, http.MethodGet, "/api/v1/openapi.json", e.viewer, "")
	if st != http.StatusOK {
		t.Fatalf("openapi.json: %d", st)
	}
	for p, item := range doc["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			if method == "parameters" {
				continue
			}
			if key := strings.ToUpper(method) + " " + p; !registered[key] {
				t.Errorf("openapi.json documents %s, which is not a route", key)
			}
		}
	}
}
