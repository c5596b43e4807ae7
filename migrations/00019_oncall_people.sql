-- +goose Up
-- People who take pages, so one person named differently by different
-- sources ("Tim Wright" in PagerDuty, tim@example.com in a CSV) counts once
-- in on-call health. A page's responder matches a person's name, e-mail or
-- alias, ignoring case.
CREATE TABLE oncall_people (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (trim(name) <> ''),
    email      TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE UNIQUE INDEX oncall_people_email ON oncall_people(email) WHERE email <> '';

CREATE TABLE oncall_person_aliases (
    alias     TEXT PRIMARY KEY COLLATE NOCASE CHECK (trim(alias) <> ''),
    person_id INTEGER NOT NULL REFERENCES oncall_people(id) ON DELETE CASCADE
);
CREATE INDEX oncall_person_aliases_person ON oncall_person_aliases(person_id);

-- +goose Down
DROP TABLE oncall_person_aliases;
DROP TABLE oncall_people;
