package ingest

import (
	"bytes"
	"regexp"
	"strings"
)

// Detection of the incident-management and CI/CD formats in vendor.go's
// family, by the keys only their payloads carry.

var (
	reJSONAPIIncidents = regexp.MustCompile(`"type"\s*:\s*"incidents"`)
	reRootlyKind       = regexp.MustCompile(`"kind"\s*:\s*"(normal|test|example|backfilled|scheduled)"`)
	reYAMLTopKey       = regexp.MustCompile(`(?m)^(apiVersion|kind):\s`)
)

// detectVendorJSON tells those formats from a JSON head; "" = none of them.
func detectVendorJSON(h []byte) string {
	has := func(s string) bool { return bytes.Contains(h, []byte(s)) }
	switch {
	case has(`"incident_status"`) && (has(`"incident_timestamp_values"`) || has(`"custom_field_entries"`) || has(`incident.io`)):
		return "incidentio-api"
	case has(`"incident_updates"`) && (has(`"shortlink"`) || has(`stspg.io`) || has(`"page_id"`)):
		return "statuspage-api"
	case has(`"current_milestone"`), has(`"incident_url"`) && has(`"milestones"`):
		return "firehydrant-api"
	case has(`"public_id"`) && (has(`"customer_impacted"`) || has(`"incident_type_uuid"`) || has(`datadoghq`)), has(`"incidents_search_results"`):
		return "datadog-incidents"
	case has(`"attributes"`) && (has(`"sequential_id"`) || has(`rootly.com`) || reJSONAPIIncidents.Match(h) || reRootlyKind.Match(h)):
		return "rootly-api"
	case has(`"alerts_count"`) && (has(`"integration_id"`) || has(`"route_id"`)):
		return "grafana-oncall-api"
	case has(`"releaseDefinition"`) && has(`"releaseEnvironment"`):
		return "azure-devops-releases"
	case has(`vstfs:///Build/Build/`), has(`"buildNumber"`) && has(`"definition"`):
		return "azure-devops-builds"
	case has(`"project_slug"`) && (has(`"pipeline_id"`) || has(`"pipeline_number"`) || has(`"trigger_parameters"`) || has(`"vcs"`)):
		return "circleci-api"
	case has(`pipeline_state_`), has(`"build_number"`) && has(`"ref_name"`):
		return "bitbucket-pipelines"
	case has(`deployment_state_`), has(`"environment_type"`), has(`"release"`) && has(`"step"`) && has(`bitbucket.org`):
		return "bitbucket-deployments"
	}
	return ""
}

// isArgoYAML reports Argo CD Applications written as YAML: a top-level
// apiVersion or kind key and the argoproj.io API group.
func isArgoYAML(h []byte) bool {
	return bytes.Contains(h, []byte("argoproj.io")) && reYAMLTopKey.Match(h)
}

// detectVendorName guesses those formats from a JSON file's name (lower
// case, no .gz); only used when the content is ambiguous (an empty list).
func detectVendorName(n string) string {
	has := func(s string) bool { return strings.Contains(n, s) }
	switch {
	case has("circleci"):
		return "circleci-api"
	case has("bitbucket") && has("deploy"):
		return "bitbucket-deployments"
	case has("bitbucket"):
		return "bitbucket-pipelines"
	case (has("azure") || has("ado_") || has("devops")) && has("release"):
		return "azure-devops-releases"
	case has("azure") || has("ado_") || has("devops"):
		return "azure-devops-builds"
	case has("incidentio"), has("incident_io"), has("incident-io"), has("incident.io"):
		return "incidentio-api"
	case has("firehydrant"):
		return "firehydrant-api"
	case has("rootly"):
		return "rootly-api"
	case has("statuspage"):
		return "statuspage-api"
	case has("oncall"), has("alert_group"), has("alert-group"):
		return "grafana-oncall-api"
	case has("datadog"):
		return "datadog-incidents"
	}
	return ""
}
