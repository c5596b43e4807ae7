-- +goose Up
-- Performance-regression flag on deploys: NULL when the source says
-- nothing (most do not), 0 when checked and clean, 1 when the deploy was
-- flagged. perf_regression_rate counts only deploys with a known flag, so
-- the column must keep "unknown" apart from "no".
ALTER TABLE deploys ADD COLUMN perf_regression INTEGER CHECK (perf_regression IN (0, 1));

-- The reliability roadmap: initiatives meant to move one KPI by a stated
-- amount, over one or more quarters, mitigating risks of the register.
CREATE TABLE initiatives (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,        -- I-001
    title         TEXT NOT NULL CHECK (trim(title) <> ''),
    description   TEXT NOT NULL DEFAULT '',
    owner         TEXT NOT NULL CHECK (trim(owner) <> ''),
    start_quarter TEXT NOT NULL,               -- 2026-Q3
    end_quarter   TEXT NOT NULL CHECK (end_quarter >= start_quarter),
    status        TEXT NOT NULL CHECK (status IN ('planned','in_progress','delivered','dropped')),
    kpi           TEXT NOT NULL,               -- a registry key: mttr_minutes
    target_kind   TEXT NOT NULL CHECK (target_kind IN ('value','change')),
    target        REAL NOT NULL,               -- in the KPI's unit (fractions for percentages)
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL DEFAULT '',
    updated_at    TEXT NOT NULL,
    updated_by    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX initiatives_quarters ON initiatives(start_quarter, end_quarter);

CREATE TABLE initiative_services (
    initiative_id INTEGER NOT NULL REFERENCES initiatives(id) ON DELETE CASCADE,
    service_id    INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    PRIMARY KEY (initiative_id, service_id)
);

-- An initiative mitigates the risks it names.
CREATE TABLE initiative_risks (
    initiative_id INTEGER NOT NULL REFERENCES initiatives(id) ON DELETE CASCADE,
    risk_id       INTEGER NOT NULL REFERENCES risks(id) ON DELETE CASCADE,
    PRIMARY KEY (initiative_id, risk_id)
);
CREATE INDEX initiative_risks_risk ON initiative_risks(risk_id);

-- +goose Down
DROP TABLE initiative_risks;
DROP TABLE initiative_services;
DROP TABLE initiatives;
ALTER TABLE deploys DROP COLUMN perf_regression;
