-- +goose Up
-- Connectors pull incidents, pages and deploys from the tools' APIs on a
-- schedule (package connectors). Each run writes through the importers'
-- mapping and the import path, so its records are an import like any file's
-- (imports.id in connector_runs.import_id): counted, audited, rolled back
-- the same way.
CREATE TABLE connectors (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE CHECK (name <> ''),
    kind            TEXT NOT NULL CHECK (kind IN ('pagerduty', 'opsgenie', 'github', 'gitlab', 'jira', 'servicenow', 'jenkins', 'argocd')),
    base_url        TEXT NOT NULL,
    settings        TEXT NOT NULL DEFAULT '{}',  -- JSON: the kind's filters (repositories, projects, JQL, jobs …)
    -- The API credential sealed with the secret key (secrets.Box, bound to
    -- "connector:<id>"); never stored or shown in clear.
    credential      TEXT NOT NULL,
    since           TEXT NOT NULL,               -- the first run back-fills from here
    every_seconds   INTEGER NOT NULL DEFAULT 900 CHECK (every_seconds >= 60),
    create_services INTEGER NOT NULL DEFAULT 0,
    tier            INTEGER CHECK (tier BETWEEN 0 AND 3),
    enabled         INTEGER NOT NULL DEFAULT 1,
    -- new, running, ok, failed (retried at the next run), interrupted
    -- (cancelled: resumes at the next start), stopped (the credential was
    -- refused: no more runs until it is replaced)
    status          TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'running', 'ok', 'failed', 'interrupted', 'stopped')),
    status_message  TEXT NOT NULL DEFAULT '',
    -- Where the next run goes on, written in the same transaction as the
    -- records it covers (JSON, the kind's own shape).
    cursor          TEXT NOT NULL DEFAULT '{}',
    progress        REAL NOT NULL DEFAULT 0,     -- back-fill done, 0..1
    caught_up_at    TEXT,                        -- when the back-fill first reached the present
    next_run_at     TEXT,
    -- One run at a time across processes: the runner holds the lease and
    -- extends it with every page it commits.
    lease_owner     TEXT,
    lease_until     TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE TABLE connector_runs (
    id           INTEGER PRIMARY KEY,
    connector_id INTEGER NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
    import_id    INTEGER REFERENCES imports(id) ON DELETE SET NULL, -- made with the first page that has records
    trigger      TEXT NOT NULL,               -- schedule, manual (web), cli
    actor        TEXT NOT NULL DEFAULT '',
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    -- running, ok, failed, stopped (credential refused), interrupted
    -- (cancelled, or the process died: the next run resumes from the cursor)
    status       TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'failed', 'stopped', 'interrupted')),
    error        TEXT NOT NULL DEFAULT '',
    warnings     TEXT NOT NULL DEFAULT '[]',  -- the importers' warnings (skipped records), JSON array
    pages        INTEGER NOT NULL DEFAULT 0,
    fetched      INTEGER NOT NULL DEFAULT 0,  -- API objects read
    inserted     INTEGER NOT NULL DEFAULT 0,
    updated      INTEGER NOT NULL DEFAULT 0,
    unchanged    INTEGER NOT NULL DEFAULT 0,
    rejected     INTEGER NOT NULL DEFAULT 0,
    requests     INTEGER NOT NULL DEFAULT 0,
    retries      INTEGER NOT NULL DEFAULT 0   -- 429 and 5xx answers waited out
);
CREATE INDEX connector_runs_connector ON connector_runs(connector_id, id);

-- Rejected records a connector has reported (by a hash of the reason,
-- which names the record): a record read again — the lookback of CI/CD
-- kinds, open incidents — is reported once, not on every run.
CREATE TABLE connector_rejects (
    connector_id INTEGER NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
    reason_hash  TEXT NOT NULL,
    PRIMARY KEY (connector_id, reason_hash)
);

-- +goose Down
DROP TABLE connector_rejects;
DROP INDEX connector_runs_connector;
DROP TABLE connector_runs;
DROP TABLE connectors;
