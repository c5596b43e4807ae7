-- +goose Up
-- Who ran an import when there is no signed-in user (the CLI), and the
-- parser's warnings, shown on the import's page.
ALTER TABLE imports ADD COLUMN actor TEXT NOT NULL DEFAULT '';
ALTER TABLE imports ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';
ALTER TABLE imports ADD COLUMN rolled_back_at TEXT;

-- Rolling back an import asks whether a later import touched the same rows.
CREATE INDEX import_changes_entity ON import_changes(entity, entity_id);
-- Importing deploys links incidents that name them (ServiceNow caused_by),
-- importing incidents links pages that name them (PagerDuty log entries).
CREATE INDEX incidents_caused_by_ref ON incidents(source, caused_by_ref);
CREATE INDEX pages_incident_ref ON pages(source, incident_ref);

-- +goose Down
DROP INDEX pages_incident_ref;
DROP INDEX incidents_caused_by_ref;
DROP INDEX import_changes_entity;
ALTER TABLE imports DROP COLUMN rolled_back_at;
ALTER TABLE imports DROP COLUMN warnings;
ALTER TABLE imports DROP COLUMN actor;
