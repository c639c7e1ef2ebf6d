-- Who each seat of every order is for, whatever the order's status (issue 15,
-- attendees): the details given at checkout and as last corrected, one row per seat with
-- a name or an email, written by the `orders` projector from OrderPlaced and
-- AttendeeCorrected. The organiser's orders search reads the names
-- (projections/src/orders/listing.rs): the names on issued tickets
-- (`tickets.attendee_name`) missed every unpaid order. The organiser's list shows them.
CREATE TABLE order_attendees
(
    order_id uuid    NOT NULL,
    seat     integer NOT NULL CHECK (seat >= 0),
    event_id uuid    NOT NULL,
    name     text,
    email    text,
    PRIMARY KEY (order_id, seat),
    CHECK (name IS NOT NULL OR email IS NOT NULL)
);

-- The start of a name, whatever its case, within one event: the same shape as the buyer
-- email's index (`text_pattern_ops` lets `LIKE 'prefix%'` use it under any collation).
CREATE INDEX order_attendees_of_event_by_name
    ON order_attendees (event_id, lower(name) text_pattern_ops)
    WHERE name IS NOT NULL;

-- The search no longer reads the tickets' names: their index only cost writes.
DROP INDEX tickets_of_event_by_attendee_name;

-- The orders placed before this migration, from the log: each seat's details at checkout,
-- then each seat's last correction (one left blank leaves no row). The projector applies
-- the facts past its checkpoint again on top, which writes the same rows.
INSERT INTO order_attendees (order_id, seat, event_id, name, email)
SELECT placed.aggregate_id::uuid,
       (seat.n - 1)::integer,
       (placed.body ->> 'event_id')::uuid,
       seat.attendee ->> 'name',
       seat.attendee ->> 'email'
  FROM (SELECT aggregate_id, payload::jsonb -> 'OrderPlaced' AS body
          FROM events
         WHERE aggregate_type = 'Order' AND event_type = 'OrderPlaced') AS placed
 CROSS JOIN LATERAL jsonb_array_elements(coalesce(placed.body -> 'attendees', '[]'::jsonb))
       WITH ORDINALITY AS seat(attendee, n)
 WHERE seat.attendee ->> 'name' IS NOT NULL OR seat.attendee ->> 'email' IS NOT NULL
ON CONFLICT (order_id, seat) DO NOTHING;

WITH last_corrections AS (
    SELECT DISTINCT ON (aggregate_id, (body ->> 'seat')::integer)
           aggregate_id::uuid             AS order_id,
           (body ->> 'seat')::integer     AS seat,
           (body ->> 'event_id')::uuid    AS event_id,
           body -> 'attendee' ->> 'name'  AS name,
           body -> 'attendee' ->> 'email' AS email
      FROM (SELECT aggregate_id, sequence, payload::jsonb -> 'AttendeeCorrected' AS body
              FROM events
             WHERE aggregate_type = 'Order' AND event_type = 'AttendeeCorrected') AS corrected
     ORDER BY aggregate_id, (body ->> 'seat')::integer, sequence DESC
),
corrected AS (
    INSERT INTO order_attendees (order_id, seat, event_id, name, email)
    SELECT order_id, seat, event_id, name, email
      FROM last_corrections
     WHERE name IS NOT NULL OR email IS NOT NULL
    ON CONFLICT (order_id, seat) DO UPDATE SET name = excluded.name, email = excluded.email
)
DELETE FROM order_attendees a
 USING last_corrections c
 WHERE c.name IS NULL AND c.email IS NULL
   AND a.order_id = c.order_id AND a.seat = c.seat;
