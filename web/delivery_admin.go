package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/reporting"
	"sreport/analytics/store"
	"sreport/mailer"
	"sreport/views"
)

// showDelivery renders /admin/delivery: SMTP settings and schedules.
func (h *Handler) showDelivery(c echo.Context) error {
	v, err := h.deliveryView(c, nil, views.ScheduleForm{Errors: map[string]string{}})
	if err != nil {
		return err
	}
	switch c.QueryParam("done") {
	case "smtp":
		v.Layout.Flash = "The mail server was saved."
	case "added":
		v.Layout.Flash = "The schedule was added."
	case "deleted":
		v.Layout.Flash = "The schedule was deleted."
	case "sent":
		v.Layout.Flash = "The test report was sent to the schedule's recipients."
	}
	return ok(c, views.DeliveryPage(v))
}

// deliveryView builds the page; smtp is the form state after a failed
// save (nil: the stored settings).
func (h *Handler) deliveryView(c echo.Context, smtp *views.SMTPForm, form views.ScheduleForm) (views.DeliveryView, error) {
	ctx := c.Request().Context()
	v := views.DeliveryView{Layout: h.layout(c, "Report delivery", views.NavAdmin), New: form, NoKey: h.cfg.Secrets == nil}
	if smtp != nil {
		v.SMTP = *smtp
	} else {
		m, err := h.store.SMTP(ctx)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return v, err
		}
		v.SMTP = views.SMTPForm{Host: m.Host, Security: m.Security, Username: m.Username, Sender: m.Sender, PublicURL: m.PublicURL,
			PasswordSet: m.PasswordSealed != "", Errors: map[string]string{}}
		if m.Port > 0 {
			v.SMTP.Port = strconv.Itoa(m.Port)
		}
	}
	env, err := h.env(ctx)
	if err != nil {
		return v, err
	}
	for _, s := range env.Services {
		if s.Team != "" && !slices.Contains(v.Teams, s.Team) {
			v.Teams = append(v.Teams, s.Team)
		}
	}
	slices.Sort(v.Teams)
	scheds, err := h.store.ReportSchedules(ctx)
	if err != nil {
		return v, err
	}
	loc := env.Settings.Location()
	now := h.cfg.Now()
	for _, sc := range scheds {
		id := strconv.FormatInt(sc.ID, 10)
		row := views.ScheduleRow{ID: id, Kind: string(sc.Kind), Scope: reporting.Request{Team: sc.Team, Tier: sc.Tier}.Heading(),
			Recipients: strings.Join(sc.Recipients, ", "), LastPeriod: sc.LastPeriod, LastSent: "never", LastError: sc.LastError,
			TestHref: "/admin/delivery/schedules/" + id + "/test", DeleteHref: "/admin/delivery/schedules/" + id + "/delete"}
		if sc.LastSentAt != nil {
			row.LastSent = sc.LastPeriod + ", " + fmtTime(*sc.LastSentAt, loc)
		}
		if p, due := sc.DuePeriod(now, loc); due {
			row.NextPeriod = p.Label + ", within minutes"
		} else {
			cur := analytics.MonthOf(now, loc)
			if sc.Kind == analytics.Quarter {
				cur = analytics.QuarterOf(now, loc)
			}
			row.NextPeriod = cur.Label + ", after " + cur.To.In(loc).Format("2 Jan 2006")
		}
		v.Schedules = append(v.Schedules, row)
	}
	return v, nil
}

// saveSMTP stores the mail server settings, sealing a new password.
func (h *Handler) saveSMTP(c echo.Context) error {
	ctx := c.Request().Context()
	f := views.SMTPForm{Host: strings.TrimSpace(c.FormValue("host")), Port: strings.TrimSpace(c.FormValue("port")), Security: c.FormValue("security"),
		Username: strings.TrimSpace(c.FormValue("username")), Sender: strings.TrimSpace(c.FormValue("sender")),
		PublicURL: strings.TrimRight(strings.TrimSpace(c.FormValue("public_url")), "/")}
	port, _ := strconv.Atoi(f.Port)
	f.Errors = mailer.Server{Host: f.Host, Port: port, Security: f.Security, From: f.Sender}.Validate()
	if f.PublicURL != "" {
		if u, err := url.Parse(f.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			f.Errors["public_url"] = "Enter the address readers open sreport at, e.g. https://sreport.example.com."
		}
	}
	cur, err := h.store.SMTP(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	f.PasswordSet = cur.PasswordSealed != ""
	m := store.SMTPSettings{Host: f.Host, Port: port, Security: f.Security, Username: f.Username, Sender: f.Sender,
		PublicURL: f.PublicURL, PasswordSealed: cur.PasswordSealed}
	if pw := c.FormValue("password"); pw != "" {
		if h.cfg.Secrets == nil {
			f.Errors["password"] = "The server has no secret key to store the password with."
		} else if m.PasswordSealed, err = h.cfg.Secrets.Seal([]byte(pw), smtpPasswordAAD); err != nil {
			return err
		}
	}
	if f.Username == "" {
		m.PasswordSealed = ""
	}
	if len(f.Errors) > 0 {
		v, err := h.deliveryView(c, &f, views.ScheduleForm{Errors: map[string]string{}})
		if err != nil {
			return err
		}
		return render(c, http.StatusUnprocessableEntity, views.DeliveryPage(v))
	}
	if err := h.store.SaveSMTP(ctx, m, h.Audit(c)); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/delivery?done=smtp")
}

// createSchedule adds a report schedule.
func (h *Handler) createSchedule(c echo.Context) error {
	ctx := c.Request().Context()
	f := views.ScheduleForm{Kind: c.FormValue("kind"), Team: c.FormValue("team"), Tier: c.FormValue("tier"),
		Recipients: strings.TrimSpace(c.FormValue("recipients")), Errors: map[string]string{}}
	sc := analytics.ReportSchedule{Kind: analytics.PeriodKind(f.Kind), Team: f.Team, CreatedAt: h.cfg.Now()}
	if sc.Kind != analytics.Month && sc.Kind != analytics.Quarter {
		f.Errors["kind"] = "Choose month or quarter."
	}
	if f.Tier != "" {
		n, err := strconv.Atoi(f.Tier)
		if err != nil || n < 0 || n > 3 {
			f.Errors["tier"] = "Choose a tier from 0 to 3."
		}
		sc.Tier = &n
	}
	env, err := h.env(ctx)
	if err != nil {
		return err
	}
	if _, err := env.Filter(reporting.Request{Team: sc.Team, Tier: sc.Tier}.Scope()); err != nil && f.Errors["tier"] == "" {
		f.Errors["team"] = "Choose a team that has services."
	}
	addrs, bad := mailer.Recipients(f.Recipients)
	switch {
	case len(bad) > 0:
		f.Errors["recipients"] = "These are not e-mail addresses: " + strings.Join(bad, ", ") + "."
	case len(addrs) == 0:
		f.Errors["recipients"] = "Enter at least one e-mail address."
	case len(addrs) > 50:
		f.Errors["recipients"] = "Send to at most 50 addresses; use a mailing list for more."
	}
	sc.Recipients = addrs
	if len(f.Errors) > 0 {
		v, err := h.deliveryView(c, nil, f)
		if err != nil {
			return err
		}
		return render(c, http.StatusUnprocessableEntity, views.DeliveryPage(v))
	}
	if _, err := h.store.CreateReportSchedule(ctx, sc, h.Audit(c)); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/delivery?done=added")
}

// deleteSchedule removes a schedule.
func (h *Handler) deleteSchedule(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := h.store.DeleteReportSchedule(c.Request().Context(), id, h.Audit(c)); err != nil {
		return notFoundOr(err, "schedule")
	}
	return c.Redirect(http.StatusSeeOther, "/admin/delivery?done=deleted")
}

// testSchedule sends the schedule's latest ended period now, to its
// recipients, without counting it as the scheduled delivery.
func (h *Handler) testSchedule(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c)
	if err != nil {
		return err
	}
	sc, err := h.store.ReportSchedule(ctx, id)
	if err != nil {
		return notFoundOr(err, "schedule")
	}
	st, err := h.store.Settings(ctx)
	if err != nil {
		return err
	}
	p, _ := sc.DuePeriod(h.cfg.Now(), st.Location())
	if err := h.deliverReport(ctx, sc, p.Label); err != nil {
		h.log.Warn("test report delivery failed", "schedule", sc.ID, "err", err)
		return userError{http.StatusBadGateway, "The test report was not sent: " + err.Error()}
	}
	return c.Redirect(http.StatusSeeOther, "/admin/delivery?done=sent")
}
