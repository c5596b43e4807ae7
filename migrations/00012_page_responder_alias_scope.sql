-- +goose Up
-- Who a page reached (PagerDuty's notified user), for per-person on-call
-- load; '' where the source does not say.
ALTER TABLE pages ADD COLUMN responder TEXT NOT NULL DEFAULT '';

-- A service alias applies to every source unless it is marked
-- source-specific (any_source = 0): the name a ServiceNow upload mapped
-- means the same service in the PagerDuty upload. Aliases saved before
-- were per source only by accident of the schema; they now apply to all.
ALTER TABLE service_aliases ADD COLUMN any_source INTEGER NOT NULL DEFAULT 1 CHECK (any_source IN (0, 1));
CREATE INDEX service_aliases_alias ON service_aliases(alias);

-- +goose Down
DROP INDEX service_aliases_alias;
ALTER TABLE service_aliases DROP COLUMN any_source;
ALTER TABLE pages DROP COLUMN responder;
