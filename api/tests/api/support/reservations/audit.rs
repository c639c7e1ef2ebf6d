//! The audit of an event's inventory log. It reads the `events` rows itself and decodes
//! their stored JSON with its own types, so that the tests judge the engine by what it
//! recorded, not by what it says.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

/// A line of a hold, as stored.
#[derive(Debug, Clone, Deserialize)]
struct StoredLine {
    ticket_type_id: Uuid,
    quantity: u32,
}

/// A promo code's uses, as stored.
#[derive(Debug, Clone, Deserialize)]
struct StoredCodeUse {
    code: String,
    uses: u32,
}

/// A hold, as stored in `HoldsPlaced`.
#[derive(Debug, Clone, Deserialize)]
struct StoredHold {
    reservation_id: Uuid,
    lines: Vec<StoredLine>,
    expires_at: DateTime<Utc>,
    placed_at: DateTime<Utc>,
    #[serde(default)]
    code_use: Option<StoredCodeUse>,
}

/// An `Inventory` event, as stored.
#[derive(Debug, Clone, Deserialize)]
enum StoredInventoryEvent {
    HoldsPlaced {
        holds: Vec<StoredHold>,
    },
    HoldReleased {
        reservation_id: Uuid,
        released_at: DateTime<Utc>,
    },
    HoldsExpired {
        reservation_ids: Vec<Uuid>,
        expired_at: DateTime<Utc>,
    },
    HoldExtended {
        reservation_id: Uuid,
        expires_at: DateTime<Utc>,
    },
    HoldSold {
        reservation_id: Uuid,
        order_id: Uuid,
        lines: Vec<StoredLine>,
        sold_at: DateTime<Utc>,
        #[serde(default)]
        code_use: Option<StoredCodeUse>,
    },
    TicketsReturned {
        order_id: Uuid,
        lines: Vec<StoredLine>,
        returned_at: DateTime<Utc>,
        #[serde(default)]
        code_use: Option<StoredCodeUse>,
    },
}

/// What the inventory log of one event says, checked event by event.
#[derive(Debug, Default)]
pub struct LogAudit {
    /// How many `Inventory` events the log holds for the event.
    pub events: usize,
    /// Every reservation ever placed, with its lines (ticket type, quantity).
    pub placed: BTreeMap<Uuid, Vec<(Uuid, u32)>>,
    /// Each reservation's expiry as placed.
    pub expires_at: BTreeMap<Uuid, DateTime<Utc>>,
    /// Reservations released by their buyer.
    pub released: BTreeSet<Uuid>,
    /// Reservations whose expiry was recorded.
    pub expired: BTreeSet<Uuid>,
    /// The most tickets of each type held at once, at the instant of some event.
    pub peak_held: HashMap<Uuid, u32>,
    /// `HoldsExpired` events in the log, and how many of them were appended alone (by a
    /// sweep or an expiry command) rather than just before a `HoldsPlaced` of the same
    /// instant (by a batch of reservations).
    pub expiry_events: usize,
    /// See [`Self::expiry_events`].
    pub lone_expiry_events: usize,
    /// The sequence number of the `HoldsPlaced` event of each reservation.
    pub placed_at_sequence: BTreeMap<Uuid, i64>,
    /// The sequence number of the `HoldsExpired` event that recorded each expiry.
    pub expired_at_sequence: BTreeMap<Uuid, i64>,
    /// Reservations paid for (`HoldSold`), with the order that paid and the tickets sold.
    pub sold: BTreeMap<Uuid, (Uuid, Vec<(Uuid, u32)>)>,
    /// The most uses of each promo code taken at once (held and not lapsed, or spent), at
    /// the instant of some event.
    pub peak_code_uses: HashMap<String, u32>,
    /// Uses of each promo code held by every hold ever placed with it.
    pub code_uses_placed: HashMap<String, u32>,
}

impl LogAudit {
    /// Tickets of every type in every reservation ever placed.
    pub fn placed_tickets(&self) -> u32 {
        self.placed
            .values()
            .flat_map(|lines| lines.iter().map(|(_, quantity)| quantity))
            .sum()
    }

    /// Tickets of every type held at `at` per the log (placed, not ended, not sold, not
    /// lapsed).
    pub fn held_at(&self, at: DateTime<Utc>) -> u32 {
        self.placed
            .iter()
            .filter(|(id, _)| !self.released.contains(*id) && !self.expired.contains(*id))
            .filter(|(id, _)| !self.sold.contains_key(*id))
            .filter(|(id, _)| self.expires_at[*id] > at)
            .flat_map(|(_, lines)| lines.iter().map(|(_, quantity)| quantity))
            .sum()
    }

    /// Tickets sold (`HoldSold`), returns not deducted.
    pub fn sold_tickets(&self) -> u32 {
        self.sold
            .values()
            .flat_map(|(_, lines)| lines.iter().map(|(_, quantity)| quantity))
            .sum()
    }

    /// The ids of the reservations ever placed.
    pub fn placed_ids(&self) -> BTreeSet<Uuid> {
        self.placed.keys().copied().collect()
    }
}

/// Reads the `Inventory` events of `event_id` in sequence order and checks, after every
/// one of them, that no ticket type had more tickets held and sold than its capacity at
/// that event's instant (a hold counts from its placing until it lapses, is released, sold
/// or its expiry is recorded; a sale counts until its tickets are returned). Also checks that the log is well formed: sequences without gaps,
/// no reservation placed twice, releases and expiries only of active holds, releases only
/// before the hold lapsed, expiries only after. Panics with the offending event.
pub async fn audit_inventory_log(
    pool: &PgPool,
    event_id: Uuid,
    capacities: &HashMap<Uuid, u32>,
) -> LogAudit {
    let rows: Vec<(i64, String, Value)> = sqlx::query_as(
        "SELECT sequence, event_type, payload::jsonb FROM events \
         WHERE aggregate_type = 'Inventory' AND aggregate_id = $1 ORDER BY sequence",
    )
    .bind(event_id.hyphenated().to_string())
    .fetch_all(pool)
    .await
    .unwrap();
    let mut audit = LogAudit::default();
    let mut active: BTreeMap<Uuid, StoredHold> = BTreeMap::new();
    let mut previous_sequence = 0;
    let mut pending_expiry: Option<DateTime<Utc>> = None;
    // Tickets sold and not returned, per ticket type; uses spent and not given back, per code.
    let mut sold: HashMap<Uuid, u32> = HashMap::new();
    let mut spent: HashMap<String, u32> = HashMap::new();
    for (sequence, event_type, payload) in rows {
        assert_eq!(sequence, previous_sequence + 1, "gap in the inventory log");
        previous_sequence = sequence;
        audit.events += 1;
        let event: StoredInventoryEvent = serde_json::from_value(payload.clone())
            .unwrap_or_else(|error| panic!("undecodable event {sequence}: {error}: {payload}"));
        let instant = match event {
            StoredInventoryEvent::HoldsPlaced { holds } => {
                assert_eq!(event_type, "HoldsPlaced");
                assert!(!holds.is_empty(), "empty HoldsPlaced at {sequence}");
                let placed_at = holds[0].placed_at;
                if let Some(expired_at) = pending_expiry.take() {
                    if expired_at != placed_at {
                        audit.lone_expiry_events += 1;
                    }
                }
                for hold in holds {
                    assert_eq!(hold.placed_at, placed_at, "one batch, one instant");
                    assert!(
                        !audit.placed.contains_key(&hold.reservation_id),
                        "reservation {} placed twice (event {sequence})",
                        hold.reservation_id
                    );
                    assert!(!hold.lines.is_empty(), "a hold with no lines at {sequence}");
                    let lines = hold
                        .lines
                        .iter()
                        .map(|line| (line.ticket_type_id, line.quantity))
                        .collect();
                    audit.placed.insert(hold.reservation_id, lines);
                    audit
                        .expires_at
                        .insert(hold.reservation_id, hold.expires_at);
                    audit
                        .placed_at_sequence
                        .insert(hold.reservation_id, sequence);
                    if let Some(code_use) = &hold.code_use {
                        *audit
                            .code_uses_placed
                            .entry(code_use.code.clone())
                            .or_default() += code_use.uses;
                    }
                    active.insert(hold.reservation_id, hold);
                }
                placed_at
            }
            StoredInventoryEvent::HoldReleased {
                reservation_id,
                released_at,
            } => {
                assert_eq!(event_type, "HoldReleased");
                count_lone_expiry(&mut audit, &mut pending_expiry);
                let hold = active
                    .remove(&reservation_id)
                    .unwrap_or_else(|| panic!("release of an inactive hold at {sequence}"));
                assert!(
                    hold.expires_at > released_at,
                    "a lapsed hold was released at {sequence}"
                );
                audit.released.insert(reservation_id);
                released_at
            }
            StoredInventoryEvent::HoldsExpired {
                reservation_ids,
                expired_at,
            } => {
                assert_eq!(event_type, "HoldsExpired");
                count_lone_expiry(&mut audit, &mut pending_expiry);
                audit.expiry_events += 1;
                pending_expiry = Some(expired_at);
                for reservation_id in reservation_ids {
                    let hold = active
                        .remove(&reservation_id)
                        .unwrap_or_else(|| panic!("expiry of an inactive hold at {sequence}"));
                    assert!(
                        hold.expires_at <= expired_at,
                        "an unexpired hold was recorded as expired at {sequence}"
                    );
                    audit.expired.insert(reservation_id);
                    audit.expired_at_sequence.insert(reservation_id, sequence);
                }
                expired_at
            }
            StoredInventoryEvent::HoldExtended {
                reservation_id,
                expires_at,
            } => {
                assert_eq!(event_type, "HoldExtended");
                count_lone_expiry(&mut audit, &mut pending_expiry);
                let hold = active
                    .get_mut(&reservation_id)
                    .unwrap_or_else(|| panic!("extension of an inactive hold at {sequence}"));
                hold.expires_at = expires_at;
                audit.expires_at.insert(reservation_id, expires_at);
                // Its instant is not recorded: the extension is checked with the next event.
                continue;
            }
            StoredInventoryEvent::HoldSold {
                reservation_id,
                order_id,
                lines,
                sold_at,
                code_use,
            } => {
                assert_eq!(event_type, "HoldSold");
                if let Some(code_use) = code_use {
                    *spent.entry(code_use.code).or_default() += code_use.uses;
                }
                count_lone_expiry(&mut audit, &mut pending_expiry);
                // A late sale may follow the hold's end; an active hold stops counting.
                active.remove(&reservation_id);
                let lines: Vec<(Uuid, u32)> = lines
                    .iter()
                    .map(|line| (line.ticket_type_id, line.quantity))
                    .collect();
                for (ticket_type_id, quantity) in &lines {
                    *sold.entry(*ticket_type_id).or_default() += quantity;
                }
                let previous = audit.sold.insert(reservation_id, (order_id, lines));
                assert!(
                    previous.is_none(),
                    "reservation {reservation_id} sold twice (event {sequence})"
                );
                sold_at
            }
            StoredInventoryEvent::TicketsReturned {
                order_id,
                lines,
                returned_at,
                code_use,
            } => {
                assert_eq!(event_type, "TicketsReturned");
                if let Some(code_use) = code_use {
                    let uses = spent.entry(code_use.code).or_default();
                    *uses = uses.checked_sub(code_use.uses).unwrap_or_else(|| {
                        panic!("order {order_id} gave back unspent code uses at {sequence}")
                    });
                }
                count_lone_expiry(&mut audit, &mut pending_expiry);
                for line in lines {
                    let tickets = sold.entry(line.ticket_type_id).or_default();
                    *tickets = tickets.checked_sub(line.quantity).unwrap_or_else(|| {
                        panic!("order {order_id} returned unsold tickets at {sequence}")
                    });
                }
                returned_at
            }
        };
        let mut code_uses = spent.clone();
        for hold in active.values().filter(|hold| hold.expires_at > instant) {
            if let Some(code_use) = &hold.code_use {
                *code_uses.entry(code_use.code.clone()).or_default() += code_use.uses;
            }
        }
        for (code, uses) in code_uses {
            let peak = audit.peak_code_uses.entry(code).or_default();
            *peak = (*peak).max(uses);
        }
        let mut held: HashMap<Uuid, u32> = sold.clone();
        for hold in active.values().filter(|hold| hold.expires_at > instant) {
            for line in &hold.lines {
                *held.entry(line.ticket_type_id).or_default() += line.quantity;
            }
        }
        for (ticket_type_id, tickets) in held {
            let capacity = capacities
                .get(&ticket_type_id)
                .unwrap_or_else(|| panic!("unknown ticket type held at {sequence}"));
            assert!(
                tickets <= *capacity,
                "OVERSOLD: {tickets} tickets of {ticket_type_id} held or sold at {instant} \
                 (event {sequence}), capacity {capacity}"
            );
            let peak = audit.peak_held.entry(ticket_type_id).or_default();
            *peak = (*peak).max(tickets - sold.get(&ticket_type_id).copied().unwrap_or(0));
        }
    }
    count_lone_expiry(&mut audit, &mut pending_expiry);
    audit
}

fn count_lone_expiry(audit: &mut LogAudit, pending_expiry: &mut Option<DateTime<Utc>>) {
    if pending_expiry.take().is_some() {
        audit.lone_expiry_events += 1;
    }
}
