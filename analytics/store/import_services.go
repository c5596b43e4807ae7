package store

import (
	"fmt"
	"sort"
	"strings"

	"sreport/analytics"
	"sreport/analytics/imports"
)

// resolveServices maps every service name of the batch to a service id:
// opt.ServiceMap (saved as an alias), then an alias of the batch's source,
// then an alias another source made that applies to every source, then
// the exact service name, then creation when allowed.
func (a *applier) resolveServices() error {
	lines := map[string][]int{}
	var order []string
	add := func(name string, line int) {
		if name == "" {
			return
		}
		if _, ok := lines[name]; !ok {
			order = append(order, name)
		}
		lines[name] = append(lines[name], line)
	}
	b := a.b
	for _, x := range b.Deploys {
		add(x.Service, b.Line(imports.DeployKey(x.ExternalID)))
	}
	for _, x := range b.Incidents {
		add(x.Service, b.Line(imports.IncidentKey(x.ExternalID)))
	}
	for _, x := range b.Pages {
		add(x.Service, b.Line(imports.PageKey(x.ExternalID)))
	}
	for _, x := range b.ActionItems {
		add(x.Service, b.Line(imports.ActionItemKey(x.ExternalID)))
	}
	for _, x := range b.SLOs {
		add(x.Service, b.Line(imports.SLOKey(x.Service, x.Name)))
	}
	for _, x := range b.SLIDays {
		add(x.Service, b.Line(imports.SLIKey(x)))
	}
	if len(order) == 0 {
		a.services, a.refused = map[string]int64{}, map[string]string{}
		return nil
	}
	if err := a.loadCatalogue(); err != nil {
		return err
	}
	for _, name := range order {
		ls := append([]int(nil), lines[name]...)
		sort.Ints(ls)
		if err := a.resolve(name, ls); err != nil {
			return err
		}
	}
	a.res.ServiceNames = make(map[string]string, len(a.services))
	for name, id := range a.services {
		a.res.ServiceNames[name] = a.cat.idName[id]
	}
	return nil
}

// catalogue is what service resolution reads once per import: the
// services by name and id, the aliases the batch's source can use, and the
// names creation was asked for.
type catalogue struct {
	byName  map[string]int64
	idName  map[int64]string
	aliases map[string]int64
	create  map[string]bool
	tier    int
}

func (a *applier) loadCatalogue() error {
	a.services, a.refused = map[string]int64{}, map[string]string{}
	c := &catalogue{byName: map[string]int64{}, idName: map[int64]string{}, create: map[string]bool{}, tier: DefaultNewServiceTier}
	rows, err := a.tx.QueryContext(a.ctx, `SELECT id, name FROM services`)
	if err != nil {
		return fmt.Errorf("store: load services: %w", err)
	}
	for rows.Next() {
		var id int64
		var n string
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return err
		}
		c.byName[n], c.idName[id] = id, n
	}
	rows.Close()
	if c.aliases, err = a.aliases(); err != nil {
		return err
	}
	for _, n := range a.opt.Create {
		c.create[n] = true
	}
	if a.opt.Tier != nil {
		c.tier = *a.opt.Tier
	}
	a.cat = c
	return nil
}

// resolve finds (or creates) the service of one name of the file, used on
// lines (sorted; for a streamed file the first maxUnknownLines of them):
// opt.ServiceMap (saved as an alias), then an alias, then the exact service
// name, then creation when allowed. A name that stays unknown is added to
// the result's Unknown.
func (a *applier) resolve(name string, lines []int) error {
	c := a.cat
	if target, ok := a.opt.ServiceMap[name]; ok && target != "" {
		id, ok := c.byName[target]
		if !ok {
			return fmt.Errorf("service map: %q → %q: no service named %q", name, target, target)
		}
		anySource := !a.opt.SourceOnly[name]
		if _, err := a.tx.ExecContext(a.ctx, `INSERT INTO service_aliases (source, alias, service_id, any_source) VALUES (?, ?, ?, ?)
			ON CONFLICT (source, alias) DO UPDATE SET service_id = excluded.service_id, any_source = excluded.any_source`,
			a.b.Source, name, id, anySource); err != nil {
			return fmt.Errorf("store: save service alias %q: %w", name, err)
		}
		a.services[name] = id
		return nil
	}
	if id, ok := c.aliases[name]; ok {
		a.services[name] = id
		return nil
	}
	if id, ok := c.byName[name]; ok {
		a.services[name] = id
		return nil
	}
	if a.opt.CreateServices || c.create[name] {
		if err := analytics.CheckServiceName(name); err != nil {
			// Created, it would break the naming rule: it stays
			// unknown, to be mapped to a service instead.
			a.res.Unknown = append(a.res.Unknown, UnknownService{Name: name, Lines: lines, Rows: len(lines), NotCreated: err.Error()})
			a.refused[name] = err.Error()
			return nil
		}
		if c.tier < 0 || c.tier > 3 {
			return fmt.Errorf("tier %d for new services: must be 0..3", c.tier)
		}
		r, err := a.tx.ExecContext(a.ctx, `INSERT INTO services (name, tier) VALUES (?, ?)`, name, c.tier)
		if err != nil {
			return fmt.Errorf("store: create service %q: %w", name, err)
		}
		id, err := r.LastInsertId()
		if err != nil {
			return err
		}
		if err := a.record("services", id, "insert", nil); err != nil {
			return err
		}
		a.services[name], c.byName[name], c.idName[id] = id, id, name
		a.res.Created = append(a.res.Created, name)
		return nil
	}
	a.res.Unknown = append(a.res.Unknown, UnknownService{Name: name, Lines: lines, Rows: len(lines)})
	return nil
}

// service returns the id for a record's service name, or records a row
// error (ok false). A streamed file resolves each name when a record first
// names it, and lists the lines of an unknown one as they come.
func (a *applier) service(name string, line int, label string) (id int64, ok bool, err error) {
	if id, ok := a.services[name]; ok {
		return id, true, nil
	}
	if a.stream != nil {
		i, seen := a.stream.unknownAt[name]
		if !seen {
			if why, ok := a.refused[name]; ok {
				// Listed before, then taken back with its rows (retractErr).
				a.res.Unknown = append(a.res.Unknown, UnknownService{Name: name, NotCreated: why})
			} else {
				if err := a.resolve(name, nil); err != nil {
					return 0, false, err
				}
				if id, ok := a.services[name]; ok {
					a.res.ServiceNames[name] = a.cat.idName[id]
					return id, true, nil
				}
			}
			i = len(a.res.Unknown) - 1
			a.stream.unknownAt[name] = i
		}
		u := &a.res.Unknown[i]
		u.Rows++
		if len(u.Lines) < maxUnknownLines {
			u.Lines = append(u.Lines, line)
		}
	}
	// Service names the row's only fault, so the preview offers the
	// choice instead of listing the row as rejected.
	if why, ok := a.refused[name]; ok {
		a.addErr(RowError{Line: line, Service: name,
			Reason: fmt.Sprintf("%s: service %q cannot be created: %s; map it to an existing service", label, name, why)})
		return 0, false, nil
	}
	a.addErr(RowError{Line: line, Service: name,
		Reason: fmt.Sprintf("%s: unknown service %q (map it to an existing service or create it)", label, name)})
	return 0, false, nil
}

// aliases returns the alias names the batch's source can use: its own,
// and those other sources made for every source. Its own win; a name that
// other sources' aliases give different services is left out (it is
// unknown until mapped for this source), with a warning.
func (a *applier) aliases() (map[string]int64, error) {
	rows, err := a.tx.QueryContext(a.ctx, `SELECT alias, service_id, source FROM service_aliases
		WHERE source = ? OR any_source = 1 ORDER BY source = ? DESC, source, alias`, a.b.Source, a.b.Source)
	if err != nil {
		return nil, fmt.Errorf("store: load service aliases: %w", err)
	}
	defer rows.Close()
	own := map[string]int64{}
	others := map[string]int64{}
	ambiguous := map[string]bool{}
	for rows.Next() {
		var n, src string
		var id int64
		if err := rows.Scan(&n, &id, &src); err != nil {
			return nil, err
		}
		if src == a.b.Source {
			own[n] = id
			continue
		}
		if prev, ok := others[n]; ok && prev != id {
			ambiguous[n] = true
		}
		others[n] = id
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: load service aliases: %w", err)
	}
	var amb []string
	for n, id := range others {
		if _, ok := own[n]; ok {
			continue
		}
		if ambiguous[n] {
			amb = append(amb, n)
			continue
		}
		own[n] = id
	}
	if len(amb) > 0 {
		sort.Strings(amb)
		a.res.Warnings = append(a.res.Warnings, fmt.Sprintf("aliases of other sources give %s different services: map them for %s", strings.Join(quoteAll(amb), ", "), a.b.Source))
	}
	return own, nil
}

func quoteAll(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = fmt.Sprintf("%q", x)
	}
	return out
}
