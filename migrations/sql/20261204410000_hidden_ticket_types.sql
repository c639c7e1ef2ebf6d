-- Hidden ticket types, a presale (issue 17, "Vouchers and promo codes").
--
-- A hidden type is shown and sold only to buyers whose code unlocks it: the public
-- detail, the listing's lowest price and the availability buyers see leave it out; the
-- organiser's views and the code quote (`GET /events/{id}/codes/{code}`) read it. Written
-- only by the catalogue projector, from the ticket type's `hidden` field (absent from
-- types recorded before presales: shown to everyone).
ALTER TABLE catalogue_ticket_types ADD COLUMN hidden boolean NOT NULL DEFAULT false;
