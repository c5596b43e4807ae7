-- +goose Up
-- Editors' commentary on a report: one row per saved version, so every
-- earlier wording stays readable and a save can be checked against the
-- version its editor started from. A scope is the organisation (team ''
-- and tier -1), a team, a tier or a team's tier, as reports are scoped.
CREATE TABLE report_commentary (
    id         INTEGER PRIMARY KEY,
    period     TEXT    NOT NULL,          -- "2026-Q3", "2026-10"
    team       TEXT    NOT NULL DEFAULT '',
    tier       INTEGER NOT NULL DEFAULT -1,
    version    INTEGER NOT NULL,
    highlights TEXT    NOT NULL DEFAULT '',
    lowlights  TEXT    NOT NULL DEFAULT '',
    asks       TEXT    NOT NULL DEFAULT '',
    author     TEXT    NOT NULL DEFAULT '',
    saved_at   TEXT    NOT NULL,
    UNIQUE (period, team, tier, version)
);

-- +goose Down
DROP TABLE report_commentary;
