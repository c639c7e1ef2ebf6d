//! The one place where domain errors become problems: every refusal and failure of the
//! domain and command layers, per aggregate, with exhaustive matches, so that a new
//! variant does not compile until its status, `type`, title and detail are chosen here.
//! Store failures all go through [`ApiError::store`](crate::problem::ApiError::store).

mod accounts;
mod audit;
mod catalogue;
mod door;
mod holds;
mod payments;
mod vouchers;

pub use accounts::{
    accounts_problem, invalid_link, password_change_problem, rate_limited, reset_link_problem,
};
pub use audit::{audited_order_not_found, invalid_log_query, log_problem, not_log_reader};
pub use catalogue::{command_problem, event_not_found, not_event_organiser};
pub use door::{check_in_refusal, not_door_staff};
pub use holds::{hold_refusal_problem, inventory_problem, reservation_problem};
pub use payments::{
    gateway_problem, payment_problem, provider_event_failure, webhook_payload_problem,
    webhook_signature_problem,
};
pub use vouchers::{
    malformed_code, voucher_problem, voucher_unknown, voucher_unusable, MALFORMED_CODE,
};
