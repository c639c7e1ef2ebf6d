-- Capacities shared by several ticket types (issue 17, "Shared capacity").
--
-- The event's capacity pools as the last pool fact left them:
-- [{ "id", "name", "capacity", "ticket_types": [ticket type id, ...] }]. Written only by
-- the catalogue projector; availability shown to buyers reads it to show each ticket
-- type the smaller of what it and its pool have left.
ALTER TABLE catalogue_events ADD COLUMN capacity_pools jsonb NOT NULL DEFAULT '[]'::jsonb;
