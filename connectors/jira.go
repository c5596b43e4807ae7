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

	"sreport/analytics/ingest"
)

// Jira Cloud and Data Center: the issues of the connector's JQL by last
// update, mapped with the jira-csv rules (ingest.JiraSearchPage). Cloud
// (*.atlassian.net) pages with nextPageToken (GET /rest/api/2/search/jql),
// Data Center with startAt (GET /rest/api/2/search). JQL dates are read in
// the API user's time zone, so the connector asks Jira for it (myself)
// and writes the updated bound in that zone; they have minute precision,
// so each query starts at the minute of the last issue read.
func init() { builders[Jira] = newJira }

const jiraPerPage = 100

type jira struct {
	e     *env
	cloud bool
	loc   *time.Location
}

func newJira(e *env) ([]stream, error) {
	cred := e.cred
	if strings.Contains(cred, ":") {
		// Cloud: email:API token; Data Center: user:password.
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(cred))
		e.c.auth = func(h http.Header) { h.Set("Authorization", basic) }
	} else {
		// Data Center personal access token.
		e.c.auth = func(h http.Header) { h.Set("Authorization", "Bearer "+cred) }
	}
	e.c.header.Set("Accept", "application/json")
	cloud := strings.HasSuffix(strings.ToLower(e.c.base.Hostname()), ".atlassian.net")
	switch e.set.JiraAPI {
	case "cloud":
		cloud = true
	case "datacenter":
		cloud = false
	}
	j := &jira{e: e, cloud: cloud}
	return []stream{&keysetStream{name: "issues", since: e.since, now: e.now, fetch: j.search}}, nil
}

// zone is the API user's time zone, in which Jira reads JQL dates.
func (j *jira) zone(ctx context.Context) (*time.Location, error) {
	if j.loc != nil {
		return j.loc, nil
	}
	res, err := j.e.c.get(ctx, "/rest/api/2/myself", nil, nil)
	if err != nil {
		return nil, err
	}
	var me struct {
		TimeZone string `json:"timeZone"`
	}
	if err := json.Unmarshal(res.Body, &me); err != nil {
		return nil, fmt.Errorf("jira myself: %w", err)
	}
	j.loc = time.UTC
	if me.TimeZone != "" {
		loc, err := time.LoadLocation(me.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("jira user time zone %q: %w", me.TimeZone, err)
		}
		j.loc = loc
	}
	return j.loc, nil
}

func (j *jira) search(ctx context.Context, after time.Time, token string) (keysetPage, error) {
	loc, err := j.zone(ctx)
	if err != nil {
		return keysetPage{}, err
	}
	jql := fmt.Sprintf(`(%s) AND updated >= "%s" ORDER BY updated ASC, key ASC`, j.e.set.JQL, after.In(loc).Format("2006-01-02 15:04"))
	q := url.Values{"jql": {jql}, "fields": {"*navigable,comment"}, "expand": {"names"}, "maxResults": {strconv.Itoa(jiraPerPage)}}
	path := "/rest/api/2/search"
	if j.cloud {
		path += "/jql"
		if token != "" {
			q.Set("nextPageToken", token)
		}
	} else if token != "" {
		q.Set("startAt", token)
	}
	res, err := j.e.c.get(ctx, path, q, nil)
	if err != nil {
		return keysetPage{}, err
	}
	var body struct {
		Issues []struct {
			Fields struct {
				Updated string `json:"updated"`
			} `json:"fields"`
		} `json:"issues"`
		NextPageToken string `json:"nextPageToken"`
		IsLast        *bool  `json:"isLast"`
		StartAt       int    `json:"startAt"`
		Total         int    `json:"total"`
	}
	if err := json.Unmarshal(res.Body, &body); err != nil {
		return keysetPage{}, fmt.Errorf("jira search page: %w", err)
	}
	opt := j.e.opt
	opt.Jira = j.e.set.JiraFields
	b, err := ingest.JiraSearchPage(res.Body, opt)
	if err != nil {
		return keysetPage{}, err
	}
	p := keysetPage{batch: b, n: len(body.Issues)}
	for _, is := range body.Issues {
		if t, err := time.Parse("2006-01-02T15:04:05.000-0700", is.Fields.Updated); err == nil && t.After(p.last) {
			p.last = t
		}
	}
	if j.cloud {
		p.more = body.NextPageToken != "" && (body.IsLast == nil || !*body.IsLast)
		p.next = body.NextPageToken
	} else {
		nextAt := body.StartAt + len(body.Issues)
		p.more = len(body.Issues) > 0 && nextAt < body.Total
		p.next = strconv.Itoa(nextAt)
	}
	// A query from the minute of the last issue reads the issues of that
	// minute again, which is harmless; p.last floors to the minute only
	// in the next query.
	return p, nil
}
