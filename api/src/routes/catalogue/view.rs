//! An event's state after a command, in the shape the public detail has, so organisers
//! read their own write at once (the read model catches up a moment later).

use carneau_commands::Executed;
use carneau_domain::event::Event;
use std::collections::HashMap;

use carneau_projections::catalogue::{
    EventDetail, EventImageView, MoneyView, TicketAvailability, TicketTypeView, VenueView,
};
use carneau_projections::inventory::share_pools;
use uuid::Uuid;

use crate::problem::ApiError;

/// The event's detail as of `executed`, or a 404 if it does not exist. `availability`
/// comes from the inventory read model; a ticket type it does not know yet has sold and
/// held nothing.
pub fn event_detail(
    executed: &Executed<Event>,
    availability: &HashMap<Uuid, TicketAvailability>,
) -> Result<EventDetail, ApiError> {
    let event = &executed.state;
    let (Some(id), Some(details), Some(currency)) = (event.id(), event.details(), event.currency())
    else {
        return Err(crate::problem::mapping::event_not_found());
    };
    // Each type's own figures from the read model, then the pools of this very state:
    // the read model's pools may not show the change just made yet.
    let mut stock: HashMap<Uuid, TicketAvailability> = event
        .ticket_types()
        .iter()
        .map(|ticket_type| {
            let own = availability
                .get(&ticket_type.id.as_uuid())
                .map(|known| TicketAvailability {
                    available: (known.capacity - known.held - known.sold - known.waiting).max(0),
                    ..*known
                })
                .unwrap_or_else(|| {
                    let capacity = i64::from(ticket_type.capacity.get());
                    TicketAvailability {
                        capacity,
                        held: 0,
                        sold: 0,
                        waiting: 0,
                        available: capacity,
                    }
                });
            (ticket_type.id.as_uuid(), own)
        })
        .collect();
    let capacity_pools = share_pools(&mut stock, event.capacity_pools());
    Ok(EventDetail {
        id: id.as_uuid(),
        status: event.status().into(),
        title: details.title.as_str().to_owned(),
        description: details.description.as_str().to_owned(),
        venue: VenueView {
            name: details.venue.name.as_str().to_owned(),
            address: details.venue.address.as_str().to_owned(),
        },
        starts_at: details.starts_at,
        ends_at: details.ends_at,
        time_zone: details.time_zone.as_str().to_owned(),
        currency: currency.as_str().to_owned(),
        published_at: event.published_at(),
        cancelled_at: event.cancelled_at(),
        cancellation_reason: event.cancellation_reason().map(str::to_owned),
        attendee_questions: details.attendee_questions.into(),
        waiting_list_open: event.waiting_list_open(),
        waiting_list_offer_hours: None,
        ticket_types: event
            .ticket_types()
            .iter()
            .map(|ticket_type| TicketTypeView {
                availability: stock
                    .get(&ticket_type.id.as_uuid())
                    .copied()
                    .unwrap_or_default(),
                capacity_pool_id: event.pool_of(ticket_type.id).map(|pool| pool.id.as_uuid()),
                id: ticket_type.id.as_uuid(),
                name: ticket_type.name.as_str().to_owned(),
                price: MoneyView {
                    amount_minor: ticket_type.price.amount_minor,
                    currency: ticket_type.price.currency.as_str().to_owned(),
                },
                capacity: i32::try_from(ticket_type.capacity.get()).unwrap_or(i32::MAX),
                sale_opens_at: ticket_type.sale_window.opens_at(),
                sale_closes_at: ticket_type.sale_window.closes_at(),
                max_per_order: i32::from(ticket_type.max_per_order.get()),
                hidden: ticket_type.hidden,
            })
            .collect(),
        // The organiser's own URLs: a draft's images are not public yet.
        images: event
            .images()
            .iter()
            .map(|image| EventImageView::of(image, &EventImageView::organiser_base(id.as_uuid())))
            .collect(),
        capacity_pools,
        version: i64::try_from(executed.version).unwrap_or(i64::MAX),
    })
}
