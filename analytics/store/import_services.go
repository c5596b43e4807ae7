package store

import (
	"fmt"
	"sort"

	"sreport/analytics"

	"sreport/analytics/imports"
)

// resolveServices maps every service name of the batch to a service id:
// opt.ServiceMap (saved as an alias), then an alias of the batch's source,
// then the exact service name, then creation when allowed.
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
	for _, x := range b.SLIDays {
		add(x.Service, b.Line(imports.SLIKey(x)))
	}
	a.services, a.refused = map[string]int64{}, map[string]string{}
	if len(order) == 0 {
		return nil
	}
	byName := map[string]int64{}
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
		byName[n] = id
	}
	rows.Close()
	aliases := map[string]int64{}
	rows, err = a.tx.QueryContext(a.ctx, `SELECT alias, service_id FROM service_aliases WHERE source = ?`, b.Source)
	if err != nil {
		return fmt.Errorf("store: load service aliases: %w", err)
	}
	for rows.Next() {
		var n string
		var id int64
		if err := rows.Scan(&n, &id); err != nil {
			rows.Close()
			return err
		}
		aliases[n] = id
	}
	rows.Close()
	create := map[string]bool{}
	for _, n := range a.opt.Create {
		create[n] = true
	}
	tier := DefaultNewServiceTier
	if a.opt.Tier != nil {
		tier = *a.opt.Tier
	}
	for _, name := range order {
		if target, ok := a.opt.ServiceMap[name]; ok && target != "" {
			id, ok := byName[target]
			if !ok {
				return fmt.Errorf("service map: %q → %q: no service named %q", name, target, target)
			}
			if _, err := a.tx.ExecContext(a.ctx, `INSERT INTO service_aliases (source, alias, service_id) VALUES (?, ?, ?)
				ON CONFLICT (source, alias) DO UPDATE SET service_id = excluded.service_id`, b.Source, name, id); err != nil {
				return fmt.Errorf("store: save service alias %q: %w", name, err)
			}
			a.services[name] = id
			continue
		}
		if id, ok := aliases[name]; ok {
			a.services[name] = id
			continue
		}
		if id, ok := byName[name]; ok {
			a.services[name] = id
			continue
		}
		if a.opt.CreateServices || create[name] {
			if err := analytics.CheckServiceName(name); err != nil {
				// Created, it would break the naming rule: it stays
				// unknown, to be mapped to a service instead.
				ls := append([]int(nil), lines[name]...)
				sort.Ints(ls)
				a.res.Unknown = append(a.res.Unknown, UnknownService{Name: name, Lines: ls, NotCreated: err.Error()})
				a.refused[name] = err.Error()
				continue
			}
			if tier < 0 || tier > 3 {
				return fmt.Errorf("tier %d for new services: must be 0..3", tier)
			}
			r, err := a.tx.ExecContext(a.ctx, `INSERT INTO services (name, tier) VALUES (?, ?)`, name, tier)
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
			a.services[name], byName[name] = id, id
			a.res.Created = append(a.res.Created, name)
			continue
		}
		ls := append([]int(nil), lines[name]...)
		sort.Ints(ls)
		a.res.Unknown = append(a.res.Unknown, UnknownService{Name: name, Lines: ls})
	}
	return nil
}

// service returns the id for a record's service name, or records a row error.
func (a *applier) service(name string, line int, label string) (int64, bool) {
	if id, ok := a.services[name]; ok {
		return id, true
	}
	if why, ok := a.refused[name]; ok {
		a.rowErr(line, "%s: service %q cannot be created: %s; map it to an existing service", label, name, why)
		return 0, false
	}
	a.rowErr(line, "%s: unknown service %q (map it to an existing service or create it)", label, name)
	return 0, false
}
