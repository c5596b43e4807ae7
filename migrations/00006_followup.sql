-- +goose Up
-- A user's edits of an imported action item, kept apart from the imported
-- row like incident_overrides so a re-import never overwrites them. The
-- effective value is COALESCE(override, imported); closed_at '' means the
-- user reopened an item the source has closed. Items created in the app
-- (source 'app') are edited in place and never get a row here.
CREATE TABLE action_item_overrides (
    action_item_id  INTEGER PRIMARY KEY REFERENCES action_items(id) ON DELETE CASCADE,
    title           TEXT,
    owner           TEXT,
    due_at          TEXT,
    closed_at       TEXT,
    url             TEXT,
    updated_by      INTEGER REFERENCES users(id) ON DELETE SET NULL,
    updated_at      TEXT NOT NULL
);

-- The action-items page lists open items across services.
CREATE INDEX action_items_open ON action_items(closed_at, due_at);

-- +goose Down
DROP INDEX action_items_open;
DROP TABLE action_item_overrides;
