//! Given / when / then, one test per rule of admission.

use cqrs_es::test::TestFramework;
use cqrs_es::Aggregate;

use super::fixture::*;
use super::*;

fn check_in(minute: i64, by: Actor) -> AdmissionCommand {
    scan_of(TicketStanding::Valid, minute, by)
}

#[test]
fn the_first_scan_checks_the_ticket_in() {
    TestFramework::<Admission>::with(())
        .given_no_previous_events()
        .when(check_in(5, door(1)))
        .then_expect_events(vec![checked_in(5, door(1))]);
}

#[test]
fn a_second_scan_is_refused_with_when_and_by_whom() {
    TestFramework::<Admission>::with(())
        .given(vec![checked_in(5, door(1))])
        .when(check_in(9, door(2)))
        .then_expect_error(AdmissionError::AlreadyCheckedIn {
            checked_in_at: at(5),
            checked_in_by: door(1),
            checked_in_device: None,
        });
}

#[test]
fn a_refunded_ticket_is_refused_before_and_after_a_check_in() {
    TestFramework::<Admission>::with(())
        .given_no_previous_events()
        .when(scan_of(TicketStanding::Revoked, 5, door(1)))
        .then_expect_error(AdmissionError::Revoked);
    TestFramework::<Admission>::with(())
        .given(vec![checked_in(5, door(1))])
        .when(scan_of(TicketStanding::Revoked, 9, door(2)))
        .then_expect_error(AdmissionError::Revoked);
}

#[test]
fn a_ticket_no_order_issued_is_refused() {
    TestFramework::<Admission>::with(())
        .given_no_previous_events()
        .when(scan_of(TicketStanding::NotIssued, 5, door(1)))
        .then_expect_error(AdmissionError::NotIssued);
}

#[test]
fn the_check_in_is_kept_in_the_state() {
    let mut admission = Admission::default();
    assert_eq!(admission.check_in(), None);
    admission.apply(checked_in(5, door(1)));
    let check_in = admission.check_in().unwrap();
    assert_eq!(check_in.checked_in_at, at(5));
    assert_eq!(check_in.event_id, concert());
}

#[test]
fn the_fact_has_a_stable_name_and_json() {
    use cqrs_es::DomainEvent as _;
    let event = checked_in(5, door(1));
    assert_eq!(event.event_type(), "TicketCheckedIn");
    let json = serde_json::to_value(&event).unwrap();
    assert_eq!(json["TicketCheckedIn"]["checked_in_by"]["kind"], "account");
    let back: AdmissionEvent = serde_json::from_value(json).unwrap();
    assert_eq!(back, event);
}
