package web

import (
	"strings"

	"sreport/analytics"
	"sreport/views"
)

// responderLabels name each role as a fact label.
var responderLabels = map[string]string{
	analytics.RoleNotified:     "Notified",
	analytics.RoleAcknowledged: "Acknowledged by",
	analytics.RoleResolved:     "Resolved by",
	analytics.RoleAssigned:     "Assigned to",
}

// previewRoles word a page's interrupted person in an import preview.
var previewRoles = map[string]string{
	analytics.RoleNotified:     "to",
	analytics.RoleAcknowledged: "acked by",
	analytics.RoleResolved:     "resolved by",
	analytics.RoleAssigned:     "assigned to",
}

// responderFacts lists a record's people, one fact per role (an incident
// role by its own name: "Incident Lead"), people as "Name <e-mail>". Only
// for users who may see per-person figures (canSeePeople): who was paged
// when is what per-person on-call load is made of.
func responderFacts(rs []analytics.Responder) []views.Fact {
	var facts []views.Fact
	at := map[string]int{}
	for _, r := range analytics.NormalizeResponders(rs) {
		label := responderLabels[r.Role]
		if r.Role == analytics.RoleIncident || label == "" {
			label = r.Label
		}
		if label == "" {
			label = "Incident role"
		}
		who := r.Name
		switch {
		case who == "":
			who = r.Email
		case r.Email != "" && !strings.EqualFold(r.Email, r.Name):
			who += " <" + r.Email + ">"
		}
		if i, ok := at[label]; ok {
			facts[i].Value += ", " + who
			continue
		}
		at[label] = len(facts)
		id := "responder-" + r.Role
		if r.Role == analytics.RoleIncident {
			id += "-" + strings.ToLower(strings.Join(strings.Fields(label), "-"))
		}
		facts = append(facts, views.Fact{Label: label, Value: who, TestID: id})
	}
	return facts
}

// pageResponders are a page's people, with the notified responder of a
// source that records only that (the generic CSV's responder column).
func pageResponders(p analytics.Page) []analytics.Responder {
	for _, r := range p.Responders {
		if r.Role == analytics.RoleNotified && strings.EqualFold(r.Name, p.Responder) {
			return p.Responders
		}
	}
	if p.Responder == "" {
		return p.Responders
	}
	return append([]analytics.Responder{{Role: analytics.RoleNotified, Name: p.Responder}}, p.Responders...)
}
