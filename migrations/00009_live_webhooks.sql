-- +goose Up
-- Webhook receivers: one per vendor endpoint that pushes events to sreport.
-- path_key is the unguessable last path segment of the receiver's URL;
-- secret is the shared secret (HMAC key or token), sealed with the key
-- outside the database (package secrets), never stored in the clear.
CREATE TABLE webhook_receivers (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    source      TEXT NOT NULL CHECK (source IN ('github', 'gitlab', 'pagerduty', 'opsgenie')),
    path_key    TEXT NOT NULL UNIQUE,
    secret      TEXT NOT NULL,
    workflow    TEXT NOT NULL DEFAULT '', -- GitHub workflow / GitLab pipeline name that deploys ('' = every one)
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    rotated_at  TEXT
);

-- Every delivery a receiver got, with what became of it; pruned by age and
-- count (store.DeliveryRetention, store.DeliveryKeep).
CREATE TABLE webhook_deliveries (
    id           INTEGER PRIMARY KEY,
    receiver_id  INTEGER NOT NULL REFERENCES webhook_receivers(id) ON DELETE CASCADE,
    delivery_id  TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    event        TEXT NOT NULL DEFAULT '',
    outcome      TEXT NOT NULL CHECK (outcome IN ('accepted', 'ignored', 'rejected')),
    reason       TEXT NOT NULL DEFAULT '',
    subject      TEXT NOT NULL DEFAULT '',
    occurred_at  TEXT,
    import_id    INTEGER REFERENCES imports(id) ON DELETE SET NULL,
    status       INTEGER NOT NULL,
    body_bytes   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_deliveries_received ON webhook_deliveries(receiver_id, received_at);
CREATE INDEX webhook_deliveries_delivery ON webhook_deliveries(receiver_id, delivery_id);
CREATE INDEX webhook_deliveries_subject ON webhook_deliveries(receiver_id, subject, occurred_at);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhook_receivers;
