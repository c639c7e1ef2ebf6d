//! Given / when / then tests of the account aggregate, one per rule, no database.

use chrono::{DateTime, TimeZone, Utc};
use cqrs_es::test::TestFramework;
use cqrs_es::Aggregate;
use uuid::Uuid;

use super::*;

type AccountTest = TestFramework<Account>;

fn account_test() -> AccountTest {
    TestFramework::<Account>::with(())
}

fn account_id() -> AccountId {
    AccountId::from_uuid(Uuid::from_u128(0xAC))
}

fn event_id() -> EventId {
    EventId::from_uuid(Uuid::from_u128(0xE1))
}

fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0).unwrap()
}

fn email(raw: &str) -> EmailAddress {
    EmailAddress::parse(raw).unwrap()
}

fn registered() -> AccountEvent {
    AccountEvent::AccountRegistered {
        account_id: account_id(),
        email: email("Lina@example.com"),
        name: PersonName::parse("Lina Moreau").unwrap(),
        registered_at: noon(),
    }
}

fn register() -> AccountCommand {
    AccountCommand::Register {
        account_id: account_id(),
        email: email("Lina@example.com"),
        name: PersonName::parse("Lina Moreau").unwrap(),
        registered_at: noon(),
    }
}

#[test]
fn registers_an_account() {
    account_test()
        .given_no_previous_events()
        .when(register())
        .then_expect_events(vec![registered()]);
}

#[test]
fn refuses_to_register_an_account_twice() {
    account_test()
        .given(vec![registered()])
        .when(register())
        .then_expect_error(AccountError::AlreadyRegistered);
}

#[test]
fn refuses_commands_on_an_account_never_registered() {
    for command in [
        AccountCommand::GrantRole(Role::Organiser),
        AccountCommand::GrantDoorStaff(event_id()),
        AccountCommand::RecordPasswordChange { changed_at: noon() },
        AccountCommand::VerifyEmail {
            email: email("lina@example.com"),
        },
    ] {
        account_test()
            .given_no_previous_events()
            .when(command)
            .then_expect_error(AccountError::NotFound);
    }
}

#[test]
fn grants_a_role() {
    account_test()
        .given(vec![registered()])
        .when(AccountCommand::GrantRole(Role::Organiser))
        .then_expect_events(vec![AccountEvent::RoleGranted {
            role: Role::Organiser,
        }]);
}

#[test]
fn granting_a_role_already_held_records_nothing() {
    account_test()
        .given(vec![
            registered(),
            AccountEvent::RoleGranted { role: Role::Admin },
        ])
        .when(AccountCommand::GrantRole(Role::Admin))
        .then_expect_events(vec![]);
}

#[test]
fn revokes_a_role_held() {
    account_test()
        .given(vec![
            registered(),
            AccountEvent::RoleGranted {
                role: Role::Organiser,
            },
        ])
        .when(AccountCommand::RevokeRole(Role::Organiser))
        .then_expect_events(vec![AccountEvent::RoleRevoked {
            role: Role::Organiser,
        }]);
}

#[test]
fn revoking_a_role_not_held_records_nothing() {
    account_test()
        .given(vec![registered()])
        .when(AccountCommand::RevokeRole(Role::Admin))
        .then_expect_events(vec![]);
}

#[test]
fn grants_and_revokes_door_staff_access_per_event() {
    account_test()
        .given(vec![registered()])
        .when(AccountCommand::GrantDoorStaff(event_id()))
        .then_expect_events(vec![AccountEvent::DoorStaffGranted {
            event_id: event_id(),
        }]);
    account_test()
        .given(vec![
            registered(),
            AccountEvent::DoorStaffGranted {
                event_id: event_id(),
            },
        ])
        .when(AccountCommand::RevokeDoorStaff(event_id()))
        .then_expect_events(vec![AccountEvent::DoorStaffRevoked {
            event_id: event_id(),
        }]);
}

#[test]
fn door_staff_access_to_one_event_is_not_access_to_another() {
    let mut account = Account::default();
    account.apply(registered());
    account.apply(AccountEvent::DoorStaffGranted {
        event_id: event_id(),
    });
    assert!(account.door_staff_events().contains(&event_id()));
    let other = EventId::from_uuid(Uuid::from_u128(0xE2));
    assert!(!account.door_staff_events().contains(&other));
}

#[test]
fn records_a_password_change_without_the_password() {
    account_test()
        .given(vec![registered()])
        .when(AccountCommand::RecordPasswordChange { changed_at: noon() })
        .then_expect_events(vec![AccountEvent::PasswordChanged { changed_at: noon() }]);
}

fn in_an_hour() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, 13, 0, 0).unwrap()
}

fn reset_requested() -> AccountEvent {
    AccountEvent::PasswordResetRequested {
        requested_at: noon(),
        expires_at: in_an_hour(),
    }
}

#[test]
fn records_a_password_reset_request_without_the_link() {
    account_test()
        .given(vec![registered()])
        .when(AccountCommand::RequestPasswordReset {
            requested_at: noon(),
            expires_at: in_an_hour(),
        })
        .then_expect_events(vec![reset_requested()]);
}

#[test]
fn resets_the_password_after_a_reset_was_requested_and_verifies_the_email() {
    account_test()
        .given(vec![registered(), reset_requested()])
        .when(AccountCommand::ResetPassword { reset_at: noon() })
        .then_expect_events(vec![
            AccountEvent::PasswordReset { reset_at: noon() },
            AccountEvent::EmailVerified {
                email: email("Lina@example.com"),
            },
        ]);
}

#[test]
fn a_reset_of_an_account_already_verified_verifies_nothing_more() {
    account_test()
        .given(vec![
            registered(),
            AccountEvent::EmailVerified {
                email: email("lina@example.com"),
            },
            reset_requested(),
        ])
        .when(AccountCommand::ResetPassword { reset_at: noon() })
        .then_expect_events(vec![AccountEvent::PasswordReset { reset_at: noon() }]);
}

#[test]
fn refuses_a_reset_nobody_asked_for() {
    account_test()
        .given(vec![registered()])
        .when(AccountCommand::ResetPassword { reset_at: noon() })
        .then_expect_error(AccountError::NoResetRequested);
    // A reset ends the request: the next one needs a new request.
    account_test()
        .given(vec![
            registered(),
            reset_requested(),
            AccountEvent::PasswordReset { reset_at: noon() },
        ])
        .when(AccountCommand::ResetPassword { reset_at: noon() })
        .then_expect_error(AccountError::NoResetRequested);
}

#[test]
fn refuses_a_reset_request_for_an_account_never_registered() {
    account_test()
        .given_no_previous_events()
        .when(AccountCommand::RequestPasswordReset {
            requested_at: noon(),
            expires_at: in_an_hour(),
        })
        .then_expect_error(AccountError::NotFound);
}

#[test]
fn verifies_the_accounts_email_in_any_case() {
    account_test()
        .given(vec![registered()])
        .when(AccountCommand::VerifyEmail {
            email: email("lina@EXAMPLE.com"),
        })
        .then_expect_events(vec![AccountEvent::EmailVerified {
            email: email("lina@example.com"),
        }]);
}

#[test]
fn refuses_to_verify_another_address() {
    account_test()
        .given(vec![registered()])
        .when(AccountCommand::VerifyEmail {
            email: email("someone.else@example.com"),
        })
        .then_expect_error(AccountError::EmailMismatch);
}

#[test]
fn verifying_twice_records_nothing() {
    account_test()
        .given(vec![
            registered(),
            AccountEvent::EmailVerified {
                email: email("lina@example.com"),
            },
        ])
        .when(AccountCommand::VerifyEmail {
            email: email("lina@example.com"),
        })
        .then_expect_events(vec![]);
}

#[test]
fn events_never_carry_secrets_and_have_a_stable_form() {
    let json = serde_json::to_value(registered()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"AccountRegistered": {
            "account_id": "00000000-0000-0000-0000-0000000000ac",
            "email": "Lina@example.com",
            "name": "Lina Moreau",
            "registered_at": "2030-01-01T12:00:00Z"
        }})
    );
    let changed =
        serde_json::to_value(AccountEvent::PasswordChanged { changed_at: noon() }).unwrap();
    assert_eq!(
        changed,
        serde_json::json!({"PasswordChanged": {"changed_at": "2030-01-01T12:00:00Z"}})
    );
}
