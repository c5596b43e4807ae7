-- +goose Up
-- The version of the data computations read: every insert, update or
-- delete on a table that feeds a KPI, a scorecard, a report or the pages
-- cached with them moves it, in the writer's own transaction, whichever
-- process writes. Caches key on it (store.DataVersion) instead of on any
-- commit, so a session renewal or a sign-in no longer empties them. The
-- triggers that move it are kept by store.Migrate for every table except
-- the few that hold only sign-in and audit bookkeeping (kpiVersionExempt),
-- so a table added by a later migration is covered without remembering to.
CREATE TABLE kpi_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO kpi_version (id, version) VALUES (1, 0);

-- +goose Down
-- store.Migrate drops the triggers once the table is gone.
DROP TABLE kpi_version;
