package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics/imports"
	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/secrets"
)

// deliveryAnswer is what a receiver answers a vendor.
type deliveryAnswer struct {
	Outcome  string `json:"outcome"`
	Reason   string `json:"reason,omitempty"`
	ImportID int64  `json:"import_id,omitempty"`
}

// receiveWebhook takes one vendor delivery: it checks the signature (401
// and nothing written when it is wrong), skips a delivery it has already
// taken and one older than an event already applied to the same record,
// maps the payload through the vendor's importer and applies it as an
// import. Every delivery is logged with its outcome.
//
// A delivery whose records cannot be stored (an unknown service, a record
// the importer rejects) is answered 200 with outcome "rejected": vendors
// drop or disable endpoints that keep answering 4xx (PagerDuty after three),
// the reason is on the receiver's delivery page, and the vendor's
// "redeliver" works once the cause is fixed, because rejected deliveries
// are not remembered as done.
func (h *Handler) receiveWebhook(c echo.Context) error {
	ctx := c.Request().Context()
	rcv, err := h.store.WebhookReceiverByPath(ctx, c.Param("source"), c.Param("key"))
	if errors.Is(err, store.ErrNotFound) {
		return notFound("webhook receiver")
	}
	if err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	hd := c.Request().Header
	d := store.WebhookDelivery{ReceiverID: rcv.ID, DeliveryID: deliveryID(rcv.Source, body, hd), ReceivedAt: h.cfg.Now().UTC(),
		Event: eventHeader(rcv.Source, hd), BodyBytes: len(body)}
	answer := func(status int, outcome, reason string) error {
		d.Status, d.Outcome, d.Reason = status, outcome, reason
		if err := h.store.RecordDelivery(ctx, d); err != nil {
			return err
		}
		return c.JSON(status, deliveryAnswer{Outcome: outcome, Reason: reason, ImportID: d.ImportID})
	}
	if h.cfg.Secrets == nil {
		return errors.New("webhook: no secret key loaded (serve loads one at start-up)")
	}
	secret, err := h.cfg.Secrets.Open(rcv.Secret, store.WebhookSecretAAD(rcv.PathKey))
	if err != nil {
		if errors.Is(err, secrets.ErrDecrypt) {
			h.log.Error("webhook: cannot open the receiver's secret: the secret key differs from the one it was sealed with",
				"receiver", rcv.Name)
		}
		return fmt.Errorf("webhook %s: open secret: %w", rcv.Name, err)
	}
	if err := verifyDelivery(rcv.Source, secret, body, hd); err != nil {
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Signature realm="sreport webhooks"`)
		return answer(http.StatusUnauthorized, store.DeliveryRejected, err.Error())
	}
	if prev, err := h.store.DeliveryDone(ctx, rcv.ID, d.DeliveryID); err == nil {
		return answer(http.StatusOK, store.DeliveryIgnored, fmt.Sprintf("repeated delivery: first received %s (%s)",
			prev.ReceivedAt.Format(time.RFC3339), prev.Outcome))
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	b, ev, err := ingest.ParseWebhook(rcv.Source, d.Event, body, ingest.Options{Workflow: rcv.Workflow})
	d.Event, d.Subject, d.OccurredAt = firstNonEmptyString(ev.Kind, d.Event), ev.Subject, ev.OccurredAt
	if err != nil {
		return answer(http.StatusBadRequest, store.DeliveryRejected, err.Error())
	}
	if ev.Ignored != "" {
		return answer(http.StatusOK, store.DeliveryIgnored, ev.Ignored)
	}
	if ev.Subject != "" && ev.OccurredAt != nil {
		newer, err := h.store.NewerDelivery(ctx, rcv.ID, ev.Subject, *ev.OccurredAt)
		if err == nil {
			return answer(http.StatusOK, store.DeliveryIgnored, fmt.Sprintf("older than delivery %s about the same record (which happened %s)",
				newer.DeliveryID, newer.OccurredAt.Format(time.RFC3339)))
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	if rcv.Source == "opsgenie" {
		if err := h.keepOpsgenieAck(c, b); err != nil {
			return err
		}
	}
	sum := sha256.Sum256(body)
	actor := "webhook:" + rcv.Name
	au := h.Audit(c)
	au.UserID, au.Actor = 0, actor
	res, err := h.store.ApplyBatch(ctx, b, store.ApplyOptions{Actor: actor, FileName: "webhook " + rcv.Name + ": " + d.Event + " " + d.DeliveryID,
		SHA256: hex.EncodeToString(sum[:]), SkipUnchanged: true, Audit: au})
	var ie *store.ImportError
	if errors.As(err, &ie) {
		return answer(http.StatusOK, store.DeliveryRejected, ie.Error())
	}
	if err != nil {
		d.Status, d.Outcome, d.Reason = http.StatusInternalServerError, store.DeliveryRejected, "internal error (logged); the vendor's retry is taken"
		if lerr := h.store.RecordDelivery(ctx, d); lerr != nil {
			h.log.Error("webhook: log delivery", "receiver", rcv.Name, "error", lerr.Error())
		}
		return err
	}
	d.ImportID = res.ImportID
	reason := fmt.Sprintf("%d inserted, %d updated, %d unchanged", res.Inserted, res.Updated, res.Unchanged)
	if len(res.Warnings) > 0 {
		reason += "; " + strings.Join(res.Warnings, "; ")
	}
	return answer(http.StatusOK, store.DeliveryAccepted, reason)
}

// keepOpsgenieAck gives a page the acknowledgement an earlier delivery
// stored: a Close action does not say whether the alert was acknowledged,
// and without it a closed page would look auto-resolved.
func (h *Handler) keepOpsgenieAck(c echo.Context, b *imports.Batch) error {
	for i := range b.Pages {
		pg := &b.Pages[i]
		ack, err := h.store.PageAcknowledgedAt(c.Request().Context(), b.Source, pg.ExternalID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if pg.AcknowledgedAt == nil && ack != nil {
			pg.AcknowledgedAt = ack
		}
		if pg.AcknowledgedAt != nil {
			pg.AutoResolved = false
		}
	}
	return nil
}

func firstNonEmptyString(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
