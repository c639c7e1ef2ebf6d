//! What an event asks the buyer about each ticket's attendee: a name, an email, or nothing.
//! An organiser sets it with the event's details; checkout and corrections obey it.

use serde::{Deserialize, Serialize};

/// Whether one detail of the attendee is asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ask {
    /// Not asked; a value sent anyway is ignored, not refused, so a client that always
    /// sends the field keeps working when the organiser turns it off.
    #[default]
    Off,
    /// Asked; the buyer may leave it blank.
    Optional,
    /// Asked; checkout is refused while any ticket lacks it.
    Required,
}

impl Ask {
    /// Whether the detail is kept at all.
    pub fn is_asked(self) -> bool {
        self != Self::Off
    }

    /// Whether a blank answer is refused.
    pub fn is_required(self) -> bool {
        self == Self::Required
    }
}

/// What an event asks about each ticket's attendee. Both off unless the organiser says
/// otherwise: events recorded before it existed ask nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AttendeeQuestions {
    /// The attendee's name (printed on the ticket, read at the door).
    #[serde(default)]
    pub name: Ask,
    /// The attendee's email.
    #[serde(default)]
    pub email: Ask,
}

impl AttendeeQuestions {
    /// Whether nothing is asked: the stored details then omit the setting, so events
    /// recorded without it keep their exact stored form.
    pub fn asks_nothing(&self) -> bool {
        !self.name.is_asked() && !self.email.is_asked()
    }
}
