-- +goose Up
-- API tokens get a scope: read (the GET API, as before) or write (also the
-- write API; only editors and admins hold such tokens).
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'read' CHECK (scope IN ('read', 'write'));

-- Disabling an account now revokes its tokens for good. Tokens of accounts
-- disabled before this release were only blocked while disabled and would
-- come back on re-enabling: revoke them now.
UPDATE api_tokens SET revoked_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
WHERE revoked_at IS NULL AND user_id IN (SELECT id FROM users WHERE disabled = 1);

-- The login throttle counts per account and client and prunes by age on
-- every attempt.
CREATE INDEX login_failures_pair ON login_failures(email, client_addr, at);
CREATE INDEX login_failures_at ON login_failures(at);

-- +goose Down
DROP INDEX login_failures_at;
DROP INDEX login_failures_pair;
ALTER TABLE api_tokens DROP COLUMN scope;
