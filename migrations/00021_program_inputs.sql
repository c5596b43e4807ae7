-- +goose Up
-- The reliability program's inputs (docs/metrics.md, "Reliability
-- program"), entered on /program or imported as CSV. Each table's UNIQUE
-- constraint is its natural key: what a CSV row is matched by, so
-- importing the same file again changes nothing. Money and units are plain
-- numbers in the organisation's currency and the unit the row names.

-- One row per service at most; "SLO defined" is derived from slos.
CREATE TABLE service_readiness (
    id              INTEGER PRIMARY KEY,
    service_id      INTEGER NOT NULL UNIQUE REFERENCES services(id) ON DELETE CASCADE,
    dashboard_url   TEXT,
    runbook_url     TEXT,
    oncall_rotation TEXT,
    prr_date        TEXT CHECK (prr_date IS NULL OR prr_date GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
    prr_result      TEXT CHECK (prr_result IS NULL OR prr_result IN ('pass','conditional','fail')),
    dr_plan_url     TEXT,
    rto_minutes     REAL CHECK (rto_minutes IS NULL OR rto_minutes >= 0),
    rpo_minutes     REAL CHECK (rpo_minutes IS NULL OR rpo_minutes >= 0)
);

CREATE TABLE dr_tests (
    id                   INTEGER PRIMARY KEY,
    tested_on            TEXT NOT NULL CHECK (tested_on GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
    service_id           INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    kind                 TEXT NOT NULL CHECK (kind IN ('failover','restore','backup_verification')),
    rto_target_minutes   REAL,
    rto_achieved_minutes REAL,
    rpo_target_minutes   REAL,
    rpo_achieved_minutes REAL,
    result               TEXT NOT NULL CHECK (result IN ('pass','fail')),
    evidence_url         TEXT,
    UNIQUE (service_id, tested_on, kind)
);
CREATE INDEX dr_tests_tested_on ON dr_tests(tested_on);

CREATE TABLE toil_tasks (
    id              INTEGER PRIMARY KEY,
    team_id         INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    task            TEXT NOT NULL CHECK (trim(task) <> ''),
    runs_per_week   REAL NOT NULL CHECK (runs_per_week > 0),
    minutes_per_run REAL NOT NULL CHECK (minutes_per_run > 0),
    automated_since TEXT CHECK (automated_since IS NULL OR automated_since GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
    UNIQUE (team_id, task)
);

CREATE TABLE capacity_samples (
    id         INTEGER PRIMARY KEY,
    service_id INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    month      TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]'),
    resource   TEXT NOT NULL CHECK (trim(resource) <> ''),
    peak_pct   REAL NOT NULL CHECK (peak_pct BETWEEN 0 AND 100),
    safe_pct   REAL NOT NULL CHECK (safe_pct BETWEEN 0 AND 100),
    UNIQUE (service_id, month, resource)
);
CREATE INDEX capacity_samples_month ON capacity_samples(month);

-- A cost is a service's, or a team's for what it does not split by
-- service (exactly one of the two); the natural key's index reads the
-- missing side as 0 so NULLs do not make two rows distinct.
CREATE TABLE cost_entries (
    id          INTEGER PRIMARY KEY,
    service_id  INTEGER REFERENCES services(id) ON DELETE CASCADE,
    team_id     INTEGER REFERENCES teams(id) ON DELETE CASCADE,
    month       TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]'),
    category    TEXT NOT NULL CHECK (category IN ('compute','storage','network','database','observability','licences','other')),
    cost        REAL NOT NULL CHECK (cost >= 0),
    units       REAL CHECK (units IS NULL OR units > 0),
    unit_name   TEXT,
    CHECK ((service_id IS NULL) <> (team_id IS NULL))
);
CREATE UNIQUE INDEX cost_entries_key ON cost_entries(COALESCE(service_id, 0), COALESCE(team_id, 0), month, category);
CREATE INDEX cost_entries_month ON cost_entries(month);

CREATE TABLE stakeholder_scores (
    id         INTEGER PRIMARY KEY,
    quarter    TEXT NOT NULL CHECK (quarter GLOB '[0-9][0-9][0-9][0-9]-Q[1-4]'),
    group_name TEXT NOT NULL CHECK (trim(group_name) <> ''),
    score      REAL NOT NULL CHECK (score BETWEEN 1 AND 5),
    responses  INTEGER NOT NULL CHECK (responses > 0),
    UNIQUE (quarter, group_name)
);

-- Default tier targets (analytics.DefaultTargets).
INSERT INTO tier_targets (tier, kpi, target, direction) VALUES
 (0,'reliability_adoption_rate',0.9,'min'), (1,'reliability_adoption_rate',0.7,'min'), (2,'reliability_adoption_rate',0.5,'min'),
 (0,'runbook_coverage',0.9,'min'), (1,'runbook_coverage',0.9,'min'),
 (0,'dr_tested_services_rate',1,'min'), (1,'dr_tested_services_rate',0.9,'min'),
 (0,'backup_restore_verified_rate',1,'min'), (1,'backup_restore_verified_rate',0.9,'min'),
 (0,'capacity_headroom_min',0.2,'min'), (1,'capacity_headroom_min',0.2,'min'), (2,'capacity_headroom_min',0.2,'min'), (3,'capacity_headroom_min',0.2,'min');

-- +goose Down
DELETE FROM tier_targets WHERE kpi IN ('reliability_adoption_rate','runbook_coverage','dr_tested_services_rate',
    'backup_restore_verified_rate','capacity_headroom_min');
DROP TABLE stakeholder_scores;
DROP TABLE cost_entries;
DROP TABLE capacity_samples;
DROP TABLE toil_tasks;
DROP TABLE dr_tests;
DROP TABLE service_readiness;
