-- The payments process gives up on an asynchronous payment pending too long: it looks
-- the oldest pending orders up by when they became pending.
CREATE INDEX orders_payment_pending ON orders (updated_at) WHERE status = 'payment_pending';
