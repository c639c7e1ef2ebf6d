-- Accounts: what must hold together with an account's events but is not a fact for the
-- event log (a password hash is a secret; a session is not history). The log keeps who
-- could do what and when (AccountRegistered, RoleGranted, ...).

-- One account per email, in any case: claimed in the same transaction as the account's
-- AccountRegistered event, so two concurrent registrations cannot both succeed.
CREATE TABLE account_emails
(
    email_normalized text PRIMARY KEY,
    account_id       uuid        NOT NULL UNIQUE,
    claimed_at       timestamptz NOT NULL DEFAULT now()
);

-- The argon2id hash (PHC string) of each account's password.
CREATE TABLE account_credentials
(
    account_id    uuid PRIMARY KEY,
    password_hash text        NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Sign-in sessions, by the SHA-256 of their token (the token itself is never stored).
CREATE TABLE sessions
(
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    account_id uuid        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);

-- Logout of all devices and cache invalidation find an account's live sessions.
CREATE INDEX sessions_live_by_account ON sessions (account_id) WHERE revoked_at IS NULL;

-- Single-use email verification tokens, by hash.
CREATE TABLE email_verification_tokens
(
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    account_id uuid        NOT NULL,
    email      text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

-- The catalogue read model records each event's organiser (NULL for events from before
-- accounts), for "my events" listings.
ALTER TABLE catalogue_events
    ADD COLUMN organiser_id uuid;

CREATE INDEX catalogue_events_by_organiser ON catalogue_events (organiser_id, starts_at, event_id);
