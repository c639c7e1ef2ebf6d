//! Why an event's voucher book refuses a command, in words an organiser can act on.

use crate::ids::TicketTypeId;
use crate::money::Currency;

use super::code::VoucherCode;
use super::MAX_VOUCHERS_PER_CREATION;
use super::MAX_VOUCHERS_PER_EVENT;

/// A rule of vouchers that a command would break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoucherError {
    /// The event does not exist (checked by the command layer against the catalogue).
    #[error("This event does not exist.")]
    EventNotFound,
    /// The caller may not manage this event's codes (checked by the command layer).
    #[error("Only the event's organiser can manage its codes.")]
    NotOrganiser,
    /// Creating no code at all.
    #[error("Give at least one code to create.")]
    NothingToCreate,
    /// More codes in one creation than allowed.
    #[error("At most {MAX_VOUCHERS_PER_CREATION} codes can be created at once.")]
    TooManyAtOnce,
    /// The event would have more codes than allowed.
    #[error("An event can have at most {MAX_VOUCHERS_PER_EVENT} codes.")]
    TooManyForEvent,
    /// A code the event already has, or one given twice in the same creation.
    #[error("The code {0} already exists for this event.")]
    DuplicateCode(VoucherCode),
    /// A code the event does not have.
    #[error("This event has no code {0}.")]
    UnknownCode(VoucherCode),
    /// Neither a discount nor a hidden ticket type: the code would do nothing.
    #[error("A code must give a discount, unlock hidden tickets, or both.")]
    OffersNothing,
    /// A percentage outside 1 to 100.
    #[error("A percentage discount must be between 1 and 100.")]
    PercentOutOfRange,
    /// A fixed discount of zero or less.
    #[error("A fixed discount must be more than zero.")]
    FixedNotPositive,
    /// A fixed discount in another currency than the event's.
    #[error("Discounts of this event must be in {expected}, not {found}.")]
    CurrencyMismatch {
        /// The event's currency.
        expected: Currency,
        /// The discount's.
        found: Currency,
    },
    /// A scope listing no ticket type.
    #[error("Choose at least one ticket type the code applies to.")]
    EmptyScope,
    /// A ticket type the event does not have.
    #[error("This event has no ticket type with id {0}.")]
    UnknownTicketType(TicketTypeId),
    /// A bulk creation's prefix that cannot start a code (other characters than letters,
    /// digits and dashes, or too long to leave room for the random part).
    #[error("A prefix may contain only letters A to Z, digits and dashes, at most 21 characters.")]
    InvalidPrefix,
    /// A window that closes before it opens.
    #[error("A code's validity must end after it starts.")]
    WindowEndsBeforeItStarts,
}

impl VoucherError {
    /// A stable kebab-case slug per reason, used by the API as its problem type.
    /// Changing one breaks clients: add new slugs, never rename.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::EventNotFound => "event-not-found",
            Self::NotOrganiser => "not-event-organiser",
            Self::NothingToCreate => "no-codes-given",
            Self::TooManyAtOnce => "too-many-codes-at-once",
            Self::TooManyForEvent => "too-many-codes-for-event",
            Self::DuplicateCode(_) => "duplicate-voucher-code",
            Self::UnknownCode(_) => "voucher-not-found",
            Self::OffersNothing => "voucher-offers-nothing",
            Self::PercentOutOfRange => "discount-percent-out-of-range",
            Self::FixedNotPositive => "discount-not-positive",
            Self::CurrencyMismatch { .. } => "currency-mismatch",
            Self::EmptyScope => "voucher-scope-empty",
            Self::UnknownTicketType(_) => "unknown-ticket-type",
            Self::InvalidPrefix => "invalid-code-prefix",
            Self::WindowEndsBeforeItStarts => "voucher-window-ends-before-it-starts",
        }
    }
}
