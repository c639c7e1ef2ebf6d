//! Why an event's voucher book refuses a command, in words an organiser can act on.

use crate::ids::TicketTypeId;
use crate::money::Currency;

use super::code::VoucherCode;
use super::MAX_VOUCHERS_PER_CREATION;
use super::MAX_VOUCHERS_PER_EVENT;

/// A rule of vouchers that a command would break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoucherError {
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
    /// A window that closes before it opens.
    #[error("A code's validity must end after it starts.")]
    WindowEndsBeforeItStarts,
}
