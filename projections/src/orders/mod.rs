//! The orders read model: each order with its lines, tickets and refunds, for buyers
//! (`GET /orders/{id}`, `GET /me/orders`), organisers (sales per ticket type) and the
//! payments process manager (which orders need a next step).

mod export;
mod fold;
mod listing;
mod order_attendees;
mod projector;
mod refunds;
mod sales;
mod status;
mod store;
mod ticket_holders;
mod views;
mod work;

pub use export::{attendee_export_rows, order_export_rows, AttendeeExportRow, OrderExportRow};
pub use listing::{
    orders_of_event, EventOrdersPage, OrderSort, OrderStatusGroup, OrdersCursor, OrdersQuery,
    MAX_ORDERS_PAGE, MAX_ORDER_SEARCH_CHARS,
};
pub use projector::OrdersProjector;
pub use sales::{event_sales, EventSales, TicketTypeSales};
pub use status::{OrderStatus, OrderTicketStatus, PaymentProvider};
pub use ticket_holders::{ticket_holders, TicketHolder};
pub use views::{orders_of_buyer, AttendeeView, OrderLineView, OrderTicketView, OrderView};
pub use work::{work, PaymentsWork};
