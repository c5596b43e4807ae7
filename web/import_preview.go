package web

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/imports"
	"sreport/views"
)

// importProgress answers the progress script's polls.
func (ih *importHandler) importProgress(c echo.Context) error {
	u, err := ih.pending(c)
	if err != nil {
		return err
	}
	state, phase, pct := u.snapshot()
	return c.JSON(http.StatusOK, map[string]any{"state": state, "phase": phase, "percent": pct,
		"running": state == upAnalysing || state == upApplying, "href": "/imports/pending/" + u.Token})
}

// showPending shows an upload in its current state: progress while a job
// runs, the column mapping for a generic CSV, the preview, or the outcome.
func (ih *importHandler) showPending(c echo.Context) error {
	u, err := ih.pending(c)
	if err != nil {
		return err
	}
	state, phase, pct := u.snapshot()
	self := "/imports/pending/" + u.Token
	switch state {
	case upAnalysing, upApplying:
		title := "Checking the upload"
		if state == upApplying {
			title = "Importing"
		}
		return ok(c, views.ImportProgressPage(views.ImportProgress{Layout: ih.layout(c, title, views.NavImports),
			ProgressURL: "/imports/progress/" + u.Token, SelfHref: self, Phase: phase, Percent: pct}))
	case upMapping:
		return c.Redirect(http.StatusSeeOther, self+"/mapping")
	case upDone:
		return ok(c, views.ImportDonePage(ih.doneView(c, u)))
	}
	v, err := ih.previewView(c, u, nil)
	if err != nil {
		return err
	}
	return ok(c, views.ImportPreviewPage(v))
}

func (ih *importHandler) previewView(c echo.Context, u *upload, errs []string) (views.ImportPreview, error) {
	services, err := ih.store.Services(c.Request().Context())
	if err != nil {
		return views.ImportPreview{}, err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	v := views.ImportPreview{Layout: ih.layout(c, "Preview the import", views.NavImports), Action: "/imports/pending/" + u.Token + "/confirm",
		SkipInvalid: u.opt.SkipInvalid, Tiers: tierOptions(u.opt.Tier), Errors: errs}
	unknown := map[string]*views.UnknownChoice{}
	var names []string
	rejected := 0
	for _, p := range u.previews {
		fp := views.FilePreview{Name: p.File.Name, Format: p.Format, SHA256: p.File.SHA256, Failed: p.Failed, Sample: p.Sample,
			Inserted: p.Result.Inserted, Updated: p.Result.Updated, Unchanged: p.Result.Unchanged, Rejected: p.Result.Rejected,
			Created: p.Result.Created, Warnings: p.Result.Warnings, Records: p.Records}
		for _, e := range p.Result.Errors {
			fp.Rejects = append(fp.Rejects, views.RejectRow{Line: e.Line, Reason: e.Reason})
		}
		rejected += p.Result.Rejected
		for _, un := range p.Result.Unknown {
			ch, ok := unknown[un.Name]
			if !ok {
				ch = &views.UnknownChoice{Name: un.Name, Field: "svc:" + un.Name}
				if err := analytics.CheckServiceName(un.Name); err != nil {
					ch.NotCreated = err.Error()
				}
				unknown[un.Name] = ch
				names = append(names, un.Name)
			}
			ch.Rows += len(un.Lines)
			ch.Lines = linesLabel(un.Lines)
		}
		v.Files = append(v.Files, fp)
	}
	sort.Strings(names)
	for _, n := range names {
		ch := unknown[n]
		choice := u.opt.ServiceChoice[n]
		ch.Options = append(ch.Options, views.Option{Value: "", Text: "— choose —", Selected: choice == ""})
		if ch.NotCreated == "" {
			ch.Options = append(ch.Options, views.Option{Value: "create", Text: "Create a new service " + strconv.Quote(n), Selected: choice == "create"})
		}
		for _, s := range services {
			ch.Options = append(ch.Options, views.Option{Value: "map:" + s.Name, Text: "Map to " + s.Name, Selected: choice == "map:"+s.Name})
		}
		v.Unknown = append(v.Unknown, *ch)
	}
	switch {
	case len(v.Unknown) > 0:
		v.Blocked = "Choose what to do with each unknown service, then update the preview."
	case rejected > 0 && !u.opt.SkipInvalid:
		v.Blocked = strconv.Itoa(rejected) + " rows are rejected: fix the file, or tick “skip the rejected ones” to import the others."
	}
	return v, nil
}

func linesLabel(ls []int) string {
	if len(ls) == 1 {
		return "line " + strconv.Itoa(ls[0])
	}
	parts := make([]string, 0, 6)
	for i, l := range ls {
		if i == 5 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, strconv.Itoa(l))
	}
	return "lines " + strings.Join(parts, ", ")
}

// confirmImport takes the preview form: the service choices and skip-invalid,
// then either re-runs the preview or applies the upload.
func (ih *importHandler) confirmImport(c echo.Context) error {
	u, err := ih.pending(c)
	if err != nil {
		return err
	}
	if state, _, _ := u.snapshot(); state != upPreview {
		return c.Redirect(http.StatusSeeOther, "/imports/pending/"+u.Token)
	}
	form, err := c.FormParams()
	if err != nil {
		return badRequest("The form could not be read.")
	}
	u.mu.Lock()
	u.opt.SkipInvalid = form.Get("skip_invalid") != ""
	if t, err := strconv.Atoi(form.Get("tier")); err == nil && t >= 0 && t <= 3 {
		u.opt.Tier = t
	}
	if u.opt.ServiceChoice == nil {
		u.opt.ServiceChoice = map[string]string{}
	}
	for k, vs := range form {
		if name, ok := strings.CutPrefix(k, "svc:"); ok && len(vs) > 0 {
			u.opt.ServiceChoice[name] = vs[0]
		}
	}
	u.mu.Unlock()
	if form.Get("action") != "confirm" {
		ih.start(u, upAnalysing, 3*time.Second, ih.analyse(u))
		return c.Redirect(http.StatusSeeOther, "/imports/pending/"+u.Token)
	}
	// Apply only what the preview showed as ready; otherwise show why not.
	v, err := ih.previewView(c, u, nil)
	if err != nil {
		return err
	}
	unresolved := 0
	for _, un := range v.Unknown {
		if u.opt.ServiceChoice[un.Name] == "" {
			unresolved++
		}
	}
	blocked := ""
	switch {
	case unresolved > 0:
		blocked = "Choose what to do with each unknown service first."
	case len(v.Unknown) > 0:
		// Choices were made but the preview predates them: refresh it first.
		ih.start(u, upAnalysing, 3*time.Second, ih.analyse(u))
		return c.Redirect(http.StatusSeeOther, "/imports/pending/"+u.Token)
	case v.Blocked != "" && !u.opt.SkipInvalid:
		blocked = v.Blocked
	}
	for _, f := range v.Files {
		if f.Failed != "" {
			blocked = "A file could not be read; start over without it."
		}
	}
	if blocked != "" {
		v.Blocked = ""
		v.Errors = []string{blocked}
		return render(c, http.StatusUnprocessableEntity, views.ImportPreviewPage(v))
	}
	u.mu.Lock()
	u.audit = ih.Audit(c)
	u.mu.Unlock()
	ih.start(u, upApplying, 5*time.Second, ih.apply(u))
	return c.Redirect(http.StatusSeeOther, "/imports/pending/"+u.Token)
}

func (ih *importHandler) doneView(c echo.Context, u *upload) views.ImportDone {
	u.mu.Lock()
	defer u.mu.Unlock()
	v := views.ImportDone{Layout: ih.layout(c, "Import finished", views.NavImports)}
	for _, p := range u.previews {
		f := views.ImportDoneFile{Name: p.File.Name, Format: p.Format, Failed: p.Failed, Inserted: p.Result.Inserted,
			Updated: p.Result.Updated, Unchanged: p.Result.Unchanged, Rejected: p.Result.Rejected, Created: p.Result.Created}
		if p.Result.ImportID != 0 {
			f.Href = "/imports/" + strconv.FormatInt(p.Result.ImportID, 10)
		}
		for _, e := range p.Result.Errors {
			f.Rejects = append(f.Rejects, views.RejectRow{Line: e.Line, Reason: e.Reason})
		}
		v.Files = append(v.Files, f)
	}
	return v
}

// sampleTable shows a batch's first records as they will be stored.
func sampleTable(b *imports.Batch, n int) views.Table {
	t := views.Table{TestID: "sample", Empty: "The file holds no records.",
		Columns: []views.Column{{Label: "Kind"}, {Label: "Line", Numeric: true}, {Label: "ID"}, {Label: "Service / team"}, {Label: "Time (UTC)"}, {Label: "Details"}}}
	add := func(kind string, line int, id, svc string, at time.Time, details ...string) {
		if len(t.Rows) >= n {
			return
		}
		var ds []string
		for _, d := range details {
			if d != "" {
				ds = append(ds, d)
			}
		}
		t.Rows = append(t.Rows, []views.Cell{{Text: kind}, {Text: strconv.Itoa(line), Class: "num"}, {Text: id}, {Text: svc},
			{Text: at.UTC().Format("2006-01-02 15:04")}, {Text: strings.Join(ds, " · ")}})
	}
	tm := func(label string, t *time.Time) string {
		if t == nil {
			return ""
		}
		return label + " " + t.UTC().Format("2006-01-02 15:04")
	}
	for _, x := range b.Incidents {
		add("incident", b.Line(imports.IncidentKey(x.ExternalID)), x.ExternalID, x.Service, x.DetectedAt, x.Title, sevLabel(x.Severity), x.Status,
			tm("resolved", x.ResolvedAt), x.CausedByRef)
	}
	for _, x := range b.Deploys {
		add("deploy", b.Line(imports.DeployKey(x.ExternalID)), x.ExternalID, x.Service, x.FinishedAt, x.Status, x.Environment, x.Version)
	}
	for _, x := range b.Pages {
		svc := x.Service
		if svc == "" {
			svc = "(from incident " + x.IncidentRef + ")"
		}
		add("page", b.Line(imports.PageKey(x.ExternalID)), x.ExternalID, svc, x.TriggeredAt, x.Title, x.Urgency, tm("acked", x.AcknowledgedAt))
	}
	for _, x := range b.ActionItems {
		var due time.Time
		if x.DueAt != nil {
			due = *x.DueAt
		}
		add("action item", b.Line(imports.ActionItemKey(x.ExternalID)), x.ExternalID, x.Service, due, x.Title, x.IncidentRef, x.Owner)
	}
	for _, x := range b.SLIDays {
		add("SLI day", b.Line(imports.SLIKey(x)), x.SLO, x.Service, x.Day, strconv.FormatInt(x.Good, 10)+" good of "+strconv.FormatInt(x.Total, 10))
	}
	for _, x := range b.Toil {
		add("toil week", b.Line(imports.ToilKey(x)), "", x.Team, x.WeekStart,
			strconv.FormatFloat(x.ToilHours, 'f', -1, 64)+" h toil of "+strconv.FormatFloat(x.TotalHours, 'f', -1, 64)+" h")
	}
	return t
}
