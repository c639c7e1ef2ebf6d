-- Finds the fact that placed a hold by its purchase's correlation id, so the owner of a
-- hold can open its checkout with their session (commands/src/reservations/placer.rs)
-- without scanning the log. Not unique: postgres-es reads any unique violation on its
-- insert as a version conflict.
CREATE INDEX events_hold_placed_correlation
    ON events ((metadata ->> 'correlation_id'))
    WHERE aggregate_type = 'Inventory' AND event_type = 'HoldsPlaced';
