//! The orders read model: each order with its lines, tickets and refunds, for buyers
//! (`GET /orders/{id}`, `GET /me/orders`), organisers (sales per ticket type) and the
//! payments process manager (which orders need a next step).

mod projector;
mod queries;

pub use projector::OrdersProjector;
pub use queries::{
    event_sales, orders_of_buyer, orders_of_event, work, EventSales, OrderLineView, OrderStatus,
    OrderTicketStatus, OrderTicketView, OrderView, PaymentProvider, PaymentsWork, TicketTypeSales,
};
