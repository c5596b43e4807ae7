-- +goose Up
-- Sign-in failures, counted per account and per client address to throttle
-- password guessing. Rows older than the window are pruned on write.
CREATE TABLE login_failures (
    id           INTEGER PRIMARY KEY,
    email        TEXT NOT NULL COLLATE NOCASE,
    client_addr  TEXT NOT NULL DEFAULT '',
    at           TEXT NOT NULL
);
CREATE INDEX login_failures_email ON login_failures(email, at);
CREATE INDEX login_failures_addr ON login_failures(client_addr, at);

CREATE INDEX sessions_expires ON sessions(expires_at);
CREATE INDEX api_tokens_user ON api_tokens(user_id);
CREATE INDEX audit_log_user ON audit_log(user_id, at);

-- The audit log is append-only: the app never edits or removes a row, and
-- the database refuses to. Users are disabled, never deleted, so the
-- ON DELETE SET NULL of audit_log.user_id never fires.
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_log_no_update;
DROP INDEX audit_log_user;
DROP INDEX api_tokens_user;
DROP INDEX sessions_expires;
DROP TABLE login_failures;
