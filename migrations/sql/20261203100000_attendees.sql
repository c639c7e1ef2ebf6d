-- Who each ticket is for (issue 15, attendees): the `tickets` projector fills them from
-- TicketsIssued and keeps them up to date from AttendeeCorrected. Null when the event
-- asks nothing or the buyer left an optional detail blank.
ALTER TABLE tickets
    ADD COLUMN attendee_name  text,
    ADD COLUMN attendee_email text;

-- The organiser's orders search (projections/src/orders/listing.rs) matches the start of
-- an attendee's name, whatever its case, with an index of the same shape as the buyer's
-- email one: `text_pattern_ops` lets `LIKE 'prefix%'` use it under any collation.
CREATE INDEX tickets_of_event_by_attendee_name
    ON tickets (event_id, lower(attendee_name) text_pattern_ops)
    WHERE attendee_name IS NOT NULL;

-- What each event asks about its tickets' attendees (`off`, `optional`, `required`), for
-- the buyer's checkout form: written by the `catalogue` projector from the event's details.
ALTER TABLE catalogue_events
    ADD COLUMN attendee_name_ask  text NOT NULL DEFAULT 'off',
    ADD COLUMN attendee_email_ask text NOT NULL DEFAULT 'off';
