-- The door finds the order that issued a scanned ticket in the log itself, not in a read
-- model that may be a moment behind (commands/src/tickets/issued.rs). Ticket ids are
-- random, so only the `TicketsIssued` fact links a ticket to its order: this partial
-- index covers those rows alone. It is not unique: postgres-es turns every unique
-- violation on `events` into a version conflict.
CREATE INDEX events_issued_tickets ON events
    USING gin (((payload::jsonb) -> 'TicketsIssued' -> 'tickets') jsonb_path_ops)
    WHERE aggregate_type = 'Order' AND event_type = 'TicketsIssued';
