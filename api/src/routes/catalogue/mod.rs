//! What the catalogue routes share: request bodies parsed into domain values, the state of
//! an event as a response, and the mapping of the domain's refusals to problems.

pub mod requests;
pub mod view;
