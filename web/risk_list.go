package web

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/store"
	"sreport/views"
)

// riskStatusActive is the status filter for risks still in play (open and
// mitigating), the population the heat map counts.
const riskStatusActive = "active"

// riskQuery is the register's parsed query string.
type riskQuery struct {
	filter                                                store.RiskFilter
	status, service, tier, owner, category, overdue, sort string
	likelihood, impact                                    string
}

// parseRiskQuery reads the register's filters; an unknown service is a 404
// and a malformed value a 400, so a typo is noticed rather than listing nothing.
func (h *Handler) parseRiskQuery(c echo.Context) (riskQuery, error) {
	ctx := c.Request().Context()
	q := riskQuery{status: c.QueryParam("status"), service: c.QueryParam("service"), tier: c.QueryParam("tier"),
		owner: c.QueryParam("owner"), category: c.QueryParam("category"), overdue: c.QueryParam("overdue"),
		sort: c.QueryParam("sort"), likelihood: c.QueryParam("likelihood"), impact: c.QueryParam("impact")}
	f := &q.filter
	switch {
	case q.status == "":
	case q.status == riskStatusActive:
		f.Statuses = []string{analytics.RiskOpen, analytics.RiskMitigating}
	case slices.Contains(analytics.RiskStatuses, q.status):
		f.Statuses = []string{q.status}
	default:
		return q, badRequest("status must be active, open, mitigating, accepted or closed")
	}
	if q.service != "" {
		sv, err := h.store.ServiceByName(ctx, q.service)
		if err != nil {
			return q, notFoundOr(err, fmt.Sprintf("service %q", q.service))
		}
		f.ServiceID = sv.ID
	}
	if q.tier != "" {
		n, err := strconv.Atoi(q.tier)
		if err != nil || n < 0 || n > 3 {
			return q, badRequest("tier must be 0, 1, 2 or 3")
		}
		f.Tier = &n
	}
	f.Owner = q.owner
	if q.category != "" && !slices.Contains(analytics.RiskCategories, q.category) {
		return q, badRequest("unknown category")
	}
	f.Category = q.category
	if q.overdue != "" {
		// The store compares dates in the instant's own location.
		f.ReviewOverdueAt = h.cfg.Now().In(h.location(c))
	}
	for _, p := range []struct {
		s    string
		dst  *int
		name string
	}{{q.likelihood, &f.Likelihood, "likelihood"}, {q.impact, &f.Impact, "impact"}} {
		if p.s == "" {
			continue
		}
		n, err := strconv.Atoi(p.s)
		if err != nil || n < 1 || n > 5 {
			return q, badRequest(p.name + " must be 1 to 5")
		}
		*p.dst = n
	}
	key := strings.TrimPrefix(q.sort, "-")
	if q.sort != "" && !store.IsRiskSort(key) {
		return q, badRequest("unknown sort column")
	}
	f.Sort, f.Desc = key, strings.HasPrefix(q.sort, "-")
	return q, nil
}

// href rebuilds the register URL with one parameter changed.
func (q riskQuery) href(key, val string) string {
	v := url.Values{}
	for k, s := range map[string]string{"status": q.status, "service": q.service, "tier": q.tier, "owner": q.owner,
		"category": q.category, "overdue": q.overdue, "sort": q.sort, "likelihood": q.likelihood, "impact": q.impact} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if val == "" {
		v.Del(key)
	} else {
		v.Set(key, val)
	}
	if len(v) == 0 {
		return "/risks"
	}
	return "/risks?" + v.Encode()
}

func (q riskQuery) column(label, key string, numeric bool) views.Column {
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
	col.Href = q.href("sort", next)
	return col
}

// heatFilter is the register's filter for the heat map: the map shows the
// open and mitigating risks by likelihood × impact, so it overrides the
// status filter and drops the likelihood and impact ones, and keeps every
// other filter (service, tier, owner, category, overdue review).
func (q riskQuery) heatFilter() store.RiskFilter {
	f := q.filter
	f.Statuses = []string{analytics.RiskOpen, analytics.RiskMitigating}
	f.Likelihood, f.Impact = 0, 0
	f.Sort, f.Desc = "", false
	return f
}

// heatHref is a heat-map cell's list: the risks in play at that likelihood
// × impact, under the page's other filters and sort.
func (q riskQuery) heatHref(l, i int) string {
	v := url.Values{}
	for k, s := range map[string]string{"service": q.service, "tier": q.tier, "owner": q.owner,
		"category": q.category, "overdue": q.overdue, "sort": q.sort} {
		if s != "" {
			v.Set(k, s)
		}
	}
	href := "/risks?likelihood=" + strconv.Itoa(l) + "&impact=" + strconv.Itoa(i) + "&status=" + riskStatusActive
	if len(v) > 0 {
		href += "&" + v.Encode()
	}
	return href
}

// riskHeatMap counts the open and mitigating risks of inPlay (loaded with
// q.heatFilter) per likelihood × impact, likelihood 5 on top.
func riskHeatMap(inPlay []analytics.Risk, q riskQuery) []views.HeatRow {
	var counts [6][6]int
	for _, r := range inPlay {
		if r.InPlay() && r.Likelihood >= 1 && r.Likelihood <= 5 && r.Impact >= 1 && r.Impact <= 5 {
			counts[r.Likelihood][r.Impact]++
		}
	}
	rows := make([]views.HeatRow, 0, 5)
	for l := 5; l >= 1; l-- {
		row := views.HeatRow{Likelihood: l}
		for i := 1; i <= 5; i++ {
			row.Cells = append(row.Cells, views.HeatCell{Likelihood: l, Impact: i, Count: counts[l][i],
				Rating: analytics.RiskRating(l * i), Href: q.heatHref(l, i),
				Selected: q.filter.Likelihood == l && q.filter.Impact == i})
		}
		rows = append(rows, row)
	}
	return rows
}

// riskSummary is the line above the table, in correct English for 1.
func riskSummary(shown, overdue, past int) string {
	risks, target := "risks", "their target date"
	if shown == 1 {
		risks = "risk"
	}
	if past == 1 {
		target = "its target date"
	}
	return fmt.Sprintf("%d %s shown; %d with an overdue review, %d past %s.", shown, risks, overdue, past, target)
}

func fmtDay(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return t.Format(time.DateOnly)
}

// listRisks shows the register: heat map, filters and the sortable table.
func (h *Handler) listRisks(c echo.Context) error {
	ctx := c.Request().Context()
	q, err := h.parseRiskQuery(c)
	if err != nil {
		return err
	}
	risks, err := h.store.Risks(ctx, q.filter)
	if err != nil {
		return err
	}
	inPlay, err := h.store.Risks(ctx, q.heatFilter())
	if err != nil {
		return err
	}
	services, err := h.store.Services(ctx)
	if err != nil {
		return err
	}
	owners, err := h.store.RiskOwners(ctx)
	if err != nil {
		return err
	}

	// Due dates are calendar days in the reporting timezone.
	now, loc := h.cfg.Now(), h.location(c)
	v := views.RiskRegister{Layout: h.layout(c, "Risk register", views.NavRisks), Action: "/risks",
		Heat: riskHeatMap(inPlay, q), CanEdit: canEdit(c), CSVHref: "/risks.csv"}
	if enc := c.QueryString(); enc != "" {
		v.CSVHref += "?" + enc
	}
	v.Columns = []views.Column{q.column("Risk", "code", false), q.column("Title", "title", false), {Label: "Services"},
		q.column("Category", "category", false), q.column("Score", "score", true), {Label: "Rating"},
		q.column("Status", "status", false), q.column("Owner", "owner", false), q.column("Next review", "review", false),
		q.column("Target", "target", false)}
	overdue, past := 0, 0
	for _, r := range risks {
		row := views.RiskRow{Code: r.Code, Href: riskHref(r.Code), Title: r.Title, Category: r.Category,
			Likelihood: r.Likelihood, Impact: r.Impact, Score: r.Score(), Rating: r.Rating(), Status: r.Status,
			Owner: r.Owner, Review: fmtDay(r.NextReviewDate), Target: fmtDay(r.TargetDate),
			ReviewOverdue: r.ReviewOverdueIn(now, loc), PastTarget: r.PastTargetIn(now, loc)}
		for _, s := range r.Services {
			row.Services = append(row.Services, views.Link{Text: s, Href: serviceHref(s)})
		}
		if row.ReviewOverdue {
			overdue++
		}
		if row.PastTarget {
			past++
		}
		v.Rows = append(v.Rows, row)
	}
	v.Summary = riskSummary(len(risks), overdue, past)

	svc := []views.Option{{Value: "", Text: "All services"}}
	for _, s := range services {
		svc = append(svc, views.Option{Value: s.Name, Text: s.Name, Selected: s.Name == q.service})
	}
	tiers := []views.Option{{Value: "", Text: "All tiers"}}
	for t := 0; t <= 3; t++ {
		s := strconv.Itoa(t)
		tiers = append(tiers, views.Option{Value: s, Text: "Tier " + s, Selected: s == q.tier})
	}
	statuses := options(q.status, "", "All statuses", riskStatusActive, "Open or mitigating")
	for _, s := range analytics.RiskStatuses {
		statuses = append(statuses, views.Option{Value: s, Text: s, Selected: s == q.status})
	}
	own := []views.Option{{Value: "", Text: "All owners"}}
	for _, o := range owners {
		own = append(own, views.Option{Value: o, Text: o, Selected: strings.EqualFold(o, q.owner)})
	}
	cats := []views.Option{{Value: "", Text: "All categories"}}
	for _, s := range analytics.RiskCategories {
		cats = append(cats, views.Option{Value: s, Text: s, Selected: s == q.category})
	}
	lvl := func(cur string) []views.Option {
		o := []views.Option{{Value: "", Text: "Any"}}
		for n := 1; n <= 5; n++ {
			s := strconv.Itoa(n)
			o = append(o, views.Option{Value: s, Text: s, Selected: s == cur})
		}
		return o
	}
	v.Filters = []views.Filter{
		{Name: "status", Label: "Status", Options: statuses},
		{Name: "service", Label: "Service", Options: svc},
		{Name: "tier", Label: "Tier", Options: tiers},
		{Name: "owner", Label: "Owner", Options: own},
		{Name: "category", Label: "Category", Options: cats},
		{Name: "overdue", Label: "Review", Options: options(q.overdue, "", "Any", "1", "Overdue only")},
		{Name: "likelihood", Label: "Likelihood", Options: lvl(q.likelihood)},
		{Name: "impact", Label: "Impact", Options: lvl(q.impact)},
	}
	if q.sort != "" {
		v.Hidden = []views.Option{{Text: "sort", Value: q.sort}}
	}
	return ok(c, views.RiskRegisterPage(v))
}
