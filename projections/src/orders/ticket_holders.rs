//! Who holds valid tickets to an event: the buyers to tell when it changes.

use sqlx::PgConnection;
use uuid::Uuid;

/// An order whose tickets still let someone in, and where its buyer reads mail.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TicketHolder {
    /// The order.
    pub order_id: Uuid,
    /// Its buyer's email.
    pub buyer_email: String,
}

/// The orders of `event_id` with tickets still valid (paid, partly refunded, or paid with
/// the tickets on their way), oldest first.
pub async fn ticket_holders(
    conn: &mut PgConnection,
    event_id: Uuid,
) -> sqlx::Result<Vec<TicketHolder>> {
    sqlx::query_as(
        "SELECT order_id, buyer_email FROM orders \
         WHERE event_id = $1 AND status IN ('paid', 'partially_refunded', 'payment_received') \
         ORDER BY placed_at, order_id",
    )
    .bind(event_id)
    .fetch_all(conn)
    .await
}
