package connectors_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/connectors"
	"sreport/testutil"
)

const jenkinsCred = "deploy-bot:11e0c1b0f8a9d1d2c3b4a5968778695a4b"

// jenkinsJob is DevLake's recorded job (13 builds) renumbered into 240
// builds an hour apart, so that tree=allBuilds[…]{M,N} pages through
// several ranges; fields, results and revisions are the recorded ones.
func jenkinsJob(t *testing.T) map[string]any {
	var job map[string]any
	readJSON(t, real+"/jenkins/devlake_job.json", &job)
	rec := job["allBuilds"].([]any)
	start := mustTime("2022-04-15T09:00:00Z")
	var builds []any
	for n := 240; n >= 1; n-- {
		b := map[string]any{}
		raw, _ := json.Marshal(rec[n%len(rec)])
		json.Unmarshal(raw, &b)
		b["number"] = n
		b["fullDisplayName"] = "Test-jenkins-dir » test-jenkins-sub-dir » test-sub-sub-dir » devlake #" + strconv.Itoa(n)
		b["timestamp"] = start.Add(time.Duration(n) * time.Hour).UnixMilli()
		builds = append(builds, b)
	}
	job["allBuilds"] = builds
	return job
}

var treeRange = regexp.MustCompile(`^fullName,name,url,allBuilds\[(.+)\]\{(\d+),(\d+)\}$`)

// jenkinsServer replays the job's API: the build range the tree asks for;
// every range served is appended to ranges.
func jenkinsServer(t *testing.T, job map[string]any, ranges *[]string) http.Handler {
	builds := job["allBuilds"].([]any)
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(jenkinsCred)) {
			w.Header().Set("WWW-Authenticate", `Basic realm="Jenkins"`)
			http.Error(w, "Invalid password/token for user: deploy-bot", http.StatusUnauthorized)
			return
		}
		if r.URL.Path != "/job/Test-jenkins-dir/job/test-jenkins-sub-dir/job/test-sub-sub-dir/job/devlake/api/json" {
			http.NotFound(w, r)
			return
		}
		m := treeRange.FindStringSubmatch(r.URL.Query().Get("tree"))
		if m == nil {
			http.Error(w, "bad tree", http.StatusBadRequest)
			return
		}
		from, _ := strconv.Atoi(m[2])
		to, _ := strconv.Atoi(m[3])
		mu.Lock()
		*ranges = append(*ranges, m[2]+","+m[3])
		mu.Unlock()
		out := map[string]any{"_class": job["_class"], "fullName": job["fullName"], "name": job["name"],
			"url":       "https://jenkins.example.com/job/Test-jenkins-dir/job/test-jenkins-sub-dir/job/test-sub-sub-dir/job/devlake/",
			"allBuilds": builds[min(from, len(builds)):min(to, len(builds))]}
		writeJSON(w, out)
	})
}

// jenkinsJobFile writes the job with its builds as the file a user exports.
func jenkinsJobFile(t *testing.T, job map[string]any) string {
	file := filepath.Join(t.TempDir(), "job.json")
	raw, _ := json.Marshal(job)
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// jenkinsFileStore imports the job's builds as a file.
func jenkinsFileStore(t *testing.T, job map[string]any) *store.Store {
	ref := testutil.NewStore(t)
	importFile(t, ref, jenkinsJobFile(t, job), "jenkins-builds", ingest.Options{})
	return ref
}

// TestJenkinsBuilds: a job in folders, its builds over three ranges with a
// 500 and a 429 on the way: the deploys equal a file import of the job's
// builds, and a second sync reads only the first range (down to the last
// build less the lookback) and changes nothing.
func TestJenkinsBuilds(t *testing.T) {
	job := jenkinsJob(t)
	f := &faults{}
	f.on("/job/", 1, serverError)
	f.on("/job/", 3, tooMany("1"))
	var ranges []string
	srv := newServer(t, f, jenkinsServer(t, job, &ranges))
	now := mustTime("2022-04-26T00:00:00Z")
	h := newHarness(t, now)
	id := h.add(connectors.Spec{Name: "jenkins", Kind: connectors.Jenkins, BaseURL: srv.URL, Since: mustTime("2022-04-01T00:00:00Z"), CreateServices: true,
		Settings: connectors.Settings{Jobs: []string{"Test-jenkins-dir/test-jenkins-sub-dir/test-sub-sub-dir/devlake"}}}, jenkinsCred)
	run := h.mustRun(id)
	if run.Retries != 2 || run.Fetched != 240 {
		t.Errorf("run: %d retries, %d builds read", run.Retries, run.Fetched)
	}
	if strings.Join(ranges, " ") != "0,100 100,200 200,300" { // and a 500 and a 429 answered before these
		t.Errorf("ranges read: %v", ranges)
	}
	sameRows(t, "deploys", h.st, jenkinsFileStore(t, job))
	ranges = nil
	again := h.mustRun(id)
	if again.Inserted+again.Updated+again.Rejected != 0 || strings.Join(ranges, " ") != "0,100" {
		t.Errorf("second sync: %+v, ranges %v", again, ranges)
	}
}
