-- +goose Up
-- Optimistic concurrency for incident edits: every save bumps version, and
-- a save made on a form loaded at an older version is refused (409), so one
-- editor's stale form can no longer wipe another's newer change. Existing
-- rows start at 1 so they differ from "no override yet" (0). Rows are no
-- longer deleted when every override is cleared, so the version never goes
-- back to a value an old form could carry.
ALTER TABLE incident_overrides ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- Action-item overrides become per field: NULL = no override, so a
-- re-import still moves every field the user did not change; due_at ''
-- means the user removed the due date. A user's
-- reopen is an explicit flag instead of closed_at '' (which also froze
-- items that were merely edited while open).
ALTER TABLE action_item_overrides ADD COLUMN reopened INTEGER NOT NULL DEFAULT 0;

-- closed_at '' on an item the source also has open was an edit, not a
-- reopen; on an item the source has closed it may have been a reopen, so
-- it stays one.
UPDATE action_item_overrides SET reopened = 1
WHERE closed_at = '' AND (SELECT a.closed_at FROM action_items a WHERE a.id = action_item_id) IS NOT NULL;
UPDATE action_item_overrides SET closed_at = NULL WHERE closed_at = '';

-- Every old edit stored all fields; a field equal to the imported value
-- was not changed by the user, so it stops overriding.
UPDATE action_item_overrides SET
    title = CASE WHEN title IS (SELECT a.title FROM action_items a WHERE a.id = action_item_id) THEN NULL ELSE title END,
    owner = CASE WHEN owner IS (SELECT a.owner FROM action_items a WHERE a.id = action_item_id) THEN NULL ELSE owner END,
    due_at = CASE WHEN due_at IS (SELECT a.due_at FROM action_items a WHERE a.id = action_item_id) THEN NULL ELSE due_at END,
    closed_at = CASE WHEN closed_at IS (SELECT a.closed_at FROM action_items a WHERE a.id = action_item_id) THEN NULL ELSE closed_at END,
    url = CASE WHEN url IS (SELECT a.url FROM action_items a WHERE a.id = action_item_id) THEN NULL ELSE url END;

-- Each KPI's target direction is fixed (lower is better for durations and
-- rates of bad things, higher for availability, attainment and on-time
-- rates); a flipped direction made the status meaningless.
UPDATE tier_targets SET direction = 'max' WHERE kpi IN ('mttr_minutes', 'mttd_minutes', 'mtta_minutes', 'ttm_minutes',
    'change_failure_rate', 'repeat_incident_rate', 'alert_noise_ratio', 'toil_ratio');
UPDATE tier_targets SET direction = 'min' WHERE kpi IN ('availability', 'slo_attainment', 'postmortem_on_time_rate',
    'action_item_on_time_rate');

-- +goose Down
UPDATE action_item_overrides SET closed_at = '' WHERE reopened = 1;
UPDATE action_item_overrides SET due_at = NULL WHERE due_at = '';
ALTER TABLE action_item_overrides DROP COLUMN reopened;
ALTER TABLE incident_overrides DROP COLUMN version;
