package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/imports"
	"sreport/analytics/store"
	"sreport/views"
)

// catalogueInput carries a rejected submission back into the page.
type catalogueInput struct {
	newService *views.ServiceForm
	rowID      string            // the service row whose form was rejected
	row        map[string]string // its submitted values
	rowErrs    map[string]string
	newAlias   *views.AliasForm
}

// listCatalogue shows the service catalogue for editing.
func (h *Handler) listCatalogue(c echo.Context) error {
	v, err := h.catalogueView(c, catalogueInput{})
	if err != nil {
		return err
	}
	switch c.QueryParam("done") {
	case "saved":
		v.Layout.Flash = "Saved."
	case "merged":
		v.Layout.Flash = "Merged: every record now belongs to " + c.QueryParam("into") + "."
	}
	return ok(c, views.CataloguePage(v))
}

func (h *Handler) catalogueView(c echo.Context, in catalogueInput) (views.CatalogueView, error) {
	ctx := c.Request().Context()
	sums, err := h.store.ServiceSummaries(ctx, store.TimeRange{})
	if err != nil {
		return views.CatalogueView{}, err
	}
	teams, err := h.store.Teams(ctx)
	if err != nil {
		return views.CatalogueView{}, err
	}
	aliases, err := h.store.ServiceAliases(ctx)
	if err != nil {
		return views.CatalogueView{}, err
	}
	v := views.CatalogueView{Layout: h.layout(c, "Service catalogue", views.NavSettings),
		New: views.ServiceForm{Tier: strconv.Itoa(store.DefaultNewServiceTier), OnCallTZ: "UTC"}}
	if in.newService != nil {
		v.New = *in.newService
	}
	if in.newAlias != nil {
		v.NewAlias = *in.newAlias
	}
	for _, t := range teams {
		v.Teams = append(v.Teams, t.Name)
	}
	for _, s := range sums {
		id := itoa64(s.ID)
		r := views.CatalogueRow{ID: id, Name: s.Name, Tier: strconv.Itoa(s.Tier), Team: s.Team, OnCallTZ: s.OnCallTZ,
			Description: s.Description, Incidents: s.Incidents, Deploys: s.Deploys, Pages: s.Pages,
			Action: "/settings/services/" + id, MergeAction: "/settings/services/" + id + "/merge"}
		if id == in.rowID {
			if in.row != nil {
				r.Name, r.Tier, r.Team, r.OnCallTZ = in.row["name"], in.row["tier"], in.row["team"], in.row["oncall_tz"]
			}
			r.Errors = in.rowErrs
		}
		v.Services = append(v.Services, r)
		v.Targets = append(v.Targets, views.Option{Value: id, Text: s.Name})
	}
	for _, a := range aliases {
		v.Aliases = append(v.Aliases, views.AliasRow{Source: a.Source, Alias: a.Alias, Service: a.Service, DeleteAction: "/settings/aliases/delete"})
	}
	return v, nil
}

func (h *Handler) rejectCatalogue(c echo.Context, in catalogueInput) error {
	v, err := h.catalogueView(c, in)
	if err != nil {
		return err
	}
	return render(c, http.StatusUnprocessableEntity, views.CataloguePage(v))
}

// readServiceForm validates a service's name, tier, team and timezone.
// current is the service's name now ("" for a new one): a name kept as it
// is passes even if it predates the naming rule.
func readServiceForm(c echo.Context, current string) (store.ServiceInput, map[string]string, map[string]string) {
	raw := map[string]string{
		"name": strings.TrimSpace(c.FormValue("name")), "tier": c.FormValue("tier"),
		"team": strings.TrimSpace(c.FormValue("team")), "oncall_tz": strings.TrimSpace(c.FormValue("oncall_tz")),
		"description": strings.TrimSpace(c.FormValue("description")),
	}
	errs := map[string]string{}
	in := store.ServiceInput{Name: raw["name"], Team: raw["team"], OnCallTZ: raw["oncall_tz"], Description: raw["description"]}
	if in.Name == "" {
		errs["name"] = "Enter a name."
	} else if err := analytics.CheckServiceName(in.Name); err != nil && in.Name != current {
		errs["name"] = sentence(err.Error())
	}
	tier, err := strconv.Atoi(raw["tier"])
	if err != nil || tier < 0 || tier > 3 {
		errs["tier"] = "Choose tier 0 to 3."
	}
	in.Tier = tier
	if in.OnCallTZ == "" {
		in.OnCallTZ = "UTC"
	}
	if _, err := time.LoadLocation(in.OnCallTZ); err != nil {
		errs["oncall_tz"] = "Enter an IANA timezone such as Europe/Berlin."
	}
	if len(in.Team) > 100 {
		errs["team"] = "Use up to 100 characters."
	}
	return in, raw, errs
}

// createService adds a service to the catalogue.
func (h *Handler) createService(c echo.Context) error {
	in, raw, errs := readServiceForm(c, "")
	if len(errs) == 0 {
		_, err := h.store.CreateService(c.Request().Context(), in, h.Audit(c))
		switch {
		case errors.Is(err, store.ErrNameTaken):
			errs["name"] = "A service with this name exists."
		case err != nil:
			return err
		default:
			return c.Redirect(http.StatusSeeOther, "/settings/services?done=saved")
		}
	}
	form := views.ServiceForm{Name: raw["name"], Tier: raw["tier"], Team: raw["team"], OnCallTZ: raw["oncall_tz"], Errors: errs}
	return h.rejectCatalogue(c, catalogueInput{newService: &form})
}

// sentence capitalises a message and ends it with a full stop.
func sentence(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:] + "."
}

// updateService renames a service or changes its tier, team or on-call timezone.
func (h *Handler) updateService(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	cur, err := h.store.ServiceByID(c.Request().Context(), id)
	if err != nil {
		return notFoundOr(err, "service")
	}
	in, raw, errs := readServiceForm(c, cur.Name)
	if len(errs) == 0 {
		err := h.store.UpdateService(c.Request().Context(), id, in, h.Audit(c))
		switch {
		case errors.Is(err, store.ErrNameTaken):
			errs["name"] = "Another service has this name; merge instead."
		case errors.Is(err, store.ErrNotFound):
			return notFound("service")
		case err != nil:
			return err
		default:
			return c.Redirect(http.StatusSeeOther, "/settings/services?done=saved")
		}
	}
	return h.rejectCatalogue(c, catalogueInput{rowID: itoa64(id), row: raw, rowErrs: errs})
}

// mergeService moves every record of one service into another and deletes it.
func (h *Handler) mergeService(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if _, err := h.store.ServiceByID(ctx, id); err != nil {
		return notFoundOr(err, "service")
	}
	into, err := strconv.ParseInt(c.FormValue("into"), 10, 64)
	if err != nil || into == id {
		return h.rejectCatalogue(c, catalogueInput{rowID: itoa64(id), rowErrs: map[string]string{"into": "Choose another service to merge into."}})
	}
	target, err := h.store.ServiceByID(ctx, into)
	if errors.Is(err, store.ErrNotFound) {
		return h.rejectCatalogue(c, catalogueInput{rowID: itoa64(id), rowErrs: map[string]string{"into": "That service does not exist any more."}})
	}
	if err != nil {
		return err
	}
	if _, err := h.store.MergeServices(ctx, id, into, h.Audit(c)); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/settings/services?done=merged&into="+url.QueryEscape(target.Name))
}

// saveAlias maps a source's name for a service.
func (h *Handler) saveAlias(c echo.Context) error {
	f := views.AliasForm{Source: strings.TrimSpace(c.FormValue("source")), Alias: strings.TrimSpace(c.FormValue("alias")),
		Service: c.FormValue("service"), Errors: map[string]string{}}
	if f.Source == "" {
		f.Errors["source"] = "Enter the source, e.g. pagerduty."
	}
	if f.Alias == "" {
		f.Errors["alias"] = "Enter the name the source uses."
	} else if err := store.CheckAlias(f.Source, f.Alias); err != nil && f.Source != "" {
		f.Errors["alias"] = "Use up to " + strconv.Itoa(imports.MaxNameChars) + " characters of text without control characters (the source: up to " +
			strconv.Itoa(imports.MaxLabelChars) + ")."
	}
	id, err := strconv.ParseInt(f.Service, 10, 64)
	if err != nil {
		f.Errors["service"] = "Choose a service."
	}
	if len(f.Errors) == 0 {
		err := h.store.SetServiceAlias(c.Request().Context(), f.Source, f.Alias, id, h.Audit(c))
		switch {
		case errors.Is(err, store.ErrNotFound):
			f.Errors["service"] = "That service does not exist any more."
		case err != nil:
			return err
		default:
			return c.Redirect(http.StatusSeeOther, "/settings/services?done=saved")
		}
	}
	return h.rejectCatalogue(c, catalogueInput{newAlias: &f})
}

// deleteAlias removes a source-name mapping.
func (h *Handler) deleteAlias(c echo.Context) error {
	err := h.store.RemoveServiceAlias(c.Request().Context(), c.FormValue("source"), c.FormValue("alias"), h.Audit(c))
	if errors.Is(err, store.ErrNotFound) {
		return notFound("mapping")
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/settings/services?done=saved")
}
