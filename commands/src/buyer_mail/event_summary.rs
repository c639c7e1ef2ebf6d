//! How every buyer email names the event: its title, when it starts in the event's own
//! time zone (a buyer travels to the venue's clock, not their own), and where.

use carneau_domain::event::EventDetails;
use chrono::{DateTime, Utc};

/// The event lines of a buyer email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSummary {
    /// The event's title.
    pub title: String,
    /// "Saturday 14 March 2026, 20:00 (CET)": the start in the event's time zone.
    pub starts: String,
    /// The venue's name, and its address on the next line when there is one.
    pub place: String,
}

impl EventSummary {
    /// The summary of `event` as it stands.
    pub fn of(event: &EventDetails) -> Self {
        let starts = local_time(event, event.starts_at);
        let venue = event.venue.name.as_str();
        let address = event.venue.address.as_str();
        let place = if address.trim().is_empty() {
            venue.to_owned()
        } else {
            format!("{venue}\n{address}")
        };
        Self {
            title: event.title.as_str().to_owned(),
            starts,
            place,
        }
    }
}

/// When `event` ends, written as its start is: the end in the event's time zone.
pub fn local_end(event: &EventDetails) -> String {
    local_time(event, event.ends_at)
}

/// "Saturday 14 March 2026, 20:00 (CET)": `at` in the event's time zone.
pub fn local_time(event: &EventDetails, at: DateTime<Utc>) -> String {
    at.with_timezone(&event.time_zone.tz())
        .format("%A %e %B %Y, %H:%M (%Z)")
        .to_string()
        .replace("  ", " ")
}
