package web_test

import (
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
)

// TestImportSLODefinitionsPreview uploads the Sloth getting-started
// example: the preview lists the SLO that would be created, the confirm
// creates it, and the same file again previews as unchanged.
func TestImportSLODefinitionsPreview(t *testing.T) {
	srv, st, c := newImportServer(t)
	raw, err := os.ReadFile("../testdata/real/sloth/getting-started.yml")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"getting-started.yml": raw}
	res, body := uploadFiles(t, c, srv.URL, map[string]string{"format": "auto", "create_services": "1", "tier": "1"}, files)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("upload: %d %.500s", res.StatusCode, body)
	}
	for _, w := range []string{testID("detected-format", "sloth"), `data-testid="slo-changes"`, "requests-availability",
		testID("slo-action", "would be created"), "objective 99.9%", "window 30-day rolling"} {
		if !strings.Contains(body, w) {
			t.Errorf("preview lacks %s", w)
		}
	}
	if n := testCount(t, st, `SELECT COUNT(*) FROM slos`); n != 0 {
		t.Fatalf("the preview wrote %d SLOs", n)
	}
	res, body = postPage(t, c, res.Request.URL.String()+"/confirm", body, url.Values{"action": {"confirm"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, testID("slo-action", "created")) {
		t.Fatalf("confirm: %d %.800s", res.StatusCode, body)
	}
	if n := testCount(t, st, `SELECT COUNT(*) FROM slos WHERE objective = 0.999 AND window_days = 30 AND query_type = 'prometheus'`); n != 1 {
		t.Fatalf("%d SLOs stored as defined", n)
	}
	_, body = uploadFiles(t, c, srv.URL, map[string]string{"format": "auto"}, files)
	if !strings.Contains(body, testID("slo-action", "unchanged")) || !strings.Contains(body, testID("unchanged", "1")) {
		t.Errorf("re-upload is not unchanged: %s", body[strings.Index(body, "<main>"):])
	}
}
