-- Single-use password reset links, by the SHA-256 of their token (the token itself is
-- never stored). A link ends when it is used, when it expires, or when a newer link of
-- the same account supersedes it; each end is recorded so that the person who opens a
-- dead link is told which it was.
CREATE TABLE password_reset_tokens
(
    token_hash      bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    account_id      uuid        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    superseded_at   timestamptz
);

-- A new request supersedes the account's links still open.
CREATE INDEX password_reset_tokens_open_by_account ON password_reset_tokens (account_id)
    WHERE used_at IS NULL AND superseded_at IS NULL;
