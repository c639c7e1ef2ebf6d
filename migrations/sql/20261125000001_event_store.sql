-- The event store of cqrs-es / postgres-es: one table for every aggregate type.
-- postgres-es names its columns in INSERT and SELECT, so the columns added below
-- (all with defaults) are invisible to it.
CREATE TABLE events
(
    aggregate_type text                         NOT NULL,
    aggregate_id   text                         NOT NULL,
    sequence       bigint CHECK (sequence >= 0) NOT NULL,
    event_type     text                         NOT NULL,
    event_version  text                         NOT NULL,
    payload        json                         NOT NULL,
    metadata       json                         NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id, sequence)
);

-- Projectors read the log in (transaction_id, global_position) order, and only rows
-- whose transaction is older than every running one: a position is taken at insert but
-- becomes visible at commit, so positions alone would let a reader skip a late commit.
-- No unique index here: postgres-es maps every unique violation to a version conflict.
ALTER TABLE events
    ADD COLUMN global_position bigint GENERATED ALWAYS AS IDENTITY,
    ADD COLUMN transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
    ADD COLUMN recorded_at     timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN event_id        uuid        NOT NULL DEFAULT gen_random_uuid();

CREATE INDEX events_log_order ON events (transaction_id, global_position);

-- Wakes projectors on commit; statement-level so a batch append sends one notification.
CREATE FUNCTION notify_events_appended() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    PERFORM pg_notify('events', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_appended
    AFTER INSERT
    ON events
    FOR EACH STATEMENT
EXECUTE FUNCTION notify_events_appended();

-- One row per projector: the last log entry it applied, moved in the same transaction
-- as the read-model changes it caused.
CREATE TABLE projector_checkpoints
(
    projector       text PRIMARY KEY,
    transaction_id  xid8   NOT NULL DEFAULT '0',
    global_position bigint NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
