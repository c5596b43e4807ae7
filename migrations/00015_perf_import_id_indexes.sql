-- +goose Up
-- A record an import inserted is known by its import_id (import_changes
-- holds only updates, deletes and created services, teams and SLOs), so a
-- rollback and its conflict check find an import's rows by these indexes.
CREATE INDEX incidents_import ON incidents(import_id);
CREATE INDEX deploys_import ON deploys(import_id);
CREATE INDEX pages_import ON pages(import_id);
CREATE INDEX action_items_import ON action_items(import_id);
CREATE INDEX sli_daily_import ON sli_daily(import_id);
CREATE INDEX toil_entries_import ON toil_entries(import_id);

-- +goose Down
DROP INDEX incidents_import;
DROP INDEX deploys_import;
DROP INDEX pages_import;
DROP INDEX action_items_import;
DROP INDEX sli_daily_import;
DROP INDEX toil_entries_import;
