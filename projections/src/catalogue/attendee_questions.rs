//! What an event asks about each ticket's attendee, as the catalogue shows it (and as the
//! organiser's edit sends it): stored as two text columns of `catalogue_events`.

use carneau_domain::event::{Ask, AttendeeQuestions};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// An enum rather than text so the OpenAPI document lists the values; its wire names are
// the column's text.
/// Whether a detail of each ticket's attendee is asked for: `off`, `optional` or
/// `required`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, sqlx::Type,
)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum AttendeeAsk {
    /// Not asked.
    #[default]
    Off,
    /// Asked; may be left blank.
    Optional,
    /// Asked for every ticket; checkout is refused without it.
    Required,
}

impl AttendeeAsk {
    /// The name on the wire and in the read model.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Optional => "optional",
            Self::Required => "required",
        }
    }
}

impl From<Ask> for AttendeeAsk {
    fn from(ask: Ask) -> Self {
        match ask {
            Ask::Off => Self::Off,
            Ask::Optional => Self::Optional,
            Ask::Required => Self::Required,
        }
    }
}

impl From<AttendeeAsk> for Ask {
    fn from(ask: AttendeeAsk) -> Self {
        match ask {
            AttendeeAsk::Off => Self::Off,
            AttendeeAsk::Optional => Self::Optional,
            AttendeeAsk::Required => Self::Required,
        }
    }
}

/// What buyers are asked about each ticket's attendee at checkout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendeeQuestionsView {
    /// The attendee's name (printed on the ticket, read at the door).
    #[serde(default)]
    pub name: AttendeeAsk,
    /// The attendee's email.
    #[serde(default)]
    pub email: AttendeeAsk,
}

impl From<AttendeeQuestions> for AttendeeQuestionsView {
    fn from(questions: AttendeeQuestions) -> Self {
        Self {
            name: questions.name.into(),
            email: questions.email.into(),
        }
    }
}

impl From<AttendeeQuestionsView> for AttendeeQuestions {
    fn from(view: AttendeeQuestionsView) -> Self {
        Self {
            name: view.name.into(),
            email: view.email.into(),
        }
    }
}
