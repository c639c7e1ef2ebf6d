//! Who each ticket of an order is for: given by the buyer at checkout, one per seat in
//! line order (the order tickets are issued in), and correctable until the event starts.

use serde::{Deserialize, Serialize};

use crate::account::EmailAddress;
use crate::event::{Ask, AttendeeQuestions};
use crate::text::AttendeeName;

/// The details of one ticket's attendee, each kept only when the event asks for it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendee {
    /// The attendee's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<AttendeeName>,
    /// The attendee's email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailAddress>,
}

impl Attendee {
    /// Whether nothing is known about the attendee.
    pub fn is_blank(&self) -> bool {
        self.name.is_none() && self.email.is_none()
    }

    /// The attendee as the event's questions keep it: a detail not asked is dropped; a
    /// required one missing is refused, naming the seat (0-based, in line order).
    pub fn answering(
        self,
        questions: &AttendeeQuestions,
        seat: usize,
    ) -> Result<Self, AttendeeError> {
        let name = kept(questions.name, self.name).ok_or(AttendeeError::MissingName { seat })?;
        let email =
            kept(questions.email, self.email).ok_or(AttendeeError::MissingEmail { seat })?;
        Ok(Self { name, email })
    }
}

/// The value kept for one detail: `None` (outer) when a required one is missing.
fn kept<T>(ask: Ask, value: Option<T>) -> Option<Option<T>> {
    match (ask, value) {
        (Ask::Off, _) => Some(None),
        (Ask::Required, None) => None,
        (_, value) => Some(value),
    }
}

/// Why the attendees given do not answer the event's questions. Each names the seat, so
/// the buyer is told which ticket to fill in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttendeeError {
    /// The event requires a name for every ticket.
    #[error("Ticket {} needs the attendee's name.", seat + 1)]
    MissingName {
        /// The seat, 0-based in line order.
        seat: usize,
    },
    /// The event requires an email for every ticket.
    #[error("Ticket {} needs the attendee's email.", seat + 1)]
    MissingEmail {
        /// The seat, 0-based in line order.
        seat: usize,
    },
    /// More attendees than tickets.
    #[error("There are {seats} tickets but {given} attendees were given.")]
    TooManyAttendees {
        /// Tickets in the order.
        seats: usize,
        /// Attendees given.
        given: usize,
    },
}

impl AttendeeError {
    /// A stable kebab-case slug per reason, used by the API as its problem type.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::MissingName { .. } | Self::MissingEmail { .. } => "attendee-details-required",
            Self::TooManyAttendees { .. } => "too-many-attendees",
        }
    }

    /// The request field at fault (`attendees[1].name`), for the problem's field errors.
    pub fn field(&self) -> String {
        match self {
            Self::MissingName { seat } => format!("attendees[{seat}].name"),
            Self::MissingEmail { seat } => format!("attendees[{seat}].email"),
            Self::TooManyAttendees { .. } => "attendees".to_owned(),
        }
    }
}

/// The attendees an order records for `seats` tickets: one per seat when the event asks
/// anything (seats the buyer left out count as blank), none when it asks nothing.
pub fn attendees_for(
    questions: &AttendeeQuestions,
    seats: usize,
    given: Vec<Attendee>,
) -> Result<Vec<Attendee>, AttendeeError> {
    if given.len() > seats {
        return Err(AttendeeError::TooManyAttendees {
            seats,
            given: given.len(),
        });
    }
    if questions.asks_nothing() {
        return Ok(Vec::new());
    }
    let mut given = given.into_iter();
    (0..seats)
        .map(|seat| given.next().unwrap_or_default().answering(questions, seat))
        .collect()
}
