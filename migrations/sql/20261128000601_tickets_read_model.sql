-- The tickets read model, built by the `tickets` projector from Order facts
-- (TicketsIssued, TicketsRefunded) and Admission facts (TicketCheckedIn): one row per
-- ticket with what the buyer, the door and the revocation list need. No codes: they are
-- derived from the ticket id and the server secret when needed.
CREATE TABLE tickets
(
    ticket_id      uuid PRIMARY KEY,
    order_id       uuid        NOT NULL,
    event_id       uuid        NOT NULL,
    ticket_type_id uuid        NOT NULL,
    account_id     uuid,
    buyer_email    text        NOT NULL,
    issued_at      timestamptz NOT NULL,
    revoked_at     timestamptz,
    checked_in_at  timestamptz,
    checked_in_by  text
);

CREATE INDEX tickets_of_order ON tickets (order_id);
CREATE INDEX tickets_of_account ON tickets (account_id, issued_at) WHERE account_id IS NOT NULL;
CREATE INDEX tickets_of_buyer_email ON tickets (lower(buyer_email), issued_at);
-- The revocation list door staff download for offline scanning.
CREATE INDEX tickets_revoked ON tickets (event_id) WHERE revoked_at IS NOT NULL;
