-- The sweeper looks every few seconds for sales about to open, to build their events'
-- reservation guards ahead of the rush (commands/src/reservations/sale_openings.rs).
CREATE INDEX catalogue_ticket_types_sale_opens ON catalogue_ticket_types (sale_opens_at);
