-- Mail whose temporary failures outlasted the sender's attempts is dead-lettered: kept
-- with its body, so an admin can see it and send it again (`carneau mail dead-letters`,
-- `carneau mail retry`), and out of the due index, so the sender stops trying it.
ALTER TABLE mail_outbox ADD COLUMN dead_lettered_at timestamptz;

DROP INDEX mail_outbox_due;
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL AND dead_lettered_at IS NULL;
