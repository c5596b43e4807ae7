package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mattn/go-sqlite3"
)

// Webhook sources a receiver can have.
var WebhookSources = []string{"github", "gitlab", "pagerduty", "opsgenie"}

// Delivery outcomes.
const (
	DeliveryAccepted = "accepted"
	DeliveryIgnored  = "ignored"
	DeliveryRejected = "rejected"
)

// DeliveryRetention is how long the delivery log keeps a delivery, and
// DeliveryKeep how many a receiver keeps at most: enough to see what
// happened and to recognise a vendor's retries (hours at most), bounded so a
// noisy or hostile sender cannot grow the database.
const (
	DeliveryRetention = 30 * 24 * time.Hour
	DeliveryKeep      = 5000
)

// MaxReceiverNameRunes caps a receiver's name.
const MaxReceiverNameRunes = 100

// ErrReceiverName is returned for a receiver name that is empty, too long
// or already used.
var ErrReceiverName = errors.New("invalid webhook receiver name")

// WebhookReceiver is one endpoint a vendor delivers events to.
type WebhookReceiver struct {
	ID      int64
	Name    string
	Source  string
	PathKey string
	// Secret is the sealed shared secret (secrets.Box.Seal with
	// WebhookSecretAAD(PathKey)); it is never stored or shown in the clear.
	Secret    string
	Workflow  string
	CreatedAt time.Time
	CreatedBy string
	RotatedAt *time.Time
	// Filled by WebhookReceivers only.
	Deliveries   int
	LastDelivery *time.Time
	LastOutcome  string
}

// Path is where the receiver listens.
func (r WebhookReceiver) Path() string { return "/webhooks/" + r.Source + "/" + r.PathKey }

// WebhookSecretAAD binds a receiver's sealed secret to its key, so a sealed
// value copied onto another receiver does not open there.
func WebhookSecretAAD(pathKey string) string { return "webhook:" + pathKey }

// NewWebhookPathKey returns a fresh unguessable path segment (144 bits).
func NewWebhookPathKey() string {
	var b [18]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ValidWebhookSource reports whether s is a webhook source.
func ValidWebhookSource(s string) bool {
	for _, x := range WebhookSources {
		if x == s {
			return true
		}
	}
	return false
}

// receiverAudit is what the audit log keeps of a receiver: never its secret.
type receiverAudit struct {
	Name     string `json:"name"`
	Source   string `json:"source"`
	Path     string `json:"path"`
	Workflow string `json:"workflow,omitempty"`
}

func auditOf(r WebhookReceiver) receiverAudit {
	return receiverAudit{Name: r.Name, Source: r.Source, Path: r.Path(), Workflow: r.Workflow}
}

// MinWebhookSecretBytes is the shortest secret a receiver takes: a shared
// HMAC key or token anyone could guess protects nothing.
const MinWebhookSecretBytes = 16

// ErrWeakSecret is returned for a webhook secret shorter than
// MinWebhookSecretBytes.
var ErrWeakSecret = fmt.Errorf("a webhook secret needs at least %d characters", MinWebhookSecretBytes)

// Sealer seals a secret for storage; secrets.Box is one.
type Sealer interface {
	Seal(plaintext []byte, aad string) (string, error)
}

// CreateWebhookReceiver stores a new receiver with a fresh path key and
// its secret sealed by box (bound to the path key, WebhookSecretAAD).
func (s *Store) CreateWebhookReceiver(ctx context.Context, name, source, workflow string, secret []byte, box Sealer, now time.Time, a Audit) (WebhookReceiver, error) {
	r := WebhookReceiver{Name: strings.TrimSpace(name), Source: source, Workflow: strings.TrimSpace(workflow), PathKey: NewWebhookPathKey()}
	if r.Name == "" || utf8.RuneCountInString(r.Name) > MaxReceiverNameRunes {
		return r, fmt.Errorf("store: webhook receiver name must be 1 to %d characters: %w", MaxReceiverNameRunes, ErrReceiverName)
	}
	if !ValidWebhookSource(r.Source) {
		return r, fmt.Errorf("store: webhook source %q: must be one of %s", r.Source, strings.Join(WebhookSources, ", "))
	}
	sealed, err := sealWebhookSecret(secret, box, r.PathKey)
	if err != nil {
		return r, err
	}
	r.Secret = sealed
	r.CreatedAt, r.CreatedBy = now.UTC().Truncate(time.Second), a.Actor
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO webhook_receivers (name, source, path_key, secret, workflow, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, r.Name, r.Source, r.PathKey, r.Secret, r.Workflow, FormatTime(r.CreatedAt), r.CreatedBy)
		var se sqlite3.Error
		if errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique && strings.Contains(err.Error(), "webhook_receivers.name") {
			return fmt.Errorf("store: a webhook receiver named %q exists already: %w", r.Name, ErrReceiverName)
		}
		if err != nil {
			return fmt.Errorf("store: create webhook receiver: %w", err)
		}
		if r.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		a.Action, a.Entity, a.EntityID, a.After = "create", "webhook_receivers", strconv.FormatInt(r.ID, 10), auditOf(r)
		return WriteAudit(ctx, tx, a)
	})
	return r, err
}

func sealWebhookSecret(secret []byte, box Sealer, pathKey string) (string, error) {
	if len(secret) < MinWebhookSecretBytes {
		return "", fmt.Errorf("store: %w", ErrWeakSecret)
	}
	if box == nil {
		return "", errors.New("store: no secret key to seal the webhook secret with")
	}
	sealed, err := box.Seal(secret, WebhookSecretAAD(pathKey))
	if err != nil {
		return "", fmt.Errorf("store: seal webhook secret: %w", err)
	}
	return sealed, nil
}

const receiverCols = `r.id, r.name, r.source, r.path_key, r.secret, r.workflow, r.created_at, r.created_by, r.rotated_at`

func scanReceiver(sc interface{ Scan(...any) error }, extra ...any) (WebhookReceiver, error) {
	var r WebhookReceiver
	var created string
	var rotated sql.NullString
	dst := append([]any{&r.ID, &r.Name, &r.Source, &r.PathKey, &r.Secret, &r.Workflow, &created, &r.CreatedBy, &rotated}, extra...)
	if err := sc.Scan(dst...); err != nil {
		return r, err
	}
	var err error
	if r.CreatedAt, err = ParseTime(created); err != nil {
		return r, err
	}
	r.RotatedAt, err = parseNullTime(rotated)
	return r, err
}

// WebhookReceivers lists every receiver with its delivery count and last
// delivery, by name.
func (s *Store) WebhookReceivers(ctx context.Context) ([]WebhookReceiver, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+receiverCols+`,
		(SELECT COUNT(*) FROM webhook_deliveries d WHERE d.receiver_id = r.id),
		(SELECT d.received_at FROM webhook_deliveries d WHERE d.receiver_id = r.id ORDER BY d.id DESC LIMIT 1),
		COALESCE((SELECT d.outcome FROM webhook_deliveries d WHERE d.receiver_id = r.id ORDER BY d.id DESC LIMIT 1), '')
		FROM webhook_receivers r ORDER BY r.name`)
	if err != nil {
		return nil, fmt.Errorf("store: load webhook receivers: %w", err)
	}
	defer rows.Close()
	var out []WebhookReceiver
	for rows.Next() {
		var n int
		var last sql.NullString
		var outcome string
		r, err := scanReceiver(rows, &n, &last, &outcome)
		if err != nil {
			return nil, fmt.Errorf("store: load webhook receivers: %w", err)
		}
		r.Deliveries, r.LastOutcome = n, outcome
		if r.LastDelivery, err = parseNullTime(last); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *Store) receiverWhere(ctx context.Context, where string, args ...any) (WebhookReceiver, error) {
	r, err := scanReceiver(s.db.QueryRowContext(ctx, `SELECT `+receiverCols+` FROM webhook_receivers r WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("store: webhook receiver: %w", ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("store: load webhook receiver: %w", err)
	}
	return r, nil
}

// WebhookReceiverByID returns one receiver or ErrNotFound.
func (s *Store) WebhookReceiverByID(ctx context.Context, id int64) (WebhookReceiver, error) {
	return s.receiverWhere(ctx, `r.id = ?`, id)
}

// WebhookReceiverByPath returns the receiver listening on
// /webhooks/{source}/{key}, or ErrNotFound.
func (s *Store) WebhookReceiverByPath(ctx context.Context, source, key string) (WebhookReceiver, error) {
	return s.receiverWhere(ctx, `r.source = ? AND r.path_key = ?`, source, key)
}

// WebhookReceiverByName returns one receiver or ErrNotFound.
func (s *Store) WebhookReceiverByName(ctx context.Context, name string) (WebhookReceiver, error) {
	return s.receiverWhere(ctx, `r.name = ?`, strings.TrimSpace(name))
}

// RotateWebhookSecret replaces a receiver's secret, sealed by box for its
// path key, which stays: the vendor keeps the URL and gets the new secret.
func (s *Store) RotateWebhookSecret(ctx context.Context, id int64, secret []byte, box Sealer, now time.Time, a Audit) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var key string
		err := tx.QueryRowContext(ctx, `SELECT path_key FROM webhook_receivers WHERE id = ?`, id).Scan(&key)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: webhook receiver %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: load webhook receiver: %w", err)
		}
		sealed, err := sealWebhookSecret(secret, box, key)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_receivers SET secret = ?, rotated_at = ? WHERE id = ?`, sealed, FormatTime(now), id); err != nil {
			return fmt.Errorf("store: rotate webhook secret: %w", err)
		}
		a.Action, a.Entity, a.EntityID, a.After = "rotate_secret", "webhook_receivers", strconv.FormatInt(id, 10), map[string]string{"secret": "replaced"}
		return WriteAudit(ctx, tx, a)
	})
}

// DeleteWebhookReceiver removes a receiver and its delivery log; the
// records its deliveries imported stay (roll back their imports to remove
// them).
func (s *Store) DeleteWebhookReceiver(ctx context.Context, id int64, a Audit) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		r, err := scanReceiver(tx.QueryRowContext(ctx, `SELECT `+receiverCols+` FROM webhook_receivers r WHERE r.id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: webhook receiver %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: load webhook receiver: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_receivers WHERE id = ?`, id); err != nil {
			return fmt.Errorf("store: delete webhook receiver: %w", err)
		}
		a.Action, a.Entity, a.EntityID, a.Before = "delete", "webhook_receivers", strconv.FormatInt(id, 10), auditOf(r)
		return WriteAudit(ctx, tx, a)
	})
}

// WebhookDelivery is one logged delivery.
type WebhookDelivery struct {
	ID         int64
	ReceiverID int64
	DeliveryID string
	ReceivedAt time.Time
	Event      string
	Outcome    string
	Reason     string
	Subject    string
	OccurredAt *time.Time
	ImportID   int64
	Status     int
	BodyBytes  int
}

// RecordDelivery logs one delivery and prunes the receiver's log to
// DeliveryRetention and DeliveryKeep.
func (s *Store) RecordDelivery(ctx context.Context, d WebhookDelivery) error {
	var imp any
	if d.ImportID != 0 {
		imp = d.ImportID
	}
	if len(d.Reason) > 2000 {
		d.Reason = d.Reason[:2000] + "…"
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (receiver_id, delivery_id, received_at, event, outcome, reason,
			subject, occurred_at, import_id, status, body_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.ReceiverID, d.DeliveryID, FormatTime(d.ReceivedAt), d.Event, d.Outcome, d.Reason, d.Subject, NullTime(d.OccurredAt),
			imp, d.Status, d.BodyBytes); err != nil {
			return fmt.Errorf("store: log webhook delivery: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE receiver_id = ? AND (received_at < ? OR id <= (
			SELECT id FROM webhook_deliveries WHERE receiver_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?))`,
			d.ReceiverID, FormatTime(d.ReceivedAt.Add(-DeliveryRetention)), d.ReceiverID, DeliveryKeep); err != nil {
			return fmt.Errorf("store: prune webhook deliveries: %w", err)
		}
		return nil
	})
}

// DeliveryDone returns the earlier delivery with this id that was accepted
// or ignored (a rejected one may be redelivered once its cause is fixed),
// or ErrNotFound.
func (s *Store) DeliveryDone(ctx context.Context, receiverID int64, deliveryID string) (WebhookDelivery, error) {
	ds, err := s.deliveries(ctx, `receiver_id = ? AND delivery_id = ? AND outcome IN ('accepted', 'ignored') ORDER BY id LIMIT 1`,
		receiverID, deliveryID)
	if err != nil {
		return WebhookDelivery{}, err
	}
	if len(ds) == 0 {
		return WebhookDelivery{}, fmt.Errorf("store: delivery %s: %w", deliveryID, ErrNotFound)
	}
	return ds[0], nil
}

// NewerDelivery returns an accepted delivery about the same subject that
// happened after at, or ErrNotFound: a vendor's retry can arrive after the
// next event, and applying it would undo that event.
func (s *Store) NewerDelivery(ctx context.Context, receiverID int64, subject string, at time.Time) (WebhookDelivery, error) {
	ds, err := s.deliveries(ctx, `receiver_id = ? AND subject = ? AND outcome = 'accepted' AND occurred_at > ? ORDER BY occurred_at DESC LIMIT 1`,
		receiverID, subject, FormatTime(at))
	if err != nil {
		return WebhookDelivery{}, err
	}
	if len(ds) == 0 {
		return WebhookDelivery{}, fmt.Errorf("store: newer delivery: %w", ErrNotFound)
	}
	return ds[0], nil
}

// WebhookDeliveries returns a receiver's newest deliveries (at most limit).
func (s *Store) WebhookDeliveries(ctx context.Context, receiverID int64, limit int) ([]WebhookDelivery, error) {
	return s.deliveries(ctx, `receiver_id = ? ORDER BY id DESC LIMIT ?`, receiverID, limit)
}

func (s *Store) deliveries(ctx context.Context, where string, args ...any) ([]WebhookDelivery, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, receiver_id, delivery_id, received_at, event, outcome, reason, subject,
		occurred_at, COALESCE(import_id, 0), status, body_bytes FROM webhook_deliveries WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: load webhook deliveries: %w", err)
	}
	defer rows.Close()
	var out []WebhookDelivery
	for rows.Next() {
		var d WebhookDelivery
		var received string
		var occurred sql.NullString
		if err := rows.Scan(&d.ID, &d.ReceiverID, &d.DeliveryID, &received, &d.Event, &d.Outcome, &d.Reason, &d.Subject,
			&occurred, &d.ImportID, &d.Status, &d.BodyBytes); err != nil {
			return nil, fmt.Errorf("store: load webhook deliveries: %w", err)
		}
		if d.ReceivedAt, err = ParseTime(received); err != nil {
			return nil, err
		}
		if d.OccurredAt, err = parseNullTime(occurred); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
