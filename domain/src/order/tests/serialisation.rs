//! The stored form: events recorded by earlier versions still read.

use super::fixtures::*;
use crate::order::OrderEvent;

#[test]
fn a_refund_recorded_before_provider_ids_were_kept_still_reads() {
    let mut stored = serde_json::to_value(refunded(1, Vec::new(), 14_000)).unwrap();
    stored["TicketsRefunded"]
        .as_object_mut()
        .unwrap()
        .remove("provider_refund_id");
    let event: OrderEvent = serde_json::from_value(stored).unwrap();
    let OrderEvent::TicketsRefunded {
        provider_refund_id, ..
    } = event
    else {
        panic!("not a refund: {event:?}");
    };
    assert_eq!(provider_refund_id, None);
}
