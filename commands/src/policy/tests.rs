//! One test per rule, named by the rule.

use std::collections::BTreeSet;

use carneau_domain::account::{EmailAddress, Role};
use carneau_domain::event::{EventCatalogueEvent, EventDetails, TimeZone, Venue};
use carneau_domain::text::{Description, PersonName, Title, VenueAddress, VenueName};
use carneau_domain::{Cause, Currency, Decide, Process};
use chrono::{TimeZone as _, Utc};
use uuid::Uuid;

use super::*;

fn account(n: u128) -> AccountId {
    AccountId::from_uuid(Uuid::from_u128(n))
}

fn event_id() -> EventId {
    EventId::from_uuid(Uuid::from_u128(0xE1))
}

const OWNER: u128 = 1;
const OTHER: u128 = 2;

fn principal(n: u128, roles: &[Role]) -> Principal {
    Principal {
        account_id: account(n),
        email: EmailAddress::parse(format!("ada{n}@example.com")).unwrap(),
        name: PersonName::parse("Ada").unwrap(),
        roles: roles.iter().copied().collect(),
        door_staff_events: BTreeSet::new(),
        email_verified: false,
    }
}

/// An event drafted by account `OWNER`.
fn owned_event() -> Event {
    let mut event = Event::default();
    event.evolve(EventCatalogueEvent::EventDrafted {
        event_id: event_id(),
        details: EventDetails {
            attendee_questions: Default::default(),
            title: Title::parse("Jazz at dusk").unwrap(),
            description: Description::parse("An evening of standards.").unwrap(),
            venue: Venue {
                name: VenueName::parse("Olympia").unwrap(),
                address: VenueAddress::parse("28 Boulevard des Capucines, Paris").unwrap(),
            },
            starts_at: Utc.with_ymd_and_hms(2030, 6, 1, 19, 0, 0).unwrap(),
            ends_at: Utc.with_ymd_and_hms(2030, 6, 1, 23, 0, 0).unwrap(),
            time_zone: TimeZone::parse("Europe/Paris").unwrap(),
        },
        currency: Currency::parse("EUR").unwrap(),
        organiser: Some(account(OWNER)),
    });
    event
}

#[test]
fn is_admin_holds_for_the_admin_role_only() {
    assert!(is_admin(&principal(OTHER, &[Role::Admin])));
    assert!(!is_admin(&principal(OTHER, &[Role::Organiser])));
    assert!(!is_admin(&principal(OTHER, &[])));
}

#[test]
fn may_use_organiser_routes_lets_organisers_and_admins_through() {
    assert!(may_use_organiser_routes(&principal(
        OTHER,
        &[Role::Organiser]
    )));
    assert!(may_use_organiser_routes(&principal(OTHER, &[Role::Admin])));
    assert!(!may_use_organiser_routes(&principal(OTHER, &[])));
}

#[test]
fn may_manage_event_is_for_its_organiser_while_organiser_and_admins() {
    let event = owned_event();
    assert!(may_manage_event(
        &principal(OWNER, &[Role::Organiser]),
        &event
    ));
    assert!(may_manage_event(&principal(OTHER, &[Role::Admin]), &event));
    assert!(!may_manage_event(
        &principal(OTHER, &[Role::Organiser]),
        &event
    ));
    // An owner whose organiser role was revoked manages nothing any more.
    assert!(!may_manage_event(&principal(OWNER, &[]), &event));
}

#[test]
fn may_command_event_is_for_its_organiser_admins_and_processes() {
    let event = owned_event();
    assert!(may_command_event(
        &CommandContext::account(account(OWNER), false, None),
        &event
    ));
    assert!(may_command_event(
        &CommandContext::account(account(OTHER), true, None),
        &event
    ));
    assert!(!may_command_event(
        &CommandContext::account(account(OTHER), false, None),
        &event
    ));
    let process = CommandContext::process(Process::Cli, Cause::Request { request_id: None });
    assert!(may_command_event(&process, &event));
}

#[test]
fn may_work_door_is_for_door_staff_of_that_event_its_managers_and_admins() {
    let event = owned_event();
    let mut staff = principal(OTHER, &[]);
    staff.door_staff_events.insert(event_id());
    assert!(may_work_door(&staff, event_id(), None));
    let elsewhere = EventId::from_uuid(Uuid::from_u128(0xE2));
    assert!(!may_work_door(&staff, elsewhere, None));
    assert!(may_work_door(
        &principal(OTHER, &[Role::Admin]),
        event_id(),
        None
    ));
    let owner = principal(OWNER, &[Role::Organiser]);
    assert!(may_work_door(&owner, event_id(), Some(&event)));
    assert!(!may_work_door(&owner, event_id(), None));
    assert!(!may_work_door(
        &principal(OTHER, &[Role::Organiser]),
        event_id(),
        Some(&event)
    ));
}

#[test]
fn door_scope_is_every_event_for_admins_else_granted_doors_and_own_events_while_organiser() {
    assert_eq!(
        door_scope(&principal(OTHER, &[Role::Admin])),
        DoorScope::Every
    );
    let mut staff = principal(OTHER, &[]);
    staff.door_staff_events.insert(event_id());
    assert_eq!(
        door_scope(&staff),
        DoorScope::Of {
            organiser: None,
            door_staff: vec![event_id()]
        }
    );
    assert_eq!(
        door_scope(&principal(OWNER, &[Role::Organiser])),
        DoorScope::Of {
            organiser: Some(account(OWNER)),
            door_staff: vec![]
        }
    );
}

#[test]
fn may_revoke_role_is_for_admins_but_not_their_own_admin_role() {
    let admin = principal(OTHER, &[Role::Admin]);
    assert!(may_revoke_role(&admin, account(OWNER), Role::Admin));
    assert!(may_revoke_role(&admin, account(OTHER), Role::Organiser));
    assert!(!may_revoke_role(&admin, account(OTHER), Role::Admin));
    assert!(!may_revoke_role(
        &principal(OTHER, &[Role::Organiser]),
        account(OWNER),
        Role::Organiser
    ));
}

#[test]
fn is_buyer_by_account_or_by_verified_email() {
    let mut buyer = principal(OWNER, &[]);
    let email = "ADA1@example.com";
    let placed_signed_in = OrderBuyer {
        account_id: Some(account(OWNER)),
        email: "x@example.com",
    };
    let placed_as_guest = OrderBuyer {
        account_id: None,
        email,
    };
    assert!(is_buyer(&buyer, placed_signed_in));
    assert!(
        !is_buyer(&buyer, placed_as_guest),
        "an unverified email proves nothing"
    );
    buyer.email_verified = true;
    assert!(is_buyer(&buyer, placed_as_guest));
    assert!(!is_buyer(
        &principal(OTHER, &[Role::Admin]),
        placed_signed_in
    ));
}

#[test]
fn may_read_order_is_for_the_key_holder_and_the_buyer_only() {
    let buyer = OrderBuyer {
        account_id: Some(account(OWNER)),
        email: "ada1@example.com",
    };
    let anonymous = OrderReader {
        holds_order_key: false,
        principal: None,
    };
    assert!(!may_read_order(anonymous, buyer));
    assert!(may_read_order(
        OrderReader {
            holds_order_key: true,
            ..anonymous
        },
        buyer
    ));
    let owner = principal(OWNER, &[]);
    assert!(may_read_order(
        OrderReader {
            principal: Some(&owner),
            ..anonymous
        },
        buyer
    ));
    let admin = principal(OTHER, &[Role::Admin]);
    assert!(!may_read_order(
        OrderReader {
            principal: Some(&admin),
            ..anonymous
        },
        buyer
    ));
}

#[test]
fn log_scope_is_the_whole_log_for_auditors_and_admins_and_own_events_for_organisers() {
    assert_eq!(
        log_scope(&principal(OTHER, &[Role::Auditor])),
        Some(LogScope::Whole)
    );
    assert_eq!(
        log_scope(&principal(OTHER, &[Role::Admin])),
        Some(LogScope::Whole)
    );
    assert_eq!(
        log_scope(&principal(OWNER, &[Role::Organiser])),
        Some(LogScope::EventsOrganisedBy(account(OWNER)))
    );
    assert_eq!(log_scope(&principal(OTHER, &[])), None);
}

#[test]
fn may_read_event_log_lets_auditors_admins_and_the_events_organiser_read_it() {
    let event = owned_event();
    assert!(may_read_event_log(
        &principal(OTHER, &[Role::Auditor]),
        &event
    ));
    assert!(may_read_event_log(
        &principal(OTHER, &[Role::Admin]),
        &event
    ));
    assert!(may_read_event_log(
        &principal(OWNER, &[Role::Organiser]),
        &event
    ));
    assert!(!may_read_event_log(
        &principal(OTHER, &[Role::Organiser]),
        &event
    ));
    assert!(!may_read_event_log(&principal(OWNER, &[]), &event));
}
