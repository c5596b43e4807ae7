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

-- People who share an e-mail are one person (People.WithEmails): every KPI
-- load reads the distinct responder lists that carry an e-mail, a covering
-- scan of these partial indexes rather than of every page.
CREATE INDEX pages_responders_email ON pages(responders) WHERE instr(responders, '"email":') > 0;
CREATE INDEX incidents_responders_email ON incidents(responders) WHERE instr(responders, '"email":') > 0;

-- +goose Down
DROP INDEX incidents_responders_email;
DROP INDEX pages_responders_email;
ALTER TABLE incidents DROP COLUMN responders;
ALTER TABLE pages DROP COLUMN responders;
