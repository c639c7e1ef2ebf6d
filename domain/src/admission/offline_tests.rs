//! Given / when / then for offline scans, one test per rule.

use chrono::{DateTime, Utc};
use cqrs_es::test::TestFramework;

use super::fixture::*;
use super::*;

fn device(name: &str) -> DeviceId {
    DeviceId::parse(name).unwrap()
}

/// Tickets were issued a week before the doors.
fn issued() -> DateTime<Utc> {
    at(-7 * 24 * 60)
}

/// Device `name`, used by `agent`, scanned at `minute` and synced at minute 60.
fn offline_scan(name: &str, agent: u128, minute: i64) -> AdmissionCommand {
    offline_scan_of(TicketStanding::Valid, name, agent, minute, 60)
}

fn offline_scan_of(
    standing: TicketStanding,
    name: &str,
    agent: u128,
    minute: i64,
    synced: i64,
) -> AdmissionCommand {
    AdmissionCommand::RecordOfflineScan {
        ticket_id: ticket(),
        event_id: concert(),
        device_id: device(name),
        scanned_at: at(minute),
        received_at: at(synced),
        by: door(agent),
        standing,
        issued_at: Some(issued()),
    }
}

fn admitted_offline(name: &str, agent: u128, minute: i64, synced: i64) -> AdmissionEvent {
    AdmissionEvent::TicketCheckedIn {
        ticket_id: ticket(),
        event_id: concert(),
        checked_in_at: at(minute),
        checked_in_by: door(agent),
        offline: Some(OfflineScan {
            device_id: device(name),
            synced_at: at(synced),
        }),
    }
}

#[test]
fn the_first_offline_scan_is_the_admission_marked_offline_at_its_scan_time() {
    TestFramework::<Admission>::with(())
        .given_no_previous_events()
        .when(offline_scan("north-1", 1, 5))
        .then_expect_events(vec![admitted_offline("north-1", 1, 5, 60)]);
}

#[test]
fn a_later_scan_on_another_device_is_a_duplicate_entry_naming_both() {
    TestFramework::<Admission>::with(())
        .given(vec![admitted_offline("north-1", 1, 5, 60)])
        .when(offline_scan("south-2", 2, 9))
        .then_expect_events(vec![AdmissionEvent::DuplicateEntryRecorded {
            ticket_id: ticket(),
            event_id: concert(),
            device_id: device("south-2"),
            scanned_at: at(9),
            scanned_by: door(2),
            synced_at: at(60),
            admitted_at: at(5),
            admitted_by: door(1),
            admitted_device_id: Some(device("north-1")),
        }]);
}

/// The rule chosen in the module doc: the admission recorded first stays the
/// admission; an earlier-timed scan synced after it is the duplicate, with both times.
#[test]
fn an_earlier_scan_synced_after_a_later_one_is_the_duplicate_and_names_both_times() {
    TestFramework::<Admission>::with(())
        .given(vec![admitted_offline("south-2", 2, 9, 30)])
        .when(offline_scan("north-1", 1, 5))
        .then_expect_events(vec![AdmissionEvent::DuplicateEntryRecorded {
            ticket_id: ticket(),
            event_id: concert(),
            device_id: device("north-1"),
            scanned_at: at(5),
            scanned_by: door(1),
            synced_at: at(60),
            admitted_at: at(9),
            admitted_by: door(2),
            admitted_device_id: Some(device("south-2")),
        }]);
}

#[test]
fn an_offline_scan_after_an_online_check_in_is_a_duplicate_entry() {
    let online = checked_in(3, door(3));
    let mut admission = Admission::default();
    admission.evolve(online);
    let events = admission.decide(offline_scan("north-1", 1, 5)).unwrap();
    assert!(matches!(
        &events[..],
        [AdmissionEvent::DuplicateEntryRecorded { admitted_device_id: None, admitted_at, .. }]
            if *admitted_at == at(3)
    ));
}

#[test]
fn the_same_scan_sent_twice_records_nothing_the_second_time() {
    TestFramework::<Admission>::with(())
        .given(vec![admitted_offline("north-1", 1, 5, 60)])
        .when(offline_scan("north-1", 1, 5))
        .then_expect_events(vec![]);
    let mut admission = Admission::default();
    admission.evolve(admitted_offline("north-1", 1, 5, 60));
    let duplicate = admission.decide(offline_scan("south-2", 2, 9)).unwrap();
    for event in duplicate {
        admission.evolve(event);
    }
    assert_eq!(
        admission.decide(offline_scan("south-2", 2, 9)).unwrap(),
        vec![]
    );
    assert_eq!(
        admission.offline_scan(&device("south-2"), at(9)),
        Some(ScanRecord::DuplicateEntry)
    );
    assert_eq!(
        admission.offline_scan(&device("north-1"), at(5)),
        Some(ScanRecord::Admission)
    );
}

#[test]
fn a_resent_scan_of_a_ticket_refunded_since_is_still_already_recorded() {
    TestFramework::<Admission>::with(())
        .given(vec![admitted_offline("north-1", 1, 5, 60)])
        .when(offline_scan_of(
            TicketStanding::Revoked,
            "north-1",
            1,
            5,
            90,
        ))
        .then_expect_events(vec![]);
}

#[test]
fn an_offline_scan_of_a_refunded_or_unissued_ticket_is_refused() {
    TestFramework::<Admission>::with(())
        .given_no_previous_events()
        .when(offline_scan_of(
            TicketStanding::Revoked,
            "north-1",
            1,
            5,
            60,
        ))
        .then_expect_error(AdmissionError::Revoked);
    TestFramework::<Admission>::with(())
        .given_no_previous_events()
        .when(offline_scan_of(
            TicketStanding::NotIssued,
            "north-1",
            1,
            5,
            60,
        ))
        .then_expect_error(AdmissionError::NotIssued);
}

#[test]
fn a_scan_time_in_the_future_beyond_the_skew_allowance_is_refused() {
    // Synced at minute 60: up to minute 65 is a clock a little ahead.
    TestFramework::<Admission>::with(())
        .given_no_previous_events()
        .when(offline_scan("north-1", 1, 65))
        .then_expect_events(vec![admitted_offline("north-1", 1, 65, 60)]);
    TestFramework::<Admission>::with(())
        .given_no_previous_events()
        .when(offline_scan("north-1", 1, 66))
        .then_expect_error(AdmissionError::ScannedInFuture { scanned_at: at(66) });
}

#[test]
fn a_scan_time_before_the_ticket_was_issued_is_refused() {
    let before = -7 * 24 * 60 - 6;
    TestFramework::<Admission>::with(())
        .given_no_previous_events()
        .when(offline_scan("north-1", 1, before))
        .then_expect_error(AdmissionError::ScannedBeforeIssue {
            scanned_at: at(before),
            issued_at: issued(),
        });
}

#[test]
fn an_online_scan_after_an_offline_admission_is_refused_with_when_by_whom_and_where() {
    TestFramework::<Admission>::with(())
        .given(vec![admitted_offline("north-1", 1, 5, 60)])
        .when(scan_of(TicketStanding::Valid, 70, door(2)))
        .then_expect_error(AdmissionError::AlreadyCheckedIn {
            checked_in_at: at(5),
            checked_in_by: door(1),
            checked_in_device: Some(DeviceId::parse("north-1").unwrap()),
        });
}

#[test]
fn device_ids_are_short_and_printable() {
    assert!(DeviceId::parse("north-gate-2").is_ok());
    assert!(DeviceId::parse(&"d".repeat(MAX_DEVICE_ID_CHARS)).is_ok());
    assert!(DeviceId::parse(&"d".repeat(MAX_DEVICE_ID_CHARS + 1)).is_err());
    assert!(DeviceId::parse("").is_err());
    assert!(DeviceId::parse("north gate").is_err());
    assert!(DeviceId::parse("porte-nord-é").is_err());
    assert!(serde_json::from_str::<DeviceId>("\"a\\u0007b\"").is_err());
}

#[test]
fn offline_facts_have_stable_names_and_json_and_old_check_ins_still_read() {
    use cqrs_es::DomainEvent as _;
    let event = admitted_offline("north-1", 1, 5, 60);
    let json = serde_json::to_value(&event).unwrap();
    assert_eq!(json["TicketCheckedIn"]["offline"]["device_id"], "north-1");
    assert_eq!(
        serde_json::from_value::<AdmissionEvent>(json).unwrap(),
        event
    );
    let online = serde_json::json!({ "TicketCheckedIn": {
        "ticket_id": ticket().to_string(), "event_id": concert().to_string(),
        "checked_in_at": at(5), "checked_in_by": { "kind": "process", "process": "cli" } } });
    let read: AdmissionEvent = serde_json::from_value(online).unwrap();
    assert!(matches!(
        read,
        AdmissionEvent::TicketCheckedIn { offline: None, .. }
    ));
    let mut admission = Admission::default();
    admission.evolve(event);
    let duplicate = admission.decide(offline_scan("south-2", 2, 9)).unwrap();
    assert_eq!(duplicate[0].event_type(), "DuplicateEntryRecorded");
}
