//! The door-staff read model: which accounts may check tickets in at each event's door,
//! with their email and name and when access was granted. It serves the organiser's list;
//! the door itself decides from the staff member's own account history.

mod projector;
mod queries;

pub use projector::DoorStaffProjector;
pub use queries::{account_names, door_staff_of_event, AccountName, DoorStaffView};
