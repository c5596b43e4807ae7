-- +goose Up
-- Prometheus becomes a connector kind (package connectors, kind
-- 'prometheus'): its SLI-day sync gets the connectors' schedule, leases, run
-- history, sealed credential and import path, and the separate
-- prometheus_sources/prometheus_cursors tables of 00018 go.
--
-- connectors.kind has a CHECK naming the kinds, so the table is rebuilt.
-- Migrations run in a transaction with foreign keys on, where dropping
-- connectors would cascade into its runs; so connector_runs and
-- connector_rejects are rebuilt beside it (pointing at the new table), the
-- old three dropped children first, and the new ones renamed into place
-- (renaming a parent rewrites its children's references).
CREATE TABLE connectors_v20 (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE CHECK (name <> ''),
    kind            TEXT NOT NULL CHECK (kind IN ('pagerduty', 'opsgenie', 'github', 'gitlab', 'jira', 'servicenow', 'jenkins', 'argocd',
                                                  'prometheus')),
    base_url        TEXT NOT NULL,
    settings        TEXT NOT NULL DEFAULT '{}',
    -- The API credential sealed with the secret key (bound to
    -- "connector:<id>"); '' = none (a Prometheus without authentication).
    credential      TEXT NOT NULL,
    since           TEXT NOT NULL,
    every_seconds   INTEGER NOT NULL DEFAULT 900 CHECK (every_seconds >= 60),
    create_services INTEGER NOT NULL DEFAULT 0,
    tier            INTEGER CHECK (tier BETWEEN 0 AND 3),
    enabled         INTEGER NOT NULL DEFAULT 1,
    status          TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'running', 'ok', 'failed', 'interrupted', 'stopped')),
    status_message  TEXT NOT NULL DEFAULT '',
    cursor          TEXT NOT NULL DEFAULT '{}',
    progress        REAL NOT NULL DEFAULT 0,
    caught_up_at    TEXT,
    next_run_at     TEXT,
    lease_owner     TEXT,
    lease_until     TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
INSERT INTO connectors_v20 SELECT * FROM connectors;

CREATE TABLE connector_runs_v20 (
    id           INTEGER PRIMARY KEY,
    connector_id INTEGER NOT NULL REFERENCES connectors_v20(id) ON DELETE CASCADE,
    import_id    INTEGER REFERENCES imports(id) ON DELETE SET NULL,
    trigger      TEXT NOT NULL,
    actor        TEXT NOT NULL DEFAULT '',
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    status       TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'failed', 'stopped', 'interrupted')),
    error        TEXT NOT NULL DEFAULT '',
    warnings     TEXT NOT NULL DEFAULT '[]',
    pages        INTEGER NOT NULL DEFAULT 0,
    fetched      INTEGER NOT NULL DEFAULT 0,
    inserted     INTEGER NOT NULL DEFAULT 0,
    updated      INTEGER NOT NULL DEFAULT 0,
    unchanged    INTEGER NOT NULL DEFAULT 0,
    rejected     INTEGER NOT NULL DEFAULT 0,
    requests     INTEGER NOT NULL DEFAULT 0,
    retries      INTEGER NOT NULL DEFAULT 0
);
INSERT INTO connector_runs_v20 SELECT * FROM connector_runs;

CREATE TABLE connector_rejects_v20 (
    connector_id INTEGER NOT NULL REFERENCES connectors_v20(id) ON DELETE CASCADE,
    reason_hash  TEXT NOT NULL,
    PRIMARY KEY (connector_id, reason_hash)
);
INSERT INTO connector_rejects_v20 SELECT * FROM connector_rejects;

DROP INDEX connector_runs_connector;
DROP TABLE connector_rejects;
DROP TABLE connector_runs;
DROP TABLE connectors;
ALTER TABLE connectors_v20 RENAME TO connectors;
ALTER TABLE connector_runs_v20 RENAME TO connector_runs;
ALTER TABLE connector_rejects_v20 RENAME TO connector_rejects;
CREATE INDEX connector_runs_connector ON connector_runs(connector_id, id);

-- Each Prometheus source becomes a connector of the same name (suffixed
-- " (prometheus)" if a connector has it), back-filling from backfill_days
-- before the source was added, hourly. Its per-SLO positions become the
-- connector's cursor (one entry per SLO with the queries it was read
-- with: the sync dropped a position whenever the queries changed, so the
-- current ones are those). A sealed token or password cannot move: it is
-- bound to its old row and only the secret key can reseal it, which SQL
-- does not have. Such a connector is stopped until its credential is set
-- again (user:password for basic auth); one without authentication runs.
INSERT INTO connectors (name, kind, base_url, settings, credential, since, every_seconds, status, status_message, cursor, created_at, updated_at)
SELECT
    CASE WHEN EXISTS (SELECT 1 FROM connectors c WHERE c.name = p.name) THEN p.name || ' (prometheus)' ELSE p.name END,
    'prometheus', p.base_url, '{}', '',
    strftime('%Y-%m-%dT00:00:00Z', p.created_at, '-' || p.backfill_days || ' days'),
    3600,
    CASE WHEN p.auth = 'none' THEN 'new' ELSE 'stopped' END,
    CASE WHEN p.auth = 'none' THEN ''
         WHEN p.auth = 'basic' THEN 'moved from the Prometheus sources: set the credential again as ' || p.username || ':PASSWORD (sreport connector set-credential)'
         ELSE 'moved from the Prometheus sources: set the bearer token again (sreport connector set-credential)' END,
    json_object('streams', json_object('slos', json((
        SELECT json_group_object(CAST(o.id AS TEXT), json_object('last_day', pc.last_day, 'good', o.good_query, 'bad', o.bad_query,
                                                                 'total', o.total_query))
        FROM prometheus_cursors pc JOIN slos o ON o.id = pc.slo_id WHERE pc.source_id = p.id)))),
    p.created_at, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
FROM prometheus_sources p ORDER BY p.id;

DROP TABLE prometheus_cursors;
DROP TABLE prometheus_sources;

-- +goose Down
-- Back to 00018/00019: the old (empty) source tables, and connectors
-- without the prometheus kind (Prometheus connectors and their runs go).
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
CREATE TABLE prometheus_cursors (
    source_id  INTEGER NOT NULL REFERENCES prometheus_sources(id) ON DELETE CASCADE,
    slo_id     INTEGER NOT NULL REFERENCES slos(id) ON DELETE CASCADE,
    last_day   TEXT NOT NULL,
    PRIMARY KEY (source_id, slo_id)
);

DELETE FROM connectors WHERE kind = 'prometheus';
CREATE TABLE connectors_v14 (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE CHECK (name <> ''),
    kind            TEXT NOT NULL CHECK (kind IN ('pagerduty', 'opsgenie', 'github', 'gitlab', 'jira', 'servicenow', 'jenkins', 'argocd')),
    base_url        TEXT NOT NULL,
    settings        TEXT NOT NULL DEFAULT '{}',
    credential      TEXT NOT NULL,
    since           TEXT NOT NULL,
    every_seconds   INTEGER NOT NULL DEFAULT 900 CHECK (every_seconds >= 60),
    create_services INTEGER NOT NULL DEFAULT 0,
    tier            INTEGER CHECK (tier BETWEEN 0 AND 3),
    enabled         INTEGER NOT NULL DEFAULT 1,
    status          TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'running', 'ok', 'failed', 'interrupted', 'stopped')),
    status_message  TEXT NOT NULL DEFAULT '',
    cursor          TEXT NOT NULL DEFAULT '{}',
    progress        REAL NOT NULL DEFAULT 0,
    caught_up_at    TEXT,
    next_run_at     TEXT,
    lease_owner     TEXT,
    lease_until     TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
INSERT INTO connectors_v14 SELECT * FROM connectors;
CREATE TABLE connector_runs_v14 (
    id           INTEGER PRIMARY KEY,
    connector_id INTEGER NOT NULL REFERENCES connectors_v14(id) ON DELETE CASCADE,
    import_id    INTEGER REFERENCES imports(id) ON DELETE SET NULL,
    trigger      TEXT NOT NULL,
    actor        TEXT NOT NULL DEFAULT '',
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    status       TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'failed', 'stopped', 'interrupted')),
    error        TEXT NOT NULL DEFAULT '',
    warnings     TEXT NOT NULL DEFAULT '[]',
    pages        INTEGER NOT NULL DEFAULT 0,
    fetched      INTEGER NOT NULL DEFAULT 0,
    inserted     INTEGER NOT NULL DEFAULT 0,
    updated      INTEGER NOT NULL DEFAULT 0,
    unchanged    INTEGER NOT NULL DEFAULT 0,
    rejected     INTEGER NOT NULL DEFAULT 0,
    requests     INTEGER NOT NULL DEFAULT 0,
    retries      INTEGER NOT NULL DEFAULT 0
);
INSERT INTO connector_runs_v14 SELECT * FROM connector_runs;
CREATE TABLE connector_rejects_v14 (
    connector_id INTEGER NOT NULL REFERENCES connectors_v14(id) ON DELETE CASCADE,
    reason_hash  TEXT NOT NULL,
    PRIMARY KEY (connector_id, reason_hash)
);
INSERT INTO connector_rejects_v14 SELECT * FROM connector_rejects;
DROP INDEX connector_runs_connector;
DROP TABLE connector_rejects;
DROP TABLE connector_runs;
DROP TABLE connectors;
ALTER TABLE connectors_v14 RENAME TO connectors;
ALTER TABLE connector_runs_v14 RENAME TO connector_runs;
ALTER TABLE connector_rejects_v14 RENAME TO connector_rejects;
CREATE INDEX connector_runs_connector ON connector_runs(connector_id, id);
