-- +goose Up
-- Record days: the deploys and pages of each day (the first ten
-- characters of finished_at / triggered_at, the UTC date), packed into one
-- binary blob per day holding exactly what the KPI engine's lean loads
-- return, in their order (store/record_days.go). They are derived data:
-- triggers kept by store.Migrate mark a day dirty on every insert, update
-- or delete of its records, whichever code writes; reads use a day's blob
-- only while it is clean and read dirty days from the records themselves,
-- and store.RefreshRecordDays repacks the dirty days. The tables do not
-- move kpi_version (kpiVersionExempt). data is NULL for a day whose
-- records cannot be packed exactly (a time not stored in the canonical
-- layout); reads then take that day from the records.
CREATE TABLE deploy_days (
    day  TEXT PRIMARY KEY,
    n    INTEGER NOT NULL,
    data BLOB
);
CREATE TABLE page_days (
    day  TEXT PRIMARY KEY,
    n    INTEGER NOT NULL,
    data BLOB
);
-- kind 0 = deploys, 1 = pages. store.Migrate marks every day of the
-- records dirty when it creates the triggers, in the same transaction, so
-- the first store.RefreshRecordDays after this migration packs them all.
CREATE TABLE record_days_dirty (
    kind INTEGER NOT NULL CHECK (kind IN (0, 1)),
    day  TEXT NOT NULL,
    PRIMARY KEY (kind, day)
);

-- +goose Down
DROP TRIGGER IF EXISTS record_days_deploys_insert;
DROP TRIGGER IF EXISTS record_days_deploys_update;
DROP TRIGGER IF EXISTS record_days_deploys_delete;
DROP TRIGGER IF EXISTS record_days_pages_insert;
DROP TRIGGER IF EXISTS record_days_pages_update;
DROP TRIGGER IF EXISTS record_days_pages_delete;
DROP TABLE record_days_dirty;
DROP TABLE page_days;
DROP TABLE deploy_days;
