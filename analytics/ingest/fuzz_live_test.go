package ingest

import (
	"encoding/json"
	"testing"
	"time"

	"sreport/analytics/imports"
)

// FuzzLive covers what arrives over HTTP rather than as a file: vendor
// webhook deliveries (GitHub, GitLab, PagerDuty, Opsgenie), DevLake's
// deployment and issue bodies and the write API's records. Whatever the
// body, each returns records, an error or a reason to ignore it, never a
// panic; the records it returns know their lines and, once the store's
// field limits have run (store.ApplyBatch runs imports.Validate on every
// batch), hold what every parse promises.
func FuzzLive(f *testing.F) {
	for _, s := range seedFiles(f, "github/", "gitlab/", "pagerduty/webhook_v3_incident.json", "opsgenie/alert_", "devlake/") {
		f.Add(s)
	}
	f.Add([]byte(`[{"external_id":"D-1","service":"api","finished_at":"2026-07-01T10:00:00Z","status":"success"}]`))
	now := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	check := func(t *testing.T, b *imports.Batch) {
		t.Helper()
		if b == nil {
			return
		}
		imports.Validate(b)
		checkBatch(t, b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, hook := range []struct{ source, event string }{
			{WebhookGitHub, "deployment_status"}, {WebhookGitHub, "workflow_run"}, {WebhookGitLab, "Deployment Hook"},
			{WebhookGitLab, "Pipeline Hook"}, {WebhookPagerDuty, ""}, {WebhookOpsgenie, ""},
		} {
			b, ev, err := ParseWebhook(hook.source, hook.event, data, Options{})
			if err == nil && b == nil && ev.Ignored == "" {
				t.Errorf("%s %s: no batch, no error and no reason", hook.source, hook.event)
			}
			check(t, b)
		}
		b, _ := DevLakeDeployment("api", data, now)
		check(t, b)
		b, _, _ = DevLakeIssue("api", data, Options{})
		check(t, b)
		var items []json.RawMessage
		if json.Unmarshal(data, &items) == nil {
			for _, kind := range []string{"incidents", "deploys", "pages"} {
				b, _ := ParseRecords(kind, items, Options{})
				check(t, b)
			}
		}
	})
}
