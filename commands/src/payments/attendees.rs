//! Correcting who a ticket is for: the buyer (or the event's organiser) changes one
//! seat's attendee; the order decides, given what the event asks and when it starts.

use carneau_domain::ids::OrderId;
use carneau_domain::order::{Attendee, OrderCommand, OrderError};
use carneau_domain::EventMetadata;
use chrono::Utc;
use tracing::instrument;

use super::{in_purchase, PaymentError, Payments};

impl Payments {
    /// Corrects the attendee of `seat` (0-based, in line order) of `order_id`, recorded
    /// with `caller` as its actor and cause. The event's questions and start are read
    /// from the event, so the order refuses a correction after the start or one that
    /// leaves out a required detail. Answers whether a correction was recorded (the same
    /// details again record nothing).
    #[instrument(skip_all, fields(order_id = %order_id, seat, actor = %caller.actor))]
    pub async fn correct_attendee(
        &self,
        order_id: OrderId,
        seat: usize,
        attendee: Attendee,
        caller: &EventMetadata,
    ) -> Result<bool, PaymentError> {
        let order = self
            .order(order_id)
            .await?
            .ok_or(PaymentError::Order(OrderError::UnknownOrder))?;
        let event_id = order
            .placed()
            .map(|placed| placed.event_id)
            .ok_or(PaymentError::Order(OrderError::UnknownOrder))?;
        let event = self.events.load(&event_id.to_aggregate_id()).await?.state;
        let details = event
            .details()
            .ok_or(PaymentError::Order(OrderError::UnknownOrder))?;
        let executed = self
            .execute(
                order_id,
                OrderCommand::CorrectAttendee {
                    seat,
                    attendee,
                    questions: details.attendee_questions,
                    event_starts_at: details.starts_at,
                    now: Utc::now(),
                },
                &in_purchase(caller, order_id),
            )
            .await?;
        let recorded = !executed.appended.is_empty();
        tracing::info!(recorded, "attendee corrected");
        Ok(recorded)
    }
}
