package web

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics/store"
	"sreport/views"
)

// NewWebhookSecret returns a generated webhook secret (192 random bits).
func NewWebhookSecret() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// WebhookSetup says how to point a vendor at a receiver.
func WebhookSetup(source string) []string {
	switch source {
	case "github":
		return []string{
			"GitHub: repository or organisation Settings → Webhooks → Add webhook; Payload URL: this URL; Content type: application/json; Secret: the secret.",
			"Events: choose individual events, tick Deployment statuses (deployments) and Workflow runs (if a workflow deploys; name it in the receiver's workflow to skip the others).",
			"Signed with X-Hub-Signature-256; redelivering a delivery from GitHub is safe.",
		}
	case "gitlab":
		return []string{
			"GitLab: project or group Settings → Webhooks → Add new webhook; URL: this URL; Secret token: the secret.",
			"Trigger: Deployment events; Pipeline events only if your pipelines deploy (pipelines of the default branch and of tags count; name the deploy pipeline in the receiver to skip the others).",
		}
	case "pagerduty":
		return []string{
			"PagerDuty: Integrations → Generic Webhooks (v3) → New Webhook; Webhook URL: this URL.",
			"Event subscription: incident.triggered, incident.acknowledged, incident.unacknowledged, incident.resolved, incident.reopened, incident.priority_updated.",
			"PagerDuty shows the signing secret once after saving: use it as this receiver's secret (add the receiver with it, or rotate to it).",
		}
	case "opsgenie":
		return []string{
			"Opsgenie: Settings → Integrations → Add integration → Webhook; Webhook URL: this URL.",
			"Add a custom header " + OpsgenieSecretHeader + " whose value is the secret (Opsgenie signs nothing; the header proves the sender).",
			"Alert actions: Create, Acknowledge, Close.",
		}
	}
	return nil
}

// listWebhooks shows every receiver and the add form (admins).
func (h *Handler) listWebhooks(c echo.Context) error {
	v, err := h.webhooksView(c, views.WebhookForm{Source: store.WebhookSources[0]})
	if err != nil {
		return err
	}
	if c.QueryParam("done") == "deleted" {
		v.Layout.Flash = "The receiver was deleted."
	}
	return ok(c, views.WebhooksPage(v))
}

func (h *Handler) webhooksView(c echo.Context, form views.WebhookForm) (views.WebhooksView, error) {
	rs, err := h.store.WebhookReceivers(c.Request().Context())
	if err != nil {
		return views.WebhooksView{}, err
	}
	loc, err := h.reportingLocation(c)
	if err != nil {
		return views.WebhooksView{}, err
	}
	v := views.WebhooksView{Layout: h.layout(c, "Webhooks", views.NavAdmin), Sources: store.WebhookSources, Form: form,
		NoKey: h.cfg.Secrets == nil}
	for _, r := range rs {
		v.Receivers = append(v.Receivers, webhookRow(r, loc))
	}
	return v, nil
}

func webhookRow(r store.WebhookReceiver, loc *time.Location) views.WebhookRow {
	row := views.WebhookRow{ID: strconv.FormatInt(r.ID, 10), Name: r.Name, Source: r.Source, Path: r.Path(), Workflow: r.Workflow,
		Created: fmtTime(r.CreatedAt, loc), Rotated: fmtTimePtr(r.RotatedAt, loc), Deliveries: r.Deliveries, LastOutcome: r.LastOutcome,
		Href: "/admin/webhooks/" + strconv.FormatInt(r.ID, 10)}
	if r.RotatedAt == nil {
		row.Rotated = ""
	}
	if r.LastDelivery != nil {
		row.LastDelivery = fmtTime(*r.LastDelivery, loc)
	}
	return row
}

// absoluteURL is path on the host the admin reached sreport at.
func (h *Handler) absoluteURL(c echo.Context, path string) string {
	scheme := "http"
	if h.secureRequest(c) {
		scheme = "https"
	}
	return scheme + "://" + c.Request().Host + path
}

// webhookSecretInput is the typed secret, or a generated one (then shown).
func webhookSecretInput(c echo.Context) (secret string, generated bool) {
	if s := c.FormValue("secret"); s != "" {
		return s, false
	}
	return NewWebhookSecret(), true
}

// createWebhook adds a receiver (admins). The page answers directly rather
// than redirecting: a generated secret must not survive in a URL.
func (h *Handler) createWebhook(c echo.Context) error {
	form := views.WebhookForm{Name: c.FormValue("name"), Source: c.FormValue("source"), Workflow: c.FormValue("workflow"),
		Errors: map[string]string{}}
	if !store.ValidWebhookSource(form.Source) {
		form.Errors["source"] = "Choose github, gitlab, pagerduty or opsgenie."
	}
	if h.cfg.Secrets == nil {
		form.Errors["secret"] = "The server has no secret key to store the secret with."
	}
	secret, generated := webhookSecretInput(c)
	var shown *views.WebhookSecretShown
	if len(form.Errors) == 0 {
		r, err := h.store.CreateWebhookReceiver(c.Request().Context(), form.Name, form.Source, form.Workflow, []byte(secret),
			h.cfg.Secrets, h.cfg.Now(), h.Audit(c))
		switch {
		case errors.Is(err, store.ErrReceiverName):
			form.Errors["name"] = "Give a name of 1 to 100 characters that no other receiver has."
		case errors.Is(err, store.ErrWeakSecret):
			form.Errors["secret"] = "Use at least 16 characters, or leave it empty to generate one."
		case err != nil:
			return err
		default:
			shown = &views.WebhookSecretShown{Name: r.Name, URL: h.absoluteURL(c, r.Path()), Setup: WebhookSetup(r.Source)}
			if generated {
				shown.Secret = secret
			}
			form = views.WebhookForm{Source: store.WebhookSources[0]}
		}
	}
	v, err := h.webhooksView(c, form)
	if err != nil {
		return err
	}
	if shown == nil {
		return render(c, http.StatusUnprocessableEntity, views.WebhooksPage(v))
	}
	v.Shown = shown
	c.Response().Header().Set("Cache-Control", "no-store")
	return ok(c, views.WebhooksPage(v))
}

func (h *Handler) webhookParam(c echo.Context) (store.WebhookReceiver, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return store.WebhookReceiver{}, notFound("webhook receiver")
	}
	r, err := h.store.WebhookReceiverByID(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return r, notFound("webhook receiver")
	}
	return r, err
}

// showWebhook shows one receiver with its delivery log (admins).
func (h *Handler) showWebhook(c echo.Context) error {
	r, err := h.webhookParam(c)
	if err != nil {
		return err
	}
	return h.renderWebhook(c, r, nil)
}

func (h *Handler) renderWebhook(c echo.Context, r store.WebhookReceiver, shown *views.WebhookSecretShown) error {
	ds, err := h.store.WebhookDeliveries(c.Request().Context(), r.ID, 200)
	if err != nil {
		return err
	}
	loc, err := h.reportingLocation(c)
	if err != nil {
		return err
	}
	id := strconv.FormatInt(r.ID, 10)
	v := views.WebhookDeliveriesView{Layout: h.layout(c, "Webhook "+r.Name, views.NavAdmin), Receiver: webhookRow(r, loc),
		Retention: "for " + strconv.Itoa(int(store.DeliveryRetention.Hours()/24)) + " days (at most " + strconv.Itoa(store.DeliveryKeep) + ")",
		RotateURL: "/admin/webhooks/" + id + "/rotate", DeleteURL: "/admin/webhooks/" + id + "/delete", Setup: WebhookSetup(r.Source)}
	for _, d := range ds {
		row := views.DeliveryRow{Received: fmtTime(d.ReceivedAt, loc), DeliveryID: d.DeliveryID, Event: d.Event, Outcome: d.Outcome,
			Reason: d.Reason, Status: d.Status}
		if d.ImportID != 0 {
			row.ImportID = strconv.FormatInt(d.ImportID, 10)
			row.ImportHref = "/imports/" + row.ImportID
		}
		v.Deliveries = append(v.Deliveries, row)
	}
	if shown != nil {
		c.Response().Header().Set("Cache-Control", "no-store")
	}
	return ok(c, views.WebhookDeliveriesPage(v, shown))
}

// rotateWebhook replaces a receiver's secret (admins); the URL stays.
func (h *Handler) rotateWebhook(c echo.Context) error {
	r, err := h.webhookParam(c)
	if err != nil {
		return err
	}
	if h.cfg.Secrets == nil {
		return userError{http.StatusConflict, "The server has no secret key to store the secret with."}
	}
	secret, generated := webhookSecretInput(c)
	err = h.store.RotateWebhookSecret(c.Request().Context(), r.ID, []byte(secret), h.cfg.Secrets, h.cfg.Now(), h.Audit(c))
	if errors.Is(err, store.ErrWeakSecret) {
		return userError{http.StatusUnprocessableEntity, "Use at least 16 characters, or leave the secret empty to generate one."}
	}
	if err != nil {
		return err
	}
	if r, err = h.store.WebhookReceiverByID(c.Request().Context(), r.ID); err != nil {
		return err
	}
	shown := &views.WebhookSecretShown{Name: r.Name, URL: h.absoluteURL(c, r.Path()), Setup: []string{"The secret was replaced: set the new one at the vendor now; deliveries signed with the old one are refused."}}
	if generated {
		shown.Secret = secret
	}
	return h.renderWebhook(c, r, shown)
}

// deleteWebhook removes a receiver and its delivery log (admins).
func (h *Handler) deleteWebhook(c echo.Context) error {
	r, err := h.webhookParam(c)
	if err != nil {
		return err
	}
	if c.FormValue("confirm") != "yes" {
		return userError{http.StatusUnprocessableEntity, "Tick the box to confirm the deletion."}
	}
	if err := h.store.DeleteWebhookReceiver(c.Request().Context(), r.ID, h.Audit(c)); err != nil {
		return unwrapNotFound(err)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/webhooks?done=deleted")
}
