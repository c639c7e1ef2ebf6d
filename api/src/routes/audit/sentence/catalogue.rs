//! An event's, its inventory's and its door's facts in words.

use carneau_domain::admission::AdmissionEvent;
use carneau_domain::event::EventCatalogueEvent;
use carneau_domain::inventory::{HoldLine, InventoryEvent};

use super::{money, tickets, uses, Narrator};

/// The sentence of one catalogue fact done `by` someone (without its time).
pub(super) fn event_sentence(
    narrator: &Narrator<'_>,
    event: &EventCatalogueEvent,
    by: &str,
) -> String {
    match event {
        EventCatalogueEvent::EventDrafted { details, .. } => {
            format!("Event \"{}\" drafted by {by}", details.title.as_str())
        }
        EventCatalogueEvent::EventDetailsEdited { .. } => format!("Details edited by {by}"),
        EventCatalogueEvent::WaitingListSwitched { open: true } => {
            format!("Waiting list opened by {by}")
        }
        EventCatalogueEvent::WaitingListSwitched { open: false } => {
            format!("Waiting list closed by {by}")
        }
        EventCatalogueEvent::TicketTypeAdded { ticket_type } => format!(
            "Ticket type \"{}\" added by {by} at {}",
            ticket_type.name.as_str(),
            money(&ticket_type.price)
        ),
        EventCatalogueEvent::TicketTypeChanged { ticket_type } => format!(
            "Ticket type \"{}\" changed by {by}",
            ticket_type.name.as_str()
        ),
        EventCatalogueEvent::TicketTypeRemoved { ticket_type_id } => format!(
            "Ticket type \"{}\" removed by {by}",
            narrator.ticket_type_name(*ticket_type_id)
        ),
        EventCatalogueEvent::CapacityPoolAdded { pool_id, pools } => {
            match pools.iter().find(|pool| pool.id == *pool_id) {
                Some(pool) => format!(
                    "Shared capacity \"{}\" of {} tickets set up by {by} for {}",
                    pool.name.as_str(),
                    pool.capacity.get(),
                    pool.ticket_types
                        .iter()
                        .map(|id| format!("\"{}\"", narrator.ticket_type_name(*id)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => format!("Shared capacity {pool_id} set up by {by}"),
            }
        }
        EventCatalogueEvent::CapacityPoolChanged { pool_id, pools } => {
            match pools.iter().find(|pool| pool.id == *pool_id) {
                Some(pool) => format!(
                    "Shared capacity \"{}\" changed by {by} to {} tickets",
                    pool.name.as_str(),
                    pool.capacity.get()
                ),
                None => format!("Shared capacity {pool_id} changed by {by}"),
            }
        }
        EventCatalogueEvent::CapacityPoolRemoved { pool_id, .. } => {
            format!("Shared capacity {pool_id} removed by {by}")
        }
        EventCatalogueEvent::EventPublished { .. } => format!("Event published by {by}"),
        EventCatalogueEvent::EventCancelled { reason, .. } => match reason {
            Some(reason) => format!("Event cancelled by {by}: \"{reason}\""),
            None => format!("Event cancelled by {by}"),
        },
        EventCatalogueEvent::EventImageAdded { image_id, gallery } => {
            match gallery.iter().find(|image| image.id == *image_id) {
                Some(image) => format!(
                    "Image \"{}\" ({} x {} pixels) added by {by}",
                    image.alt.as_str(),
                    image.width,
                    image.height
                ),
                None => format!("Image {image_id} added by {by}"),
            }
        }
        EventCatalogueEvent::EventImageAltTextChanged { image_id, gallery } => {
            match gallery.iter().find(|image| image.id == *image_id) {
                Some(image) => format!(
                    "Alt text of an image changed to \"{}\" by {by}",
                    image.alt.as_str()
                ),
                None => format!("Alt text of image {image_id} changed by {by}"),
            }
        }
        EventCatalogueEvent::EventImagesReordered { .. } => format!("Images reordered by {by}"),
        EventCatalogueEvent::EventImageRemoved { image_id, .. } => {
            format!("Image {image_id} removed by {by}")
        }
    }
}

/// The sentence of one inventory fact done `by` someone (without its time).
pub(super) fn inventory_sentence(
    narrator: &Narrator<'_>,
    event: &InventoryEvent,
    by: &str,
) -> String {
    match event {
        InventoryEvent::HoldsPlaced { holds } => match holds.as_slice() {
            [hold] => format!(
                "{} held for reservation {} by {by}",
                lines(narrator, &hold.lines),
                hold.reservation_id
            ),
            holds => format!("{} holds placed by {by}", holds.len()),
        },
        InventoryEvent::HoldReleased { reservation_id, .. } => {
            format!("Hold of reservation {reservation_id} released by {by}")
        }
        InventoryEvent::HoldsExpired {
            reservation_ids, ..
        } => format!(
            "{} lapsed unpaid, recorded by {by}",
            match reservation_ids.len() {
                1 => "1 hold".to_owned(),
                n => format!("{n} holds"),
            }
        ),
        InventoryEvent::HoldExtended {
            reservation_id,
            expires_at,
        } => format!(
            "Hold of reservation {reservation_id} extended to {} by {by}",
            expires_at.format("%H:%M:%S UTC")
        ),
        InventoryEvent::HoldSold {
            order_id,
            lines: sold,
            late,
            ..
        } => format!(
            "{} sold to order {order_id} by {by}{}",
            lines(narrator, sold),
            if *late {
                " after the hold had lapsed"
            } else {
                ""
            }
        ),
        InventoryEvent::TicketsReturned {
            order_id,
            lines: returned,
            code_use,
            ..
        } => format!(
            "{} of order {order_id} back on sale after a refund, by {by}{}",
            lines(narrator, returned),
            code_use.as_ref().map_or(String::new(), |code_use| format!(
                ", with {} of code {}",
                uses(code_use.uses),
                code_use.code
            ))
        ),
        InventoryEvent::WaitingListJoined { entry } => format!(
            "{} × {} waited for by {by} (place {})",
            u32::from(entry.quantity),
            narrator.ticket_type_name(entry.ticket_type_id),
            entry.entry_id
        ),
        InventoryEvent::WaitingListLeft { entry_id, .. } => {
            format!("Place {entry_id} left the waiting list, by {by}")
        }
        InventoryEvent::WaitingListOffered { offers, .. } => match offers.as_slice() {
            [offer] => format!(
                "{} offered to waiting place {} until {}, by {by}",
                lines(narrator, &offer.hold.lines),
                offer.entry_id,
                offer.hold.expires_at.format("%Y-%m-%d %H:%M UTC")
            ),
            offers => format!("{} waiting places offered tickets by {by}", offers.len()),
        },
    }
}

/// The sentence of one door fact: who scanned is in the fact itself.
pub(super) fn admission_sentence(narrator: &Narrator<'_>, event: &AdmissionEvent) -> String {
    match event {
        AdmissionEvent::TicketCheckedIn {
            ticket_id,
            checked_in_by,
            offline: None,
            ..
        } => format!(
            "Ticket {ticket_id} checked in by {}",
            narrator.actor(checked_in_by)
        ),
        AdmissionEvent::TicketCheckedIn {
            ticket_id,
            checked_in_by,
            offline: Some(offline),
            ..
        } => format!(
            "Ticket {ticket_id} checked in offline on device {} by {}",
            offline.device_id,
            narrator.actor(checked_in_by)
        ),
        AdmissionEvent::DuplicateEntryRecorded {
            ticket_id,
            device_id,
            scanned_by,
            ..
        } => format!(
            "Duplicate entry on ticket {ticket_id} at device {device_id} by {}",
            narrator.actor(scanned_by)
        ),
    }
}

/// "2 × Standard, 1 × VIP" (or the count of tickets when no line names a type).
fn lines(narrator: &Narrator<'_>, lines: &[HoldLine]) -> String {
    if lines.is_empty() {
        return tickets(0);
    }
    lines
        .iter()
        .map(|line| {
            format!(
                "{} × {}",
                u32::from(line.quantity),
                narrator.ticket_type_name(line.ticket_type_id)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}
