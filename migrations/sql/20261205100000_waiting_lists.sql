-- Waiting lists (issue 17, "Waiting list").
--
-- `catalogue_events.waiting_list_open`: the organiser's switch, written by the catalogue
-- projector from `WaitingListSwitched` (events recorded before it: open).
--
-- `waiting_list_entries`: every place taken on an event's waiting lists, written only by
-- the inventory projector from `WaitingListJoined`, `WaitingListLeft` and
-- `WaitingListOffered`. `joined_sequence` is the join's sequence in the event's inventory
-- stream: the order of service. An offer is a hold whose reservation id is the entry id, so
-- `inventory_holds` tells whether it is still held, sold, released or lapsed.
ALTER TABLE catalogue_events ADD COLUMN waiting_list_open boolean NOT NULL DEFAULT true;

CREATE TABLE waiting_list_entries
(
    entry_id         uuid PRIMARY KEY,
    event_id         uuid        NOT NULL,
    joined_sequence  bigint      NOT NULL,
    ticket_type_id   uuid        NOT NULL,
    quantity         integer     NOT NULL CHECK (quantity > 0),
    email            text        NOT NULL,
    joined_at        timestamptz NOT NULL,
    status           text        NOT NULL CHECK (status IN ('waiting', 'offered', 'left')),
    offered_at       timestamptz,
    offer_expires_at timestamptz,
    left_at          timestamptz
);

-- An event's list in order, and what its waiting places claim.
CREATE INDEX waiting_list_entries_line ON waiting_list_entries (event_id, joined_sequence);
-- The offer keeper's search for events with people waiting.
CREATE INDEX waiting_list_entries_waiting ON waiting_list_entries (event_id)
    WHERE status = 'waiting';
