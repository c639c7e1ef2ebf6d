-- The promo code each order was priced with, and each line's price before it (issue 17,
-- "Vouchers and promo codes"): the organiser's list of an event's orders
-- (`GET /organiser/events/{id}/orders`) and its orders export show the code and the
-- discount (list price against price paid). Written by the `orders` projector from
-- OrderPlaced (`code.code_use.code`, each line's `list_price`); NULL when the order had
-- no code, or the code did not lower that line's price.
ALTER TABLE orders ADD COLUMN code text;
ALTER TABLE order_lines ADD COLUMN list_price_minor bigint;

-- The orders placed before this migration, from the log. The projector applies the facts
-- past its checkpoint again on top, which writes the same values.
UPDATE orders o
   SET code = placed.body -> 'code' -> 'code_use' ->> 'code'
  FROM (SELECT aggregate_id::uuid AS order_id, payload::jsonb -> 'OrderPlaced' AS body
          FROM events
         WHERE aggregate_type = 'Order' AND event_type = 'OrderPlaced') AS placed
 WHERE o.order_id = placed.order_id
   AND placed.body -> 'code' -> 'code_use' ->> 'code' IS NOT NULL;

UPDATE order_lines l
   SET list_price_minor = (line.body -> 'list_price' ->> 'amount_minor')::bigint
  FROM (SELECT aggregate_id::uuid AS order_id, line_body AS body
          FROM events
         CROSS JOIN LATERAL jsonb_array_elements(payload::jsonb -> 'OrderPlaced' -> 'lines')
               AS lines(line_body)
         WHERE aggregate_type = 'Order' AND event_type = 'OrderPlaced') AS line
 WHERE l.order_id = line.order_id
   AND l.ticket_type_id = (line.body ->> 'ticket_type_id')::uuid
   AND line.body -> 'list_price' ->> 'amount_minor' IS NOT NULL;
