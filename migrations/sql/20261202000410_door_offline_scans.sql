-- Offline scanning at the door, in the tickets read model (built by the `tickets`
-- projector from Admission facts).

-- The device of an admission made offline (NULL for online check-ins).
ALTER TABLE tickets ADD COLUMN checked_in_device text;

-- The live counts and the scanners' lists read one event's tickets.
CREATE INDEX tickets_of_event ON tickets (event_id, ticket_type_id);

-- One row per DuplicateEntryRecorded: a second entry on an admitted ticket, naming the
-- duplicate scan and the admission of record. Actors are kept as their JSON
-- (`{"kind": "account", ...}`) so the API shows them as it shows every actor.
CREATE TABLE ticket_double_entries
(
    ticket_id          uuid        NOT NULL,
    device_id          text        NOT NULL,
    scanned_at         timestamptz NOT NULL,
    event_id           uuid        NOT NULL,
    scanned_by         jsonb       NOT NULL,
    synced_at          timestamptz NOT NULL,
    admitted_at        timestamptz NOT NULL,
    admitted_by        jsonb       NOT NULL,
    admitted_device_id text,
    PRIMARY KEY (ticket_id, device_id, scanned_at)
);

CREATE INDEX ticket_double_entries_of_event ON ticket_double_entries (event_id, scanned_at);
