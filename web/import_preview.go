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
	"sreport/analytics/store"
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
			Created: p.Result.Created, Warnings: p.Result.Warnings, Records: p.Records, SLOs: sloChangeTable(p.Result.SLOs, true)}
		// Rows whose only fault is an unknown service are the choices of
		// the form, not rejected rows.
		for _, e := range p.Result.Errors {
			if e.Service == "" {
				fp.Rejects = append(fp.Rejects, views.RejectRow{Line: e.Line, Reason: e.Reason})
			}
		}
		fp.Rejected = len(fp.Rejects)
		rejected += fp.Rejected
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
	catalogue := make([]string, len(services))
	for i, s := range services {
		catalogue[i] = s.Name
	}
	for _, n := range names {
		ch := unknown[n]
		choice := u.opt.ServiceChoice[n]
		ch.ScopeField, ch.SourceOnly = "scope:"+n, u.opt.SourceOnly[n]
		ch.Options = append(ch.Options, views.Option{Value: "", Text: "— choose —", Selected: choice == ""})
		if ch.NotCreated == "" {
			ch.Options = append(ch.Options, views.Option{Value: "create", Text: "Create a new service " + strconv.Quote(n), Selected: choice == "create"})
		}
		// A near name of the catalogue (checkout-api → checkout) comes first.
		near := nearService(n, catalogue)
		if near != "" {
			ch.Suggestion = near
			ch.Options = append(ch.Options, views.Option{Value: "map:" + near, Text: "Map to " + near + " (suggested)", Selected: choice == "map:"+near})
		}
		for _, s := range catalogue {
			if s != near {
				ch.Options = append(ch.Options, views.Option{Value: "map:" + s, Text: "Map to " + s, Selected: choice == "map:"+s})
			}
		}
		v.Unknown = append(v.Unknown, *ch)
		if ch.NotCreated == "" {
			v.Creatable++
		}
	}
	// Into an empty catalogue every name is new: creating them all is the
	// one useful step, offered as the main action.
	v.EmptyCatalogue = len(services) == 0 && len(v.Unknown) > 0
	switch {
	case v.EmptyCatalogue && v.Creatable == 0:
		v.Blocked = "The service catalogue is empty and none of these names can become a service: add services first, then map the names to them."
	case v.EmptyCatalogue:
		v.Blocked = "The service catalogue is empty: create these " + strconv.Itoa(v.Creatable) + " services, or add services first."
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
	if u.opt.SourceOnly == nil {
		u.opt.SourceOnly = map[string]bool{}
	}
	for k, vs := range form {
		if name, ok := strings.CutPrefix(k, "svc:"); ok && len(vs) > 0 {
			u.opt.ServiceChoice[name] = vs[0]
			u.opt.SourceOnly[name] = form.Get("scope:"+name) != ""
		}
	}
	if form.Get("action") == "create_all" {
		// "Create these N services": every unknown name of the preview
		// that the naming rule allows; the others still need a mapping.
		for _, p := range u.previews {
			for _, un := range p.Result.Unknown {
				if analytics.CheckServiceName(un.Name) == nil {
					u.opt.ServiceChoice[un.Name] = "create"
				}
			}
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
			Updated: p.Result.Updated, Unchanged: p.Result.Unchanged, Rejected: p.Result.Rejected, Created: p.Result.Created,
			SLOs: sloChangeTable(p.Result.SLOs, false)}
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

// sampleTable shows a batch's first records as they will be stored: under
// the catalogue's service names (as mapped, aliased or created), without
// the rows the dry run rejected or whose service is not resolved yet.
func sampleTable(b *imports.Batch, res store.ImportResult, n int) views.Table {
	t := views.Table{TestID: "sample", Empty: "No record of the file would be stored yet: choose what to do with the unknown services, or fix the rejected rows.",
		Columns: []views.Column{{Label: "Kind"}, {Label: "Line", Numeric: true}, {Label: "ID"}, {Label: "Service / team"}, {Label: "Time (UTC)"}, {Label: "Details"}}}
	if b.Records() == 0 {
		t.Empty = "The file holds no records."
	}
	rejected := map[int]bool{}
	for _, e := range res.Errors {
		rejected[e.Line] = true
	}
	// service gives a record's service as stored; ok is false for one
	// that will not be stored.
	service := func(name string, line int) (string, bool) {
		if rejected[line] {
			return "", false
		}
		stored, ok := res.ServiceNames[name]
		switch {
		case !ok:
			return "", false
		case stored != name:
			return stored + " (" + name + " in the file)", true
		}
		return stored, true
	}
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
		line := b.Line(imports.IncidentKey(x.ExternalID))
		if svc, ok := service(x.Service, line); ok {
			add("incident", line, x.ExternalID, svc, x.DetectedAt, x.Title, sevLabel(x.Severity), x.Status, tm("resolved", x.ResolvedAt), x.CausedByRef)
		}
	}
	for _, x := range b.Deploys {
		line := b.Line(imports.DeployKey(x.ExternalID))
		if svc, ok := service(x.Service, line); ok {
			add("deploy", line, x.ExternalID, svc, x.FinishedAt, x.Status, x.Environment, x.Version)
		}
	}
	for _, x := range b.Pages {
		line := b.Line(imports.PageKey(x.ExternalID))
		svc, ok := "(from incident "+x.IncidentRef+")", !rejected[line]
		if x.Service != "" {
			svc, ok = service(x.Service, line)
		}
		if ok {
			responder := ""
			if r, ok := x.Interrupted(); ok {
				// Whom the page counts for in on-call health (Page.Interrupted).
				responder = previewRoles[r.Role] + " " + firstNonEmptyString(r.Name, r.Email)
			}
			add("page", line, x.ExternalID, svc, x.TriggeredAt, x.Title, x.Urgency, responder, tm("acked", x.AcknowledgedAt))
		}
	}
	for _, x := range b.ActionItems {
		line := b.Line(imports.ActionItemKey(x.ExternalID))
		svc, ok := "", !rejected[line]
		if x.Service != "" {
			svc, ok = service(x.Service, line)
		}
		if !ok {
			continue
		}
		var due time.Time
		if x.DueAt != nil {
			due = *x.DueAt
		}
		add("action item", line, x.ExternalID, svc, due, x.Title, x.IncidentRef, x.Owner)
	}
	for _, x := range b.SLIDays {
		line := b.Line(imports.SLIKey(x))
		if svc, ok := service(x.Service, line); ok {
			add("SLI day", line, x.SLO, svc, x.Day, strconv.FormatInt(x.Good, 10)+" good of "+strconv.FormatInt(x.Total, 10))
		}
	}
	for _, x := range b.Toil {
		line := b.Line(imports.ToilKey(x))
		if !rejected[line] {
			add("toil week", line, "", x.Team, x.WeekStart,
				strconv.FormatFloat(x.ToilHours, 'f', -1, 64)+" h toil of "+strconv.FormatFloat(x.TotalHours, 'f', -1, 64)+" h")
		}
	}
	return t
}
