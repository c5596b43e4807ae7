// Package connectors pulls incidents, pages and deploys from the tools'
// REST APIs (PagerDuty, Opsgenie, GitHub, GitLab, Jira, ServiceNow,
// Jenkins, Argo CD), and SLI days from Prometheus, on a schedule.
//
// A connector never maps an API object itself: it fetches pages of the
// objects the vendor documents and hands them to the importers
// (analytics/ingest), which turn them into an imports.Batch exactly as they
// do for an exported file of the same objects, and the store applies each
// page through the import path (upserts on source and external id, service
// aliases, links, change records). So a connector and a file import of the
// same data converge to the same rows.
//
// Every kind pages in an order in which a saved position stays valid while
// the vendor's data changes (see streams.go), and the position is saved in
// the same transaction as the page's records (store.ApplyConnectorPage): a
// run killed at any point resumes after the last committed page, and
// reading a page twice changes nothing.
package connectors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"sreport/analytics/imports"
	"sreport/analytics/store"
	"sreport/secrets"
)

// Kinds of connector.
const (
	PagerDuty  = "pagerduty"
	Opsgenie   = "opsgenie"
	GitHub     = "github"
	GitLab     = "gitlab"
	Jira       = "jira"
	ServiceNow = "servicenow"
	Jenkins    = "jenkins"
	ArgoCD     = "argocd"
	Prometheus = "prometheus"
)

// Settings are a connector's kind-specific filters, stored as JSON. Each
// kind reads the fields its doc comment names and ignores the rest.
type Settings struct {
	// Records chooses what to read where a kind has several: opsgenie
	// alerts, incidents; github deployments, runs; gitlab deployments,
	// pipelines; servicenow incident, change_request. Empty = the kind's
	// default (KindInfo.Records[0], or all for opsgenie and servicenow).
	Records []string `json:"records,omitempty"`

	// PagerDuty: only these services or teams (ids).
	ServiceIDs []string `json:"service_ids,omitempty"`
	TeamIDs    []string `json:"team_ids,omitempty"`

	// Query narrows the search: Opsgenie search query, ServiceNow encoded
	// query (both ANDed with the connector's own time condition).
	Query string `json:"query,omitempty"`

	// GitHub: owner/name of each repository; Environment filters
	// deployments; Workflow is the deploy workflow (file name, name or id).
	Repos       []string `json:"repos,omitempty"`
	Environment string   `json:"environment,omitempty"`
	Workflow    string   `json:"workflow,omitempty"`

	// GitLab: project ids or full paths (group/sub/project); Ref is the
	// branch whose pipelines deploy (default: the project's default branch).
	// Argo CD: Projects filters applications by Argo CD project.
	Projects []string `json:"projects,omitempty"`
	Ref      string   `json:"ref,omitempty"`

	// Argo CD: label selector of the applications.
	Selector string `json:"selector,omitempty"`

	// Jira: the JQL that selects incidents and action items (the connector
	// adds the updated condition and the order), and which fields hold
	// sreport's values (as in jira-csv: field names, guessed when empty).
	JQL        string             `json:"jql,omitempty"`
	JiraFields imports.JiraFields `json:"jira_fields,omitempty"`
	// JiraAPI is "cloud" (search/jql with nextPageToken) or "datacenter"
	// (search with startAt); "" = cloud for *.atlassian.net hosts.
	JiraAPI string `json:"jira_api,omitempty"`

	// Jenkins: full job paths (folder/sub/job) of the deploy jobs.
	Jobs []string `json:"jobs,omitempty"`

	// SeverityMap overrides the importers' raw severity mapping.
	SeverityMap map[string]int `json:"severity_map,omitempty"`
	// Lookback is how far before the last sync the CI/CD kinds (GitHub,
	// Jenkins) read again, so deploys that were unfinished then are picked
	// up once they finish. "" = DefaultLookback.
	Lookback string `json:"lookback,omitempty"`
}

// DefaultLookback is how far back GitHub and Jenkins connectors re-read.
const DefaultLookback = 72 * time.Hour

// lookback returns the parsed Lookback.
func (s Settings) lookback() time.Duration {
	if d, err := time.ParseDuration(s.Lookback); err == nil && d >= 0 {
		return d
	}
	return DefaultLookback
}

// wants reports whether record kind r is selected (all when Records is empty
// and def is nil, else def).
func (s Settings) wants(r string, def []string) bool {
	list := s.Records
	if len(list) == 0 {
		if def == nil {
			return true
		}
		list = def
	}
	for _, x := range list {
		if strings.EqualFold(x, r) {
			return true
		}
	}
	return false
}

// KindInfo describes one kind for the CLI and the web form.
type KindInfo struct {
	Kind        string
	Title       string
	BaseURL     string   // the vendor's default (empty: self-hosted only)
	EUBaseURL   string   // the EU service region, where there is one
	Records     []string // what Settings.Records can name
	Credential  string   // what to paste as the credential
	NeedsFilter string   // the setting that must not be empty, if any
	// NoCredential says the credential may be empty: the API may answer
	// without authentication (a Prometheus inside the network).
	NoCredential bool
}

var kinds = map[string]KindInfo{
	PagerDuty: {PagerDuty, "PagerDuty", "https://api.pagerduty.com", "https://api.eu.pagerduty.com", []string{"incidents"},
		"a REST API key (read-only is enough)", "", false},
	Opsgenie: {Opsgenie, "Opsgenie", "https://api.opsgenie.com", "https://api.eu.opsgenie.com", []string{"alerts", "incidents"},
		"an API key of an API integration with read access", "", false},
	GitHub: {GitHub, "GitHub", "https://api.github.com", "", []string{"deployments", "runs"},
		"a token with read access to deployments and actions (GitHub Enterprise: https://HOST/api/v3)", "repos", false},
	GitLab: {GitLab, "GitLab", "https://gitlab.com", "", []string{"deployments", "pipelines"},
		"a personal, project or group access token with read_api", "projects", false},
	Jira: {Jira, "Jira", "", "", []string{"issues"},
		"Cloud: email:api-token; Data Center: a personal access token", "jql", false},
	ServiceNow: {ServiceNow, "ServiceNow", "", "", []string{"incident", "change_request"},
		"user:password of an account that reads the incident and change_request tables", "", false},
	Jenkins: {Jenkins, "Jenkins", "", "", []string{"builds"},
		"user:api-token", "jobs", false},
	ArgoCD: {ArgoCD, "Argo CD", "", "", []string{"applications"},
		"a bearer token of an account with applications get", "", false},
	Prometheus: {Prometheus, "Prometheus", "", "", []string{"sli_days"},
		"empty for none, user:password for basic auth, else a bearer token", "", true},
}

// Kinds lists every kind, by name.
func Kinds() []KindInfo {
	out := make([]KindInfo, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}

// Kind returns one kind's description.
func Kind(kind string) (KindInfo, bool) {
	k, ok := kinds[kind]
	return k, ok
}

// ErrInvalid is wrapped by Validate's errors.
var ErrInvalid = errors.New("invalid connector")

// Validate checks a connector's kind, base URL and settings before it is
// saved and returns the base URL to store (the kind's default when empty).
func Validate(kind, baseURL string, s Settings) (string, error) {
	info, ok := kinds[kind]
	if !ok {
		return "", fmt.Errorf("%w: unknown kind %q (one of %s)", ErrInvalid, kind, strings.Join(kindNames(), ", "))
	}
	if baseURL == "" {
		baseURL = info.BaseURL
	}
	if baseURL == "" {
		return "", fmt.Errorf("%w: %s needs --base-url (the address of your instance)", ErrInvalid, info.Title)
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("%w: base URL %q is not an http(s) URL", ErrInvalid, baseURL)
	}
	if u.User != nil {
		return "", fmt.Errorf("%w: put the credential on stdin, not in the base URL", ErrInvalid)
	}
	for _, r := range s.Records {
		if !contains(info.Records, r) {
			return "", fmt.Errorf("%w: %s reads %s, not %q", ErrInvalid, info.Title, strings.Join(info.Records, " and "), r)
		}
	}
	switch info.NeedsFilter {
	case "repos":
		if len(s.Repos) == 0 {
			return "", fmt.Errorf("%w: GitHub needs at least one repository (owner/name)", ErrInvalid)
		}
		for _, r := range s.Repos {
			if o, n, ok := strings.Cut(r, "/"); !ok || o == "" || n == "" || strings.Contains(n, "/") {
				return "", fmt.Errorf("%w: repository %q is not owner/name", ErrInvalid, r)
			}
		}
	case "projects":
		if len(s.Projects) == 0 {
			return "", fmt.Errorf("%w: GitLab needs at least one project (id or group/project path)", ErrInvalid)
		}
	case "jql":
		if strings.TrimSpace(s.JQL) == "" {
			return "", fmt.Errorf("%w: Jira needs a JQL query that selects the incidents, e.g. project = OPS AND issuetype in (Incident, \"Post-incident review\")", ErrInvalid)
		}
		if strings.Contains(strings.ToLower(s.JQL), "order by") {
			return "", fmt.Errorf("%w: leave ORDER BY out of the JQL: the connector orders by updated", ErrInvalid)
		}
		if s.JiraAPI != "" && s.JiraAPI != "cloud" && s.JiraAPI != "datacenter" {
			return "", fmt.Errorf("%w: Jira API must be cloud or datacenter", ErrInvalid)
		}
	case "jobs":
		if len(s.Jobs) == 0 {
			return "", fmt.Errorf("%w: Jenkins needs at least one job path (folder/job)", ErrInvalid)
		}
	}
	if kind == ServiceNow && strings.Contains(strings.ToUpper(s.Query), "^NQ") {
		return "", fmt.Errorf("%w: the ServiceNow query cannot use ^NQ: the connector ANDs its own condition to it", ErrInvalid)
	}
	if s.Lookback != "" {
		if d, err := time.ParseDuration(s.Lookback); err != nil || d < 0 {
			return "", fmt.Errorf("%w: lookback %q is not a duration such as 72h", ErrInvalid, s.Lookback)
		}
	}
	return strings.TrimRight(baseURL, "/"), nil
}

func kindNames() []string {
	var out []string
	for _, k := range Kinds() {
		out = append(out, k.Kind)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// ParseSettings reads stored settings.
func ParseSettings(raw json.RawMessage) (Settings, error) {
	var s Settings
	if len(raw) == 0 {
		return s, nil
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, fmt.Errorf("connector settings: %w", err)
	}
	return s, nil
}

// CredentialAAD binds a connector's sealed credential to its row.
func CredentialAAD(id int64) string { return fmt.Sprintf("connector:%d", id) }

// Spec is a connector to add.
type Spec struct {
	Name           string
	Kind           string
	BaseURL        string // "" = the kind's default
	Settings       Settings
	Since          time.Time
	Every          time.Duration // 0 = DefaultEvery
	CreateServices bool
	Tier           *int
}

// DefaultEvery is how often a connector runs unless told otherwise.
const DefaultEvery = 15 * time.Minute

// checkCredential refuses a multi-line credential (a pasted file, two
// keys), and an empty one unless the kind works without, before it is
// sealed.
func checkCredential(kind, cred string) (string, error) {
	cred = strings.TrimSpace(cred)
	if cred == "" {
		if kinds[kind].NoCredential {
			return "", nil
		}
		return "", fmt.Errorf("%w: the credential is empty", ErrInvalid)
	}
	if strings.ContainsAny(cred, "\r\n") {
		return "", fmt.Errorf("%w: the credential has more than one line", ErrInvalid)
	}
	return cred, nil
}

// Add validates and stores a new connector with its credential sealed by
// box (bound to the new row). The credential is not kept anywhere else.
//
// An empty credential (kinds with NoCredential) is stored as "": there is
// nothing to seal.
func Add(ctx context.Context, st *store.Store, box *secrets.Box, sp Spec, credential string, a store.Audit) (int64, error) {
	name := strings.TrimSpace(sp.Name)
	if name == "" || len(name) > 100 || strings.ContainsAny(name, "/\\\x00") {
		return 0, fmt.Errorf("%w: a name of 1 to 100 characters without slashes is required", ErrInvalid)
	}
	base, err := Validate(sp.Kind, sp.BaseURL, sp.Settings)
	if err != nil {
		return 0, err
	}
	cred, err := checkCredential(sp.Kind, credential)
	if err != nil {
		return 0, err
	}
	if cred != "" && box == nil {
		return 0, errNoKey
	}
	if sp.Since.IsZero() {
		return 0, fmt.Errorf("%w: since (the back-fill start) is required", ErrInvalid)
	}
	every := sp.Every
	if every == 0 {
		every = DefaultEvery
	}
	if every < time.Minute {
		return 0, fmt.Errorf("%w: every must be at least 1m", ErrInvalid)
	}
	if sp.Tier != nil && (*sp.Tier < 0 || *sp.Tier > 3) {
		return 0, fmt.Errorf("%w: tier must be 0..3", ErrInvalid)
	}
	settings, err := json.Marshal(sp.Settings)
	if err != nil {
		return 0, err
	}
	return st.CreateConnector(ctx, store.NewConnector{Name: name, Kind: sp.Kind, BaseURL: base, Settings: settings, Since: sp.Since.UTC(),
		Every: every, CreateServices: sp.CreateServices, Tier: sp.Tier}, func(id int64) (string, error) {
		if cred == "" {
			return "", nil
		}
		return box.Seal([]byte(cred), CredentialAAD(id))
	}, a)
}

var errNoKey = errors.New("no secret key to encrypt the credential with (SREPORT_SECRET_KEY or --secret-key-file)")

// SetCredential replaces a connector's credential (e.g. after a 401 stopped
// it); a stopped connector is due again.
// A credential is required even for kinds that work without one: set
// it to replace one, not to remove it.
func SetCredential(ctx context.Context, st *store.Store, box *secrets.Box, id int64, credential string, a store.Audit) error {
	if box == nil {
		return errNoKey
	}
	cred, err := checkCredential("", credential)
	if err != nil {
		return err
	}
	return st.SetConnectorCredential(ctx, id, func(id int64) (string, error) {
		return box.Seal([]byte(cred), CredentialAAD(id))
	}, a)
}
