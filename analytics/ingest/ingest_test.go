package ingest

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"sreport/analytics"
	"sreport/analytics/imports"
)

const fixtures = "../../testdata/fixtures/"

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseBytes(t *testing.T, name string, data []byte, opt Options) *imports.Batch {
	t.Helper()
	b, err := Parse(bytes.NewReader(data), name, opt)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b
}

func parseFixture(t *testing.T, name string, opt Options) *imports.Batch {
	t.Helper()
	return parseBytes(t, name, readFixture(t, name), opt)
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func eqTime(t *testing.T, what string, got *time.Time, want string) {
	t.Helper()
	if want == "" {
		if got != nil {
			t.Errorf("%s = %v, want nil", what, got)
		}
		return
	}
	if got == nil || !got.Equal(ts(want)) {
		t.Errorf("%s = %v, want %s", what, got, want)
	}
}

func findIncident(t *testing.T, b *imports.Batch, id string) analytics.Incident {
	t.Helper()
	for _, x := range b.Incidents {
		if x.ExternalID == id {
			return x
		}
	}
	t.Fatalf("incident %s not found", id)
	return analytics.Incident{}
}

func findDeploy(t *testing.T, b *imports.Batch, id string) analytics.Deploy {
	t.Helper()
	for _, x := range b.Deploys {
		if x.ExternalID == id {
			return x
		}
	}
	t.Fatalf("deploy %s not found", id)
	return analytics.Deploy{}
}

func findPage(t *testing.T, b *imports.Batch, id string) analytics.Page {
	t.Helper()
	for _, x := range b.Pages {
		if x.ExternalID == id {
			return x
		}
	}
	t.Fatalf("page %s not found", id)
	return analytics.Page{}
}

type counts struct{ inc, dep, pages, sli, toil, ai, rej int }

func countsOf(b *imports.Batch) counts {
	return counts{len(b.Incidents), len(b.Deploys), len(b.Pages), len(b.SLIDays), len(b.Toil), len(b.ActionItems), len(b.Rejects)}
}

// The measured counts of every fixture (documented in docs/importers.md).
var fixtureTable = []struct {
	file, format, source string
	want                 counts
}{
	{"pagerduty_api_incidents.json", "pagerduty-api", "pagerduty", counts{inc: 3, pages: 3}},
	{"pagerduty_api_log_entries.json", "pagerduty-api", "pagerduty", counts{}}, // 15 e-mail notifications: no interruption
	{"pagerduty_api_incidents_with_log_entries.json", "pagerduty-api", "pagerduty", counts{inc: 3}},
	{"pagerduty_insights_incidents.csv", "pagerduty-insights-csv", "pagerduty", counts{inc: 774}},
	{"pagerduty_incident_activity.csv", "pagerduty-insights-csv", "pagerduty", counts{inc: 120}},
	{"servicenow_incidents.csv", "servicenow-csv", "servicenow", counts{inc: 161}},
	{"servicenow_changes.csv", "servicenow-change-csv", "servicenow", counts{dep: 603}},
	{"jira_incidents.csv", "jira-csv", "jira", counts{inc: 80}},
	{"gitlab_api_deployments.json", "gitlab-deployments", "gitlab", counts{dep: 4}},
	{"github_api_workflow_runs.json", "github-actions-runs", "github", counts{dep: 12}},
	{"sli_daily.csv", "sli-csv", "sli-csv", counts{sli: 460}},
	{"toil_weeks.csv", "toil-csv", "toil-csv", counts{toil: 56}},
	{"synthetic_opsgenie.json", "opsgenie-api", "opsgenie", counts{inc: 1, pages: 2}}, // the alert without service is skipped with a warning
	{"synthetic_jenkins_builds.json", "jenkins-builds", "jenkins", counts{dep: 3}},    // NOT_BUILT skipped with a warning
	{"synthetic_argocd_app.json", "argocd-app", "argocd", counts{dep: 4}},
	{"synthetic_github_deployments.json", "github-deployments", "github", counts{dep: 2, rej: 1}},
}

func TestFixtureCounts(t *testing.T) {
	for _, tc := range fixtureTable {
		t.Run(tc.file, func(t *testing.T) {
			b := parseFixture(t, tc.file, Options{})
			if b.Format != tc.format || b.Source != tc.source {
				t.Errorf("format/source = %s/%s, want %s/%s", b.Format, b.Source, tc.format, tc.source)
			}
			if got := countsOf(b); got != tc.want {
				t.Errorf("counts = %+v, want %+v; rejects %+v; warnings %q", got, tc.want, b.Rejects, b.Warnings)
			}
			// Every record has a line and the source; times are UTC.
			for _, x := range b.Incidents {
				if b.Lines[imports.IncidentKey(x.ExternalID)] == 0 || x.Source != tc.source || x.Service == "" || x.DetectedAt.Location() != time.UTC {
					t.Errorf("incident %+v: line/source/service/UTC", x)
				}
			}
			for _, x := range b.Deploys {
				if b.Lines[imports.DeployKey(x.ExternalID)] == 0 || x.Source != tc.source || x.Service == "" || x.Environment == "" || x.FinishedAt.Location() != time.UTC {
					t.Errorf("deploy %+v: line/source/service/env/UTC", x)
				}
				switch x.Status {
				case analytics.DeploySuccess, analytics.DeployFailed, analytics.DeployCancelled:
				default:
					t.Errorf("deploy %s status %q", x.ExternalID, x.Status)
				}
			}
			for _, x := range b.Pages {
				if b.Lines[imports.PageKey(x.ExternalID)] == 0 || x.Source != tc.source || x.TriggeredAt.IsZero() {
					t.Errorf("page %+v: line/source/time", x)
				}
			}
			// Re-parsing gives the same external ids (idempotent re-import).
			b2 := parseFixture(t, tc.file, Options{})
			for i := range b.Incidents {
				if b.Incidents[i].ExternalID != b2.Incidents[i].ExternalID {
					t.Fatal("unstable incident ids")
				}
			}
			for i := range b.Deploys {
				if b.Deploys[i].ExternalID != b2.Deploys[i].ExternalID {
					t.Fatal("unstable deploy ids")
				}
			}
		})
	}
}

func TestDetectEveryFixture(t *testing.T) {
	for _, tc := range fixtureTable {
		data := readFixture(t, tc.file)
		head := data[:min(len(data), detectSize)]
		// Content only: a neutral name must be enough.
		if got, err := Detect("upload.bin", head); err != nil || got != tc.format {
			t.Errorf("Detect(%s) = %q, %v; want %s", tc.file, got, err, tc.format)
		}
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(data)
		zw.Close()
		if got, err := Detect(tc.file+".gz", gz.Bytes()[:min(gz.Len(), detectSize)]); err != nil || got != tc.format {
			t.Errorf("Detect(%s.gz) = %q, %v; want %s", tc.file, got, err, tc.format)
		}
		// Parse of the gzip copy with auto-detection gives the same counts.
		b := parseBytes(t, tc.file+".gz", gz.Bytes(), Options{Format: "auto"})
		if got := countsOf(b); got != tc.want {
			t.Errorf("%s.gz counts = %+v, want %+v", tc.file, got, tc.want)
		}
	}
	if f, err := Detect("x.csv", []byte("title,owner\nfoo,bar\n")); err != nil || f != "csv" {
		t.Errorf("unknown CSV → %q, %v; want csv", f, err)
	}
	if f, err := Detect("pagerduty.json", []byte("[]")); err != nil || f != "pagerduty-api" {
		t.Errorf("empty array with a name hint → %q, %v", f, err)
	}
	if _, err := Detect("x.json", []byte(`{"foo":1}`)); err == nil {
		t.Error("unknown JSON must not be detected")
	}
	if _, err := Detect("x", nil); err == nil {
		t.Error("empty file must not be detected")
	}
	// A risk register belongs on /risks/import, not to the generic CSV importer.
	risks := []byte("code,title,service,likelihood,impact,owner\nR-1,Single DB,checkout-api,3,4,ann\n")
	if f, err := Detect("risks.csv", risks); !errors.Is(err, ErrRiskRegister) || !strings.Contains(err.Error(), "/risks/import") {
		t.Errorf("risk register → %q, %v", f, err)
	}
	if _, err := Parse(bytes.NewReader(risks), "risks.csv", Options{Format: "auto"}); !errors.Is(err, ErrRiskRegister) {
		t.Errorf("parse risk register: %v", err)
	}
}

func TestPagerDutyAPIIncidents(t *testing.T) {
	b := parseFixture(t, "pagerduty_api_incidents.json", Options{})
	in := findIncident(t, b, "Q3CZAU7Q4008QD")
	if in.Service != "DevService" || in.Severity != analytics.Sev2 || in.SeverityRaw != "high" || in.Status != analytics.StatusAcknowledged {
		t.Errorf("Q3CZ: %+v", in)
	}
	if !in.DetectedAt.Equal(ts("2022-11-03T06:44:28Z")) {
		t.Errorf("detected %v", in.DetectedAt)
	}
	eqTime(t, "Q3CZ ack (acknowledgements[])", in.AcknowledgedAt, "2022-11-03T06:44:37Z")
	eqTime(t, "Q3CZ resolved", in.ResolvedAt, "")
	in = findIncident(t, b, "Q1OHFWFP3GPXOG")
	if in.Severity != analytics.Sev3 || in.Status != analytics.StatusResolved {
		t.Errorf("Q1OH: %+v", in)
	}
	eqTime(t, "Q1OH resolved (last_status_change_at)", in.ResolvedAt, "2022-11-03T06:51:44Z")
	// Without log entries, the trigger is the one page of each incident.
	pg := findPage(t, b, "R7SX0X9YFU8Z7ELQ8JDQ000HE4")
	if pg.IncidentRef != "Q3YON8WNWTZMRQ" || pg.Service != "DevService" || !pg.TriggeredAt.Equal(ts("2022-11-03T06:23:06Z")) || pg.Urgency != "high" {
		t.Errorf("trigger page %+v", pg)
	}
}

func TestPagerDutyAPIWithLogEntries(t *testing.T) {
	// Every notification of the fixture is an e-mail ("Notified Keon Amini
	// by email."): none is an interruption, so no page, and the stand-in
	// triggers of an incidents-only import are superseded all the same.
	eb := parseFixture(t, "pagerduty_api_incidents_with_log_entries.json", Options{})
	if len(eb.Pages) != 0 || len(eb.Incidents) != 3 || !strings.Contains(strings.Join(eb.Warnings, ";"), "15 e-mail notifications are not pages") {
		t.Errorf("e-mail only: %d pages, warnings %q", len(eb.Pages), eb.Warnings)
	}
	if sup := strings.Join(eb.SupersededPages, ","); !strings.Contains(sup, "R7SX0X9YFU8Z7ELQ8JDQ000HE4") {
		t.Errorf("e-mail only: superseded %v", eb.SupersededPages)
	}
	// The same entries sent by phone are pages, one per notification.
	byPhone := func(name string) []byte {
		return bytes.ReplaceAll(readFixture(t, name), []byte(" by email."), []byte(" by phone."))
	}
	b := parseBytes(t, "with_log_entries.json", byPhone("pagerduty_api_incidents_with_log_entries.json"), Options{})
	in := findIncident(t, b, "Q3YON8WNWTZMRQ")
	eqTime(t, "Q3YON ack = first acknowledge_log_entry", in.AcknowledgedAt, "2022-11-03T06:23:07Z")
	if in.Status != analytics.StatusOpen || in.Title != "Crash reported" {
		t.Errorf("Q3YON %+v", in)
	}
	in = findIncident(t, b, "Q1OHFWFP3GPXOG")
	eqTime(t, "Q1OH ack", in.AcknowledgedAt, "2022-11-03T06:45:46Z")
	eqTime(t, "Q1OH resolved", in.ResolvedAt, "2022-11-03T06:51:44Z")
	per := map[string]int{}
	for _, p := range b.Pages {
		per[p.IncidentRef]++
	}
	if per["Q3YON8WNWTZMRQ"] != 12 || per["Q3CZAU7Q4008QD"] != 1 || per["Q1OHFWFP3GPXOG"] != 2 {
		t.Errorf("pages per incident %v", per)
	}
	pg := findPage(t, b, "R6IZRBI3V8F3F6KOP038XJ38XJ") // notify Kian, 06:45:36
	if pg.IncidentRef != "Q1OHFWFP3GPXOG" || pg.Service != "DevService" || pg.Urgency != "low" {
		t.Errorf("page %+v", pg)
	}
	eqTime(t, "page ack", pg.AcknowledgedAt, "2022-11-03T06:45:46Z")
	eqTime(t, "page resolved", pg.ResolvedAt, "2022-11-03T06:51:44Z")
	pg = findPage(t, b, "R28JS804QF7RH1FRFK33C6DHQC") // notify at 07:02:38, after every ack
	eqTime(t, "late page ack", pg.AcknowledgedAt, "")

	// The log-entries-only file yields the same pages, without service.
	lb := parseBytes(t, "log_entries.json", byPhone("pagerduty_api_log_entries.json"), Options{})
	if len(lb.Pages) != len(b.Pages) {
		t.Fatalf("log entries pages %d vs embedded %d", len(lb.Pages), len(b.Pages))
	}
	lp := findPage(t, lb, "R6IZRBI3V8F3F6KOP038XJ38XJ")
	if lp.Service != "" || lp.IncidentRef != "Q1OHFWFP3GPXOG" || lp.Title != "Spamming logs" {
		t.Errorf("log-entry page %+v", lp)
	}
	// Titles from summaries give way to the incident's own; urgency is
	// unknown, so the stored one stays (KeepStored).
	if !lb.KeepStored || len(lb.Derived["pages"]) != 1 || lb.Derived["pages"][0] != "title" || len(lb.FallbackPages) != 0 {
		t.Errorf("log entries: keep stored %v, derived %v, fallback %v", lb.KeepStored, lb.Derived, lb.FallbackPages)
	}
	// Both files name the triggers (and incident ids) that an incidents-only
	// file stored as stand-in pages, so the store can remove them.
	for _, sb := range []*imports.Batch{b, lb} {
		sup := strings.Join(sb.SupersededPages, ",")
		if !strings.Contains(sup, "R7SX0X9YFU8Z7ELQ8JDQ000HE4") || !strings.Contains(sup, "Q3YON8WNWTZMRQ") {
			t.Errorf("superseded %v", sb.SupersededPages)
		}
	}
	ib := parseFixture(t, "pagerduty_api_incidents.json", Options{})
	if len(ib.FallbackPages) != 3 || ib.FallbackPages["R7SX0X9YFU8Z7ELQ8JDQ000HE4"] != "Q3YON8WNWTZMRQ" {
		t.Errorf("incidents-only fallback pages %v", ib.FallbackPages)
	}
	eqTime(t, "log-entry page ack", lp.AcknowledgedAt, "2022-11-03T06:45:46Z")
}

func TestPagerDutyCorruptDate(t *testing.T) {
	data := readFixture(t, "pagerduty_api_incidents.json")
	// The second incident's created_at.
	bad := bytes.Replace(data, []byte(`"created_at": "2022-11-03T06:44:28.000000Z"`), []byte(`"created_at": "03/11/2022 06:44"`), 1)
	if bytes.Equal(bad, data) {
		t.Fatal("corruption did not apply")
	}
	b := parseBytes(t, "pd.json", bad, Options{})
	if len(b.Incidents) != 2 || len(b.Rejects) != 1 {
		t.Fatalf("counts %+v", countsOf(b))
	}
	r := b.Rejects[0]
	wantLine := 1 + bytes.Count(data[:bytes.Index(data, []byte(`"Q3CZAU7Q4008QD"`))], []byte("\n"))
	// The reject points at the element's opening brace, above its id line.
	if r.Line <= 1 || r.Line > wantLine || !strings.Contains(r.Reason, "created_at") {
		t.Errorf("reject %+v (id on line %d)", r, wantLine)
	}
	if lines := strings.Split(string(data), "\n"); strings.TrimSpace(lines[r.Line-1]) != "{" {
		t.Errorf("line %d is %q, want the element's '{'", r.Line, lines[r.Line-1])
	}
}

func TestPagerDutyInsightsCSV(t *testing.T) {
	b := parseFixture(t, "pagerduty_insights_incidents.csv", Options{})
	in := findIncident(t, b, "Q804005AB3C9E")
	if in.Service != "reporting-etl" || in.Severity != 2 || in.SeverityRaw != "P2" || in.Title != "reporting-etl certificate expired" || in.Status != analytics.StatusResolved {
		t.Errorf("%+v", in)
	}
	eqTime(t, "ack = created + 415s", in.AcknowledgedAt, "2026-07-01T01:21:30Z")
	eqTime(t, "resolved", in.ResolvedAt, "2026-07-01T02:49:55Z")
	if b.Lines[imports.IncidentKey("Q804005AB3C9E")] != 2 {
		t.Errorf("line %d", b.Lines[imports.IncidentKey("Q804005AB3C9E")])
	}
	if in := findIncident(t, b, "QEA1D815DC356"); in.Severity != 1 {
		t.Errorf("P1 → %d", in.Severity)
	}
	in = findIncident(t, b, "QAF2744340A0D") // no priority, urgency high
	if in.Severity != 2 || in.SeverityRaw != "high" {
		t.Errorf("urgency fallback %+v", in)
	}
	in = findIncident(t, b, "QEE81CC3E5B67") // P4, no ack
	if in.Severity != 4 || in.AcknowledgedAt != nil {
		t.Errorf("P4/no ack %+v", in)
	}
	// major=true with no priority → sev1.
	data := readFixture(t, "pagerduty_insights_incidents.csv")
	row := "QAF2744340A0D,1011,Queue backlog growing for search-api,PFF3526,search-api,PT0070,Search Team,high,,resolved,2026-07-02T00:28:31Z,2026-07-02T05:54:55Z,587,19584,false,2,3,1,0,0,1,false"
	if !bytes.Contains(data, []byte(row)) {
		t.Fatal("row not found")
	}
	data = bytes.Replace(data, []byte(row), []byte(strings.TrimSuffix(row, "false")+"true"), 1)
	if in := findIncident(t, parseBytes(t, "pd.csv", data, Options{}), "QAF2744340A0D"); in.Severity != 1 {
		t.Errorf("major → %d", in.Severity)
	}

	// A blank id cell is a reject with its line, not the incident number.
	blank := bytes.Replace(data, []byte("QAF2744340A0D,1011,"), []byte(",1011,"), 1)
	bb := parseBytes(t, "pd.csv", blank, Options{})
	if len(bb.Rejects) != 1 || bb.Rejects[0].Line == 0 || !strings.Contains(bb.Rejects[0].Reason, "no incident id") || len(bb.Incidents) != 773 {
		t.Errorf("blank id: rejects %+v, %d incidents", bb.Rejects, len(bb.Incidents))
	}
	for _, in := range bb.Incidents {
		if in.ExternalID == "1011" {
			t.Error("blank id fell back to the incident number")
		}
	}

	a := parseFixture(t, "pagerduty_incident_activity.csv", Options{})
	in = findIncident(t, a, "Q49186B6EAFF5")
	if in.Service != "auth-svc" || in.Severity != 3 || in.Status != analytics.StatusResolved {
		t.Errorf("%+v", in)
	}
	eqTime(t, "TTA 404", in.AcknowledgedAt, "2026-09-26T18:33:12Z")
	eqTime(t, "resolved", in.ResolvedAt, "2026-09-26T18:37:24Z")
	if in := findIncident(t, a, "Q5D9007C79DB0"); in.Severity != 3 || in.SeverityRaw != "Low" {
		t.Errorf("urgency Low fallback %+v", in)
	}
}

func TestServiceNowIncidents(t *testing.T) {
	b := parseFixture(t, "servicenow_incidents.csv", Options{})
	in := findIncident(t, b, "INC0010124")
	if in.Service != "notifications" || in.Severity != 3 || in.SeverityRaw != "3 - Moderate" || in.Status != analytics.StatusResolved ||
		in.CausedByRef != "CHG0030383" || in.ProblemRef != "PRB0040000" || in.Category != "Network" {
		t.Errorf("%+v", in)
	}
	if !in.DetectedAt.Equal(ts("2026-07-01T12:23:14Z")) {
		t.Errorf("opened %v", in.DetectedAt)
	}
	eqTime(t, "resolved", in.ResolvedAt, "2026-07-01T13:31:54Z")
	if b.Lines[imports.IncidentKey("INC0010124")] != 3 {
		t.Errorf("line %d", b.Lines[imports.IncidentKey("INC0010124")])
	}
	if in := findIncident(t, b, "INC0010066"); in.Severity != 1 || in.Service != "search-api" {
		t.Errorf("critical %+v", in)
	}
	// Location: offset-less times are read in Options.Location.
	ny, _ := time.LoadLocation("America/New_York")
	b = parseFixture(t, "servicenow_incidents.csv", Options{Location: ny})
	if in := findIncident(t, b, "INC0010124"); !in.DetectedAt.Equal(ts("2026-07-01T16:23:14Z")) {
		t.Errorf("NY opened %v", in.DetectedAt)
	}
	// SeverityMap override.
	b = parseFixture(t, "servicenow_incidents.csv", Options{SeverityMap: map[string]int{"3 - moderate": 2}})
	if in := findIncident(t, b, "INC0010124"); in.Severity != 2 {
		t.Errorf("override → %d", in.Severity)
	}
}

func TestServiceNowCorruptAndEncodings(t *testing.T) {
	data := readFixture(t, "servicenow_incidents.csv")
	lines := bytes.Split(data, []byte("\r\n"))
	// Row 5 (line 5): bad opened_at.
	fields := bytes.SplitN(lines[4], []byte(","), 3)
	if !bytes.Equal(fields[1], []byte(`"2026-07-02 08:12:56"`)) {
		t.Fatalf("row 5 is %s", lines[4])
	}
	lines[4] = bytes.Replace(lines[4], fields[1], []byte(`"2026-13-45 08:12:56"`), 1)
	b := parseBytes(t, "sn.csv", bytes.Join(lines, []byte("\r\n")), Options{})
	if len(b.Rejects) != 1 || b.Rejects[0].Line != 5 || !strings.Contains(b.Rejects[0].Reason, "opened_at") || len(b.Incidents) != 160 {
		t.Fatalf("rejects %+v, incidents %d", b.Rejects, len(b.Incidents))
	}
	// windows-1252 with a BOM-less file and a non-ASCII service name.
	src := strings.Replace(string(readFixture(t, "servicenow_incidents.csv")), `"notifications","Messaging"`, `"notificações","Messaging"`, 1)
	enc, err := charmap.Windows1252.NewEncoder().String(src)
	if err != nil {
		t.Fatal(err)
	}
	b = parseBytes(t, "sn1252.csv", []byte(enc), Options{})
	if in := findIncident(t, b, "INC0010123"); in.Service != "notificações" || len(b.Incidents) != 161 {
		t.Errorf("1252: %q, %d", in.Service, len(b.Incidents))
	}
	// UTF-8 BOM.
	b = parseBytes(t, "bom.csv", append([]byte("\xEF\xBB\xBF"), data...), Options{})
	if len(b.Incidents) != 161 || findIncident(t, b, "INC0010123").Service != "notifications" {
		t.Errorf("BOM: %d", len(b.Incidents))
	}
	// dd-MM-yyyy layout, label headers.
	csvText := "\"Number\",\"Opened\",\"Short description\",\"Priority\",\"State\",\"Configuration item\",\"Resolved\"\r\n" +
		"\"INC1\",\"03-07-2026 09:15:00\",\"x\",\"5 - Planning\",\"In Progress\",\"auth-svc\",\"\"\r\n"
	b = parseBytes(t, "labels.csv", []byte(csvText), Options{Format: "servicenow-csv", DateLayout: "dd-MM-yyyy HH:mm:ss"})
	in := findIncident(t, b, "INC1")
	if !in.DetectedAt.Equal(ts("2026-07-03T09:15:00Z")) || in.Severity != 4 || in.Status != analytics.StatusAcknowledged || in.Service != "auth-svc" {
		t.Errorf("labels/dd-MM: %+v", in)
	}
	b = parseBytes(t, "labels.csv", []byte(csvText), Options{Format: "servicenow-csv", DateLayout: "mm-dd-yyyy"})
	if in := findIncident(t, b, "INC1"); !in.DetectedAt.Equal(ts("2026-03-07T09:15:00Z")) {
		t.Errorf("MM-dd: %v", in.DetectedAt)
	}
}

func TestServiceNowChanges(t *testing.T) {
	b := parseFixture(t, "servicenow_changes.csv", Options{})
	d := findDeploy(t, b, "CHG0030001")
	if d.Service != "checkout-api" || d.Version != "2.18.6" || d.Status != analytics.DeploySuccess || d.Environment != "production" || d.IsHotfix || d.IsRollback {
		t.Errorf("%+v", d)
	}
	if !d.FinishedAt.Equal(ts("2026-07-01T04:28:43Z")) {
		t.Errorf("finished %v", d.FinishedAt)
	}
	eqTime(t, "started = work_start", d.StartedAt, "2026-07-01T04:19:43Z")
	if d := findDeploy(t, b, "CHG0030232"); !d.IsHotfix {
		t.Errorf("emergency → hotfix: %+v", d)
	}
	hot := 0
	for _, d := range b.Deploys {
		if d.IsHotfix {
			hot++
		}
	}
	if hot != 68 {
		t.Errorf("hotfixes %d, want 68 emergency changes", hot)
	}
	// Synthetic rows for every status branch.
	text := "number,short_description,type,state,start_date,end_date,work_start,work_end,close_code,cmdb_ci\n" +
		"CHG1,Backout of release 1.2,normal,Closed,2026-07-01 01:00:00,2026-07-01 02:00:00,,,successful_issues,api\n" +
		"CHG2,Deploy api v1.3.0,normal,Closed,,,2026-07-02 01:00:00,2026-07-02 01:30:00,unsuccessful,api\n" +
		"CHG3,Deploy api 1.4,normal,Cancelled,,2026-07-03 02:00:00,,,,api\n" +
		"CHG4,Deploy api 1.5,normal,Implement,,,,,,api\n" +
		"CHG5,Deploy api 1.6,normal,Closed,,,,2026-07-05 01:00:00,weird,api\n" +
		"CHG6,Deploy api 1.7,normal,Closed,,,,2026-07-06 99:00:00,successful,api\n"
	b = parseBytes(t, "chg.csv", []byte(text), Options{Format: "servicenow-change-csv"})
	if d := findDeploy(t, b, "CHG1"); d.Status != analytics.DeploySuccess || !d.IsRollback || !d.FinishedAt.Equal(ts("2026-07-01T02:00:00Z")) || d.Version != "1.2" {
		t.Errorf("CHG1 %+v", d)
	}
	if d := findDeploy(t, b, "CHG2"); d.Status != analytics.DeployFailed || d.Version != "1.3.0" {
		t.Errorf("CHG2 %+v", d)
	}
	if d := findDeploy(t, b, "CHG3"); d.Status != analytics.DeployCancelled {
		t.Errorf("CHG3 %+v", d)
	}
	if len(b.Deploys) != 3 || len(b.Rejects) != 2 || b.Rejects[0].Line != 6 || b.Rejects[1].Line != 7 || len(b.Warnings) != 1 {
		t.Errorf("rejects %+v warnings %q", b.Rejects, b.Warnings)
	}
}

func TestJira(t *testing.T) {
	b := parseFixture(t, "jira_incidents.csv", Options{})
	in := findIncident(t, b, "OPS-1")
	if in.Service != "notifications" || in.Severity != 3 || in.SeverityRaw != "Sev-3" || in.Status != analytics.StatusResolved ||
		in.Title != "notifications dependency timeout (upstream)" || in.Source != "jira" {
		t.Errorf("%+v", in)
	}
	if !in.DetectedAt.Equal(ts("2026-07-01T01:29:00Z")) {
		t.Errorf("created %v", in.DetectedAt)
	}
	eqTime(t, "impact start", in.StartedAt, "2026-07-01T01:13:00Z")
	eqTime(t, "mitigated (comment)", in.MitigatedAt, "2026-07-01T01:34:00Z")
	eqTime(t, "resolved", in.ResolvedAt, "2026-07-01T02:31:00Z")
	if b.Lines[imports.IncidentKey("OPS-2")] != 6 || b.Lines[imports.IncidentKey("OPS-38")] != 150 {
		t.Errorf("lines OPS-2=%d OPS-38=%d", b.Lines[imports.IncidentKey("OPS-2")], b.Lines[imports.IncidentKey("OPS-38")])
	}
	in = findIncident(t, b, "OPS-38")
	if in.Severity != 1 || in.Service != "search-api" {
		t.Errorf("OPS-38 %+v", in)
	}
	eqTime(t, "OPS-38 created 7:17 PM", &in.DetectedAt, "2026-07-20T19:17:00Z")
	// PM at 12: 12:23 PM is 12:23.
	if in := findIncident(t, b, "OPS-2"); !in.DetectedAt.Equal(ts("2026-07-01T12:23:00Z")) {
		t.Errorf("OPS-2 created %v", in.DetectedAt)
	}
	// Severity from Priority when chosen explicitly; service from another column.
	b = parseFixture(t, "jira_incidents.csv", Options{Jira: imports.JiraFields{Severity: "Priority", Service: "Custom field (Affected services)", MitigatedAt: "-"}})
	in = findIncident(t, b, "OPS-38")
	if in.Severity != 1 || in.SeverityRaw != "Highest" || in.MitigatedAt != nil {
		t.Errorf("priority severity %+v", in)
	}
	if in := findIncident(t, b, "OPS-1"); in.Severity != 3 || in.SeverityRaw != "Medium" {
		t.Errorf("Medium → %d", in.Severity)
	}
}

func TestJiraCorruptWideAndActionItems(t *testing.T) {
	data := string(readFixture(t, "jira_incidents.csv"))
	bad := strings.Replace(data, ",20/Jul/26 7:17 PM,", ",20/Jul/26 7:77 PM,", 1)
	b := parseBytes(t, "jira.csv", []byte(bad), Options{})
	if len(b.Rejects) != 1 || b.Rejects[0].Line != 150 || !strings.Contains(b.Rejects[0].Reason, "OPS-38") {
		t.Fatalf("rejects %+v", b.Rejects)
	}
	// Rows wider than the header, action items linked by parent id; a task
	// without parent and an epic are skipped with one warning, not refused.
	text := "Summary,Issue key,Issue id,Issue Type,Status,Priority,Created,Resolved,Due date,Assignee,Labels,Labels,Custom field (Service),Parent id,Custom field (Time to resolution)\n" +
		"Outage,INC-1,100,Incident,Mitigated,High,2/Jul/26 9:05 AM,,,Ann,a,b,api,,-0:46,extra,cells,beyond\n" +
		"Add alert,INC-2,101,Action item,Open,Low,3/Jul/26 9:05 AM,,10/Jul/26,Bob,,,api,100,\n" +
		"Orphan task,INC-3,102,Task,Open,Low,3/Jul/26 9:05 AM,,,Bob,,,api,,\n" +
		"Epic thing,INC-4,103,Epic,Open,Low,3/Jul/26 9:05 AM,,,Bob,,,api,,\n"
	b = parseBytes(t, "j.csv", []byte(text), Options{})
	if b.Format != "jira-csv" || len(b.Incidents) != 1 || len(b.ActionItems) != 1 || len(b.Rejects) != 0 || len(b.Warnings) != 1 ||
		!strings.Contains(b.Warnings[0], "2 Jira issues skipped") {
		t.Fatalf("counts %+v rejects %+v warnings %q", countsOf(b), b.Rejects, b.Warnings)
	}
	if in := findIncident(t, b, "INC-1"); in.Status != analytics.StatusMitigated || in.Severity != 2 || in.Service != "api" {
		t.Errorf("%+v", in)
	}
	a := b.ActionItems[0]
	if a.ExternalID != "INC-2" || a.IncidentRef != "INC-1" || a.Owner != "Bob" || a.DueAt == nil || !a.DueAt.Equal(ts("2026-07-10T00:00:00Z")) {
		t.Errorf("action item %+v", a)
	}
}

func TestGitLab(t *testing.T) {
	b := parseFixture(t, "gitlab_api_deployments.json", Options{})
	d := findDeploy(t, b, "13426753")
	if d.Service != "vdev.co" || d.Environment != "staging" || d.Status != analytics.DeploySuccess || d.Version != "add237f6852e" ||
		d.URL != "https://gitlab.com/merico-dev/ee/vdev.co/-/jobs/176919795" {
		t.Errorf("%+v", d)
	}
	if !d.FinishedAt.Equal(ts("2019-03-13T14:17:47.640Z")) {
		t.Errorf("finished %v", d.FinishedAt)
	}
	eqTime(t, "started", d.StartedAt, "2019-03-13T14:17:33.559Z")
	eqTime(t, "commit", d.CommitAt, "2019-03-13T14:14:23Z")
	d = findDeploy(t, b, "13432654") // "completed" → success; commit date with +08:00
	if d.Status != analytics.DeploySuccess {
		t.Errorf("completed → %s", d.Status)
	}
	eqTime(t, "commit +08:00", d.CommitAt, "2019-03-13T14:53:34Z")
	d = findDeploy(t, b, "13432768") // failed, job skipped: finish = updated_at
	if d.Status != analytics.DeployFailed || !d.FinishedAt.Equal(ts("2019-03-13T15:02:23.332Z")) {
		t.Errorf("%+v", d)
	}
	if d := findDeploy(t, b, "13436532"); d.Status != analytics.DeployCancelled || d.Environment != "production" {
		t.Errorf("%+v", d)
	}
	// undeployed (line 787) is no deploy outcome: skipped with a warning
	// naming the id and status, like unfinished deployments; not a reject.
	if len(b.Rejects) != 0 {
		t.Errorf("rejects %+v", b.Rejects)
	}
	if len(b.Warnings) != 2 || !strings.Contains(b.Warnings[0], "3 deployments not finished") ||
		!strings.Contains(b.Warnings[1], "1 deployments whose status is not a deploy outcome were skipped (13436915 undeployed)") {
		t.Errorf("warnings %q", b.Warnings)
	}
}

func TestGitHubRuns(t *testing.T) {
	b := parseFixture(t, "github_api_workflow_runs.json", Options{})
	d := findDeploy(t, b, "2566218977") // Lint push failure
	if d.Service != "ants" || d.Status != analytics.DeployFailed || d.Version != "32664cb1408f" || !d.FinishedAt.Equal(ts("2022-06-27T01:30:28Z")) {
		t.Errorf("%+v", d)
	}
	eqTime(t, "started", d.StartedAt, "2022-06-27T01:29:54Z")
	eqTime(t, "commit", d.CommitAt, "2022-06-27T01:29:50Z")
	if d.URL != "https://github.com/panjf2000/ants/actions/runs/2566218977" {
		t.Errorf("url %s", d.URL)
	}
	for _, id := range []string{"2589885635", "2589885628", "2559400722"} { // pull_request runs
		for _, x := range b.Deploys {
			if x.ExternalID == id {
				t.Errorf("pull_request run %s imported", id)
			}
		}
	}
	if b := parseFixture(t, "github_api_workflow_runs.json", Options{Workflow: "Lint"}); len(b.Deploys) != 1 {
		t.Errorf("Lint: %d", len(b.Deploys))
	}
	if b := parseFixture(t, "github_api_workflow_runs.json", Options{Workflow: ".github/workflows/codeql.yml"}); len(b.Deploys) != 11 {
		t.Errorf("codeql path: %d", len(b.Deploys))
	}
	// No run of the workflow is a deploy: nothing recognised, and the
	// error says what was skipped.
	_, err := Parse(bytes.NewReader(readFixture(t, "github_api_workflow_runs.json")), "runs.json", Options{Workflow: "ci.yml"})
	if !errors.Is(err, ErrNothingRecognised) || !strings.Contains(err.Error(), `32 runs of other workflows skipped (workflow "ci.yml")`) {
		t.Errorf("ci.yml: %v", err)
	}
	// Upper-case statuses: move the Fix_rm_redundancy_code runs to master/push.
	data := readFixture(t, "github_api_workflow_runs.json")
	data = bytes.ReplaceAll(data, []byte(`"head_branch": "Fix_rm_redundancy_code"`), []byte(`"head_branch": "master"`))
	data = bytes.ReplaceAll(data, []byte(`"event": "pull_request"`), []byte(`"event": "push"`))
	b = parseBytes(t, "runs.json", data, Options{Workflow: "codeql"})
	want := map[string]string{"2559400722": "success", "2559400723": "success", "2559400724": "failed", "2559400725": "cancelled", "2559400726": "failed"}
	for id, st := range want {
		if d := findDeploy(t, b, id); d.Status != st {
			t.Errorf("%s → %s, want %s", id, d.Status, st)
		}
	}
	rejected := map[string]bool{}
	for _, r := range b.Rejects {
		for _, id := range []string{"2559400727", "2559400732", "2559400733", "2559400734", "2559400735"} {
			if strings.Contains(r.Reason, id) {
				rejected[id] = true
			}
		}
	}
	if len(rejected) != 5 {
		t.Errorf("startup_failure/neutral/skipped/stale/action_required must be rejects: %+v", b.Rejects)
	}
}

func TestSyntheticDeploys(t *testing.T) {
	b := parseFixture(t, "synthetic_github_deployments.json", Options{})
	d := findDeploy(t, b, "1001")
	if d.Status != analytics.DeploySuccess || d.Service != "checkout-api" || !d.FinishedAt.Equal(ts("2026-07-01T10:05:00Z")) || d.Environment != "production" {
		t.Errorf("%+v", d)
	}
	// The version is the commit, not the ref (a tag here, a branch as often).
	if d := findDeploy(t, b, "1002"); d.Status != analytics.DeployFailed || !d.IsRollback || d.Version != "b84d88e7554f" || d.Environment != "staging" {
		t.Errorf("%+v", d)
	}
	if len(b.Rejects) != 1 || !strings.Contains(b.Rejects[0].Reason, "exploded") {
		t.Errorf("%+v", b.Rejects)
	}

	b = parseFixture(t, "synthetic_jenkins_builds.json", Options{})
	d = findDeploy(t, b, "deploy-checkout-api#42")
	if d.Service != "deploy-checkout-api" || d.Status != analytics.DeploySuccess || d.Version != "9fceb02d0ae5" || !d.FinishedAt.Equal(ts("2026-07-01T10:03:05Z")) {
		t.Errorf("%+v", d)
	}
	eqTime(t, "jenkins start", d.StartedAt, "2026-07-01T10:00:00Z")
	if d := findDeploy(t, b, "deploy-checkout-api#41"); d.Status != analytics.DeployFailed || d.Version != "1a2b3c4d5e6f" {
		t.Errorf("%+v", d)
	}
	if d := findDeploy(t, b, "deploy-checkout-api#40"); d.Status != analytics.DeployCancelled {
		t.Errorf("%+v", d)
	}
	if len(b.Rejects) != 0 || !strings.Contains(strings.Join(b.Warnings, ";"), "1 builds not built (NOT_BUILT) were skipped (deploy-checkout-api#39)") {
		t.Errorf("NOT_BUILT: rejects %+v, warnings %q", b.Rejects, b.Warnings)
	}

	b = parseFixture(t, "synthetic_argocd_app.json", Options{})
	if d := findDeploy(t, b, "payments-gateway/0"); d.Status != analytics.DeploySuccess || d.IsRollback || !d.FinishedAt.Equal(ts("2026-07-01T10:02:30Z")) || d.Environment != "production" {
		t.Errorf("%+v", d)
	}
	if d := findDeploy(t, b, "payments-gateway/2"); !d.IsRollback || d.Version != "aaaaaaaaaaaa" {
		t.Errorf("rollback %+v", d)
	}
	if d := findDeploy(t, b, "payments-gateway/op/2026-07-03T08:00:00Z"); d.Status != analytics.DeployFailed || !d.FinishedAt.Equal(ts("2026-07-03T08:04:00Z")) {
		t.Errorf("failed op %+v", d)
	}
}

func TestOpsgenie(t *testing.T) {
	b := parseFixture(t, "synthetic_opsgenie.json", Options{})
	pg := findPage(t, b, "70413a06-38d6-4c85-92b8-5ebc900d42e2")
	if pg.Service != "checkout-api" || pg.Urgency != "high" || pg.AutoResolved {
		t.Errorf("%+v", pg)
	}
	eqTime(t, "ack", pg.AcknowledgedAt, "2026-07-03T10:02:05Z")
	eqTime(t, "closed", pg.ResolvedAt, "2026-07-03T10:45:00Z")
	pg = findPage(t, b, "b2c1f0aa-0000-4c85-92b8-5ebc900d4300")
	if pg.Service != "search-api" || pg.Urgency != "low" || !pg.AutoResolved || pg.AcknowledgedAt != nil {
		t.Errorf("%+v", pg)
	}
	in := findIncident(t, b, "8f2a7c7e-4a4b-4c7f-9d35-2e3c8e8a1b01")
	if in.Service != "checkout-api" || in.Severity != 2 || in.Status != analytics.StatusResolved || in.URL == "" {
		t.Errorf("%+v", in)
	}
	eqTime(t, "impact start", in.StartedAt, "2026-07-03T09:55:00Z")
	eqTime(t, "impact end = mitigated", in.MitigatedAt, "2026-07-03T11:30:00Z")
	eqTime(t, "resolved = updatedAt", in.ResolvedAt, "2026-07-03T12:00:00Z")
	// An alert naming no service (a responder alert) is skipped, not a
	// reject: it does not fail the file.
	if len(b.Rejects) != 0 || !strings.Contains(strings.Join(b.Warnings, ";"), "were skipped (c9e2d1bb-1111-4c85-92b8-5ebc900d4301)") {
		t.Errorf("rejects %+v warnings %q", b.Rejects, b.Warnings)
	}
}

func TestSLIAndToil(t *testing.T) {
	b := parseFixture(t, "sli_daily.csv", Options{})
	d := b.SLIDays[0]
	if d.Service != "checkout-api" || d.SLO != "availability" || !d.Day.Equal(ts("2026-07-01T00:00:00Z")) || d.Good != 1116716 || d.Total != 1117098 || d.Objective != 0 {
		t.Errorf("%+v", d)
	}
	if b.Lines[imports.SLIKey(d)] != 2 {
		t.Errorf("line %d", b.Lines[imports.SLIKey(d)])
	}
	data := readFixture(t, "sli_daily.csv")
	lines := strings.Split(string(data), "\r\n")
	lines[4] = "catalog-svc,availability,2026-07-32,801857,801942"    // line 5: bad date
	lines[6] = "checkout-api,availability,2026-07-02,1086220,1086219" // line 7: good > total
	lines[8] = "search-api,availability,2026-07-02,-5,1094996"        // line 9: negative
	b = parseBytes(t, "sli.csv", []byte(strings.Join(lines, "\r\n")), Options{})
	if len(b.SLIDays) != 457 || len(b.Rejects) != 3 {
		t.Fatalf("counts %+v rejects %+v", countsOf(b), b.Rejects)
	}
	for i, want := range []struct {
		line int
		frag string
	}{{5, "day"}, {7, "good 1086220 > total 1086219"}, {9, "negative"}} {
		if r := b.Rejects[i]; r.Line != want.line || !strings.Contains(r.Reason, want.frag) || r.Raw == "" {
			t.Errorf("reject %d = %+v, want line %d %q", i, r, want.line, want.frag)
		}
	}

	b = parseFixture(t, "toil_weeks.csv", Options{})
	tw := b.Toil[0]
	if tw.Team != "Payments SRE" || !tw.WeekStart.Equal(ts("2026-06-29T00:00:00Z")) || tw.ToilHours != 35.8 || tw.TotalHours != 160 {
		t.Errorf("%+v", tw)
	}
	lines = strings.Split(string(readFixture(t, "toil_weeks.csv")), "\r\n")
	lines[4] = "Platform,2026-06-29,-1,160"       // line 5
	lines[5] = "Payments SRE,2026-07-08,63.2,200" // Wednesday → moved to Monday 07-06
	lines[6] = "Storefront SRE,2026-07-06,40.8,0" // line 7: total 0
	b = parseBytes(t, "toil.csv", []byte(strings.Join(lines, "\r\n")), Options{})
	if len(b.Rejects) != 2 || b.Rejects[0].Line != 5 || b.Rejects[1].Line != 7 || len(b.Warnings) != 1 {
		t.Errorf("rejects %+v warnings %q", b.Rejects, b.Warnings)
	}
	for _, x := range b.Toil {
		if b.Lines[imports.ToilKey(x)] == 6 && !x.WeekStart.Equal(ts("2026-07-06T00:00:00Z")) {
			t.Errorf("not moved to Monday: %v", x.WeekStart)
		}
	}
	if b.Lines["toil:Payments SRE/2026-07-06"] != 6 {
		t.Errorf("moved week line %d", b.Lines["toil:Payments SRE/2026-07-06"])
	}
}

func TestGenericCSV(t *testing.T) {
	text := "Ref;Svc;Opened;Closed;Sev;Impact\n" +
		"A-1;checkout-api;01.07.2026 10:00;01.07.2026 11:30;critical;yes\n" +
		"A-2;;01.07.2026 10:00;;P2;no\n" +
		"A-3;search-api;31.06.2026 10:00;;P2;no\n" +
		"A-4;search-api;02.07.2026 10:00;;P3;maybe\n"
	m := &imports.Mapping{Name: "mine", Kind: "incidents", DateLayout: "dd.MM.yyyy HH:mm", Source: "legacy-tool",
		Columns: map[string]string{"external_id": "Ref", "service": "Svc", "detected_at": "Opened", "resolved_at": "Closed", "severity": "Sev", "customer_impacting": "Impact"}}
	b := parseBytes(t, "x.csv", []byte(text), Options{Format: "csv", Mapping: m})
	if b.Source != "legacy-tool" || len(b.Incidents) != 1 || len(b.Rejects) != 3 {
		t.Fatalf("%+v %+v", countsOf(b), b.Rejects)
	}
	in := b.Incidents[0]
	if in.ExternalID != "A-1" || in.Severity != 1 || !in.CustomerImpacting || in.Status != analytics.StatusResolved || !in.DetectedAt.Equal(ts("2026-07-01T10:00:00Z")) {
		t.Errorf("%+v", in)
	}
	for i, line := range []int{3, 4, 5} {
		if b.Rejects[i].Line != line {
			t.Errorf("reject %d line %d want %d", i, b.Rejects[i].Line, line)
		}
	}
	if _, err := Parse(strings.NewReader(text), "x.csv", Options{Format: "csv"}); err == nil {
		t.Error("csv without mapping must fail")
	}
	bad := &imports.Mapping{Kind: "deploys", Columns: map[string]string{"service": "Svc"}}
	if _, err := Parse(strings.NewReader(text), "x.csv", Options{Format: "csv", Mapping: bad}); err == nil || !strings.Contains(err.Error(), "finished_at") {
		t.Errorf("missing required: %v", err)
	}
	dm := &imports.Mapping{Kind: "deploys", Columns: map[string]string{"service": "Svc", "finished_at": "Opened", "status": "Sev"}}
	if _, err := Parse(strings.NewReader("Svc,When,Sev\n"), "x.csv", Options{Format: "csv", Mapping: dm}); err == nil || !strings.Contains(err.Error(), "Opened") {
		t.Errorf("missing column: %v", err)
	}
}

// TestGenericCSVPostmortemTracking checks which incidents say that their
// source records postmortems: those from a file with a publication or
// postmortem-link column, whatever the row's cell holds; a due-date column
// alone does not (docs/metrics.md, "Postmortem on-time rate").
func TestGenericCSVPostmortemTracking(t *testing.T) {
	text := "Ref,Svc,Opened,Closed,Sev,PM,Due\n" +
		"A-1,api,2026-07-01 10:00,2026-07-01 11:00,P1,,\n" +
		"A-2,api,2026-07-02 10:00,2026-07-02 11:00,P1,2026-07-03 10:00,2026-07-08 10:00\n"
	cols := map[string]string{"external_id": "Ref", "service": "Svc", "detected_at": "Opened", "resolved_at": "Closed", "severity": "Sev"}
	for _, tc := range []struct {
		name  string
		extra map[string]string
		want  bool
	}{
		{"publication column", map[string]string{"postmortem_published_at": "PM"}, true},
		{"link column", map[string]string{"postmortem_url": "PM"}, true},
		{"due-date column only", map[string]string{"postmortem_due_at": "Due"}, false},
		{"no postmortem column", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &imports.Mapping{Name: "pm", Kind: "incidents", DateLayout: "yyyy-MM-dd HH:mm", Columns: map[string]string{}}
			for k, v := range cols {
				m.Columns[k] = v
			}
			for k, v := range tc.extra {
				m.Columns[k] = v
			}
			b := parseBytes(t, "pm.csv", []byte(text), Options{Format: "csv", Mapping: m})
			if len(b.Incidents) != 2 {
				t.Fatalf("%+v", b.Rejects)
			}
			for _, in := range b.Incidents {
				if in.PostmortemTracked != tc.want {
					t.Errorf("%s: tracked %v, want %v", in.ExternalID, in.PostmortemTracked, tc.want)
				}
			}
		})
	}
	// ServiceNow exports carry no postmortem fields: nothing is tracked.
	for _, in := range parseFixture(t, "servicenow_incidents.csv", Options{}).Incidents {
		if in.PostmortemTracked {
			t.Fatalf("%s: a ServiceNow incident says its source tracks postmortems", in.ExternalID)
		}
	}
}

func TestHeaders(t *testing.T) {
	h, rows, err := Headers(bytes.NewReader(readFixture(t, "jira_incidents.csv")))
	if err != nil || len(h) != 28 || h[16] != "Watchers" || h[17] != "Watchers" || len(rows) != 20 || rows[0][1] != "OPS-1" {
		t.Errorf("%v %d %v", err, len(rows), h)
	}
}

func TestDuplicatesLastWins(t *testing.T) {
	text := "service,slo,day,good,total\napi,avail,2026-07-01,1,2\napi,avail,2026-07-01,2,2\n"
	b := parseBytes(t, "sli.csv", []byte(text), Options{})
	if len(b.SLIDays) != 1 || b.SLIDays[0].Good != 2 || b.Lines["sli:api/avail/2026-07-01"] != 3 || len(b.Warnings) != 1 {
		t.Errorf("%+v %v %q", b.SLIDays, b.Lines, b.Warnings)
	}
}

func TestFallback1252Boundaries(t *testing.T) {
	// A multi-byte UTF-8 rune split across reads must survive; a lone 0xE9 is é.
	in := strings.Repeat("a", 32<<10-1) + "é" + "\xe9"
	br, err := openInput(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	out.ReadFrom(br)
	if !strings.HasSuffix(out.String(), "éé") || out.Len() != 32<<10-1+4 {
		t.Errorf("got suffix %q len %d", out.String()[out.Len()-6:], out.Len())
	}
}

func TestTruncatedFilesDoNotPanic(t *testing.T) {
	for _, tc := range fixtureTable {
		data := readFixture(t, tc.file)
		for _, n := range []int{1, 10, len(data) / 3, len(data) / 2, len(data) - 2} {
			b, err := Parse(bytes.NewReader(data[:n]), tc.file, Options{Format: tc.format})
			if err == nil && b == nil {
				t.Errorf("%s[:%d]: nil batch without error", tc.file, n)
			}
		}
	}
}
