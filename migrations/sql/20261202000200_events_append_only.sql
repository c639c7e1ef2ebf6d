-- The event log is append-only: an event, once recorded, is never changed or removed
-- (a correction is a new event). Refused here, at the source, whatever the client:
-- a row trigger for UPDATE and DELETE, a statement trigger for TRUNCATE (which skips
-- row triggers). Both raise SQLSTATE 23001 (restrict_violation) with the message
-- "events is append-only: <OP> refused", which callers and tests can rely on.
--
-- A superuser can still disable triggers (ALTER TABLE ... DISABLE TRIGGER, or
-- session_replication_role = replica): the hash chain in event_seals and the signed
-- checkpoints kept outside the system are what detect that (docs/audit.md).
CREATE FUNCTION refuse_event_changes() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'events is append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = 'record a new event that corrects the earlier one';
END;
$$;

CREATE TRIGGER events_refuse_update_delete
    BEFORE UPDATE OR DELETE
    ON events
    FOR EACH ROW
EXECUTE FUNCTION refuse_event_changes();

CREATE TRIGGER events_refuse_truncate
    BEFORE TRUNCATE
    ON events
    FOR EACH STATEMENT
EXECUTE FUNCTION refuse_event_changes();
