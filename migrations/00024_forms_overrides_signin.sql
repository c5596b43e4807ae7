-- +goose Up
-- Corrections of an incident's detected, acknowledged and resolved times,
-- so MTTD, MTTA, MTTR and time to mitigate can be fixed from the UI when a
-- source recorded them wrong. Like the other overrides they live beside the
-- imported values, which a re-import keeps rewriting.
ALTER TABLE incident_overrides ADD COLUMN detected_at TEXT;
ALTER TABLE incident_overrides ADD COLUMN acknowledged_at TEXT;
ALTER TABLE incident_overrides ADD COLUMN resolved_at TEXT;
-- Incidents whose detection was moved are found by the moved time too.
CREATE INDEX incident_overrides_detected ON incident_overrides(detected_at) WHERE detected_at IS NOT NULL;

-- The users page shows each account's last sign-in; a temporary password an
-- admin set (reset) must be replaced at the next sign-in.
ALTER TABLE users ADD COLUMN last_sign_in_at TEXT;
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE users DROP COLUMN must_change_password;
ALTER TABLE users DROP COLUMN last_sign_in_at;
DROP INDEX incident_overrides_detected;
ALTER TABLE incident_overrides DROP COLUMN resolved_at;
ALTER TABLE incident_overrides DROP COLUMN acknowledged_at;
ALTER TABLE incident_overrides DROP COLUMN detected_at;
