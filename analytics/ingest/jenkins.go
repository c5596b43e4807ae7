package ingest

import (
	"bufio"
	"encoding/json"
	"net/url"
	"regexp"
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
		LastBuiltRevision *jkRevision `json:"lastBuiltRevision"`
	} `json:"actions"`
}

var reJobURL = regexp.MustCompile(`/job/([^/]+)/`)

// jobFromURL takes the innermost /job/<name>/ of a build URL.
func jobFromURL(u string) string {
	ms := reJobURL.FindAllStringSubmatch(u, -1)
	if len(ms) == 0 {
		return ""
	}
	name, err := url.PathUnescape(ms[len(ms)-1][1])
	if err != nil {
		return ms[len(ms)-1][1]
	}
	return name
}

// jenkins reads a job's /api/json?tree=name,builds[…] ({"builds":[…]}, or a
// bare array of builds). Service = the job name (top-level name/fullName,
// else the build URL's /job/<name>/, else fullDisplayName without "#n").
func (p *parser) jenkins(in *bufio.Reader) error {
	s := newJSONStream(in)
	type pending struct {
		line int
		d    analytics.Deploy
		b    jkBuild
	}
	var builds []pending
	others := map[string]json.RawMessage{}
	err := s.object(map[string]bool{"builds": true, "allBuilds": true}, func(_ string, raw json.RawMessage, line, index int) error {
		var b jkBuild
		if err := json.Unmarshal(raw, &b); err != nil {
			p.b.reject(line, snippet(raw), "builds[%d]: %v", index, err)
			return nil
		}
		num := firstNonEmpty(b.Number.String(), b.ID.String())
		if num == "" {
			p.b.reject(line, snippet(raw), "builds[%d]: no number", index)
			return nil
		}
		if b.Building || b.Result.String() == "" {
			p.b.pending("builds", "#"+num)
			return nil
		}
		var status string
		switch strings.ToUpper(b.Result.String()) {
		case "SUCCESS":
			status = analytics.DeploySuccess
		case "FAILURE", "UNSTABLE":
			status = analytics.DeployFailed
		case "ABORTED":
			status = analytics.DeployCancelled
		default: // NOT_BUILT and anything new
			p.b.reject(line, snippet(raw), "builds[%d]: build #%s: result %q is not a deploy outcome", index, num, b.Result.String())
			return nil
		}
		if !b.Timestamp.Set {
			p.b.reject(line, snippet(raw), "builds[%d]: build #%s: no timestamp", index, num)
			return nil
		}
		start := time.UnixMilli(b.Timestamp.V).UTC()
		d := analytics.Deploy{
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
		d.ExternalID = num
		builds = append(builds, pending{line, d, b})
		return nil
	}, others)
	if err != nil {
		return err
	}
	var jobName string
	for _, k := range []string{"fullName", "name"} {
		if raw, ok := others[k]; ok {
			var v jstr
			if json.Unmarshal(raw, &v) == nil && v.String() != "" {
				jobName = v.String()
				break
			}
		}
	}
	for _, x := range builds {
		job := jobName
		if job == "" {
			job = jobFromURL(x.b.URL.String())
		}
		if job == "" {
			job = strings.TrimSpace(strings.Split(x.b.FullDisplayName.String(), " #")[0])
		}
		if job == "" {
			p.b.reject(x.line, "", "build #%s: no job name (top-level name, url or fullDisplayName)", x.d.ExternalID)
			continue
		}
		x.d.Service = job
		x.d.ExternalID = job + "#" + x.d.ExternalID // build numbers are per job
		p.b.addDeploy(x.line, x.d)
	}
	return nil
}
