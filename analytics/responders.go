package analytics

import (
	"cmp"
	"slices"
	"strings"
)

// This file is who a source says took part in a page or an incident, and
// how those people are matched across sources (by e-mail first, then by
// name or alias), so one person notified by PagerDuty and acknowledging in
// Opsgenie counts once in on-call health.

// Responder roles: what a person did for one page or incident.
const (
	RoleNotified     = "notified"     // a notification reached them (PagerDuty notify log entry)
	RoleAcknowledged = "acknowledged" // they acknowledged it
	RoleResolved     = "resolved"     // they resolved or closed it
	RoleAssigned     = "assigned"     // it was assigned or routed to them (PagerDuty assignment, Opsgenie owner or user responder)
	RoleIncident     = "role"         // they held an incident role (incident.io, FireHydrant); Label names it
)

// ResponderRoles are the roles a stored responder may have.
var ResponderRoles = []string{RoleNotified, RoleAcknowledged, RoleResolved, RoleAssigned, RoleIncident}

// Responder is one person in one role on one page or incident. A source
// names a person by display name, e-mail or its own user id; Name holds
// the name (or, when the source gives nothing else, the id) and Email the
// e-mail where the source has one.
type Responder struct {
	Role  string `json:"role"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	// Label is the source's name for an incident role ("Incident Lead").
	Label string `json:"label,omitempty"`
}

// empty reports whether r names nobody.
func (r Responder) empty() bool {
	return strings.TrimSpace(r.Name) == "" && strings.TrimSpace(r.Email) == ""
}

// NormalizeResponders returns rs trimmed, without entries naming nobody
// and without repeats (same role, label and person, ignoring case), in a
// fixed order (role as in ResponderRoles, then label, name, e-mail), so
// the same people from the same record always store the same value and a
// re-import changes nothing.
func NormalizeResponders(rs []Responder) []Responder {
	rank := func(role string) int {
		if i := slices.Index(ResponderRoles, role); i >= 0 {
			return i
		}
		return len(ResponderRoles)
	}
	out := make([]Responder, 0, len(rs))
	seen := map[Responder]bool{}
	for _, r := range rs {
		r = Responder{Role: strings.TrimSpace(r.Role), Name: strings.TrimSpace(r.Name), Email: strings.TrimSpace(r.Email), Label: strings.TrimSpace(r.Label)}
		if r.empty() || r.Role == "" {
			continue
		}
		k := Responder{Role: r.Role, Name: strings.ToLower(r.Name), Email: strings.ToLower(r.Email), Label: strings.ToLower(r.Label)}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b Responder) int {
		return cmp.Or(cmp.Compare(rank(a.Role), rank(b.Role)), cmp.Compare(strings.ToLower(a.Label), strings.ToLower(b.Label)),
			cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(strings.ToLower(a.Email), strings.ToLower(b.Email)))
	})
	if len(out) == 0 {
		return nil
	}
	return out
}

// Interrupted returns the person the page counts as an interruption of:
// the person it notified (Responder, or the first notified responder),
// else the first who acknowledged it, else the first who resolved it,
// else the first it was assigned to. ok is false when the page names
// nobody. Notified comes first because a PagerDuty incident notifies
// several people in turn while one acknowledges for all of them: each
// notification interrupted the person it reached.
func (pg Page) Interrupted() (r Responder, ok bool) {
	if strings.TrimSpace(pg.Responder) != "" {
		r = Responder{Role: RoleNotified, Name: pg.Responder}
		// The notified person's e-mail, when the source gave one.
		for _, x := range pg.Responders {
			if x.Role == RoleNotified && strings.EqualFold(strings.TrimSpace(x.Name), strings.TrimSpace(pg.Responder)) {
				r.Email = x.Email
				break
			}
		}
		return r, true
	}
	for _, role := range []string{RoleNotified, RoleAcknowledged, RoleResolved, RoleAssigned} {
		for _, x := range pg.Responders {
			if x.Role == role && !x.empty() {
				return x, true
			}
		}
	}
	return Responder{}, false
}

// Person returns who r is: the person whose e-mail is r's e-mail, else the
// person r's name (or alias) resolves to, else r's name, else r's e-mail;
// "" for a responder naming nobody.
func (p People) Person(r Responder) string {
	if e := strings.ToLower(strings.TrimSpace(r.Email)); e != "" {
		if v, ok := p[e]; ok {
			return v
		}
	}
	if n := strings.TrimSpace(r.Name); n != "" {
		return p.Resolve(n)
	}
	return strings.TrimSpace(r.Email)
}

// WithEmails returns p extended with the people the responders seen
// reveal: an e-mail no recorded person has becomes one person, named by
// the name a source gives with it (the first in order of case-folded name
// when sources differ), or by the e-mail when none gives a name. A name
// seen with exactly one such e-mail resolves to that person too, so a
// source that names "Tim Wright" and one that names tim@example.com count
// one person once any source gives both. Two e-mails with one name stay
// two people ("Rob <rob@a.example>", "Rob <rob@b.example>"). Recorded
// people (p) always win. p itself is not changed.
func (p People) WithEmails(seen []Responder) People {
	out := make(People, len(p))
	for k, v := range p {
		out[k] = v
	}
	names := map[string][]string{}    // unrecorded e-mail → names seen with it
	emailsOf := map[string][]string{} // unrecorded lower-cased name → e-mails seen with it
	for _, r := range seen {
		e := strings.ToLower(strings.TrimSpace(r.Email))
		if e == "" {
			continue
		}
		if _, ok := p[e]; ok {
			continue
		}
		n := strings.TrimSpace(r.Name)
		if _, ok := names[e]; !ok {
			names[e] = nil
		}
		if n == "" {
			continue
		}
		if !slices.Contains(names[e], n) {
			names[e] = append(names[e], n)
		}
		if k := strings.ToLower(n); !slices.Contains(emailsOf[k], e) {
			emailsOf[k] = append(emailsOf[k], e)
		}
	}
	emails := make([]string, 0, len(names))
	for e := range names {
		emails = append(emails, e)
	}
	slices.Sort(emails)
	for _, e := range emails {
		ns := names[e]
		slices.SortFunc(ns, func(a, b string) int {
			return cmp.Or(cmp.Compare(strings.ToLower(a), strings.ToLower(b)), cmp.Compare(a, b))
		})
		who := e
		if len(ns) > 0 {
			// A name recorded for someone else is that person's: the
			// e-mail is then an alias of theirs.
			if v, ok := p[strings.ToLower(ns[0])]; ok {
				who = v
			} else if len(emailsOf[strings.ToLower(ns[0])]) > 1 {
				who = ns[0] + " <" + e + ">"
			} else {
				who = ns[0]
			}
		}
		out[e] = who
		for _, n := range ns {
			k := strings.ToLower(n)
			if _, recorded := p[k]; recorded || len(emailsOf[k]) != 1 {
				continue
			}
			out[k] = who
		}
	}
	return out
}
