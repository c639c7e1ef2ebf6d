-- Payments (issue 5): sold tickets in the inventory read model, the orders read model
-- (built by the `orders` projector from Order events), per ticket type sales, and the
-- simulated checkout's sessions.

-- A paid hold's lines stay as rows marked 'sold'.
ALTER TABLE inventory_holds DROP CONSTRAINT inventory_holds_status_check;
ALTER TABLE inventory_holds
    ADD CONSTRAINT inventory_holds_status_check
        CHECK (status IN ('held', 'released', 'expired', 'sold'));

-- Tickets sold and not refunded, per ticket type (the `inventory` projector).
CREATE TABLE inventory_sold
(
    event_id       uuid    NOT NULL,
    ticket_type_id uuid    NOT NULL,
    sold           integer NOT NULL CHECK (sold >= 0),
    PRIMARY KEY (event_id, ticket_type_id)
);

CREATE TABLE orders
(
    order_id        uuid PRIMARY KEY,
    event_id        uuid        NOT NULL,
    reservation_id  uuid        NOT NULL,
    buyer_email     text        NOT NULL,
    account_id      uuid,
    status          text        NOT NULL,
    total_minor     bigint      NOT NULL,
    refunded_minor  bigint      NOT NULL DEFAULT 0,
    currency        text        NOT NULL,
    provider        text        NOT NULL,
    session_id      text        NOT NULL,
    checkout_url    text        NOT NULL,
    payment_due_by  timestamptz NOT NULL,
    placed_at       timestamptz NOT NULL,
    paid_at         timestamptz,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX orders_by_account ON orders (account_id, placed_at DESC) WHERE account_id IS NOT NULL;
CREATE INDEX orders_by_event ON orders (event_id, status);
-- The payments process manager's searches.
CREATE INDEX orders_awaiting_payment ON orders (payment_due_by) WHERE status = 'awaiting_payment';
CREATE INDEX orders_payment_received ON orders (updated_at) WHERE status = 'payment_received';

CREATE TABLE order_lines
(
    order_id         uuid    NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
    ticket_type_id   uuid    NOT NULL,
    name             text    NOT NULL,
    quantity         integer NOT NULL,
    unit_price_minor bigint  NOT NULL,
    PRIMARY KEY (order_id, ticket_type_id)
);

CREATE TABLE order_tickets
(
    ticket_id      uuid PRIMARY KEY,
    order_id       uuid NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
    event_id       uuid NOT NULL,
    ticket_type_id uuid NOT NULL,
    status         text NOT NULL CHECK (status IN ('valid', 'refunded'))
);
CREATE INDEX order_tickets_by_order ON order_tickets (order_id);

CREATE TABLE order_refunds
(
    order_id      uuid        NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
    refund_number integer     NOT NULL,
    amount_minor  bigint      NOT NULL,
    reason        text        NOT NULL,
    ticket_count  integer     NOT NULL,
    status        text        NOT NULL CHECK (status IN ('requested', 'completed')),
    -- Whether the refunded tickets are back on sale (the inventory's TicketsReturned).
    returned      boolean     NOT NULL DEFAULT false,
    requested_at  timestamptz NOT NULL,
    completed_at  timestamptz,
    PRIMARY KEY (order_id, refund_number)
);
CREATE INDEX order_refunds_to_drive ON order_refunds (requested_at)
    WHERE status = 'requested' OR (ticket_count > 0 AND NOT returned);

-- Revenue per ticket type: issued tickets at their price less refunds.
CREATE TABLE ticket_type_sales
(
    event_id       uuid    NOT NULL,
    ticket_type_id uuid    NOT NULL,
    tickets_issued integer NOT NULL DEFAULT 0,
    tickets_refunded integer NOT NULL DEFAULT 0,
    revenue_minor  bigint  NOT NULL DEFAULT 0,
    currency       text    NOT NULL,
    PRIMARY KEY (event_id, ticket_type_id)
);

-- The simulated provider's checkout sessions (only used without Stripe keys).
CREATE TABLE simulated_checkout_sessions
(
    session_id     text PRIMARY KEY,
    order_id       uuid        NOT NULL,
    amount_minor   bigint      NOT NULL,
    currency       text        NOT NULL,
    customer_email text        NOT NULL,
    status         text        NOT NULL CHECK (status IN ('open', 'complete', 'expired')),
    paid           boolean     NOT NULL,
    success_url    text        NOT NULL,
    cancel_url     text        NOT NULL,
    expires_at     timestamptz NOT NULL
);
