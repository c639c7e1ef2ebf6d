-- The organiser's list of an event's orders at 100,000 orders and more (issue 15):
-- keyset pages by (placed_at, order_id), newest or oldest first, filtered by status and
-- searched by order id or buyer email (projections/src/orders/listing.rs). A btree is
-- read in both directions, so each index serves both sorts.

-- Every order of the event, in time order: the unfiltered pages and the exports.
CREATE INDEX orders_of_event_by_time ON orders (event_id, placed_at, order_id);

-- One status of the event, in time order: a status group is read as one scan per status,
-- merged, never walking past the orders of other statuses (a filter on the time index
-- read all 100,000 orders for a group the event had none of). Its prefix answers what
-- `orders_by_event` did.
CREATE INDEX orders_of_event_by_status ON orders (event_id, status, placed_at, order_id);
DROP INDEX orders_by_event;

-- The search box: the start of a buyer's email, whatever its case, and the start of an
-- order id (the list shows its first eight characters). `text_pattern_ops` lets
-- `LIKE 'prefix%'` use the index under any collation. An attendee-name column joins the
-- search with an index of the same shape.
CREATE INDEX orders_of_event_by_email ON orders (event_id, lower(buyer_email) text_pattern_ops);
CREATE INDEX orders_of_event_by_order_id ON orders (event_id, (order_id::text) text_pattern_ops);
