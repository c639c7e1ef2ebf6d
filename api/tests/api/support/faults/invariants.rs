//! What must hold after a fault, judged from the log (and the answers the rush recorded):
//! nothing oversold, every acknowledged hold in the log, every paid order fulfilled once,
//! no ticket issued twice, no 500.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use super::paid_rush::RushOutcome;
use crate::support::reservations::audit::{audit_inventory_log, LogAudit};
use crate::support::reservations::http::OnSale;
use crate::support::reservations::rush::poll_until;

/// How long the payments process manager may take to finish what a fault interrupted.
const FULFILMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// The orders of the log, as stored.
#[derive(Debug, Default)]
pub struct OrderAudit {
    /// Tickets ordered, per order placed.
    pub placed: BTreeMap<Uuid, u32>,
    /// Orders with a payment recorded.
    pub paid: BTreeSet<Uuid>,
    /// `TicketsIssued` facts per order.
    pub issued_facts: BTreeMap<Uuid, usize>,
    /// The tickets issued, per order.
    pub tickets: BTreeMap<Uuid, Vec<Uuid>>,
    /// Orders whose late payment was refused.
    pub refused: BTreeSet<Uuid>,
}

impl OrderAudit {
    /// Every ticket issued, all orders together.
    pub fn all_tickets(&self) -> Vec<Uuid> {
        self.tickets.values().flatten().copied().collect()
    }
}

/// Reads every `Order` fact of the database (the fault suite's database holds one event).
pub async fn audit_orders(pool: &PgPool) -> OrderAudit {
    let rows: Vec<(String, String, Value)> = sqlx::query_as(
        "SELECT aggregate_id, event_type, payload::jsonb FROM events \
         WHERE aggregate_type = 'Order' ORDER BY sequence",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut audit = OrderAudit::default();
    for (order, event_type, payload) in rows {
        let order: Uuid = order.parse().unwrap();
        let fact = &payload[event_type.as_str()];
        match event_type.as_str() {
            "OrderPlaced" => {
                let tickets = fact["lines"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|line| u32::try_from(line["quantity"].as_u64().unwrap()).unwrap())
                    .sum();
                audit.placed.insert(order, tickets);
            }
            "PaymentReceived" => {
                audit.paid.insert(order);
            }
            "TicketsIssued" => {
                *audit.issued_facts.entry(order).or_default() += 1;
                let tickets = fact["tickets"].as_array().unwrap().iter().map(|ticket| {
                    ticket["ticket_id"]
                        .as_str()
                        .unwrap()
                        .parse::<Uuid>()
                        .unwrap()
                });
                audit.tickets.entry(order).or_default().extend(tickets);
            }
            "LatePaymentRefused" => {
                audit.refused.insert(order);
            }
            _ => {}
        }
    }
    audit
}

/// Waits until every order the rush paid has its tickets, then checks the log and the
/// answers; prints what it saw under `label`. Panics with the offence.
pub async fn assert_invariants(
    label: &str,
    pool: &PgPool,
    event: OnSale,
    rush: &RushOutcome,
) -> (LogAudit, OrderAudit) {
    // No 500 at any time: a node that cannot serve says 503 and when to come back.
    for answer in &rush.answers {
        if let Some(status) = answer.status {
            assert!(
                !status.is_server_error() || status == StatusCode::SERVICE_UNAVAILABLE,
                "{label}: a {} answered {status} ({}); all answers: {:?}",
                answer.route,
                answer.problem,
                rush.tally()
            );
            assert!(
                status != StatusCode::SERVICE_UNAVAILABLE || answer.retry_after,
                "{label}: a 503 without Retry-After on {}",
                answer.route
            );
        }
    }

    let orders = poll_until(
        "every paid order's tickets",
        FULFILMENT_TIMEOUT,
        Duration::from_millis(100),
        || async {
            let orders = audit_orders(pool).await;
            let fulfilled = orders.paid.iter().all(|order| {
                orders.issued_facts.contains_key(order) || orders.refused.contains(order)
            });
            (fulfilled && rush.paid.keys().all(|order| orders.paid.contains(order)))
                .then_some(orders)
        },
    )
    .await;
    let inventory = audit_inventory_log(pool, event.event_id, &event.capacities()).await;

    // Every acknowledged hold is in the log, as acknowledged.
    for (hold, quantity) in &rush.holds {
        assert_eq!(
            inventory.placed.get(hold),
            Some(&vec![(event.ticket_type_id, *quantity)]),
            "{label}: acknowledged hold {hold} missing from the log"
        );
    }
    // Every paid order fulfilled exactly once, with one ticket a seat; holds last longer
    // than the test, so no payment may be refused as late.
    for order in &orders.paid {
        assert_eq!(
            orders.issued_facts.get(order),
            Some(&1),
            "{label}: order {order} paid but issued {:?} times",
            orders.issued_facts.get(order)
        );
        assert_eq!(
            orders.tickets[order].len(),
            orders.placed[order] as usize,
            "{label}: order {order}"
        );
        assert!(
            !orders.refused.contains(order),
            "{label}: a live hold's payment refused"
        );
    }
    for (order, quantity) in &rush.paid {
        assert_eq!(orders.placed[order], *quantity, "{label}: order {order}");
    }
    assert!(
        orders
            .issued_facts
            .keys()
            .all(|order| orders.paid.contains(order)),
        "{label}: tickets issued for an unpaid order"
    );
    // No ticket issued twice, and every ticket issued was sold once in the inventory.
    let tickets = orders.all_tickets();
    let distinct: BTreeSet<&Uuid> = tickets.iter().collect();
    assert_eq!(
        distinct.len(),
        tickets.len(),
        "{label}: a ticket issued twice"
    );
    assert_eq!(
        tickets.len() as u32,
        inventory.sold_tickets(),
        "{label}: tickets issued and sold differ"
    );
    assert!(inventory.sold_tickets() <= event.capacity);

    println!(
        "{label}: {} holds acknowledged ({} tickets), {} paid by the rush, {} gave up; \
         log: {} holds, {} orders, {} paid, {} tickets issued of {}; answers: {:?}",
        rush.holds.len(),
        rush.holds.values().sum::<u32>(),
        rush.paid.len(),
        rush.gave_up,
        inventory.placed.len(),
        orders.placed.len(),
        orders.paid.len(),
        tickets.len(),
        event.capacity,
        rush.tally(),
    );
    (inventory, orders)
}
