-- Read models of the event catalogue, built by the `catalogue` projector from the log.
-- They can be emptied and rebuilt at any time (reset the projector's checkpoint).

CREATE TABLE catalogue_events
(
    event_id            uuid PRIMARY KEY,
    status              text        NOT NULL CHECK (status IN ('draft', 'published', 'cancelled')),
    title               text        NOT NULL,
    description         text        NOT NULL,
    venue_name          text        NOT NULL,
    venue_address       text        NOT NULL,
    starts_at           timestamptz NOT NULL,
    ends_at             timestamptz NOT NULL,
    time_zone           text        NOT NULL,
    currency            text        NOT NULL,
    published_at        timestamptz,
    cancelled_at        timestamptz,
    cancellation_reason text,
    -- The aggregate sequence last applied: guards against applying an event twice.
    version             bigint      NOT NULL,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    search              tsvector GENERATED ALWAYS AS (
        to_tsvector('simple', title || ' ' || venue_name || ' ' || description)
        ) STORED
);

-- The public listing: published events by start time, then id (the keyset cursor).
CREATE INDEX catalogue_events_listing ON catalogue_events (starts_at, event_id) WHERE status = 'published';
CREATE INDEX catalogue_events_search ON catalogue_events USING gin (search);

CREATE TABLE catalogue_ticket_types
(
    event_id       uuid        NOT NULL REFERENCES catalogue_events (event_id) ON DELETE CASCADE,
    -- Unique within its event only, as the aggregate guarantees.
    ticket_type_id uuid        NOT NULL,
    -- Order in which the organiser added them, for a stable display.
    position       integer     NOT NULL,
    name           text        NOT NULL,
    price_minor    bigint      NOT NULL,
    currency       text        NOT NULL,
    capacity       integer     NOT NULL,
    sale_opens_at  timestamptz NOT NULL,
    sale_closes_at timestamptz NOT NULL,
    max_per_order  integer     NOT NULL,
    PRIMARY KEY (event_id, ticket_type_id)
);

CREATE INDEX catalogue_ticket_types_order ON catalogue_ticket_types (event_id, position);
