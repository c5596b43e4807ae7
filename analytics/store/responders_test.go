package store_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/testutil"
)

// TestRespondersStoredFromRealSamples imports real samples of each source
// that names people and reads the stored responders back: role per person
// per record, with e-mail where the sample has one. A second import of the
// same file changes nothing, and a rollback of an import that changed them
// restores them.
func TestRespondersStoredFromRealSamples(t *testing.T) {
	cases := []struct {
		file, table, id, want string
	}{
		// Tim Wright: notified by phone (the entry embeds his User with
		// tim@acme.com), acknowledged at 20:29:30, resolved at 21:33:15.
		{"pagerduty/docs_log_entries_notifications.json", "pages", "PBJBF9Q",
			`[{"role":"notified","name":"Tim Wright","email":"tim@acme.com"},{"role":"acknowledged","name":"Tim Wright","email":"tim@acme.com"},{"role":"resolved","name":"Tim Wright","email":"tim@acme.com"}]`},
		// Notified by SMS after the only acknowledgement: not acknowledged.
		{"pagerduty/docs_log_entries_notifications.json", "pages", "PE5XGDA",
			`[{"role":"notified","name":"Tim Wright","email":"tim@acme.com"},{"role":"resolved","name":"Tim Wright","email":"tim@acme.com"}]`},
		{"pagerduty/openapi_get_incident.json", "incidents", "PT4KHLK",
			`[{"role":"acknowledged","name":"Earline Greenholt"},{"role":"assigned","name":"Earline Greenholt"}]`},
		{"pagerduty/openapi_analytics_raw_incidents.json", "incidents", "PYC0H08",
			`[{"role":"acknowledged","name":"John Smith"},{"role":"resolved","name":"John Smith"},{"role":"assigned","name":"Jane Doe"},{"role":"assigned","name":"John Smith"}]`},
		{"opsgenie/alerts_schema.csv", "pages", "70413a06-38d6-4c85-92b8-5ebc900d42e2-1741952652345",
			`[{"role":"acknowledged","email":"alice@example.com"},{"role":"resolved","email":"alice@example.com"},{"role":"assigned","email":"alice@example.com"}]`},
		// Closed by System, nobody acknowledged: no one.
		{"opsgenie/alerts_schema.csv", "pages", "4c1f3b2a-9d8e-4f7a-b6c5-d4e3f2a1b0c9-1741960000000", ``},
		{"opsgenie/devlake_incidents.json", "incidents", "3f84e009-7548-4e7d-832a-fa82c1ceb6b1",
			`[{"role":"assigned","name":"b3948a43-fee8-4adc-b7bd-3ac58919f4eb"}]`},
		{"incidentio/singer_tap_incidents.json", "incidents", "01HDH3SMWK0C2D8TN41PVW61TA",
			`[{"role":"role","name":"Rob","email":"rob@incident.io","label":"Incident Lead"},{"role":"role","name":"Rob","email":"rob@incident.io","label":"Reporter"}]`},
		{"grafana_oncall/alert_groups_list.json", "pages", "I68T24C13IFW1", `[{"role":"resolved","name":"UCGEIXI1MR1NZ"}]`},
		{"firehydrant/role_assignments_schema.json", "incidents", "9b1f4c2e-7a3d-4e5f-8c6b-1d2e3f4a5b61",
			`[{"role":"role","name":"Dana Whitfield","email":"dana@example.com","label":"Commander"},{"role":"role","name":"Sam Okafor","email":"sam@example.com","label":"Communications Lead"}]`},
	}
	for _, tc := range cases {
		t.Run(tc.file+"/"+tc.id, func(t *testing.T) {
			ctx := context.Background()
			st := testutil.NewStore(t)
			data, err := os.ReadFile(filepath.Join("../../testdata/real", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			opt := store.ApplyOptions{CreateServices: true, SkipInvalid: true, FileName: tc.file, Audit: cli}
			parseIt := func() {
				t.Helper()
				b, err := ingest.Parse(bytes.NewReader(data), filepath.Base(tc.file), ingest.Options{DefaultService: "default-svc"})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := st.ApplyBatch(ctx, b, opt); err != nil {
					t.Fatal(err)
				}
			}
			parseIt()
			want(t, "responders", query(t, st, `SELECT responders FROM `+tc.table+` WHERE external_id = ?`, tc.id), tc.want)
			before := checksumData(t, st)
			parseIt()
			if checksumData(t, st) != before {
				t.Error("the second import changed the records")
			}
		})
	}
}

// TestRespondersRollback: an import that changes a page's responders
// records the old value, and rolling it back restores it.
func TestRespondersRollback(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	csv := "id,message,status,createdAt,teams,report.acknowledgedBy\nA1,Disk full,open,2026-09-01T10:00:00Z,platform,%s\n"
	opt := store.ApplyOptions{CreateServices: true, FileName: "alerts.csv", Audit: cli}
	apply := func(who string) store.ImportResult {
		b, err := ingest.Parse(bytes.NewReader([]byte(fmt.Sprintf(csv, who))), "alerts.csv", ingest.Options{Format: "opsgenie-alerts-csv"})
		if err != nil {
			t.Fatal(err)
		}
		r, err := st.ApplyBatch(ctx, b, opt)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	apply("ann@example.com")
	r := apply("tim@example.com")
	counts(t, "changed responder", r, 0, 1, 0, 0)
	want(t, "after", query(t, st, `SELECT responders FROM pages WHERE external_id = 'A1'`), `[{"role":"acknowledged","email":"tim@example.com"}]`)
	if _, err := st.RollbackImport(ctx, r.ImportID, cli); err != nil {
		t.Fatal(err)
	}
	want(t, "rolled back", query(t, st, `SELECT responders FROM pages WHERE external_id = 'A1'`), `[{"role":"acknowledged","email":"ann@example.com"}]`)
}

// pdTwoIncidents is a PagerDuty incidents export as the connector reads it
// (GET /incidents?include[]=assignees with each incident's log entries):
// the assignee is a whole User with an e-mail, the notify entries name
// users by reference only. Tim Wright is notified three times, Ann Lee
// (not an assignee, so no e-mail) once; all on weekdays, business hours.
const pdTwoIncidents = `{"incidents":[
 {"id":"P1","type":"incident","title":"Checkout 5xx","status":"resolved","urgency":"high","created_at":"2026-09-01T10:00:00Z",
  "resolved_at":"2026-09-01T10:30:00Z","service":{"id":"S1","type":"service_reference","summary":"checkout"},
  "assignments":[{"at":"2026-09-01T10:00:00Z","assignee":{"id":"PTIM","type":"user","name":"Tim Wright","email":"tim@example.com"}}],
  "log_entries":[
   {"id":"L1","type":"notify_log_entry","created_at":"2026-09-01T10:00:30Z","channel":{"type":"auto","notification":{"type":"sms"}},
    "user":{"id":"PTIM","type":"user_reference","summary":"Tim Wright"},"incident":{"id":"P1"}},
   {"id":"L2","type":"notify_log_entry","created_at":"2026-09-01T10:05:00Z","channel":{"type":"auto","notification":{"type":"phone"}},
    "user":{"id":"PTIM","type":"user_reference","summary":"Tim Wright"},"incident":{"id":"P1"}},
   {"id":"L3","type":"acknowledge_log_entry","created_at":"2026-09-01T10:06:00Z","channel":{"type":"website"},
    "agent":{"id":"PTIM","type":"user_reference","summary":"Tim Wright"},"incident":{"id":"P1"}}]},
 {"id":"P2","type":"incident","title":"Search latency","status":"resolved","urgency":"high","created_at":"2026-09-02T11:00:00Z",
  "resolved_at":"2026-09-02T11:40:00Z","service":{"id":"S1","type":"service_reference","summary":"checkout"},
  "assignments":[{"at":"2026-09-02T11:00:00Z","assignee":{"id":"PTIM","type":"user","name":"Tim Wright","email":"tim@example.com"}}],
  "log_entries":[
   {"id":"L4","type":"notify_log_entry","created_at":"2026-09-02T11:00:30Z","channel":{"type":"auto","notification":{"type":"push"}},
    "user":{"id":"PTIM","type":"user_reference","summary":"Tim Wright"},"incident":{"id":"P2"}},
   {"id":"L5","type":"notify_log_entry","created_at":"2026-09-02T11:10:00Z","channel":{"type":"auto","notification":{"type":"sms"}},
    "user":{"id":"PANN","type":"user_reference","summary":"Ann Lee"},"incident":{"id":"P2"}},
   {"id":"L6","type":"acknowledge_log_entry","created_at":"2026-09-02T11:12:00Z","channel":{"type":"website"},
    "agent":{"id":"PANN","type":"user_reference","summary":"Ann Lee"},"incident":{"id":"P2"}}]}]}`

// ogFourAlerts is an Opsgenie alerts export of the same service: Opsgenie
// names users by username, an e-mail. Tim acknowledges two alerts, Ann
// one; the fourth was closed by the system and names nobody.
const ogFourAlerts = `id,message,status,acknowledged,createdAt,owner,teams,priority,tags,report.ackTime,report.closeTime,report.acknowledgedBy,report.closedBy
O1,Checkout queue depth,closed,true,2026-09-03T10:00:00Z,tim@example.com,payments,P2,service:checkout,60000,600000,tim@example.com,tim@example.com
O2,Checkout error budget burn,closed,true,2026-09-04T14:00:00Z,,payments,P2,service:checkout,120000,900000,tim@example.com,tim@example.com
O3,Checkout p99 latency,closed,true,2026-09-07T15:00:00Z,,payments,P3,service:checkout,30000,300000,ann@example.com,ann@example.com
O4,Checkout canary flapping,closed,false,2026-09-08T12:00:00Z,,payments,P4,service:checkout,,120000,,System
`

// TestOnCallKPIsMergeSourcesByEmail: pages from PagerDuty and Opsgenie
// count per person once the sources' names meet by e-mail. Hand-computed:
// Tim Wright is 3 PagerDuty pages + 2 Opsgenie alerts = 5 (PagerDuty's
// assignee gives his e-mail, merged automatically); Ann Lee is 1 + 1 = 2
// (PagerDuty names her only, Opsgenie by e-mail: merged through her
// person record). O4 is unattributed. Loads {2, 5}: Gini = |5−2|·2 ÷
// (2·2²·3.5) = 3/14 = 0.2142857; max ÷ median = 5 ÷ 3.5 = 1.4285714; no
// sleep or off-hours interruptions, so the health index is (100 + 100 +
// 100·(1 − 3/14) + 100) ÷ 4 = 94.6428571.
func TestOnCallKPIsMergeSourcesByEmail(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	for _, f := range []struct{ name, format, data string }{
		{"pd.json", "pagerduty-api", pdTwoIncidents}, {"og.csv", "opsgenie-alerts-csv", ogFourAlerts}} {
		b, err := ingest.Parse(bytes.NewReader([]byte(f.data)), f.name, ingest.Options{Format: f.format})
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Rejects) > 0 {
			t.Fatalf("%s: %+v", f.name, b.Rejects)
		}
		if _, err := st.ApplyBatch(ctx, b, store.ApplyOptions{CreateServices: true, FileName: f.name, Audit: cli}); err != nil {
			t.Fatal(err)
		}
	}
	p := analytics.NewMonth(2026, 9, time.UTC)
	compute := func() analytics.Result {
		t.Helper()
		services, err := st.Services(ctx)
		if err != nil {
			t.Fatal(err)
		}
		set, err := st.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		in, err := st.KPIInputLean(ctx, services, set.LoadWindows(p))
		if err != nil {
			t.Fatal(err)
		}
		return analytics.ComputeKPIs(in, p, set)
	}
	// Without Ann's record her two names are two people: loads {5, 1, 1},
	// Gini = (2·(1 + 2 + 15)) ÷ (3·7) − 4/3 = 0.3809524.
	r := compute()
	if r.Counts.Pages != 8 || r.Counts.PagesWithResponder != 7 || r.Counts.Responders != 3 {
		t.Fatalf("before the person record: %+v", r.Counts)
	}
	near(t, "gini before", r.KPIs.OnCallLoadGini, 8.0/21)

	if _, err := st.SaveOnCallPerson(ctx, store.Audit{Actor: "test"}, store.OnCallPerson{Name: "Ann Lee", Email: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	r = compute()
	if r.Counts.Pages != 8 || r.Counts.PagesWithResponder != 7 || r.Counts.Responders != 2 || r.Counts.InterruptionsBusiness != 7 ||
		r.Counts.InterruptionsOff != 0 || r.Counts.InterruptionsSleep != 0 || r.Counts.SleepInterrupted != 0 {
		t.Fatalf("counts %+v", r.Counts)
	}
	near(t, "oncall_load_gini", r.KPIs.OnCallLoadGini, 3.0/14)
	near(t, "oncall_load_max_median", r.KPIs.OnCallLoadMaxToMedian, 5/3.5)
	near(t, "sleep_interrupted_responders", r.KPIs.SleepInterruptedResponders, 0)
	near(t, "oncall_health_index", r.KPIs.OnCallHealthIndex, (300+100*(1-3.0/14))/4)

	// Per person: Tim is named as PagerDuty names him.
	services, err := st.Services(ctx)
	if err != nil {
		t.Fatal(err)
	}
	set, err := st.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	in, err := st.KPIInput(ctx, services, set.LoadWindows(p))
	if err != nil {
		t.Fatal(err)
	}
	h := analytics.ComputeOnCallHealth(in, p, set)
	if len(h.All.People) != 2 || h.All.People[0].Person != "Tim Wright" || h.All.People[0].Interruptions != 5 ||
		h.All.People[1].Person != "Ann Lee" || h.All.People[1].Interruptions != 2 || h.All.Unattributed != 1 {
		t.Fatalf("people %+v, unattributed %d", h.All.People, h.All.Unattributed)
	}
	near(t, "Tim's share", h.All.People[0].Share, 5.0/7)
}

func near(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil || math.Abs(*got-want) > 1e-9 {
		t.Errorf("%s = %v, want %.7f", what, fmtPtr(got), want)
	}
}

func fmtPtr(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// TestRespondersMergeAfterNewRecord: in a PagerDuty file (KeepStored) a
// stored incident that follows a new one — written by trying the insert
// first — still adds its people to the stored ones rather than replacing
// them, streamed or not.
func TestRespondersMergeAfterNewRecord(t *testing.T) {
	const head = "id,incident_number,description,service_id,service_name,team_id,team_name,urgency,priority_name,status,created_at,resolved_at,seconds_to_first_ack,seconds_to_resolve,auto_resolved,escalation_count,total_notifications,total_interruptions,business_hour_interruptions,off_hour_interruptions,sleep_hour_interruptions,major,acknowledged_user_names,resolved_by_user_name\n"
	row := func(id, ack, res string) string {
		return id + ",1," + id + " down,PSVC,checkout,PT1,Payments,high,P1,resolved,2026-07-01T01:00:00Z,2026-07-01T02:00:00Z,60,3600,false,0,1,1,1,0,0,false," + ack + "," + res + "\n"
	}
	first := head + row("QA", "Ann", "Ann")
	second := head + row("QB", "Bob", "Bob") + row("QA", "Cid", "Cid")
	for _, streamed := range []bool{false, true} {
		ctx := context.Background()
		st := testutil.NewStore(t)
		opt := store.ApplyOptions{CreateServices: true, FileName: "insights.csv", Audit: cli}
		for _, f := range []string{first, second} {
			if streamed {
				if _, err := streamApply(st, "insights.csv", []byte(f), opt); err != nil {
					t.Fatal(err)
				}
				continue
			}
			b, err := ingest.Parse(bytes.NewReader([]byte(f)), "insights.csv", ingest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.ApplyBatch(ctx, b, opt); err != nil {
				t.Fatal(err)
			}
		}
		got := strings.Join(query(t, st, `SELECT responders FROM incidents WHERE external_id = 'QA'`), "")
		for _, name := range []string{"Ann", "Cid"} {
			if !strings.Contains(got, `"name":"`+name+`"`) {
				t.Errorf("streamed=%v: QA's people %s lack %s", streamed, got, name)
			}
		}
	}
}
