-- Mail waiting to be sent, one row per message. The unique dedupe key makes queueing
-- idempotent (`tickets:{order_id}` is queued once however often its trigger runs); the
-- sender claims due rows with a lease, so a crashed sender's rows are retried.
-- Message bodies hold bearer secrets (ticket codes, order links): they are cleared
-- once the message is sent or given up.
CREATE TABLE mail_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dedupe_key      text NOT NULL CONSTRAINT mail_outbox_dedupe_key_key UNIQUE,
    sender          text NOT NULL,
    recipient       text NOT NULL,
    subject         text NOT NULL,
    message_id      text NOT NULL,
    message         bytea,
    text_body       text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    sent_at         timestamptz,
    sent_via        text CHECK (sent_via IN ('smtp', 'log')),
    failed_at       timestamptz
);

CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;
