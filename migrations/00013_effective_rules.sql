-- +goose Up
-- Targets and settings are effective-dated (docs/metrics.md, "Targets and
-- settings over time"): each row applies from the month effective_from
-- ('YYYY-MM' in the reporting timezone) until a later row for the same
-- key; '' means in force since the beginning, which is what every existing
-- row becomes, so no period's result changes with this migration. A past
-- period is judged by what was in force then, and changing a target from
-- the current month on no longer rewrites history. saved_at and saved_by
-- say who made each change (the audit log holds the full record).

CREATE TABLE tier_targets_dated (
    tier            INTEGER NOT NULL CHECK (tier BETWEEN 0 AND 3),
    kpi             TEXT NOT NULL,
    effective_from  TEXT NOT NULL DEFAULT '' CHECK (effective_from = '' OR effective_from GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]'),
    target          REAL,           -- NULL: no target for the tier and KPI from effective_from on
    direction       TEXT NOT NULL CHECK (direction IN ('max','min')), -- max: value must be <= target; min: value must be >= target
    saved_at        TEXT NOT NULL DEFAULT '',
    saved_by        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tier, kpi, effective_from)
);
INSERT INTO tier_targets_dated (tier, kpi, target, direction) SELECT tier, kpi, target, direction FROM tier_targets;
DROP TABLE tier_targets;
ALTER TABLE tier_targets_dated RENAME TO tier_targets;

CREATE TABLE dora_bands_dated (
    metric          TEXT NOT NULL,   -- change_failure_rate, lead_time_hours, recovery_hours, deploy_frequency
    band            TEXT NOT NULL CHECK (band IN ('elite','high','medium')),
    effective_from  TEXT NOT NULL DEFAULT '' CHECK (effective_from = '' OR effective_from GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]'),
    threshold       REAL,            -- NULL: the band is removed from effective_from on
    saved_at        TEXT NOT NULL DEFAULT '',
    saved_by        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (metric, band, effective_from)
);
INSERT INTO dora_bands_dated (metric, band, threshold) SELECT metric, band, threshold FROM dora_bands;
DROP TABLE dora_bands;
ALTER TABLE dora_bands_dated RENAME TO dora_bands;

CREATE TABLE settings_dated (
    key             TEXT NOT NULL,
    effective_from  TEXT NOT NULL DEFAULT '' CHECK (effective_from = '' OR effective_from GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]'),
    value           TEXT NOT NULL,
    saved_at        TEXT NOT NULL DEFAULT '',
    saved_by        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (key, effective_from)
);
INSERT INTO settings_dated (key, value) SELECT key, value FROM settings;
DROP TABLE settings;
ALTER TABLE settings_dated RENAME TO settings;

-- +goose Down
-- Back to one row per key: the latest row that sets a value.
CREATE TABLE settings_undated (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO settings_undated (key, value)
SELECT s.key, s.value FROM settings s
WHERE s.effective_from = (SELECT max(x.effective_from) FROM settings x WHERE x.key = s.key);
DROP TABLE settings;
ALTER TABLE settings_undated RENAME TO settings;

CREATE TABLE dora_bands_undated (
    metric TEXT NOT NULL, band TEXT NOT NULL CHECK (band IN ('elite','high','medium')), threshold REAL NOT NULL,
    PRIMARY KEY (metric, band)
);
INSERT INTO dora_bands_undated (metric, band, threshold)
SELECT b.metric, b.band, b.threshold FROM dora_bands b
WHERE b.threshold IS NOT NULL
  AND b.effective_from = (SELECT max(x.effective_from) FROM dora_bands x WHERE x.metric = b.metric AND x.band = b.band);
DROP TABLE dora_bands;
ALTER TABLE dora_bands_undated RENAME TO dora_bands;

CREATE TABLE tier_targets_undated (
    tier INTEGER NOT NULL CHECK (tier BETWEEN 0 AND 3), kpi TEXT NOT NULL, target REAL NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('max','min')), PRIMARY KEY (tier, kpi)
);
INSERT INTO tier_targets_undated (tier, kpi, target, direction)
SELECT t.tier, t.kpi, t.target, t.direction FROM tier_targets t
WHERE t.target IS NOT NULL
  AND t.effective_from = (SELECT max(x.effective_from) FROM tier_targets x WHERE x.tier = t.tier AND x.kpi = t.kpi);
DROP TABLE tier_targets;
ALTER TABLE tier_targets_undated RENAME TO tier_targets;
