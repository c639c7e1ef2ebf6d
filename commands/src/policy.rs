//! Who may do what: every authorization rule of the platform, as pure functions over the
//! caller (a signed-in [`Principal`] or a command's [`CommandContext`]) and the state it
//! acts on. The API's extractors and routes and the command layer ask these; none decides
//! on its own. `docs/security.md` lists, route by route, what the rules let through.

use carneau_domain::account::Role;
use carneau_domain::event::Event;
use carneau_domain::ids::{AccountId, EventId};
use carneau_domain::Actor;

use crate::accounts::Principal;
use crate::context::CommandContext;

/// Whether the account administers the platform (every event, every account's roles).
pub fn is_admin(principal: &Principal) -> bool {
    principal.roles.contains(&Role::Admin)
}

/// Whether the account may use the organiser routes at all: organisers and admins.
pub fn may_use_organiser_routes(principal: &Principal) -> bool {
    principal.roles.contains(&Role::Organiser) || is_admin(principal)
}

/// Whether the account may manage `event`: an admin, or its organiser while still an
/// organiser.
pub fn may_manage_event(principal: &Principal, event: &Event) -> bool {
    is_admin(principal)
        || (principal.roles.contains(&Role::Organiser)
            && event.is_organised_by(principal.account_id))
}

/// Whether a command's caller may change `event`: an admin, a process of the platform, or
/// the event's organiser (the route checked the organiser role before the command ran).
pub fn may_command_event(context: &CommandContext, event: &Event) -> bool {
    match context.actor() {
        Actor::Account { account_id } => context.admin || event.is_organised_by(*account_id),
        Actor::Process { .. } => true,
        Actor::Guest { .. } | Actor::PaymentProvider { .. } => false,
    }
}

/// Whether the account may check tickets in at `event_id`'s door: door staff granted for
/// that event, an admin, or whoever may manage `event` (`None` when it was not loaded or
/// does not exist).
pub fn may_work_door(principal: &Principal, event_id: EventId, event: Option<&Event>) -> bool {
    is_admin(principal)
        || principal.door_staff_events.contains(&event_id)
        || event.is_some_and(|event| may_manage_event(principal, event))
}

/// Which events' doors an account may work, for listing them: every event for an
/// admin; otherwise the events it was made door staff of and, while it is an organiser,
/// those it created. The same people [`may_work_door`] lets through, event by event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DoorScope {
    /// Every event: admins.
    Every,
    /// These door-staff events, and the events this organiser created.
    Of {
        /// The organiser whose events count too (`None` without the organiser role).
        organiser: Option<AccountId>,
        /// Events granted as door staff.
        door_staff: Vec<EventId>,
    },
}

/// The doors `principal` may work (see [`DoorScope`]).
pub fn door_scope(principal: &Principal) -> DoorScope {
    if is_admin(principal) {
        return DoorScope::Every;
    }
    DoorScope::Of {
        organiser: principal
            .roles
            .contains(&Role::Organiser)
            .then_some(principal.account_id),
        door_staff: principal.door_staff_events.iter().copied().collect(),
    }
}

/// Whether an admin may revoke `role` from `account_id`: any role of any account, except
/// their own admin role (the platform would be left without the admin that asked).
pub fn may_revoke_role(principal: &Principal, account_id: AccountId, role: Role) -> bool {
    is_admin(principal) && !(role == Role::Admin && account_id == principal.account_id)
}

/// How much of the event log an account may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogScope {
    /// Every stream: auditors and admins.
    Whole,
    /// The streams of the events this organiser created (each event's, its inventory's,
    /// its orders' and its admissions').
    EventsOrganisedBy(AccountId),
}

/// What part of the log the account may read: the whole log for an auditor or an admin,
/// their own events' streams for an organiser, nothing (`None`) for anyone else.
pub fn log_scope(principal: &Principal) -> Option<LogScope> {
    if is_admin(principal) || principal.roles.contains(&Role::Auditor) {
        Some(LogScope::Whole)
    } else if principal.roles.contains(&Role::Organiser) {
        Some(LogScope::EventsOrganisedBy(principal.account_id))
    } else {
        None
    }
}

/// Whether the account may read `event`'s part of the log (its history, its orders'):
/// an auditor or an admin, or its organiser.
pub fn may_read_event_log(principal: &Principal, event: &Event) -> bool {
    match log_scope(principal) {
        Some(LogScope::Whole) => true,
        Some(LogScope::EventsOrganisedBy(_)) => may_manage_event(principal, event),
        None => false,
    }
}

/// Who placed an order (or bought a ticket): the account signed in at checkout, if any,
/// and the email the tickets went to.
#[derive(Debug, Clone, Copy)]
pub struct OrderBuyer<'a> {
    /// The account signed in when the order was placed.
    pub account_id: Option<AccountId>,
    /// Where the tickets were sent.
    pub email: &'a str,
}

/// Who asks to read an order or its tickets.
#[derive(Debug, Clone, Copy)]
pub struct OrderReader<'a> {
    /// Whether the request carried the order link's key, verified.
    pub holds_order_key: bool,
    /// The signed-in account, if any.
    pub principal: Option<&'a Principal>,
}

/// Whether `principal` is the buyer: the account signed in at checkout, or a guest order
/// to the account's email once that email is verified (compared without regard to case).
pub fn is_buyer(principal: &Principal, buyer: OrderBuyer<'_>) -> bool {
    buyer.account_id == Some(principal.account_id)
        || (principal.email_verified && principal.email.normalized() == buyer.email.to_lowercase())
}

/// Whether `reader` may read an order (its page, its tickets' QR codes): the holder of
/// its link's key, or its buyer. Nobody else, organisers and admins included: they see
/// orders through the sales routes, which never show the tickets' codes.
pub fn may_read_order(reader: OrderReader<'_>, buyer: OrderBuyer<'_>) -> bool {
    reader.holds_order_key || reader.principal.is_some_and(|p| is_buyer(p, buyer))
}

#[cfg(test)]
mod tests;
