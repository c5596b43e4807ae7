-- +goose Up
-- Whether the source records postmortems for an incident (docs/metrics.md,
-- "Postmortem on-time rate"): set by an import whose file has a
-- postmortem_published_at or postmortem_url column, so an empty cell there
-- means "not published" and the postmortem is late once due. Incidents
-- from sources without postmortem fields (PagerDuty, ServiceNow, Jira,
-- Opsgenie) keep 0: their unpublished postmortems are unknown, not late,
-- unless a due date or a publication date says otherwise. Rows imported
-- before this column existed start at 0; re-importing their file sets it.
ALTER TABLE incidents ADD COLUMN postmortem_tracked INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE incidents DROP COLUMN postmortem_tracked;
