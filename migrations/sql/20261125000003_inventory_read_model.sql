-- The inventory read model, built by the `inventory` projector from Inventory events:
-- one row per line of each hold. Availability is computed when read, counting only holds
-- that have not lapsed, so it is right even before the sweeper records an expiry.
CREATE TABLE inventory_holds
(
    event_id       uuid        NOT NULL,
    reservation_id uuid        NOT NULL,
    ticket_type_id uuid        NOT NULL,
    quantity       integer     NOT NULL CHECK (quantity > 0),
    status         text        NOT NULL CHECK (status IN ('held', 'released', 'expired')),
    placed_at      timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    ended_at       timestamptz,
    PRIMARY KEY (event_id, reservation_id, ticket_type_id)
);

-- Availability of one event, and the sweeper's search for lapsed holds.
CREATE INDEX inventory_holds_active ON inventory_holds (event_id, ticket_type_id, expires_at)
    WHERE status = 'held';
CREATE INDEX inventory_holds_lapsing ON inventory_holds (expires_at) WHERE status = 'held';
