-- +goose Up
-- Record days for incidents (store/record_days.go): the incidents the KPI
-- engine loads (store.IncidentsInRange: effective values, the service's
-- name, the responders), packed per UTC day of the effective detection
-- time, one blob a day. record_days_dirty gains kind 2 (incidents); SQLite
-- cannot change a CHECK, so the table is rebuilt. The deploys and pages
-- triggers are dropped here: store.Migrate recreates every record days
-- trigger and marks every day dirty in the same transaction.
DROP TRIGGER IF EXISTS record_days_deploys_insert;
DROP TRIGGER IF EXISTS record_days_deploys_update;
DROP TRIGGER IF EXISTS record_days_deploys_delete;
DROP TRIGGER IF EXISTS record_days_pages_insert;
DROP TRIGGER IF EXISTS record_days_pages_update;
DROP TRIGGER IF EXISTS record_days_pages_delete;
CREATE TABLE incident_days (
    day  TEXT PRIMARY KEY,
    n    INTEGER NOT NULL,
    data BLOB
);
CREATE TABLE record_days_dirty_next (
    kind INTEGER NOT NULL CHECK (kind IN (0, 1, 2)),
    day  TEXT NOT NULL,
    PRIMARY KEY (kind, day)
);
INSERT INTO record_days_dirty_next (kind, day) SELECT kind, day FROM record_days_dirty;
DROP TABLE record_days_dirty;
ALTER TABLE record_days_dirty_next RENAME TO record_days_dirty;

-- +goose Down
DROP TRIGGER IF EXISTS record_days_deploys_insert;
DROP TRIGGER IF EXISTS record_days_deploys_update;
DROP TRIGGER IF EXISTS record_days_deploys_delete;
DROP TRIGGER IF EXISTS record_days_pages_insert;
DROP TRIGGER IF EXISTS record_days_pages_update;
DROP TRIGGER IF EXISTS record_days_pages_delete;
DROP TRIGGER IF EXISTS record_days_incidents_insert;
DROP TRIGGER IF EXISTS record_days_incidents_update;
DROP TRIGGER IF EXISTS record_days_incidents_delete;
DROP TRIGGER IF EXISTS record_days_incident_overrides_insert;
DROP TRIGGER IF EXISTS record_days_incident_overrides_update;
DROP TRIGGER IF EXISTS record_days_incident_overrides_delete;
DROP TRIGGER IF EXISTS record_days_services_insert;
DROP TRIGGER IF EXISTS record_days_services_update;
DROP TRIGGER IF EXISTS record_days_services_delete;
CREATE TABLE record_days_dirty_prev (
    kind INTEGER NOT NULL CHECK (kind IN (0, 1)),
    day  TEXT NOT NULL,
    PRIMARY KEY (kind, day)
);
INSERT INTO record_days_dirty_prev (kind, day) SELECT kind, day FROM record_days_dirty WHERE kind IN (0, 1);
DROP TABLE record_days_dirty;
ALTER TABLE record_days_dirty_prev RENAME TO record_days_dirty;
DROP TABLE incident_days;
