package ingest

import (
	"encoding/json"
	"strings"

	"sreport/analytics"
)

// PagerDuty names people by user references ({"id","type":"user_reference",
// "summary":"Tim Wright"}); where the request asked for them
// (include[]=assignees, acknowledgers, users) or the export carries them,
// a reference is the whole User with name and e-mail. pdDirectory collects
// the e-mails an incident's expanded users give, so every reference to the
// same user id carries the e-mail and people merge across sources.

// pdDirectory maps a PagerDuty user id to what is known of the user.
type pdDirectory map[string]analytics.Responder

// pdIsUser reports whether ref is a user: type user or user_reference, or
// no type but a users/ URL (the documented acknowledge entry's agent) or
// an e-mail (a whole User as older exports embed it in a notify entry).
func pdIsUser(ref *pdRef) bool {
	if ref == nil {
		return false
	}
	switch t := ref.Type.String(); {
	case strings.HasPrefix(t, "user"):
		return true
	case t != "":
		return false
	}
	return strings.Contains(ref.Self.String(), "/users/") || strings.Contains(ref.HTMLURL.String(), "/users/") || ref.Email.String() != ""
}

// learn records ref's name and e-mail under its id.
func (d pdDirectory) learn(ref *pdRef) {
	if !pdIsUser(ref) || ref.ID.String() == "" {
		return
	}
	cur := d[ref.ID.String()]
	if cur.Name == "" {
		cur.Name = firstNonEmpty(ref.Name.String(), ref.Summary.String())
	}
	if cur.Email == "" {
		cur.Email = ref.Email.String()
	}
	d[ref.ID.String()] = cur
}

// person returns the user ref names, in role: the reference's own name and
// e-mail, completed from the directory by id. ok is false for a service,
// an integration or no agent at all (PagerDuty resolving by timeout).
func (d pdDirectory) person(ref *pdRef, role string) (analytics.Responder, bool) {
	if !pdIsUser(ref) {
		return analytics.Responder{}, false
	}
	known := d[ref.ID.String()]
	r := analytics.Responder{Role: role,
		Name:  firstNonEmpty(ref.Summary.String(), ref.Name.String(), known.Name, ref.ID.String()),
		Email: firstNonEmpty(ref.Email.String(), known.Email)}
	return r, r.Name != "" || r.Email != ""
}

// pdUsers is the directory of the users inc and its log entries name.
func pdUsers(inc pdIncident, entries []pdEntryAt) pdDirectory {
	d := pdDirectory{}
	for _, a := range inc.Assignments {
		d.learn(a.Assignee)
	}
	for _, a := range inc.Acknowledgements {
		d.learn(a.Acknowledger)
	}
	d.learn(inc.LastStatusChangeBy)
	for _, pe := range entries {
		d.learn(pe.e.User)
		d.learn(pe.e.Agent)
	}
	return d
}

// pdIncidentResponders are an incident's people: whom it is assigned to,
// who acknowledged it (acknowledgements, acknowledge log entries) and who
// resolved it (the last resolve entry's agent; without log entries, the
// user who last changed the status of a resolved incident).
func pdIncidentResponders(inc pdIncident, entries []pdEntryAt, status string, users pdDirectory) []analytics.Responder {
	var out []analytics.Responder
	add := func(ref *pdRef, role string) {
		if r, ok := users.person(ref, role); ok {
			out = append(out, r)
		}
	}
	for _, a := range inc.Assignments {
		add(a.Assignee, analytics.RoleAssigned)
	}
	for _, a := range inc.Acknowledgements {
		add(a.Acknowledger, analytics.RoleAcknowledged)
	}
	for _, pe := range entries {
		if pe.e.Type.String() == "acknowledge_log_entry" {
			add(pe.e.Agent, analytics.RoleAcknowledged)
		}
	}
	if _, _, res := pdAckResolve(entries); res != nil {
		add(res.Agent, analytics.RoleResolved)
	} else if status == analytics.StatusResolved {
		add(inc.LastStatusChangeBy, analytics.RoleResolved)
	}
	return analytics.NormalizeResponders(out)
}

// pdNames reads a list of user names: a JSON array (the Analytics API's
// acknowledged_user_names) or a CSV cell ("Jane Doe, John Smith").
func pdNames(s string) []string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") {
		var names []string
		if json.Unmarshal([]byte(s), &names) == nil {
			return names
		}
	}
	return splitList(s)
}

// pdAnalyticsResponders are the people of an Analytics incident (a CSV row
// or a raw incidents API element): assigned_user_names,
// acknowledged_user_names and resolved_by_user_name ("Resolved by" in the
// Insights Incident Activity export). The Analytics data names no e-mails.
func pdAnalyticsResponders(get func(string) string) []analytics.Responder {
	var out []analytics.Responder
	for _, c := range []struct{ key, role string }{{"assigned_users", analytics.RoleAssigned},
		{"acknowledged_users", analytics.RoleAcknowledged}, {"resolved_by", analytics.RoleResolved}} {
		for _, n := range pdNames(get(c.key)) {
			out = append(out, analytics.Responder{Role: c.role, Name: n})
		}
	}
	return analytics.NormalizeResponders(out)
}
