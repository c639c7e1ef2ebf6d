//! The rules an event enforces: which events a command records, or why it is refused.
//!
//! Decisions only read the state; `apply` in the parent module is the only writer.

use chrono::{DateTime, Utc};

use super::{
    Event, EventCatalogueEvent, EventCommand, EventDetails, EventDetailsChange, EventError,
    EventStatus, PromisedTickets, SaleWindow, TicketType, TicketTypeChange,
    MAX_CANCEL_REASON_CHARS, MAX_PRICE_MAJOR_UNITS, MAX_TICKET_TYPES,
};
use crate::ids::{AccountId, EventId, TicketTypeId};
use crate::money::{Currency, Money};

impl Event {
    /// The events `command` would record, or why it is refused. Never changes `self`.
    pub(super) fn decide(
        &self,
        command: EventCommand,
    ) -> Result<Vec<EventCatalogueEvent>, EventError> {
        if let EventCommand::CreateDraft {
            event_id,
            details,
            currency,
            organiser,
        } = command
        {
            return self.create_draft(event_id, details, currency, organiser);
        }
        let (details, currency) = match (&self.details, self.currency) {
            (Some(details), Some(currency)) if self.id.is_some() => (details, currency),
            _ => return Err(EventError::NotFound),
        };
        if self.status == EventStatus::Cancelled {
            return Err(match command {
                EventCommand::Cancel { .. } => EventError::AlreadyCancelled,
                _ => EventError::Cancelled,
            });
        }
        match command {
            // Answered above; kept so the match stays exhaustive.
            EventCommand::CreateDraft { .. } => Err(EventError::AlreadyExists),
            EventCommand::EditDetails(change) => self.edit_details(details, change),
            EventCommand::AddTicketType(ticket_type) => {
                self.add_ticket_type(details, currency, ticket_type)
            }
            EventCommand::ChangeTicketType {
                ticket_type_id,
                change,
                promised,
            } => self.change_ticket_type(details, currency, ticket_type_id, change, promised),
            EventCommand::RemoveTicketType {
                ticket_type_id,
                promised,
            } => self.remove_ticket_type(ticket_type_id, promised),
            EventCommand::AddCapacityPool { pool, promised } => {
                self.add_capacity_pool(pool, &promised)
            }
            EventCommand::ChangeCapacityPool {
                pool_id,
                change,
                promised,
            } => self.change_capacity_pool(pool_id, change, &promised),
            EventCommand::RemoveCapacityPool { pool_id } => self.remove_capacity_pool(pool_id),
            // Switching to where it already is records nothing: a retried click is no fact.
            EventCommand::SwitchWaitingList { open } if open == self.waiting_list_open() => {
                Ok(Vec::new())
            }
            EventCommand::SwitchWaitingList { open } => {
                Ok(vec![EventCatalogueEvent::WaitingListSwitched { open }])
            }
            EventCommand::Publish { published_at } => self.publish(details, published_at),
            EventCommand::Cancel {
                cancelled_at,
                reason,
            } => Self::cancel(cancelled_at, reason),
            EventCommand::AddImage(image) => self.add_image(image),
            EventCommand::ChangeImageAltText { image_id, alt } => {
                self.change_image_alt_text(image_id, alt)
            }
            EventCommand::ReorderImages(order) => self.reorder_images(order),
            EventCommand::RemoveImage { image_id } => self.remove_image(image_id),
        }
    }

    fn create_draft(
        &self,
        event_id: EventId,
        details: EventDetails,
        currency: Currency,
        organiser: AccountId,
    ) -> Result<Vec<EventCatalogueEvent>, EventError> {
        if self.id.is_some() {
            return Err(EventError::AlreadyExists);
        }
        check_ends_after_start(&details)?;
        Ok(vec![EventCatalogueEvent::EventDrafted {
            event_id,
            details,
            currency,
            organiser: Some(organiser),
        }])
    }

    fn edit_details(
        &self,
        current: &EventDetails,
        change: EventDetailsChange,
    ) -> Result<Vec<EventCatalogueEvent>, EventError> {
        let details = change.merged_into(current);
        check_ends_after_start(&details)?;
        for ticket_type in &self.ticket_types {
            check_sale_closes_by_end(&ticket_type.sale_window, &details)?;
        }
        // A retried edit must not grow the history the aggregate replays on every command.
        if &details == current {
            return Ok(vec![]);
        }
        Ok(vec![EventCatalogueEvent::EventDetailsEdited { details }])
    }

    fn add_ticket_type(
        &self,
        details: &EventDetails,
        currency: Currency,
        ticket_type: TicketType,
    ) -> Result<Vec<EventCatalogueEvent>, EventError> {
        if self.ticket_type(ticket_type.id).is_some()
            || self.removed_ticket_types.contains(&ticket_type.id)
        {
            return Err(EventError::DuplicateTicketType(ticket_type.id));
        }
        if self.ticket_types.len() >= MAX_TICKET_TYPES {
            return Err(EventError::TooManyTicketTypes);
        }
        self.check_ticket_type(details, currency, &ticket_type)?;
        Ok(vec![EventCatalogueEvent::TicketTypeAdded { ticket_type }])
    }

    fn change_ticket_type(
        &self,
        details: &EventDetails,
        currency: Currency,
        ticket_type_id: TicketTypeId,
        change: TicketTypeChange,
        promised: PromisedTickets,
    ) -> Result<Vec<EventCatalogueEvent>, EventError> {
        let current = self
            .ticket_type(ticket_type_id)
            .ok_or(EventError::UnknownTicketType(ticket_type_id))?;
        let ticket_type = change.merged_into(current);
        self.check_ticket_type(details, currency, &ticket_type)?;
        // Lowering is refused only below what buyers already have or may still pay for;
        // a capacity that was already below it (an older change) may stay as it is.
        let capacity = ticket_type.capacity.get();
        if capacity < current.capacity.get() && capacity < promised.total() {
            return Err(EventError::CapacityBelowPromised {
                capacity,
                sold: promised.sold,
                held: promised.held,
            });
        }
        if &ticket_type == current {
            return Ok(vec![]);
        }
        Ok(vec![EventCatalogueEvent::TicketTypeChanged { ticket_type }])
    }

    fn remove_ticket_type(
        &self,
        ticket_type_id: TicketTypeId,
        promised: PromisedTickets,
    ) -> Result<Vec<EventCatalogueEvent>, EventError> {
        if self.ticket_type(ticket_type_id).is_none() {
            return Err(EventError::UnknownTicketType(ticket_type_id));
        }
        // Its buyers' tickets, the door and the sales figures all name it: it can stop
        // selling (its sale window closed), never disappear.
        if promised.any() {
            return Err(EventError::TicketTypeHasBuyers {
                sold: promised.sold,
                held: promised.held,
            });
        }
        if self.status == EventStatus::Published && self.ticket_types.len() == 1 {
            return Err(EventError::LastTicketTypeOfPublishedEvent);
        }
        let mut events = vec![EventCatalogueEvent::TicketTypeRemoved { ticket_type_id }];
        events.extend(self.pool_without(ticket_type_id));
        Ok(events)
    }

    fn publish(
        &self,
        details: &EventDetails,
        published_at: DateTime<Utc>,
    ) -> Result<Vec<EventCatalogueEvent>, EventError> {
        if self.status == EventStatus::Published {
            return Err(EventError::AlreadyPublished);
        }
        if self.ticket_types.is_empty() {
            return Err(EventError::NoTicketTypes);
        }
        if details.ends_at <= published_at {
            return Err(EventError::AlreadyEnded);
        }
        Ok(vec![EventCatalogueEvent::EventPublished { published_at }])
    }

    fn cancel(
        cancelled_at: DateTime<Utc>,
        reason: Option<String>,
    ) -> Result<Vec<EventCatalogueEvent>, EventError> {
        // A blank reason is no reason: buyers should not be shown an empty explanation.
        let reason = reason
            .map(|text| text.trim().to_owned())
            .filter(|text| !text.is_empty());
        if reason
            .as_ref()
            .is_some_and(|text| text.chars().count() > MAX_CANCEL_REASON_CHARS)
        {
            return Err(EventError::ReasonTooLong);
        }
        Ok(vec![EventCatalogueEvent::EventCancelled {
            cancelled_at,
            reason,
        }])
    }

    /// The rules a ticket type must meet within this event, whether added or changed.
    fn check_ticket_type(
        &self,
        details: &EventDetails,
        currency: Currency,
        ticket_type: &TicketType,
    ) -> Result<(), EventError> {
        let name = ticket_type.name.as_str().to_lowercase();
        let name_taken = self
            .ticket_types
            .iter()
            .any(|other| other.id != ticket_type.id && other.name.as_str().to_lowercase() == name);
        if name_taken {
            return Err(EventError::DuplicateTicketTypeName(
                ticket_type.name.as_str().to_owned(),
            ));
        }
        check_price(ticket_type.price, currency)?;
        check_sale_closes_by_end(&ticket_type.sale_window, details)
    }
}

fn check_ends_after_start(details: &EventDetails) -> Result<(), EventError> {
    if details.ends_at > details.starts_at {
        Ok(())
    } else {
        Err(EventError::EndsBeforeStart)
    }
}

/// Zero is allowed: free events still need tickets to control entry. At most
/// [`MAX_PRICE_MAJOR_UNITS`] of the currency: anything above is a typing slip.
fn check_price(price: Money, currency: Currency) -> Result<(), EventError> {
    if price.is_negative() {
        return Err(EventError::NegativePrice);
    }
    let max_minor = MAX_PRICE_MAJOR_UNITS.saturating_mul(10_i64.pow(currency.minor_unit_digits()));
    if price.amount_minor > max_minor {
        return Err(EventError::PriceTooHigh {
            max: format!("{} {currency}", currency.format_minor(max_minor)),
        });
    }
    if price.currency != currency {
        return Err(EventError::CurrencyMismatch {
            expected: currency,
            found: price.currency,
        });
    }
    Ok(())
}

fn check_sale_closes_by_end(window: &SaleWindow, details: &EventDetails) -> Result<(), EventError> {
    if window.closes_at() <= details.ends_at {
        Ok(())
    } else {
        Err(EventError::SaleClosesAfterEventEnds)
    }
}
