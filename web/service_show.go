package web

import (
	"cmp"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/scorecard"
	"sreport/analytics/store"
	"sreport/views"
)

// showService shows one service: KPI tiles against its tier targets, twelve
// months of charts, and the period's incidents, failed changes, repeat
// themes, open action items and risks.
func (h *Handler) showService(c echo.Context) error {
	ctx := acceptStale(c) // an interactive page: labelled when its figures are from before the latest change
	env, err := h.env(ctx)
	if err != nil {
		return err
	}
	p, err := h.periodFromQuery(c, env.Settings)
	if err != nil {
		return err
	}
	sv, err := h.store.ServiceByName(ctx, c.Param("name"))
	if err != nil {
		return notFoundOr(err, "service")
	}
	sc := scorecard.Scope{Service: sv.Name}
	card, err := h.card(ctx, env, p, sc)
	if err != nil {
		return err
	}
	row := card.Services[0]
	var teamRow *scorecard.Row // the service's team, for its team figures (toil)
	if len(card.Teams) == 1 {
		teamRow = &card.Teams[0]
	}
	detail, err := h.detail(ctx, env, p, sc)
	if err != nil {
		return err
	}
	ser, err := h.series(ctx, env, p, sc, []analytics.Service{sv}, trendMonths)
	if err != nil {
		return err
	}
	months, series := ser.months, ser.results
	loc := env.Settings.Location()
	f := store.ListFilter{ServiceID: sv.ID, Range: store.TimeRange{From: p.From, To: p.To}, Desc: true, Limit: 25}
	incs, err := h.store.Incidents(ctx, f)
	if err != nil {
		return err
	}
	deps, err := h.store.Deploys(ctx, f)
	if err != nil {
		return err
	}
	pgs, err := h.store.Pages(ctx, f)
	if err != nil {
		return err
	}
	items, err := h.store.OpenActionItems(ctx, sv.ID)
	if err != nil {
		return err
	}
	risks, err := h.store.RisksForService(ctx, sv.ID)
	if err != nil {
		return err
	}
	q := listQuery{loc: loc}
	incT := views.Table{TestID: "service-incidents", Empty: "No incidents in this period.",
		Columns: []views.Column{{Label: "Detected"}, {Label: "Severity"}, {Label: "Title"}, {Label: "Service"}, {Label: "Status"}, {Label: "Time to resolve", Numeric: true}, {Label: "Customer impact"}}}
	for _, in := range incs.Rows {
		incT.Rows = append(incT.Rows, incidentRow(in, q))
	}
	depT := views.Table{TestID: "service-deploys", Empty: "No deploys in this period.",
		Columns: []views.Column{{Label: "Finished"}, {Label: "Service"}, {Label: "Version"}, {Label: "Environment"}, {Label: "Status"}, {Label: "Kind"}, {Label: "Lead time", Numeric: true}}}
	for _, d := range deps.Rows {
		depT.Rows = append(depT.Rows, deployRow(d, loc))
	}
	pgT := views.Table{TestID: "service-pages", Empty: "No pages in this period.",
		Columns: []views.Column{{Label: "Triggered"}, {Label: "Service"}, {Label: "Title"}, {Label: "Urgency"}, {Label: "Time to ack", Numeric: true}, {Label: "Incident"}, {Label: "Actionable"}}}
	for _, pg := range pgs.Rows {
		pgT.Rows = append(pgT.Rows, pageRow(pg, loc))
	}
	// all links to the full list when a table shows only the latest rows.
	all := func(kind, next string) string {
		if next == "" {
			return ""
		}
		return "/" + kind + "?service=" + url.QueryEscape(sv.Name) + "&period=" + p.Label
	}

	l := h.layout(c, sv.Name, views.NavServices)
	l.Period = h.picker(c, p)
	l.Charts = true
	tier := sv.Tier
	v := views.Dashboard{Layout: l,
		Facts: []views.Fact{
			{Label: "Tier", Value: "Tier " + strconv.Itoa(sv.Tier), Note: "targets of tier " + strconv.Itoa(sv.Tier) + " apply"},
			{Label: "Team", Value: sv.Team, Href: "/scorecards?team=" + url.QueryEscape(sv.Team) + "&period=" + p.Label},
			{Label: "On-call timezone", Value: sv.OnCallTZ},
			{Label: "Description", Value: sv.Description},
		},
		Tiles:  tiles(row, teamRow, p, sc),
		Charts: h.charts.trendCharts(ctx, "svc", months, series, env, &tier, importHref(c)),
		Sections: []views.Section{
			{Title: "Incidents in " + periodTitle(p), Table: incT, MoreHref: all("incidents", incs.Next)},
			{Title: "Failed changes", Table: failedChangesTable(detail, loc)},
			{Title: "Deploys in " + periodTitle(p), Table: depT, MoreHref: all("deploys", deps.Next)},
			{Title: "Pages in " + periodTitle(p), Table: pgT, MoreHref: all("pages", pgs.Next)},
			{Title: fmt.Sprintf("Top repeat-incident themes (last %d days)", int(env.Settings.RepeatLookback.Hours()/24)), Table: repeatThemes(ser.incidents, p, env.Settings)},
			{Title: "Open action items", Table: actionItemTable(items, loc, h.cfg.Now())},
			{Title: "Risks", Table: riskTable(risks, h.cfg.Now().In(loc))},
		},
	}
	if ser.empty {
		v.Tiles, v.Charts = nil, nil
		v.NoData = h.noData(c, "No incident, deploy, page or SLO measurement of "+sv.Name+" in the twelve months to "+periodTitle(p)+".")
	}
	return ok(c, views.DashboardPage(v))
}

// failedChangesTable lists the period's deployments that failed, with the
// incident (or rollback) that made them fail, as the engine decided.
func failedChangesTable(r analytics.Result, loc *time.Location) views.Table {
	t := views.Table{TestID: "failed-changes", Empty: "No failed changes in this period.",
		Columns: []views.Column{{Label: "Deploy"}, {Label: "Finished"}, {Label: "Why it counts as failed"}}}
	for _, e := range r.Evidence.For(analytics.KPIChangeFailureRate) {
		if !e.Included {
			continue
		}
		why := views.Cell{Text: e.Note}
		// Link the first incident the engine names as the cause.
		if m := causeIncident.FindStringSubmatch(e.Note); m != nil {
			why.Href = "/incidents/" + m[1]
		}
		t.Rows = append(t.Rows, []views.Cell{{Text: e.Label, Href: evidenceHref(e)}, {Text: fmtTime(e.At, loc)}, why})
	}
	return t
}

// causeIncident finds "incident #123" in a change-failure evidence note.
var causeIncident = regexp.MustCompile(`incident #(\d+)`)

// repeatThemes groups the look-back window's incidents (to the period's end) by
// fingerprint and lists the themes that recurred.
func repeatThemes(incs []analytics.Incident, p analytics.Period, st analytics.Settings) views.Table {
	type theme struct {
		fp     string
		title  string
		count  int
		last   time.Time
		lastID int64
	}
	from := p.To.Add(-st.RepeatLookback)
	byFP := map[string]*theme{}
	for _, in := range incs {
		if in.DetectedAt.Before(from) || !in.DetectedAt.Before(p.To) {
			continue
		}
		fp := analytics.Fingerprint(in)
		th := byFP[fp]
		if th == nil {
			th = &theme{fp: fp}
			byFP[fp] = th
		}
		th.count++
		if in.DetectedAt.After(th.last) {
			th.last, th.title, th.lastID = in.DetectedAt, in.Title, in.ID
		}
	}
	var list []*theme
	for _, th := range byFP {
		if th.count > 1 {
			list = append(list, th)
		}
	}
	slices.SortFunc(list, func(a, b *theme) int {
		if c := cmp.Compare(b.count, a.count); c != 0 {
			return c
		}
		return b.last.Compare(a.last)
	})
	t := views.Table{TestID: "repeat-themes", Empty: "No incident theme recurred in the last 90 days.",
		Columns: []views.Column{{Label: "Fingerprint"}, {Label: "Incidents", Numeric: true}, {Label: "Latest"}}}
	for i, th := range list {
		if i == 5 {
			break
		}
		t.Rows = append(t.Rows, []views.Cell{{Text: th.fp}, {Text: strconv.Itoa(th.count), Class: "num"},
			{Text: th.title, Href: idHref("/incidents/", th.lastID)}})
	}
	return t
}

func actionItemTable(items []analytics.ActionItem, loc *time.Location, now time.Time) views.Table {
	t := views.Table{TestID: "open-action-items", Empty: "No open action items.",
		Columns: []views.Column{{Label: "Action item"}, {Label: "Owner"}, {Label: "Due"}, {Label: "State"}, {Label: "Incident"}}}
	for _, a := range items {
		state := "open"
		if a.DueAt != nil && a.DueAt.Before(now) {
			state = "overdue"
		}
		inc := views.Cell{Text: "—"}
		if a.IncidentID != nil {
			inc = views.Cell{Text: "#" + itoa64(*a.IncidentID), Href: idHref("/incidents/", *a.IncidentID)}
		}
		t.Rows = append(t.Rows, []views.Cell{{Text: a.Title, Href: safeExternal(a.URL)}, {Text: a.Owner},
			{Text: fmtTimePtr(a.DueAt, loc)}, {Text: state, Class: "st-" + map[bool]string{true: "missed", false: "none"}[state == "overdue"]}, inc})
	}
	return t
}

func riskTable(risks []analytics.Risk, now time.Time) views.Table {
	t := views.Table{TestID: "service-risks", Empty: "No risks recorded for this service.",
		Columns: []views.Column{{Label: "Risk"}, {Label: "Title"}, {Label: "Score", Numeric: true}, {Label: "Rating"}, {Label: "Status"}, {Label: "Owner"}, {Label: "Next review"}}}
	for _, r := range risks {
		review := "—"
		if r.NextReviewDate != nil {
			review = r.NextReviewDate.Format(time.DateOnly)
			if r.ReviewOverdue(now) {
				review += " (overdue)"
			}
		}
		t.Rows = append(t.Rows, []views.Cell{{Text: r.Code, Href: "/risks/" + r.Code}, {Text: r.Title, Href: "/risks/" + r.Code}, {Text: strconv.Itoa(r.Score()), Class: "num"},
			{Text: analytics.RiskRating(r.Score())}, {Text: r.Status}, {Text: r.Owner}, {Text: review}})
	}
	return t
}
