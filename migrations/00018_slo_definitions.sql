-- +goose Up
-- SLOs as code (OpenSLO, Sloth): an imported definition keeps its time
-- window, description and the good/bad/total queries, so the Prometheus
-- connector can fetch the SLI days and the reports can use the calendar
-- period the team budgets by. import_id lets an import record, compare and
-- roll back its SLO definitions like any other upserted row.
ALTER TABLE slos ADD COLUMN calendar TEXT NOT NULL DEFAULT ''
    CHECK (calendar IN ('', 'day', 'week', 'month', 'quarter', 'year'));  -- '' = rolling window_days
ALTER TABLE slos ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE slos ADD COLUMN query_type TEXT NOT NULL DEFAULT '';           -- metric source type: prometheus, datadog…; '' = none
ALTER TABLE slos ADD COLUMN good_query TEXT NOT NULL DEFAULT '';
ALTER TABLE slos ADD COLUMN bad_query TEXT NOT NULL DEFAULT '';
ALTER TABLE slos ADD COLUMN total_query TEXT NOT NULL DEFAULT '';
ALTER TABLE slos ADD COLUMN import_id INTEGER;  -- the import that last wrote the definition (imports are never deleted)

-- A Prometheus server the SLI days of SLOs with PromQL queries come from.
-- The credential (bearer token or basic-auth password) is sealed with the
-- secrets box; it is never stored or logged in clear.
CREATE TABLE prometheus_sources (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    base_url      TEXT NOT NULL,
    auth          TEXT NOT NULL DEFAULT 'none' CHECK (auth IN ('none', 'bearer', 'basic')),
    username      TEXT NOT NULL DEFAULT '',
    secret_sealed TEXT NOT NULL DEFAULT '',
    backfill_days INTEGER NOT NULL DEFAULT 90 CHECK (backfill_days > 0),
    created_at    TEXT NOT NULL,
    last_run_at   TEXT,
    last_error    TEXT NOT NULL DEFAULT ''
);

-- The last day whose counts are stored, per source and SLO: written in the
-- same transaction as the SLI days, so an interrupted sync resumes after
-- the last committed day.
CREATE TABLE prometheus_cursors (
    source_id  INTEGER NOT NULL REFERENCES prometheus_sources(id) ON DELETE CASCADE,
    slo_id     INTEGER NOT NULL REFERENCES slos(id) ON DELETE CASCADE,
    last_day   TEXT NOT NULL,  -- YYYY-MM-DD
    PRIMARY KEY (source_id, slo_id)
);

-- +goose Down
DROP TABLE prometheus_cursors;
DROP TABLE prometheus_sources;
ALTER TABLE slos DROP COLUMN import_id;
ALTER TABLE slos DROP COLUMN total_query;
ALTER TABLE slos DROP COLUMN bad_query;
ALTER TABLE slos DROP COLUMN good_query;
ALTER TABLE slos DROP COLUMN query_type;
ALTER TABLE slos DROP COLUMN description;
ALTER TABLE slos DROP COLUMN calendar;
