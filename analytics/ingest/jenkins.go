package ingest

import (
	"bufio"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"sreport/analytics"
)

type jkRevision struct {
	SHA1   jstr `json:"SHA1"`
	Branch []struct {
		Name jstr `json:"name"`
	} `json:"branch"`
}

type jkBuild struct {
	Class             jstr        `json:"_class"`
	Number            jstr        `json:"number"`
	ID                jstr        `json:"id"`
	URL               jstr        `json:"url"`
	Result            jstr        `json:"result"`
	Building          bool        `json:"building"`
	Timestamp         jint        `json:"timestamp"`
	Duration          jint        `json:"duration"`
	FullDisplayName   jstr        `json:"fullDisplayName"`
	DisplayName       jstr        `json:"displayName"`
	Description       jstr        `json:"description"`
	LastBuiltRevision *jkRevision `json:"lastBuiltRevision"`
	Actions           []struct {
		Class             jstr        `json:"_class"`
		LastBuiltRevision *jkRevision `json:"lastBuiltRevision"`
	} `json:"actions"`
}

// jkJob is one element of a folder's or multibranch project's
// {"jobs":[…]} (tree=jobs[fullName,url,builds[…]]).
type jkJob struct {
	Class     jstr              `json:"_class"`
	FullName  jstr              `json:"fullName"`
	Name      jstr              `json:"name"`
	URL       jstr              `json:"url"`
	Builds    []json.RawMessage `json:"builds"`
	AllBuilds []json.RawMessage `json:"allBuilds"`
}

// jobPathFromURL returns a build or job URL's full job path, as Jenkins'
// fullName: every /job/<name>/ segment in order, so
// https://ci/job/team-a/job/api/12/ is "team-a/api". Names are unescaped
// once (a multibranch branch "feature/x" is the job "feature%2Fx").
func jobPathFromURL(u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return ""
	}
	segs := strings.Split(strings.Trim(pu.EscapedPath(), "/"), "/")
	var names []string
	for i := 0; i+1 < len(segs); i++ {
		if segs[i] != "job" {
			continue
		}
		name, err := url.PathUnescape(segs[i+1])
		if err != nil {
			name = segs[i+1]
		}
		names = append(names, name)
		i++
	}
	return strings.Join(names, "/")
}

// jobPathFromDisplayName turns "team-a » api #12" into "team-a/api". It is
// the last resort: display names can differ from job names.
func jobPathFromDisplayName(s string) string {
	if i := strings.LastIndex(s, " #"); i >= 0 {
		s = s[:i]
	}
	parts := strings.Split(s, " » ")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return strings.Trim(strings.Join(parts, "/"), "/")
}

// jkBranchBuild reports a build of a multibranch pipeline's branch job:
// the SCM API records the branch revision it built.
func jkBranchBuild(b jkBuild) bool {
	for _, a := range b.Actions {
		if a.Class.String() == "jenkins.scm.api.SCMRevisionAction" {
			return true
		}
	}
	return false
}

// jkPending is one build read before the file's end, when the job path
// the envelope names (fullName after the builds array) is known.
type jkPending struct {
	line    int
	b       jkBuild
	job     string // full job path from the job that lists the build ("" = the file's top level)
	branchy bool   // listed by a multibranch project
}

// jenkins reads a job's /api/json?tree=fullName,builds[…] ({"builds":[…]}
// or {"allBuilds":[…]}, or a bare array of builds), one build
// (/job/<path>/<n>/api/json), or a folder's or multibranch project's
// {"jobs":[{fullName, builds:[…]}…]}. The job is identified by its full
// path (team-a/api): the top-level or job fullName, else the build URL's
// /job/ segments, else fullDisplayName. A multibranch branch job's builds
// belong to the project (the service); only production branches
// (Options.ProdBranches) are deploys.
func (p *parser) jenkins(in *bufio.Reader) error {
	s := newJSONStream(in)
	var builds []jkPending
	others := map[string]json.RawMessage{}
	addBuild := func(raw json.RawMessage, line, index int, job string, branchy bool) {
		var b jkBuild
		if err := json.Unmarshal(raw, &b); err != nil {
			p.b.reject(line, snippet(raw), "builds[%d]: %v", index, err)
			return
		}
		builds = append(builds, jkPending{line: line, b: b, job: job, branchy: branchy})
	}
	err := s.walk(shape{arrays: map[string]bool{"builds": true, "allBuilds": true, "jobs": true}, selfKey: "number"},
		func(key string, raw json.RawMessage, line, index int) error {
			if key != "jobs" {
				addBuild(raw, line, index, "", false)
				return nil
			}
			var j jkJob
			if err := json.Unmarshal(raw, &j); err != nil {
				p.b.reject(line, snippet(raw), "jobs[%d]: %v", index, err)
				return nil
			}
			job := firstNonEmpty(j.FullName.String(), jobPathFromURL(j.URL.String()))
			for i, br := range append(j.Builds, j.AllBuilds...) {
				addBuild(br, line, i, job, true)
			}
			return nil
		}, others)
	if err != nil {
		return err
	}
	top := ""
	if raw, ok := others["fullName"]; ok {
		var v jstr
		if json.Unmarshal(raw, &v) == nil {
			top = v.String()
		}
	}
	topName := ""
	if raw, ok := others["name"]; ok {
		var v jstr
		if json.Unmarshal(raw, &v) == nil {
			topName = v.String()
		}
	}
	var class jstr
	if raw, ok := others["_class"]; ok {
		_ = json.Unmarshal(raw, &class)
	}
	multibranch := strings.Contains(class.String(), "MultiBranchProject")
	fromDisplay, otherBranch := 0, 0
	for _, x := range builds {
		p.jenkinsBuild(x, top, topName, multibranch, &fromDisplay, &otherBranch)
	}
	if fromDisplay > 0 {
		p.b.warn("%d builds: job path taken from fullDisplayName, whose display names can differ from job names; export fullName or url (tree=fullName,builds[url,…]) for stable ids", fromDisplay)
	}
	if otherBranch > 0 {
		p.b.warn("%d builds of multibranch branches other than %s skipped (not production deploys)", otherBranch, strings.Join(p.prodBranches(), ", "))
	}
	return nil
}

func (p *parser) jenkinsBuild(x jkPending, top, topName string, multibranch bool, fromDisplay, otherBranch *int) {
	b, line := x.b, x.line
	num := firstNonEmpty(b.Number.String(), b.ID.String())
	if num == "" {
		p.b.reject(line, "", "build without number")
		return
	}
	// The job that lists the build wins, then the file's top level (for a
	// project's own builds; a folder's fullName is not its jobs' path),
	// then the build's URL, then its display name.
	job := x.job
	if job == "" && !x.branchy {
		job = top
	}
	if job == "" {
		job = jobPathFromURL(b.URL.String())
	}
	if job == "" {
		if job = jobPathFromDisplayName(b.FullDisplayName.String()); job != "" {
			*fromDisplay++
		}
	}
	if job == "" {
		job = topName
	}
	if job == "" {
		p.b.reject(line, "", "build #%s: no job (top-level fullName, url or fullDisplayName)", num)
		return
	}
	id := job + "#" + num // build numbers are per job
	service := job
	if x.branchy && multibranch || jkBranchBuild(b) {
		// A multibranch project's branch job: the project is the service,
		// the branch says whether it deploys to production.
		i := strings.LastIndex(job, "/")
		branch := job[i+1:]
		if i > 0 {
			service = job[:i]
		}
		if !p.prodBranch(branch) {
			*otherBranch++
			return
		}
	}
	if b.Building || b.Result.String() == "" {
		p.b.pending("builds", id)
		return
	}
	var status string
	switch strings.ToUpper(b.Result.String()) {
	case "SUCCESS":
		status = analytics.DeploySuccess
	case "FAILURE", "UNSTABLE":
		status = analytics.DeployFailed
	case "ABORTED":
		status = analytics.DeployCancelled
	case "NOT_BUILT":
		// Jenkins' NOT_BUILT: the build stopped before it ran (an earlier
		// stage failed, or it was skipped): not a deploy.
		p.b.skipped("builds not built (NOT_BUILT)", id)
		return
	default:
		p.b.reject(line, "", "build %s: result %q is not a Jenkins result (SUCCESS, UNSTABLE, FAILURE, NOT_BUILT, ABORTED)", id, b.Result.String())
		return
	}
	if !b.Timestamp.Set {
		p.b.reject(line, "", "build %s: no timestamp", id)
		return
	}
	start := time.UnixMilli(b.Timestamp.V).UTC()
	d := analytics.Deploy{
		ExternalID: id,
		Service:    service,
		StartedAt:  ptr(start),
		FinishedAt: start.Add(time.Duration(b.Duration.V) * time.Millisecond),
		Status:     status,
		URL:        b.URL.String(),
		IsRollback: reRollback.MatchString(b.Description.String()) || reRollback.MatchString(b.DisplayName.String()),
	}
	rev := b.LastBuiltRevision
	for _, a := range b.Actions {
		if rev == nil && a.LastBuiltRevision != nil {
			rev = a.LastBuiltRevision
		}
	}
	if rev != nil {
		d.Version = shortSHA(rev.SHA1.String())
	}
	p.b.addDeploy(line, d)
}
