package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"sreport/web"
)

const ghSecret = "It's a Secret to Everybody, 2026"

func TestWebhookGitHub(t *testing.T) {
	e := newLive(t)
	r := e.receiver(t, "github-prod", "github", "", ghSecret)
	body := realPayload(t, "github/deployment_status_payload.json")
	signed := func(id, event string, b []byte) map[string]string {
		return map[string]string{"X-GitHub-Event": event, "X-GitHub-Delivery": id, "X-Hub-Signature-256": "sha256=" + hmacHex(ghSecret, b)}
	}

	// A bad signature: 401, nothing written, the attempt logged.
	bad := signed("d-0", "deployment_status", body)
	bad["X-Hub-Signature-256"] = "sha256=" + hmacHex("not the secret", body)
	if st, res := e.deliver(t, r, body, bad); st != http.StatusUnauthorized || res["outcome"] != "rejected" {
		t.Fatalf("bad signature: %d %v", st, res)
	}
	unsigned := map[string]string{"X-GitHub-Event": "deployment_status", "X-GitHub-Delivery": "d-00"}
	if st, _ := e.deliver(t, r, body, unsigned); st != http.StatusUnauthorized {
		t.Fatalf("unsigned: %d", st)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM deploys`) + e.count(t, `SELECT COUNT(*) FROM imports`); n != 0 {
		t.Fatalf("bad signatures wrote %d rows", n)
	}

	// GitHub's documented deployment_status (success, production).
	st, res := e.deliver(t, r, body, signed("d-1", "deployment_status", body))
	if st != http.StatusOK || res["outcome"] != "accepted" || res["import_id"] == nil {
		t.Fatalf("deployment_status: %d %v", st, res)
	}
	if got := e.str(t, `SELECT d.source || ' ' || d.external_id || ' ' || s.name || ' ' || d.status || ' ' || d.environment || ' ' || d.started_at || ' ' || d.finished_at
		FROM deploys d JOIN services s ON s.id = d.service_id`); got != "github 145988746 Hello-World success production 2019-05-15T15:20:53Z 2019-05-15T15:20:55Z" {
		t.Fatalf("stored: %s", got)
	}
	im, err := e.st.ImportByID(context.Background(), int64(res["import_id"].(float64)))
	if err != nil || im.User != "webhook:github-prod" || im.Format != "webhook-github" {
		t.Fatalf("import: %+v %v", im, err)
	}
	// The same delivery again (a retry or a redelivery): no change.
	imports := e.count(t, `SELECT COUNT(*) FROM imports`)
	if st, res = e.deliver(t, r, body, signed("d-1", "deployment_status", body)); st != http.StatusOK || res["outcome"] != "ignored" ||
		!strings.Contains(res["reason"].(string), "repeated delivery") {
		t.Fatalf("repeat: %d %v", st, res)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM imports`); n != imports {
		t.Fatalf("a repeated delivery recorded an import")
	}

	// A pending status arriving late (older than the success) changes nothing.
	pending := edit(t, body, map[string]any{"deployment_status.state": "in_progress", "deployment_status.created_at": "2019-05-15T15:20:54Z"})
	if st, res = e.deliver(t, r, pending, signed("d-2", "deployment_status", pending)); st != http.StatusOK || res["outcome"] != "ignored" {
		t.Fatalf("pending: %d %v", st, res)
	}
	// A failure reported after the success replaces it.
	failure := edit(t, body, map[string]any{"deployment_status.state": "failure", "deployment_status.created_at": "2019-05-15T15:25:00Z"})
	if st, res = e.deliver(t, r, failure, signed("d-3", "deployment_status", failure)); st != http.StatusOK || res["outcome"] != "accepted" {
		t.Fatalf("failure: %d %v", st, res)
	}
	// …and the success, redelivered under a new id after it, is older: ignored.
	if st, res = e.deliver(t, r, body, signed("d-4", "deployment_status", body)); st != http.StatusOK || res["outcome"] != "ignored" ||
		!strings.Contains(res["reason"].(string), "older than delivery d-3") {
		t.Fatalf("stale success: %d %v", st, res)
	}
	if got := e.str(t, `SELECT status || ' ' || finished_at FROM deploys`); got != "failed 2019-05-15T15:25:00Z" {
		t.Fatalf("after failure: %s", got)
	}

	// workflow_run: the documented completed run deploys (default branch
	// master from the payload's repository); requested is not finished.
	run := realPayload(t, "github/workflow_run_completed.payload.json")
	if st, res = e.deliver(t, r, run, signed("w-1", "workflow_run", run)); st != http.StatusOK || res["outcome"] != "accepted" {
		t.Fatalf("workflow_run: %d %v", st, res)
	}
	if got := e.str(t, `SELECT d.status || ' ' || s.name || ' ' || d.commit_at FROM deploys d JOIN services s ON s.id = d.service_id WHERE d.external_id = '289782451'`); got != "success octo-repo 2020-10-05T16:32:07Z" {
		t.Fatalf("run stored as %s", got)
	}
	req := realPayload(t, "github/workflow_run_requested.payload.json")
	if st, res = e.deliver(t, r, req, signed("w-2", "workflow_run", req)); st != http.StatusOK || res["outcome"] != "ignored" {
		t.Fatalf("requested run: %d %v", st, res)
	}
	ping := []byte(`{"zen":"Keep it logically awesome.","hook_id":1}`)
	if st, res = e.deliver(t, r, ping, signed("p-1", "ping", ping)); st != http.StatusOK || res["outcome"] != "ignored" {
		t.Fatalf("ping: %d %v", st, res)
	}

	// A receiver with a workflow filter skips runs of other workflows, as
	// the importer's --workflow does.
	only := e.receiver(t, "github-deploy-only", "github", "deploy.yml", ghSecret)
	if st, res = e.deliver(t, only, run, signed("w-3", "workflow_run", run)); st != http.StatusOK || res["outcome"] != "ignored" ||
		!strings.Contains(res["reason"].(string), "other workflows") {
		t.Fatalf("filtered run: %d %v", st, res)
	}

	// Every delivery is on the receiver's page, for admins only.
	admin := signIn(t, e.st, e.srv.URL, web.RoleAdmin)
	code, page, _ := getWith(t, admin.client, e.srv.URL+"/admin/webhooks/"+itoa64(r.ID))
	if code != http.StatusOK || strings.Count(page, `data-testid="delivery-`) != 10 || !strings.Contains(page, "repeated delivery") ||
		!strings.Contains(page, "bad signature") || strings.Contains(page, ghSecret) {
		t.Fatalf("delivery page: %d, %d rows\n%.2000s", code, strings.Count(page, `data-testid="delivery-`), page)
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func TestWebhookGitLab(t *testing.T) {
	e := newLive(t)
	const token = "gitlab-secret-token-0123456789"
	r := e.receiver(t, "gitlab", "gitlab", "", token)
	hdr := func(event, uuid string) map[string]string {
		return map[string]string{"X-Gitlab-Event": event, "X-Gitlab-Token": token, "Idempotency-Key": uuid}
	}
	dep := realPayload(t, "gitlab/deployment_hook.json")
	wrong := hdr("Deployment Hook", "u-0")
	wrong["X-Gitlab-Token"] = "guess"
	if st, _ := e.deliver(t, r, dep, wrong); st != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", st)
	}
	if st, res := e.deliver(t, r, dep, hdr("Deployment Hook", "u-1")); st != http.StatusOK || res["outcome"] != "accepted" {
		t.Fatalf("deployment: %d %v", st, res)
	}
	if got := e.str(t, `SELECT d.external_id || ' ' || s.name || ' ' || d.status || ' ' || d.environment || ' ' || d.version || ' ' || d.finished_at
		FROM deploys d JOIN services s ON s.id = d.service_id`); got != "15 test-deployment-webhooks success staging 279484c09fbe 2021-04-28T19:50:00Z" {
		t.Fatalf("deployment stored as %s", got)
	}
	// Bodies are capped (1 MiB): 413 before anything is read or written.
	huge := append([]byte(`{"object_kind":"deployment","pad":"`), bytes.Repeat([]byte("x"), 2<<20)...)
	huge = append(huge, `"}`...)
	if st, res := e.deliver(t, r, huge, hdr("Deployment Hook", "u-big")); st != http.StatusRequestEntityTooLarge {
		t.Fatalf("2 MiB body: %d %v", st, res)
	}
	running := edit(t, dep, map[string]any{"status": "running", "status_changed_at": "2021-04-28 21:40:00 +0200"})
	if st, res := e.deliver(t, r, running, hdr("Deployment Hook", "u-2")); st != http.StatusOK || res["outcome"] != "ignored" {
		t.Fatalf("running: %d %v", st, res)
	}
	// GitLab's documented pipeline ran for a merge request: not a deploy.
	pipe := realPayload(t, "gitlab/pipeline_hook.json")
	if st, res := e.deliver(t, r, pipe, hdr("Pipeline Hook", "u-3")); st != http.StatusOK || res["outcome"] != "ignored" ||
		!strings.Contains(res["reason"].(string), "merge_request_event") {
		t.Fatalf("merge request pipeline: %d %v", st, res)
	}
	// The same pipeline pushed to the default branch deploys.
	pushed := edit(t, pipe, map[string]any{"object_attributes.source": "push"})
	if st, res := e.deliver(t, r, pushed, hdr("Pipeline Hook", "u-4")); st != http.StatusOK || res["outcome"] != "accepted" {
		t.Fatalf("pushed pipeline: %d %v", st, res)
	}
	if got := e.str(t, `SELECT d.status || ' ' || s.name || ' ' || d.started_at || ' ' || d.finished_at || ' ' || d.commit_at
		FROM deploys d JOIN services s ON s.id = d.service_id WHERE d.external_id = 'pipeline:31'`); got != "success Gitlab Test 2016-08-12T15:23:28Z 2016-08-12T15:26:29Z 2016-08-12T15:23:21Z" {
		t.Fatalf("pipeline stored as %s", got)
	}
}

func TestWebhookPagerDuty(t *testing.T) {
	e := newLive(t)
	const secret = "pd-signing-secret-from-the-subscription"
	r := e.receiver(t, "pagerduty", "pagerduty", "", secret)
	doc := realPayload(t, "pagerduty/webhook_v3_incident.json")
	event := func(typ, status, at string) []byte {
		return edit(t, doc, map[string]any{"event.event_type": typ, "event.data.status": status, "event.occurred_at": at, "event.id": typ + at})
	}
	send := func(b []byte, id string) (int, map[string]any) {
		// During a secret rotation PagerDuty sends several signatures.
		sig := "v1=" + hmacHex("the old secret, being rotated out", b) + ",v1=" + hmacHex(secret, b)
		return e.deliver(t, r, b, map[string]string{"X-PagerDuty-Signature": sig, "X-Webhook-Id": id})
	}
	// PagerDuty's documented event opens the incident: its data has no
	// created_at, so the event time is the detection time.
	if st, res := e.deliver(t, r, doc, map[string]string{"X-PagerDuty-Signature": "v1=" + hmacHex("x", doc)}); st != http.StatusUnauthorized || res["outcome"] != "rejected" {
		t.Fatalf("bad signature: %d %v", st, res)
	}
	if st, res := send(doc, "wh-1"); st != http.StatusOK || res["outcome"] != "accepted" {
		t.Fatalf("documented event: %d %v", st, res)
	}
	// Later events without created_at keep that detection time.
	ack := event("incident.acknowledged", "acknowledged", "2020-10-02T18:50:00Z")
	if st, res := send(ack, "wh-2"); st != http.StatusOK || res["outcome"] != "accepted" {
		t.Fatalf("acknowledged: %d %v", st, res)
	}
	resolved := event("incident.resolved", "resolved", "2020-10-02T19:10:00Z")
	if st, res := send(resolved, "wh-3"); st != http.StatusOK || res["outcome"] != "accepted" {
		t.Fatalf("resolved: %d %v", st, res)
	}
	want := "API Service|A little bump in the road|1|P1|resolved|2020-10-02T18:45:22Z|2020-10-02T18:50:00Z|2020-10-02T19:10:00Z"
	q := `SELECT s.name || '|' || i.title || '|' || i.severity || '|' || i.severity_raw || '|' || i.status || '|' || i.detected_at || '|' ||
		i.acknowledged_at || '|' || i.resolved_at FROM incidents i JOIN services s ON s.id = i.service_id WHERE i.external_id = 'PGR0VU2'`
	if got := e.str(t, q); got != want {
		t.Fatalf("incident:\n got %s\nwant %s", got, want)
	}
	if got := e.str(t, `SELECT urgency || ' ' || triggered_at || ' ' || acknowledged_at || ' ' || resolved_at FROM pages WHERE incident_ref = 'PGR0VU2'`); got != "high 2020-10-02T18:45:22Z 2020-10-02T18:50:00Z 2020-10-02T19:10:00Z" {
		t.Fatalf("page: %s", got)
	}
	// A retried acknowledgement arriving after the resolve (a new delivery
	// id) is older than the resolve: it does not reopen the incident.
	if st, res := send(ack, "wh-2-retry"); st != http.StatusOK || res["outcome"] != "ignored" {
		t.Fatalf("stale ack: %d %v", st, res)
	}
	if got := e.str(t, q); got != want {
		t.Fatalf("after the stale ack: %s", got)
	}
	// An incident whose data carries created_at takes it.
	other := edit(t, event("incident.triggered", "triggered", "2020-10-03T08:00:00Z"), map[string]any{"event.data.id": "PNEW123", "event.data.created_at": "2020-10-03T07:59:30Z"})
	if st, res := send(other, "wh-4"); st != http.StatusOK || res["outcome"] != "accepted" {
		t.Fatalf("with created_at: %d %v", st, res)
	}
	if got := e.str(t, `SELECT detected_at FROM incidents WHERE external_id = 'PNEW123'`); got != "2020-10-03T07:59:30Z" {
		t.Fatalf("created_at not used: %s", got)
	}
	note := edit(t, doc, map[string]any{"event.event_type": "incident.annotated", "event.data.type": "incident_note"})
	if st, res := send(note, "wh-note"); st != http.StatusOK || res["outcome"] != "ignored" {
		t.Fatalf("annotated: %d %v", st, res)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM incidents`); n != 2 {
		t.Fatalf("%d incidents", n)
	}
}

func TestWebhookOpsgenie(t *testing.T) {
	e := newLive(t)
	const secret = "opsgenie-custom-header-secret"
	r := e.receiver(t, "opsgenie", "opsgenie", "", secret)
	create := realPayload(t, "opsgenie/alert_create.json")
	hdr := map[string]string{web.OpsgenieSecretHeader: secret}
	if st, _ := e.deliver(t, r, create, nil); st != http.StatusUnauthorized {
		t.Fatalf("no header: %d", st)
	}
	// The documented alert names no service: its source is the caller
	// (an e-mail address), never a service, and its tags hold none. The
	// delivery is ignored, saying what was looked for, and writes nothing.
	st, res := e.deliver(t, r, create, hdr)
	if st != http.StatusOK || res["outcome"] != "ignored" || !strings.Contains(res["reason"].(string), "naming no service") {
		t.Fatalf("no service: %d %v", st, res)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM pages`); n != 0 {
		t.Fatalf("ignored delivery wrote %d pages", n)
	}
	// The documented way to name it: a service: tag, mapped by alias.
	tagged := map[string]any{"alert.tags": []any{"tag1", "service:checkout-api"}}
	if err := e.st.SaveServiceAlias(context.Background(), "opsgenie", "checkout-api", "checkout"); err != nil {
		t.Fatal(err)
	}
	if st, res = e.deliver(t, r, edit(t, create, tagged), hdr); st != http.StatusOK || res["outcome"] != "accepted" {
		t.Fatalf("create with a service tag: %d %v", st, res)
	}
	ack := edit(t, realPayload(t, "opsgenie/alert_acknowledge.json"), tagged)
	if st, res = e.deliver(t, r, ack, hdr); st != http.StatusOK || res["outcome"] != "accepted" {
		t.Fatalf("acknowledge: %d %v", st, res)
	}
	// Close: the acknowledge payload with action Close, 5 minutes later.
	closeBody := strings.Replace(strings.Replace(string(ack), `"Acknowledge"`, `"Close"`, 1), "1420452224764002246", "1420452524764002246", 1)
	if st, res = e.deliver(t, r, []byte(closeBody), hdr); st != http.StatusOK || res["outcome"] != "accepted" {
		t.Fatalf("close: %d %v", st, res)
	}
	got := e.str(t, `SELECT p.title || '|' || s.name || '|' || p.triggered_at || '|' || p.acknowledged_at || '|' || p.resolved_at || '|' || p.auto_resolved
		FROM pages p JOIN services s ON s.id = p.service_id`)
	if want := "test alert|checkout|2015-01-05T10:03:11Z|2015-01-05T10:03:44Z|2015-01-05T10:08:44Z|0"; got != want {
		t.Fatalf("page:\n got %s\nwant %s", got, want)
	}
	if st, res = e.deliver(t, r, []byte(closeBody), hdr); st != http.StatusOK || res["outcome"] != "ignored" {
		t.Fatalf("repeated close: %d %v", st, res)
	}
}

// TestWebhookAdminPages adds, rotates and deletes a receiver in the web
// app as an admin; the generated secret is shown once and stored sealed.
func TestWebhookAdminPages(t *testing.T) {
	e := newLive(t)
	admin := signIn(t, e.st, e.srv.URL, web.RoleAdmin)
	code, page, _ := postWith(t, admin.client, e.srv.URL+"/admin/webhooks", url.Values{"name": {"gh"}, "source": {"github"}}, true)
	if code != http.StatusOK || !strings.Contains(page, `data-testid="webhook-secret"`) {
		t.Fatalf("add: %d %.1500s", code, page)
	}
	rcv, err := e.st.WebhookReceiverByName(context.Background(), "gh")
	if err != nil {
		t.Fatal(err)
	}
	secret := between(page, `data-testid="webhook-secret">`, "<")
	if len(secret) < 32 || strings.Contains(rcv.Secret, secret) || !strings.HasPrefix(rcv.Secret, "v1:") {
		t.Fatalf("secret %q, stored %q", secret, rcv.Secret)
	}
	if !strings.Contains(page, rcv.Path()) {
		t.Fatalf("page does not show the path %s", rcv.Path())
	}
	body := []byte(`{"zen":"Design for failure.","hook_id":7}`)
	ping := func() int {
		st, _ := e.deliver(t, rcv, body, map[string]string{"X-GitHub-Event": "ping", "X-Hub-Signature-256": "sha256=" + hmacHex(secret, body)})
		return st
	}
	if st := ping(); st != http.StatusOK {
		t.Fatalf("ping with the generated secret: %d", st)
	}
	// The list never shows a secret again.
	if _, list, _ := getWith(t, admin.client, e.srv.URL+"/admin/webhooks"); strings.Contains(list, secret) || !strings.Contains(list, `data-testid="webhook-gh"`) {
		t.Fatalf("list: %.1500s", list)
	}
	// Too short a typed secret is refused; rotation to a typed one works
	// and the old secret stops working.
	if code, _, _ = postWith(t, admin.client, e.srv.URL+"/admin/webhooks", url.Values{"name": {"gh2"}, "source": {"gitlab"}, "secret": {"short"}}, true); code != http.StatusUnprocessableEntity {
		t.Fatalf("weak secret: %d", code)
	}
	const newSecret = "a typed secret of enough length"
	if code, page, _ = postWith(t, admin.client, e.srv.URL+"/admin/webhooks/"+itoa64(rcv.ID)+"/rotate", url.Values{"secret": {newSecret}}, true); code != http.StatusOK || strings.Contains(page, newSecret) {
		t.Fatalf("rotate: %d", code)
	}
	if st := ping(); st != http.StatusUnauthorized {
		t.Fatalf("old secret after rotation: %d", st)
	}
	secret = newSecret
	if st := ping(); st != http.StatusOK {
		t.Fatalf("new secret: %d", st)
	}
	// Editors do not manage receivers.
	editor := signIn(t, e.st, e.srv.URL, web.RoleEditor)
	if code, _, _ = getWith(t, editor.client, e.srv.URL+"/admin/webhooks"); code != http.StatusForbidden {
		t.Fatalf("editor: %d", code)
	}
	if code, _, _ = postWith(t, admin.client, e.srv.URL+"/admin/webhooks/"+itoa64(rcv.ID)+"/delete", url.Values{"confirm": {"yes"}}, true); code != http.StatusOK && code != http.StatusSeeOther {
		t.Fatalf("delete: %d", code)
	}
	if _, err := e.st.WebhookReceiverByName(context.Background(), "gh"); err == nil {
		t.Fatal("receiver still there after delete")
	}
	if st := ping(); st != http.StatusNotFound {
		t.Fatalf("deleted receiver: %d", st)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM audit_log WHERE entity = 'webhook_receivers' AND (before_json LIKE ? OR after_json LIKE ?)`, "%"+newSecret+"%", "%"+newSecret+"%"); n != 0 {
		t.Fatal("a secret reached the audit log")
	}
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}
