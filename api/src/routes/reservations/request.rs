//! What a buyer asks to hold, as sent and as parsed: the request body of
//! `POST /events/{event_id}/reservations`.

use carneau_domain::ids::TicketTypeId;
use carneau_domain::inventory::{HoldLine, IfCodeUsedUp, Quantity};
use carneau_domain::voucher::VoucherCode;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{ReservationLine, MAX_LINES};
use crate::problem::mapping::MALFORMED_CODE;
use crate::problem::{ApiError, FieldError};

/// What to hold: every line or none.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReserveRequest {
    /// One line per ticket type.
    pub lines: Vec<ReservationLine>,
    /// A promo code of the event, as the buyer typed it (case and surrounding spaces do
    /// not matter): its uses are held with the tickets, and it unlocks the hidden ticket
    /// types it names.
    #[serde(default)]
    #[schema(example = "EARLY-BIRD")]
    pub code: Option<String>,
    /// What to do if `code` has no use left: `refuse` (the default: a 409
    /// `voucher-used-up`) or `hold_without_code` (hold the tickets at their regular price
    /// in the same step, and say so in `code_not_applied`). Decided with the hold, so that
    /// a buyer in a rush keeps their place instead of asking again. Any other refusal of
    /// the code stands whatever is chosen; without a code it changes nothing.
    #[serde(default)]
    pub if_code_used_up: IfCodeUsedUpChoice,
}

/// What a buyer wants when their promo code has no use left.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IfCodeUsedUpChoice {
    /// Refuse the hold (409 `voucher-used-up`).
    #[default]
    Refuse,
    /// Hold the tickets without the code, at their regular price.
    HoldWithoutCode,
}

impl From<IfCodeUsedUpChoice> for IfCodeUsedUp {
    fn from(choice: IfCodeUsedUpChoice) -> Self {
        match choice {
            IfCodeUsedUpChoice::Refuse => Self::Refuse,
            IfCodeUsedUpChoice::HoldWithoutCode => Self::HoldWithoutCode,
        }
    }
}

/// What a reserve request asks for, parsed.
pub(super) struct ParsedReserve {
    pub(super) lines: Vec<HoldLine>,
    pub(super) code: Option<VoucherCode>,
    pub(super) if_code_used_up: IfCodeUsedUp,
}

impl ReserveRequest {
    pub(super) fn parse(self) -> Result<ParsedReserve, ApiError> {
        let mut errors = Vec::new();
        // An empty field is no code: a form sends what the buyer left blank.
        let code = match self.code.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => match VoucherCode::parse(raw) {
                Ok(code) => Some(code),
                Err(_) => {
                    errors.push(FieldError::new("code", MALFORMED_CODE));
                    None
                }
            },
        };
        if self.lines.is_empty() {
            errors.push(FieldError::new("lines", "must hold at least one ticket"));
        }
        if self.lines.len() > MAX_LINES {
            errors.push(FieldError::new("lines", "must have at most 50 lines"));
        }
        let mut lines = Vec::with_capacity(self.lines.len());
        for (index, line) in self.lines.into_iter().enumerate() {
            match Quantity::parse(line.quantity) {
                Ok(quantity) => lines.push(HoldLine {
                    ticket_type_id: TicketTypeId::from_uuid(line.ticket_type_id),
                    quantity,
                }),
                Err(error) => errors.push(FieldError::new(
                    format!("lines[{index}].quantity"),
                    error.message(),
                )),
            }
        }
        if errors.is_empty() {
            Ok(ParsedReserve {
                lines,
                code,
                if_code_used_up: self.if_code_used_up.into(),
            })
        } else {
            Err(ApiError::validation(errors))
        }
    }
}
