//! Who each ticket is for: checked against the event's questions at checkout, printed on
//! the tickets issued, correctable until the event starts.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::fixtures::*;
use crate::account::EmailAddress;
use crate::event::{Ask, AttendeeQuestions};
use crate::ids::{EventId, TicketId};
use crate::order::{
    attendees_for, Attendee, AttendeeError, IssuedTicket, OrderCommand, OrderError, OrderEvent,
    PlacedOrder,
};
use crate::text::AttendeeName;

fn named(name: &str) -> Attendee {
    Attendee {
        name: Some(AttendeeName::parse(name).unwrap()),
        email: None,
    }
}

fn questions(name: Ask, email: Ask) -> AttendeeQuestions {
    AttendeeQuestions { name, email }
}

fn starts_at() -> DateTime<Utc> {
    later(24 * 60)
}

fn placed_with(attendees: Vec<Attendee>) -> OrderEvent {
    OrderEvent::OrderPlaced(PlacedOrder {
        attendees,
        ..placed_order()
    })
}

fn three_named() -> Vec<Attendee> {
    vec![named("Ada"), named("Grace"), named("Linus")]
}

fn correct(seat: usize, attendee: Attendee, now: DateTime<Utc>) -> OrderCommand {
    OrderCommand::CorrectAttendee {
        seat,
        attendee,
        questions: questions(Ask::Required, Ask::Off),
        event_starts_at: starts_at(),
        now,
    }
}

#[test]
fn a_required_name_left_blank_is_refused_naming_the_ticket() {
    let refused = attendees_for(
        &questions(Ask::Required, Ask::Off),
        3,
        vec![named("Ada"), Attendee::default()],
    );
    assert_eq!(refused, Err(AttendeeError::MissingName { seat: 1 }));
    let error = refused.unwrap_err();
    assert_eq!(error.field(), "attendees[1].name");
    assert_eq!(error.to_string(), "Ticket 2 needs the attendee's name.");
}

#[test]
fn a_required_email_left_blank_is_refused() {
    let refused = attendees_for(
        &questions(Ask::Optional, Ask::Required),
        1,
        vec![named("Ada")],
    );
    assert_eq!(refused, Err(AttendeeError::MissingEmail { seat: 0 }));
}

#[test]
fn an_optional_name_may_be_blank_and_every_seat_gets_an_attendee() {
    let kept = attendees_for(&questions(Ask::Optional, Ask::Off), 3, vec![named("Ada")]).unwrap();
    assert_eq!(
        kept,
        vec![named("Ada"), Attendee::default(), Attendee::default()]
    );
}

#[test]
fn details_the_event_does_not_ask_for_are_ignored() {
    let with_email = Attendee {
        email: Some(EmailAddress::parse("ada@example.com").unwrap()),
        ..named("Ada")
    };
    assert_eq!(
        attendees_for(&AttendeeQuestions::default(), 1, vec![with_email.clone()]),
        Ok(Vec::new())
    );
    assert_eq!(
        attendees_for(&questions(Ask::Required, Ask::Off), 1, vec![with_email]),
        Ok(vec![named("Ada")])
    );
}

#[test]
fn more_attendees_than_tickets_are_refused() {
    assert_eq!(
        attendees_for(&questions(Ask::Optional, Ask::Off), 1, three_named()),
        Err(AttendeeError::TooManyAttendees { seats: 1, given: 3 })
    );
}

#[test]
fn tickets_are_issued_with_their_seats_attendees() {
    let bare: Vec<IssuedTicket> = tickets();
    let mut expected = tickets();
    for (ticket, attendee) in expected.iter_mut().zip(three_named()) {
        ticket.attendee = Some(attendee);
    }
    order_test()
        .given(vec![placed_with(three_named()), paid("evt_1")])
        .when(OrderCommand::IssueTickets {
            tickets: bare,
            now: later(5),
        })
        .then_expect_events(vec![OrderEvent::TicketsIssued {
            order_id: order_id(),
            event_id: EventId::from_uuid(Uuid::from_u128(0xE1)),
            buyer_email: buyer(),
            account_id: None,
            tickets: expected,
            issued_at: later(5),
        }]);
}

#[test]
fn a_correction_before_the_start_records_what_changed_on_which_ticket() {
    order_test()
        .given(vec![placed_with(three_named()), paid("evt_1"), issued()])
        .when(correct(1, named("Grace Hopper"), later(60)))
        .then_expect_events(vec![OrderEvent::AttendeeCorrected {
            order_id: order_id(),
            event_id: EventId::from_uuid(Uuid::from_u128(0xE1)),
            seat: 1,
            ticket_id: Some(TicketId::from_uuid(Uuid::from_u128(0x7102))),
            previous: named("Grace"),
            attendee: named("Grace Hopper"),
            corrected_at: later(60),
        }]);
}

#[test]
fn a_corrected_name_is_on_the_ticket_and_in_a_resend() {
    let order = order_after(vec![
        placed_with(three_named()),
        paid("evt_1"),
        issued(),
        OrderEvent::AttendeeCorrected {
            order_id: order_id(),
            event_id: EventId::from_uuid(Uuid::from_u128(0xE1)),
            seat: 2,
            ticket_id: Some(TicketId::from_uuid(Uuid::from_u128(0x7103))),
            previous: named("Linus"),
            attendee: named("Linus T."),
            corrected_at: later(60),
        },
    ]);
    assert_eq!(order.attendees()[2], named("Linus T."));
    assert_eq!(order.valid_tickets()[2].attendee, Some(named("Linus T.")));
}

#[test]
fn refuses_a_correction_once_the_event_has_started() {
    order_test()
        .given(vec![placed_with(three_named()), paid("evt_1"), issued()])
        .when(correct(0, named("Ada L."), starts_at()))
        .then_expect_error(OrderError::EventStarted);
}

#[test]
fn refuses_a_correction_that_blanks_a_required_name() {
    order_test()
        .given(vec![placed_with(three_named()), paid("evt_1"), issued()])
        .when(correct(0, Attendee::default(), later(60)))
        .then_expect_error(OrderError::Attendee(AttendeeError::MissingName { seat: 0 }));
}

#[test]
fn refuses_a_seat_the_order_does_not_have() {
    order_test()
        .given(vec![placed_with(three_named())])
        .when(correct(3, named("Nobody"), later(60)))
        .then_expect_error(OrderError::UnknownSeat);
}

#[test]
fn the_same_details_again_record_nothing() {
    order_test()
        .given(vec![placed_with(three_named()), paid("evt_1"), issued()])
        .when(correct(0, named("Ada"), later(60)))
        .then_expect_events(vec![]);
}

#[test]
fn attendees_serialise_only_when_given() {
    let bare = serde_json::to_value(placed_order()).unwrap();
    assert!(bare.get("attendees").is_none());
    let given = serde_json::to_value(PlacedOrder {
        attendees: vec![named("Ada")],
        ..placed_order()
    })
    .unwrap();
    assert_eq!(given["attendees"], serde_json::json!([{ "name": "Ada" }]));
    let ticket = serde_json::to_value(ticket(1, general())).unwrap();
    assert!(ticket.get("attendee").is_none());
}
