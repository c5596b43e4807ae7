-- +goose Up
-- All timestamps are stored as UTC text in RFC 3339 form with a 'Z' suffix
-- (e.g. 2026-10-03T14:05:00Z) so that lexical order equals time order and
-- range filters can use the indexes.

CREATE TABLE teams (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);

CREATE TABLE services (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    tier         INTEGER NOT NULL DEFAULT 2 CHECK (tier BETWEEN 0 AND 3),
    team_id      INTEGER REFERENCES teams(id) ON DELETE SET NULL,
    description  TEXT NOT NULL DEFAULT '',
    oncall_tz    TEXT NOT NULL DEFAULT 'UTC',
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE INDEX services_team ON services(team_id);
CREATE INDEX services_tier ON services(tier);

-- How each source names a service (PagerDuty service, cmdb_ci, repo, …).
CREATE TABLE service_aliases (
    source      TEXT NOT NULL,
    alias       TEXT NOT NULL,
    service_id  INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    PRIMARY KEY (source, alias)
);

CREATE TABLE imports (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER REFERENCES users(id) ON DELETE SET NULL,
    format         TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    started_at     TEXT NOT NULL,
    finished_at    TEXT,
    status         TEXT NOT NULL DEFAULT 'running', -- running, done, failed, rolled_back
    inserted       INTEGER NOT NULL DEFAULT 0,
    updated        INTEGER NOT NULL DEFAULT 0,
    unchanged      INTEGER NOT NULL DEFAULT 0,
    rejected       INTEGER NOT NULL DEFAULT 0,
    errors         TEXT NOT NULL DEFAULT '[]'   -- JSON array of {line, reason}
);
CREATE INDEX imports_started ON imports(started_at);

-- Rows an import changed, so a batch can be rolled back.
CREATE TABLE import_changes (
    import_id   INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    entity      TEXT NOT NULL,      -- incidents, deploys, pages, sli_daily, toil_entries, action_items
    entity_id   INTEGER NOT NULL,
    action      TEXT NOT NULL,      -- insert, update
    before_json TEXT                -- previous row for updates
);
CREATE INDEX import_changes_import ON import_changes(import_id);

CREATE TABLE deploys (
    id           INTEGER PRIMARY KEY,
    source       TEXT NOT NULL,
    external_id  TEXT NOT NULL,
    service_id   INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    environment  TEXT NOT NULL DEFAULT 'production',
    version      TEXT NOT NULL DEFAULT '',
    started_at   TEXT,
    finished_at  TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('success','failed','cancelled')),
    is_rollback  INTEGER NOT NULL DEFAULT 0,
    is_hotfix    INTEGER NOT NULL DEFAULT 0,
    commit_at    TEXT,
    url          TEXT NOT NULL DEFAULT '',
    import_id    INTEGER REFERENCES imports(id) ON DELETE SET NULL,
    UNIQUE (source, external_id)
);
CREATE INDEX deploys_service_finished ON deploys(service_id, finished_at);
CREATE INDEX deploys_finished ON deploys(finished_at);

CREATE TABLE incidents (
    id                       INTEGER PRIMARY KEY,
    source                   TEXT NOT NULL,
    external_id              TEXT NOT NULL,
    service_id               INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    title                    TEXT NOT NULL,
    severity                 INTEGER NOT NULL DEFAULT 0 CHECK (severity BETWEEN 0 AND 4), -- 0 = unknown
    severity_raw             TEXT NOT NULL DEFAULT '',
    status                   TEXT NOT NULL DEFAULT 'open', -- open, acknowledged, mitigated, resolved
    customer_impacting       INTEGER NOT NULL DEFAULT 0,
    started_at               TEXT,
    detected_at              TEXT NOT NULL,
    acknowledged_at          TEXT,
    mitigated_at             TEXT,
    resolved_at              TEXT,
    root_cause               TEXT NOT NULL DEFAULT '',
    category                 TEXT NOT NULL DEFAULT '',
    problem_ref              TEXT NOT NULL DEFAULT '',
    caused_by_ref            TEXT NOT NULL DEFAULT '',  -- source's change/deploy reference (e.g. CHG0030012)
    caused_by_deploy_id      INTEGER REFERENCES deploys(id) ON DELETE SET NULL,
    postmortem_due_at        TEXT,
    postmortem_published_at  TEXT,
    postmortem_url           TEXT NOT NULL DEFAULT '',
    url                      TEXT NOT NULL DEFAULT '',
    import_id                INTEGER REFERENCES imports(id) ON DELETE SET NULL,
    UNIQUE (source, external_id)
);
CREATE INDEX incidents_service_detected ON incidents(service_id, detected_at);
CREATE INDEX incidents_detected ON incidents(detected_at);
CREATE INDEX incidents_severity_detected ON incidents(severity, detected_at);
CREATE INDEX incidents_caused_by ON incidents(caused_by_deploy_id);

-- Facts a user recorded in the app. Kept apart from imported values so a
-- re-import never overwrites them; the effective value is COALESCE(override, imported).
CREATE TABLE incident_overrides (
    incident_id              INTEGER PRIMARY KEY REFERENCES incidents(id) ON DELETE CASCADE,
    started_at               TEXT,
    mitigated_at             TEXT,
    severity                 INTEGER CHECK (severity BETWEEN 1 AND 4),
    customer_impacting       INTEGER,
    not_deploy_related       INTEGER NOT NULL DEFAULT 0,
    caused_by_deploy_id      INTEGER REFERENCES deploys(id) ON DELETE SET NULL,
    inferred_link_rejected   INTEGER NOT NULL DEFAULT 0,
    fingerprint              TEXT,
    postmortem_url           TEXT,
    postmortem_published_at  TEXT,
    postmortem_due_at        TEXT,
    updated_by               INTEGER REFERENCES users(id) ON DELETE SET NULL,
    updated_at               TEXT NOT NULL
);

CREATE TABLE action_items (
    id           INTEGER PRIMARY KEY,
    incident_id  INTEGER REFERENCES incidents(id) ON DELETE CASCADE,
    service_id   INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    title        TEXT NOT NULL,
    owner        TEXT NOT NULL DEFAULT '',
    due_at       TEXT,
    closed_at    TEXT,
    url          TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL DEFAULT 'app',
    external_id  TEXT NOT NULL,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
    import_id    INTEGER REFERENCES imports(id) ON DELETE SET NULL,
    UNIQUE (source, external_id)
);
CREATE INDEX action_items_service_due ON action_items(service_id, due_at);
CREATE INDEX action_items_due ON action_items(due_at);
CREATE INDEX action_items_incident ON action_items(incident_id);

CREATE TABLE pages (
    id               INTEGER PRIMARY KEY,
    source           TEXT NOT NULL,
    external_id      TEXT NOT NULL,
    service_id       INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    incident_id      INTEGER REFERENCES incidents(id) ON DELETE SET NULL,
    incident_ref     TEXT NOT NULL DEFAULT '',  -- source's incident id, resolved to incident_id on import
    title            TEXT NOT NULL DEFAULT '',
    urgency          TEXT NOT NULL DEFAULT '',
    triggered_at     TEXT NOT NULL,
    acknowledged_at  TEXT,
    resolved_at      TEXT,
    auto_resolved    INTEGER NOT NULL DEFAULT 0,
    actionable       INTEGER,                   -- NULL = not classified
    import_id        INTEGER REFERENCES imports(id) ON DELETE SET NULL,
    UNIQUE (source, external_id)
);
CREATE INDEX pages_service_triggered ON pages(service_id, triggered_at);
CREATE INDEX pages_triggered ON pages(triggered_at);
CREATE INDEX pages_incident ON pages(incident_id);

CREATE TABLE slos (
    id           INTEGER PRIMARY KEY,
    service_id   INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    objective    REAL NOT NULL CHECK (objective > 0 AND objective < 1),
    window_days  INTEGER NOT NULL DEFAULT 28,
    UNIQUE (service_id, name)
);

CREATE TABLE sli_daily (
    slo_id     INTEGER NOT NULL REFERENCES slos(id) ON DELETE CASCADE,
    day        TEXT NOT NULL,   -- YYYY-MM-DD
    good       INTEGER NOT NULL CHECK (good >= 0),
    total      INTEGER NOT NULL CHECK (total >= good),
    import_id  INTEGER REFERENCES imports(id) ON DELETE SET NULL,
    PRIMARY KEY (slo_id, day)
);
CREATE INDEX sli_daily_day ON sli_daily(day);

CREATE TABLE toil_entries (
    id           INTEGER PRIMARY KEY,
    team_id      INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    week_start   TEXT NOT NULL,  -- YYYY-MM-DD (Monday)
    toil_hours   REAL NOT NULL CHECK (toil_hours >= 0),
    total_hours  REAL NOT NULL CHECK (total_hours > 0),
    note         TEXT NOT NULL DEFAULT '',
    import_id    INTEGER REFERENCES imports(id) ON DELETE SET NULL,
    UNIQUE (team_id, week_start)
);
CREATE INDEX toil_entries_week ON toil_entries(week_start);

CREATE TABLE tier_targets (
    tier       INTEGER NOT NULL CHECK (tier BETWEEN 0 AND 3),
    kpi        TEXT NOT NULL,
    target     REAL NOT NULL,
    direction  TEXT NOT NULL CHECK (direction IN ('max','min')), -- max: value must be <= target; min: value must be >= target
    PRIMARY KEY (tier, kpi)
);

-- DORA performance bands, editable data (not constants).
CREATE TABLE dora_bands (
    metric     TEXT NOT NULL,   -- change_failure_rate, lead_time_hours, recovery_hours, deploy_frequency
    band       TEXT NOT NULL CHECK (band IN ('elite','high','medium')),
    threshold  REAL NOT NULL,
    PRIMARY KEY (metric, band)
);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name           TEXT NOT NULL DEFAULT '',
    role           TEXT NOT NULL CHECK (role IN ('viewer','editor','admin')),
    password_hash  TEXT NOT NULL DEFAULT '',
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    user_id      INTEGER REFERENCES users(id) ON DELETE SET NULL,
    actor        TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL DEFAULT '',
    before_json  TEXT,
    after_json   TEXT,
    client_addr  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);

CREATE TABLE risks (
    id                  INTEGER PRIMARY KEY,
    code                TEXT NOT NULL UNIQUE,  -- R-001
    title               TEXT NOT NULL,
    description         TEXT NOT NULL DEFAULT '',
    category            TEXT NOT NULL DEFAULT 'other',
    likelihood          INTEGER NOT NULL CHECK (likelihood BETWEEN 1 AND 5),
    impact              INTEGER NOT NULL CHECK (impact BETWEEN 1 AND 5),
    residual_likelihood INTEGER CHECK (residual_likelihood BETWEEN 1 AND 5),
    residual_impact     INTEGER CHECK (residual_impact BETWEEN 1 AND 5),
    owner               TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','mitigating','accepted','closed')),
    mitigation          TEXT NOT NULL DEFAULT '',
    acceptance_rationale TEXT NOT NULL DEFAULT '',
    accepted_by         TEXT NOT NULL DEFAULT '',
    target_date         TEXT,
    next_review_date    TEXT,
    version             INTEGER NOT NULL DEFAULT 1,
    created_at          TEXT NOT NULL,
    created_by          TEXT NOT NULL DEFAULT '',
    updated_at          TEXT NOT NULL,
    updated_by          TEXT NOT NULL DEFAULT '',
    closed_at           TEXT
);
CREATE INDEX risks_status ON risks(status);

CREATE TABLE risk_services (
    risk_id     INTEGER NOT NULL REFERENCES risks(id) ON DELETE CASCADE,
    service_id  INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    PRIMARY KEY (risk_id, service_id)
);
CREATE INDEX risk_services_service ON risk_services(service_id);

CREATE TABLE risk_incidents (
    risk_id      INTEGER NOT NULL REFERENCES risks(id) ON DELETE CASCADE,
    incident_id  INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    PRIMARY KEY (risk_id, incident_id)
);

CREATE TABLE risk_events (
    id         INTEGER PRIMARY KEY,
    risk_id    INTEGER NOT NULL REFERENCES risks(id) ON DELETE CASCADE,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL DEFAULT '',
    field      TEXT NOT NULL DEFAULT '',
    old_value  TEXT NOT NULL DEFAULT '',
    new_value  TEXT NOT NULL DEFAULT '',
    comment    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX risk_events_risk ON risk_events(risk_id, at);

CREATE TABLE import_mappings (
    name        TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,  -- incidents, deploys, pages, sli, toil, action_items
    spec_json   TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- +goose Down
DROP TABLE import_mappings;
DROP TABLE risk_events;
DROP TABLE risk_incidents;
DROP TABLE risk_services;
DROP TABLE risks;
DROP TABLE audit_log;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE settings;
DROP TABLE dora_bands;
DROP TABLE tier_targets;
DROP TABLE toil_entries;
DROP TABLE sli_daily;
DROP TABLE slos;
DROP TABLE pages;
DROP TABLE action_items;
DROP TABLE incident_overrides;
DROP TABLE incidents;
DROP TABLE deploys;
DROP TABLE import_changes;
DROP TABLE imports;
DROP TABLE service_aliases;
DROP TABLE services;
DROP TABLE teams;
