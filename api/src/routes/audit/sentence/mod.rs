//! A fact of the log as a sentence a person reads: what happened, who did it, and when,
//! in UTC and in the event's time zone ("Order placed by guest (reservation …) for
//! 2 × Standard, EUR 50.00, at 2026-12-02 10:00:00 UTC (11:00:00 CET, Europe/Paris).").

mod catalogue;
mod order;

use carneau_domain::admission::AdmissionEvent;
use carneau_domain::event::{Event, EventCatalogueEvent};
use carneau_domain::ids::TicketTypeId;
use carneau_domain::inventory::InventoryEvent;
use carneau_domain::order::{OrderEvent, PaymentProvider};
use carneau_domain::{Actor, EventMetadata, Money};
use carneau_projections::door_staff::AccountName;
use carneau_projections::RecordedEvent;
use chrono::{DateTime, Utc};

use super::accounts::AccountBook;

/// Tells the facts of one ticketing event, with what the event knows: its organiser (so
/// their account reads "organiser …"), its ticket types' names and its time zone; and
/// with the accounts' names and addresses the response looked up.
pub struct Narrator<'a> {
    event: &'a Event,
    accounts: &'a AccountBook,
}

impl<'a> Narrator<'a> {
    /// A narrator for the facts of `event` and of its inventory, orders and admissions,
    /// naming accounts from `accounts`.
    pub fn new(event: &'a Event, accounts: &'a AccountBook) -> Self {
        Self { event, accounts }
    }

    /// The sentence of `fact`, whose metadata is `metadata` (`None`: unreadable).
    pub fn sentence(&self, fact: &RecordedEvent, metadata: Option<&EventMetadata>) -> String {
        let by = metadata.map_or_else(
            || "an unrecorded actor".to_owned(),
            |m| self.actor(&m.actor),
        );
        let what = match fact.aggregate_type.as_str() {
            "Order" => fact
                .decode::<OrderEvent>()
                .ok()
                .map(|e| order::sentence(&e, &by)),
            "Event" => fact
                .decode::<EventCatalogueEvent>()
                .ok()
                .map(|e| catalogue::event_sentence(self, &e, &by)),
            "Inventory" => fact
                .decode::<InventoryEvent>()
                .ok()
                .map(|e| catalogue::inventory_sentence(self, &e, &by)),
            "Admission" => fact
                .decode::<AdmissionEvent>()
                .ok()
                .map(|e| catalogue::admission_sentence(self, &e)),
            _ => None,
        }
        .unwrap_or_else(|| format!("{} recorded by {by}", fact.event_type));
        format!("{what}, at {}.", self.when(fact.recorded_at))
    }

    /// Who, in words.
    fn actor(&self, actor: &Actor) -> String {
        match actor {
            Actor::Account { account_id } => {
                let role = if self.event.is_organised_by(*account_id) {
                    "organiser"
                } else {
                    "account"
                };
                match self.accounts.get(account_id.as_uuid()) {
                    Some(AccountName {
                        email,
                        name: Some(name),
                        ..
                    }) => format!("{role} {name} <{email}>"),
                    Some(AccountName { email, .. }) => format!("{role} {email}"),
                    None => format!("{role} {account_id} (unknown account)"),
                }
            }
            Actor::Guest { reservation_id } => format!("guest (reservation {reservation_id})"),
            Actor::Process { process } => format!("the {} process", process.name()),
            Actor::PaymentProvider {
                provider: PaymentProvider::Stripe,
                event_id,
            } => format!("Stripe event {event_id}"),
            Actor::PaymentProvider {
                provider: PaymentProvider::Simulated,
                event_id,
            } => format!("the simulated checkout (event {event_id})"),
            // Nothing records a free order's payment as a provider's; named all the same.
            Actor::PaymentProvider {
                provider: PaymentProvider::Free,
                event_id,
            } => format!("no provider (free order, {event_id})"),
        }
    }

    /// An instant in UTC and in the event's time zone (UTC alone when it has none).
    fn when(&self, at: DateTime<Utc>) -> String {
        let utc = at.format("%Y-%m-%d %H:%M:%S UTC");
        match self.event.details() {
            Some(details) => {
                let zone = details.time_zone;
                let local = at.with_timezone(&zone.tz()).format("%Y-%m-%d %H:%M:%S %Z");
                format!("{utc} ({local}, {})", zone.as_str())
            }
            None => utc.to_string(),
        }
    }

    /// A ticket type's name, or its id when the event no longer has it.
    fn ticket_type_name(&self, id: TicketTypeId) -> String {
        self.event.ticket_type(id).map_or_else(
            || format!("ticket type {id}"),
            |t| t.name.as_str().to_owned(),
        )
    }
}

/// "1 ticket", "3 tickets".
fn tickets(count: usize) -> String {
    if count == 1 {
        "1 ticket".to_owned()
    } else {
        format!("{count} tickets")
    }
}

fn uses(count: u32) -> String {
    if count == 1 {
        "1 use".to_owned()
    } else {
        format!("{count} uses")
    }
}

/// An amount as people write it: the currency code, then the major units with the
/// currency's decimals ("EUR 50.00", "JPY 5000", "KWD 1.500").
fn money(amount: &Money) -> String {
    let code = amount.currency.as_str();
    let decimals: u32 = match code {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "MGA" | "PYG" | "RWF"
        | "UGX" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    };
    let sign = if amount.is_negative() { "-" } else { "" };
    let minor = amount.amount_minor.unsigned_abs();
    if decimals == 0 {
        return format!("{code} {sign}{minor}");
    }
    let unit = 10_u64.pow(decimals);
    format!(
        "{code} {sign}{}.{:0width$}",
        minor / unit,
        minor % unit,
        width = decimals as usize
    )
}

#[cfg(test)]
mod tests {
    use carneau_domain::ids::{AccountId, TicketId};
    use carneau_domain::order::RefundReason;
    use carneau_domain::{Cause, Currency};
    use carneau_projections::LogPosition;
    use chrono::TimeZone;
    use uuid::Uuid;

    use super::*;

    #[test]
    fn a_refund_reads_with_its_tickets_amount_actor_and_time() {
        let at = Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap();
        let refund = OrderEvent::RefundRequested {
            refund_number: 1,
            ticket_ids: vec![TicketId::from_uuid(Uuid::nil()); 2],
            amount: Money::new(2500, Currency::parse("EUR").unwrap()),
            reason: RefundReason::RequestedByOrganiser,
            requested_at: at,
            code_given_back: None,
        };
        let fact = RecordedEvent {
            position: LogPosition::START,
            event_id: Uuid::nil(),
            aggregate_type: "Order".to_owned(),
            aggregate_id: Uuid::nil().to_string(),
            sequence: 4,
            event_type: "RefundRequested".to_owned(),
            event_version: "1".to_owned(),
            payload: serde_json::to_value(&refund).unwrap(),
            metadata: serde_json::Value::Null,
            recorded_at: at,
        };
        let account = AccountId::from_uuid(Uuid::from_u128(7));
        let metadata = EventMetadata::new(
            Actor::Account {
                account_id: account,
            },
            Cause::Request { request_id: None },
        );
        let event = Event::default();
        let accounts = AccountBook::default();
        let narrator = Narrator::new(&event, &accounts);
        assert_eq!(
            narrator.sentence(&fact, Some(&metadata)),
            format!(
                "Refund 1 of 2 tickets requested by account {account} (unknown account) \
                 (EUR 25.00, asked by the organiser), at 2026-12-02 10:00:00 UTC."
            )
        );
        assert_eq!(
            narrator.sentence(&fact, None),
            "Refund 1 of 2 tickets requested by an unrecorded actor \
             (EUR 25.00, asked by the organiser), at 2026-12-02 10:00:00 UTC."
        );
        // The organiser gave the promo code's use back: the sentence says so.
        let mut payload = fact.payload.clone();
        payload["RefundRequested"]["code_given_back"] = serde_json::json!({
            "code": "FRIEND", "uses": 1
        });
        let given_back = RecordedEvent { payload, ..fact };
        assert_eq!(
            narrator.sentence(&given_back, None),
            "Refund 1 of 2 tickets requested by an unrecorded actor \
             (EUR 25.00, asked by the organiser), giving back 1 use of code FRIEND, \
             at 2026-12-02 10:00:00 UTC."
        );
    }

    #[test]
    fn money_reads_with_the_currencys_decimals() {
        let eur = Currency::parse("EUR").unwrap();
        assert_eq!(money(&Money::new(5000, eur)), "EUR 50.00");
        assert_eq!(money(&Money::new(-1050, eur)), "EUR -10.50");
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(money(&Money::new(5000, jpy)), "JPY 5000");
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(money(&Money::new(1500, kwd)), "KWD 1.500");
    }
}
