//! A batch of catalogue events folded in memory per event, so the store writes it in a
//! few statements instead of a version claim and a write per event.
//!
//! The version claim still decides every event: an event applies only when its sequence
//! is past the version the read model (or the batch before it) reached, so a replayed or
//! duplicate batch changes nothing. The fold starts from the read model's versions and
//! ticket type positions ([`KnownEvent`]) and keeps its rules: a draft is inserted with
//! its sequence as version and never claims; a new ticket type goes after the event's
//! current ones, a changed one keeps its place.

use std::collections::{BTreeMap, HashMap};

use carneau_domain::event::{
    CapacityPool, EventCatalogueEvent, EventDetails, EventImage, TicketType,
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// What the read model holds of an event the batch touches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct KnownEvent {
    /// The aggregate sequence last applied.
    pub(super) version: i64,
    /// Its ticket types' positions.
    pub(super) positions: HashMap<Uuid, i32>,
}

/// A draft to insert (unless the event is there already).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Draft {
    pub(super) event_id: Uuid,
    pub(super) sequence: i64,
    pub(super) details: EventDetails,
    pub(super) currency: String,
    pub(super) organiser: Option<Uuid>,
}

/// How the batch's claimed events change an event's row: the last of each kind wins.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct EventChange {
    pub(super) event_id: Uuid,
    /// The last claimed sequence.
    pub(super) version: i64,
    pub(super) details: Option<EventDetails>,
    pub(super) status: Option<&'static str>,
    pub(super) published_at: Option<DateTime<Utc>>,
    /// When it was cancelled, and why.
    pub(super) cancelled: Option<(DateTime<Utc>, Option<String>)>,
    /// The images as the last image fact left them.
    pub(super) images: Option<Vec<EventImage>>,
    /// The capacity pools as the last pool fact left them.
    pub(super) capacity_pools: Option<Vec<CapacityPool>>,
    /// Whether the waiting lists are open, as the last switch left them.
    pub(super) waiting_list_open: Option<bool>,
}

/// A ticket type as it ends the batch, with its place.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TicketTypeRow {
    pub(super) event_id: Uuid,
    pub(super) position: i32,
    pub(super) ticket_type: TicketType,
}

/// Everything a batch writes.
#[derive(Debug, Default, PartialEq)]
pub(super) struct CatalogueFold {
    pub(super) drafts: Vec<Draft>,
    pub(super) changes: Vec<EventChange>,
    /// Ticket types removed at some point of the batch: deleted before the rows below are
    /// written, so one removed then added again takes a new place.
    pub(super) removed: Vec<(Uuid, Uuid)>,
    pub(super) ticket_types: Vec<TicketTypeRow>,
}

/// One event of the catalogue as the fold walks it.
#[derive(Debug)]
struct Walked {
    /// `None` while the read model has no row for it: nothing claims.
    version: Option<i64>,
    change: Option<EventChange>,
    positions: HashMap<Uuid, i32>,
    written: BTreeMap<Uuid, TicketType>,
    removed: Vec<Uuid>,
}

/// Folds `events` (`(event id, sequence, event)`, in log order) given what the read model
/// knew of them.
pub(super) fn fold(
    events: Vec<(Uuid, i64, EventCatalogueEvent)>,
    known: &HashMap<Uuid, KnownEvent>,
) -> CatalogueFold {
    let mut out = CatalogueFold::default();
    let mut walked: BTreeMap<Uuid, Walked> = BTreeMap::new();
    for (event_id, sequence, event) in events {
        let state = walked.entry(event_id).or_insert_with(|| {
            let known = known.get(&event_id);
            Walked {
                version: known.map(|known| known.version),
                change: None,
                positions: known
                    .map(|known| known.positions.clone())
                    .unwrap_or_default(),
                written: BTreeMap::new(),
                removed: Vec::new(),
            }
        });
        if let EventCatalogueEvent::EventDrafted {
            details,
            currency,
            organiser,
            ..
        } = event
        {
            // The row's insert does nothing when it is there: only a new one takes the
            // draft's sequence.
            if state.version.is_none() {
                state.version = Some(sequence);
                out.drafts.push(Draft {
                    event_id,
                    sequence,
                    details,
                    currency: currency.as_str().to_owned(),
                    organiser: organiser.map(|id| id.as_uuid()),
                });
            }
            continue;
        }
        // The claim: past the version reached, or not applied at all.
        match state.version {
            Some(version) if version < sequence => state.version = Some(sequence),
            _ => continue,
        }
        let change = state.change.get_or_insert(EventChange {
            event_id,
            version: sequence,
            details: None,
            status: None,
            published_at: None,
            cancelled: None,
            images: None,
            capacity_pools: None,
            waiting_list_open: None,
        });
        change.version = sequence;
        match event {
            EventCatalogueEvent::EventDrafted { .. } => {}
            EventCatalogueEvent::EventDetailsEdited { details } => change.details = Some(details),
            EventCatalogueEvent::TicketTypeAdded { ticket_type }
            | EventCatalogueEvent::TicketTypeChanged { ticket_type } => {
                let id = ticket_type.id.as_uuid();
                if !state.positions.contains_key(&id) {
                    let last = state.positions.values().copied().max().unwrap_or(0);
                    state.positions.insert(id, last + 1);
                }
                state.written.insert(id, ticket_type);
            }
            EventCatalogueEvent::TicketTypeRemoved { ticket_type_id } => {
                let id = ticket_type_id.as_uuid();
                state.positions.remove(&id);
                state.written.remove(&id);
                state.removed.push(id);
            }
            EventCatalogueEvent::EventPublished { published_at } => {
                change.status = Some("published");
                change.published_at = Some(published_at);
            }
            EventCatalogueEvent::EventCancelled {
                cancelled_at,
                reason,
            } => {
                change.status = Some("cancelled");
                change.cancelled = Some((cancelled_at, reason));
            }
            EventCatalogueEvent::EventImageAdded { gallery, .. }
            | EventCatalogueEvent::EventImageAltTextChanged { gallery, .. }
            | EventCatalogueEvent::EventImagesReordered { gallery }
            | EventCatalogueEvent::EventImageRemoved { gallery, .. } => {
                change.images = Some(gallery);
            }
            EventCatalogueEvent::CapacityPoolAdded { pools, .. }
            | EventCatalogueEvent::CapacityPoolChanged { pools, .. }
            | EventCatalogueEvent::CapacityPoolRemoved { pools, .. } => {
                change.capacity_pools = Some(pools);
            }
            EventCatalogueEvent::WaitingListSwitched { open } => {
                change.waiting_list_open = Some(open);
            }
        }
    }
    for (event_id, state) in walked {
        out.changes.extend(state.change);
        out.removed
            .extend(state.removed.into_iter().map(|id| (event_id, id)));
        for (id, ticket_type) in state.written {
            // Every written ticket type has a place: it was given one when written.
            if let Some(position) = state.positions.get(&id) {
                out.ticket_types.push(TicketTypeRow {
                    event_id,
                    position: *position,
                    ticket_type,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::minutes(minutes)
    }

    fn known(event_id: Uuid, version: i64) -> HashMap<Uuid, KnownEvent> {
        HashMap::from([(
            event_id,
            KnownEvent {
                version,
                positions: HashMap::new(),
            },
        )])
    }

    #[test]
    fn events_at_or_below_the_version_reached_change_nothing() {
        // Given an event the read model shows at version 3,
        let event_id = Uuid::now_v7();
        let published = EventCatalogueEvent::EventPublished {
            published_at: at(1),
        };
        let cancelled = EventCatalogueEvent::EventCancelled {
            cancelled_at: at(2),
            reason: None,
        };

        // when a batch repeats its events 2 and 3, then nothing is written;
        let again = fold(
            vec![
                (event_id, 2, published.clone()),
                (event_id, 3, cancelled.clone()),
            ],
            &known(event_id, 3),
        );
        assert_eq!(again, CatalogueFold::default());

        // when it brings 3 again and then 4, only 4 applies, with its version.
        let next = fold(
            vec![(event_id, 3, published), (event_id, 4, cancelled)],
            &known(event_id, 3),
        );
        assert_eq!(
            next.changes,
            vec![EventChange {
                event_id,
                version: 4,
                details: None,
                status: Some("cancelled"),
                published_at: None,
                cancelled: Some((at(2), None)),
                images: None,
                capacity_pools: None,
                waiting_list_open: None,
            }]
        );
    }

    #[test]
    fn an_event_the_read_model_lacks_and_the_batch_does_not_draft_changes_nothing() {
        let event_id = Uuid::now_v7();
        let published = EventCatalogueEvent::EventPublished {
            published_at: at(1),
        };
        assert_eq!(
            fold(vec![(event_id, 2, published)], &HashMap::new()),
            CatalogueFold::default()
        );
    }
}
