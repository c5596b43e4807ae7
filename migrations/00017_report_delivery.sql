-- +goose Up
-- Scheduled e-mail delivery of reports. smtp_settings has one row; its
-- password is sealed with the server's secret key (secrets.Box), never
-- stored in clear. public_url is the address readers open the report's
-- link at.
CREATE TABLE smtp_settings (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    host            TEXT    NOT NULL,
    port            INTEGER NOT NULL,
    security        TEXT    NOT NULL CHECK (security IN ('starttls', 'tls', 'none')),
    username        TEXT    NOT NULL DEFAULT '',
    password_sealed TEXT    NOT NULL DEFAULT '',
    sender          TEXT    NOT NULL,
    public_url      TEXT    NOT NULL DEFAULT ''
);

-- A schedule mails one scope's report for each month or quarter once it
-- has ended. last_period is the last period delivered, so a restart never
-- sends one twice; last_error keeps why the latest attempt failed.
CREATE TABLE report_schedules (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL CHECK (kind IN ('month', 'quarter')),
    team         TEXT    NOT NULL DEFAULT '',
    tier         INTEGER NOT NULL DEFAULT -1,
    recipients   TEXT    NOT NULL,
    last_period  TEXT    NOT NULL DEFAULT '',
    last_sent_at TEXT,
    last_error   TEXT    NOT NULL DEFAULT '',
    last_try_at  TEXT,
    created_at   TEXT    NOT NULL
);

-- +goose Down
DROP TABLE report_schedules;
DROP TABLE smtp_settings;
