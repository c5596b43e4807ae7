package connectors

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Jenkins: the builds of each deploy job, newest first, a range at a time
// (tree=allBuilds[…]{M,N}: builds alone stops at the newest 100), mapped
// by the jenkins-builds importer from the job's own answer. No time
// filter exists, so each run walks down to the previous walk's newest
// build less the lookback, re-reading builds that were still running.
func init() { builders[Jenkins] = newJenkins }

const jenkinsPage = 100

// jenkinsTree is what a build page asks for: the fields the importer reads.
const jenkinsTree = "fullName,name,url,allBuilds[number,id,url,result,building,timestamp,duration,displayName,fullDisplayName,description,actions[lastBuiltRevision[SHA1,branch[name]]]]"

type jenkins struct {
	e   *env
	job string // folder/sub/job
}

func newJenkins(e *env) ([]stream, error) {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(e.cred))
	e.c.auth = func(h http.Header) { h.Set("Authorization", basic) }
	var out []stream
	for _, job := range e.set.Jobs {
		j := &jenkins{e: e, job: strings.Trim(job, "/")}
		out = append(out, &walkStream{name: "job " + j.job, since: e.since, lookback: e.set.lookback(), fetch: j.builds})
	}
	return out, nil
}

// path is the job's API path: folder/sub/job → /job/folder/job/sub/job/job.
func (j *jenkins) path() string {
	var b strings.Builder
	for _, seg := range strings.Split(j.job, "/") {
		b.WriteString("/job/")
		b.WriteString(url.PathEscape(seg))
	}
	return b.String() + "/api/json"
}

func (j *jenkins) builds(ctx context.Context, next string, _ map[string]etag) (walkPage, error) {
	from, _ := strconv.Atoi(next)
	q := url.Values{"tree": {fmt.Sprintf("%s{%d,%d}", jenkinsTree, from, from+jenkinsPage)}}
	res, err := j.e.c.get(ctx, j.path(), q, nil)
	if err != nil {
		return walkPage{}, err
	}
	var body struct {
		Builds []struct {
			Timestamp int64 `json:"timestamp"`
		} `json:"allBuilds"`
	}
	if err := json.Unmarshal(res.Body, &body); err != nil {
		return walkPage{}, fmt.Errorf("builds of %s: %w", j.job, err)
	}
	b, err := parsePage("jenkins-builds", "jenkins "+j.job, res.Body, j.e.opt)
	if err != nil {
		return walkPage{}, err
	}
	p := walkPage{batch: b, n: len(body.Builds)}
	for _, bd := range body.Builds {
		t := time.UnixMilli(bd.Timestamp).UTC()
		if t.After(p.newest) {
			p.newest = t
		}
		if p.oldest.IsZero() || t.Before(p.oldest) {
			p.oldest = t
		}
	}
	if len(body.Builds) == jenkinsPage {
		p.next = strconv.Itoa(from + jenkinsPage)
	}
	return p, nil
}
