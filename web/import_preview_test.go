package web_test

import (
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
)

// The first import into an empty catalogue offers "create these N
// services" as the main action (defect 11); the preview's first rows are
// the records as stored, under the catalogue's names, and the service
// choices come before the rejected rows, with suggestions (defect 10).
func TestImportPreviewEmptyCatalogueAndMappedNames(t *testing.T) {
	srv, st, c := newImportServer(t)
	data, err := os.ReadFile("../testdata/fixtures/servicenow_incidents.csv")
	if err != nil {
		t.Fatal(err)
	}
	res, body := uploadFiles(t, c, srv.URL, map[string]string{"format": "auto"}, map[string][]byte{"servicenow_incidents.csv": data})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="empty-catalogue"`) || !strings.Contains(body, "Create these 8 services") ||
		!strings.Contains(body, `data-testid="create-all"`) {
		t.Fatalf("empty catalogue: %d %.2000s", res.StatusCode, body)
	}
	// Nothing would be stored yet, and no unresolved row shows as stored.
	if strings.Contains(body, "INC0010123") || !strings.Contains(body, "No record of the file would be stored yet") {
		t.Errorf("sample before any choice: %.3000s", body[strings.Index(body, `data-testid="sample"`):])
	}
	action := res.Request.URL.String() + "/confirm"
	res, body = postPage(t, c, action, body, url.Values{"action": {"create_all"}})
	if res.StatusCode != http.StatusOK || strings.Contains(body, `data-testid="unknown-service"`) || !strings.Contains(body, testID("inserted", "161")) ||
		!strings.Contains(body, "INC0010123") {
		t.Fatalf("after create all: %.2000s", body)
	}
	res, body = postPage(t, c, action, body, url.Values{"action": {"confirm"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="file-result"`) || !strings.Contains(body, testID("inserted", "161")) {
		t.Fatalf("confirm: %.2000s", body)
	}

	// A second source names the services differently: the preview suggests
	// the near catalogue names and shows the mapped names in the sample.
	if _, err := st.Writer().Exec(`INSERT INTO services (name) VALUES ('billing')`); err != nil {
		t.Fatal(err)
	}
	gitlab := []byte(strings.ReplaceAll(string(mustRead(t, "../testdata/fixtures/gitlab_api_deployments.json")), "merico-dev/ee/vdev.co", "merico-dev/ee/billing-api"))
	res, body = uploadFiles(t, c, srv.URL, map[string]string{"format": "auto"}, map[string][]byte{"gitlab.json": gitlab})
	if res.StatusCode != http.StatusOK || strings.Contains(body, `data-testid="empty-catalogue"`) || !strings.Contains(body, `data-testid="suggestion">close to billing<`) ||
		!strings.Contains(body, `<option value="map:billing">Map to billing (suggested)</option>`) {
		t.Fatalf("suggestion: %.3000s", body)
	}
	form := strings.Index(body, `data-testid="confirm-form"`)
	if rej := strings.Index(body, `data-testid="file-rejects"`); rej >= 0 && rej < form {
		t.Error("rejected rows come before the service choices")
	}
	action = res.Request.URL.String() + "/confirm"
	res, body = postPage(t, c, action, body, url.Values{"action": {"preview"}, "svc:billing-api": {"map:billing"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "billing (billing-api in the file)") || !strings.Contains(body, testID("inserted", "4")) {
		t.Fatalf("mapped name in the sample: %.3000s", body)
	}
	res, body = postPage(t, c, action, body, url.Values{"action": {"confirm"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, testID("inserted", "4")) {
		t.Fatalf("confirm mapped: %.2000s", body)
	}
	// The alias made for GitLab applies to every source.
	aliases, err := st.ServiceAliases(t.Context())
	if err != nil || len(aliases) != 1 || aliases[0].Alias != "billing-api" || aliases[0].Service != "billing" || aliases[0].SourceOnly {
		t.Fatalf("aliases %+v %v", aliases, err)
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
