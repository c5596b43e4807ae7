package web

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/store"
	"sreport/views"
)

// listQuery is the parsed query string shared by the record lists.
type listQuery struct {
	filter   store.ListFilter
	service  string
	team     string
	tier     string
	severity string
	status   string
	period   string
	sort     string // public name, "-" prefix for descending
	loc      *time.Location
	// extra are a list's own parameters (the pages list's drill-down),
	// kept in its sort and pager links.
	extra map[string]string
}

// parseListQuery reads the common list parameters; unknown service or team
// names are user errors, not empty results, so a typo is noticed.
func (h *Handler) parseListQuery(c echo.Context, st analytics.Settings, defaultSort string) (listQuery, error) {
	ctx := c.Request().Context()
	q := listQuery{service: c.QueryParam("service"), team: c.QueryParam("team"), tier: c.QueryParam("tier"),
		severity: c.QueryParam("severity"), status: c.QueryParam("status"), period: c.QueryParam("period"),
		sort: c.QueryParam("sort"), loc: st.Location()}
	if q.sort == "" {
		q.sort = defaultSort
	}
	f := &q.filter
	f.Sort, f.Desc = strings.TrimPrefix(q.sort, "-"), strings.HasPrefix(q.sort, "-")
	f.After = c.QueryParam("after")
	f.Limit = 50
	if q.service != "" {
		sv, err := h.store.ServiceByName(ctx, q.service)
		if err != nil {
			return q, notFoundOr(err, fmt.Sprintf("service %q", q.service))
		}
		f.ServiceID = sv.ID
	}
	if q.team != "" {
		teams, err := h.store.Teams(ctx)
		if err != nil {
			return q, err
		}
		for _, t := range teams {
			if t.Name == q.team {
				f.TeamID = t.ID
			}
		}
		if f.TeamID == 0 {
			return q, notFound(fmt.Sprintf("team %q", q.team))
		}
	}
	if q.tier != "" {
		n, err := strconv.Atoi(q.tier)
		if err != nil || n < 0 || n > 3 {
			return q, badRequest("tier must be 0, 1, 2 or 3")
		}
		f.Tier = &n
	}
	if q.severity != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(strings.ToLower(q.severity), "sev"))
		if err != nil || n < 1 || n > 4 {
			return q, badRequest("severity must be sev1..sev4")
		}
		f.Severity = n
	}
	if q.period != "" {
		p, err := analytics.ParsePeriod(q.period, q.loc)
		if err != nil {
			return q, badRequest(err.Error())
		}
		f.Range = store.TimeRange{From: p.From, To: p.To}
	}
	return q, nil
}

func notFoundOr(err error, what string) error {
	if err == store.ErrNotFound {
		return notFound(what)
	}
	return err
}

// href rebuilds the list URL with one parameter changed (and the cursor reset
// unless it is the parameter being set).
func (q listQuery) href(path string, key, val string) string {
	v := url.Values{}
	for k, s := range map[string]string{"service": q.service, "team": q.team, "tier": q.tier,
		"severity": q.severity, "status": q.status, "period": q.period, "sort": q.sort} {
		if s != "" {
			v.Set(k, s)
		}
	}
	for k, s := range q.extra {
		v.Set(k, s)
	}
	if val == "" {
		v.Del(key)
	} else {
		v.Set(key, val)
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// column builds a sortable header: clicking toggles the direction.
func (q listQuery) column(path, label, key string, numeric bool) views.Column {
	col := views.Column{Label: label, Numeric: numeric}
	if key == "" {
		return col
	}
	next := key
	switch q.sort {
	case key:
		col.Sorted, next = "asc", "-"+key
	case "-" + key:
		col.Sorted = "desc"
	}
	col.Href = q.href(path, "sort", next)
	return col
}

func (q listQuery) pager(path string, shown int, next string) views.Pager {
	p := views.Pager{Shown: shown}
	if next != "" {
		p.NextHref = q.href(path, "after", next)
	}
	if q.filter.After != "" {
		p.FirstHref = q.href(path, "after", "")
	}
	return p
}

// commonFilters builds the service/tier/period controls of a list.
func (h *Handler) commonFilters(c echo.Context, q listQuery) ([]views.Filter, error) {
	services, err := h.store.Services(c.Request().Context())
	if err != nil {
		return nil, err
	}
	svc := []views.Option{{Value: "", Text: "All services"}}
	for _, s := range services {
		svc = append(svc, views.Option{Value: s.Name, Text: s.Name, Selected: s.Name == q.service})
	}
	tiers := []views.Option{{Value: "", Text: "All tiers"}}
	for t := 0; t <= 3; t++ {
		v := strconv.Itoa(t)
		tiers = append(tiers, views.Option{Value: v, Text: "Tier " + v, Selected: v == q.tier})
	}
	return []views.Filter{
		{Name: "service", Label: "Service", Options: svc},
		{Name: "tier", Label: "Tier", Options: tiers},
		{Name: "period", Label: "Period", Value: q.period, Placeholder: "2026-10 or 2026-Q3"},
	}, nil
}

func options(cur string, pairs ...string) []views.Option {
	var out []views.Option
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, views.Option{Value: pairs[i], Text: pairs[i+1], Selected: pairs[i] == cur})
	}
	return out
}

// fmtDuration renders a duration the way an SRE says it: "47 min", "3 h 05 min", "2 d 4 h".
func fmtDuration(d time.Duration) string {
	if d < 0 {
		return "−" + fmtDuration(-d)
	}
	m := int(d.Round(time.Minute).Minutes())
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case m < 60:
		return fmt.Sprintf("%d min", m)
	case m < 48*60:
		return fmt.Sprintf("%d h %02d min", m/60, m%60)
	default:
		return fmt.Sprintf("%d d %d h", m/1440, (m%1440)/60)
	}
}

func sevLabel(s int) string {
	if s >= 1 && s <= 4 {
		return "Sev" + strconv.Itoa(s)
	}
	return "unknown"
}

func idHref(prefix string, id int64) string { return prefix + strconv.FormatInt(id, 10) }

func serviceHref(name string) string { return "/services/" + url.PathEscape(name) }

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
