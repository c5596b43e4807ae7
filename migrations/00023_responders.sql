-- +goose Up
-- Who a source names for a page or an incident, and in what role: notified,
-- acknowledged, resolved, assigned, or an incident role (analytics.Responder).
-- One JSON array per record, written in a fixed order by the importers
-- (analytics.NormalizeResponders), so that a re-import compares equal and
-- changes nothing, and so that an import's change log and rollback cover
-- responders like every other column of the record. '' = the source names
-- nobody (a less complete export then keeps the stored people).
ALTER TABLE pages ADD COLUMN responders TEXT NOT NULL DEFAULT ''
    CHECK (responders = '' OR (json_valid(responders) AND json_type(responders) = 'array'));
ALTER TABLE incidents ADD COLUMN responders TEXT NOT NULL DEFAULT ''
    CHECK (responders = '' OR (json_valid(responders) AND json_type(responders) = 'array'));

-- +goose Down
ALTER TABLE incidents DROP COLUMN responders;
ALTER TABLE pages DROP COLUMN responders;
