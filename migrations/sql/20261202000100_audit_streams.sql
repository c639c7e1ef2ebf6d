-- Which ticketing event each stream of the log belongs to, read from the log itself, so
-- it can never lag behind it (nothing to project, nothing to rebuild): an Event's and an
-- Inventory's stream are keyed by the event's id; an Order's and an Admission's first
-- fact names it (`OrderPlaced.event_id`, `TicketCheckedIn.event_id`). A stream's first
-- fact commits no later than any other fact of it, so every stream a log reader sees is
-- already here.
CREATE VIEW audit_streams AS
SELECT aggregate_type, aggregate_id, aggregate_id AS event_id
  FROM events
 WHERE sequence = 1
   AND aggregate_type IN ('Event', 'Inventory')
UNION ALL
SELECT aggregate_type,
       aggregate_id,
       COALESCE(payload -> 'OrderPlaced' ->> 'event_id',
                payload -> 'TicketCheckedIn' ->> 'event_id') AS event_id
  FROM events
 WHERE sequence = 1
   AND aggregate_type IN ('Order', 'Admission');

-- The second branch above, by event: finding an event's orders and admissions is a lookup.
CREATE INDEX events_stream_ticketing_event
    ON events ((COALESCE(payload -> 'OrderPlaced' ->> 'event_id',
                         payload -> 'TicketCheckedIn' ->> 'event_id')))
    WHERE sequence = 1 AND aggregate_type IN ('Order', 'Admission');

-- The events an organiser created (`EventDrafted.organiser`): an organiser's share of the log.
CREATE VIEW audit_event_organisers AS
SELECT aggregate_id AS event_id, payload -> 'EventDrafted' ->> 'organiser' AS organiser_id
  FROM events
 WHERE sequence = 1
   AND aggregate_type = 'Event';

CREATE INDEX events_event_organiser
    ON events ((payload -> 'EventDrafted' ->> 'organiser'))
    WHERE sequence = 1 AND aggregate_type = 'Event';

-- The streams of one ticketing event, looked up through the indexes above. PL/pgSQL on
-- purpose: the planner cannot flatten it, so an organiser's share is a few index lookups
-- per event they created, where the view joined to their events was planned as a scan of
-- every stream (measured on 950 000 events: 62 ms a page instead of 680 ms).
CREATE FUNCTION audit_event_streams(ticketing_event text)
    RETURNS TABLE (aggregate_type text, aggregate_id text)
    LANGUAGE plpgsql
    STABLE
    ROWS 50
AS
$$
BEGIN
    RETURN QUERY
        SELECT s.aggregate_type, s.aggregate_id
          FROM audit_streams s
         WHERE s.event_id = ticketing_event;
END;
$$;
