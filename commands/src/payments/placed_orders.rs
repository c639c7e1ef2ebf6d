//! Orders this process placed and not yet paid, kept in memory for the payment that
//! follows: a buyer's Pay, or Stripe's webhook, nearly always comes within minutes, and
//! reading the order again for it was one statement in every paid order. A kept order is
//! only a starting point: the payment appends at its version, so an order changed since
//! (by another process, a lapse, an earlier event) loses that append, is read from the
//! log, and is decided again (see `fulfilment`). With several processes behind a load
//! balancer, a payment reaches the one that placed its order only sometimes; the others
//! read the order as before.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use carneau_domain::ids::OrderId;
use carneau_domain::order::Order;

use crate::aggregate_store::Executed;

/// How many placed orders are kept: a rush's checkouts for a few minutes, a few
/// kilobytes each. The oldest go first.
pub const KEPT_ORDERS: usize = 20_000;

/// Placed orders awaiting their payment, oldest first out.
pub struct PlacedOrders {
    kept: Mutex<Kept>,
    capacity: usize,
}

#[derive(Default)]
struct Kept {
    orders: HashMap<OrderId, Executed<Order>>,
    /// Ids in the order they were kept; an id taken since may still be here, and is
    /// skipped when its turn to go comes.
    arrival: VecDeque<OrderId>,
}

impl PlacedOrders {
    /// Keeps at most `capacity` orders.
    pub fn new(capacity: usize) -> Self {
        Self {
            kept: Mutex::default(),
            capacity,
        }
    }

    /// Keeps `order` as its checkout just placed it.
    pub fn keep(&self, order_id: OrderId, order: Executed<Order>) {
        if self.capacity == 0 {
            return;
        }
        let mut kept = self
            .kept
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        while kept.arrival.len() >= self.capacity {
            if let Some(oldest) = kept.arrival.pop_front() {
                kept.orders.remove(&oldest);
            }
        }
        kept.orders.insert(order_id, order);
        kept.arrival.push_back(order_id);
    }

    /// The order as it was placed, if this process placed it and nothing took it since;
    /// taken, so a second payment event reads the log.
    pub fn take(&self, order_id: OrderId) -> Option<Executed<Order>> {
        let mut kept = self
            .kept
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        kept.orders.remove(&order_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placed() -> Executed<Order> {
        Executed {
            state: Order::default(),
            version: 1,
            appended: Vec::new(),
        }
    }

    #[test]
    fn an_order_is_taken_once() {
        let orders = PlacedOrders::new(4);
        let id = OrderId::new();
        orders.keep(id, placed());
        assert_eq!(orders.take(id).map(|order| order.version), Some(1));
        assert!(orders.take(id).is_none());
    }

    #[test]
    fn the_oldest_go_first_past_the_capacity() {
        let orders = PlacedOrders::new(2);
        let ids: Vec<OrderId> = (0..3).map(|_| OrderId::new()).collect();
        for id in &ids {
            orders.keep(*id, placed());
        }
        assert!(orders.take(ids[0]).is_none());
        assert!(orders.take(ids[1]).is_some());
        assert!(orders.take(ids[2]).is_some());
    }
}
