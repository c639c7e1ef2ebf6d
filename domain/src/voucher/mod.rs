//! An event's vouchers and promo codes: the codes an organiser hands out, each with a
//! discount, the hidden ticket types it unlocks (a presale), a number of uses and a
//! validity window.
//!
//! The book is its own aggregate, one per event (its id is the event's), apart from the
//! event's catalogue: a bulk of 10,000 single-use codes would otherwise be replayed by
//! every reader of the catalogue. It holds the terms only. How many uses of a code are
//! held or paid is counted where tickets are held, so that a code limited to 100 uses is
//! decided with the holds that use it, in one append, and never used 101 times.

mod code;
mod commands;
mod error;
mod events;
mod terms;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use code::{VoucherCode, MAX_CODE_CHARS, MIN_CODE_CHARS};
pub use commands::{CatalogueFacts, VoucherCommand};
pub use error::VoucherError;
pub use events::{NewVoucher, VoucherEvent};
pub use terms::{
    Discount, UseCounting, UsesLimit, ValidityWindow, VoucherScope, VoucherTerms, VoucherUnusable,
};

use crate::aggregate::{aggregate, Decide};
use crate::ids::EventId;

/// Most codes created by one command (a bulk creation).
pub const MAX_VOUCHERS_PER_CREATION: usize = 10_000;
/// Most codes one event may have.
pub const MAX_VOUCHERS_PER_EVENT: usize = 100_000;

/// One voucher of the book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voucher {
    /// Its current terms.
    pub terms: VoucherTerms,
    /// Whether the organiser has it switched on.
    pub enabled: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl Voucher {
    /// Whether it can be used at `now`: switched on, inside its window.
    pub fn usable_at(&self, now: DateTime<Utc>) -> Result<(), VoucherUnusable> {
        if !self.enabled {
            return Err(VoucherUnusable::Disabled);
        }
        self.terms.check_window(now)
    }
}

/// The vouchers of one event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VoucherBook {
    event_id: Option<EventId>,
    vouchers: BTreeMap<VoucherCode, Voucher>,
}

aggregate!(VoucherBook);

/// The book of an event without codes, shared rather than built per decision.
static NO_VOUCHERS: VoucherBook = VoucherBook {
    event_id: None,
    vouchers: BTreeMap::new(),
};

impl VoucherBook {
    /// A book with no code in it.
    pub fn none() -> &'static VoucherBook {
        &NO_VOUCHERS
    }

    /// The voucher with `code`, if the event has it.
    pub fn voucher(&self, code: &VoucherCode) -> Option<&Voucher> {
        self.vouchers.get(code)
    }

    /// Every voucher, by code.
    pub fn vouchers(&self) -> impl Iterator<Item = (&VoucherCode, &Voucher)> {
        self.vouchers.iter()
    }

    /// How many codes the event has.
    pub fn len(&self) -> usize {
        self.vouchers.len()
    }

    /// Whether the event has no code.
    pub fn is_empty(&self) -> bool {
        self.vouchers.is_empty()
    }
}

impl Decide for VoucherBook {
    const TYPE: &'static str = "VoucherBook";
    type Command = VoucherCommand;
    type Event = VoucherEvent;
    type Error = VoucherError;

    fn decide(&self, command: VoucherCommand) -> Result<Vec<VoucherEvent>, VoucherError> {
        match command {
            VoucherCommand::CreateVouchers {
                catalogue,
                vouchers,
                now,
            } => {
                if vouchers.is_empty() {
                    return Err(VoucherError::NothingToCreate);
                }
                if vouchers.len() > MAX_VOUCHERS_PER_CREATION {
                    return Err(VoucherError::TooManyAtOnce);
                }
                if self.vouchers.len() + vouchers.len() > MAX_VOUCHERS_PER_EVENT {
                    return Err(VoucherError::TooManyForEvent);
                }
                let mut seen = BTreeSet::new();
                for voucher in &vouchers {
                    if self.vouchers.contains_key(&voucher.code) || !seen.insert(&voucher.code) {
                        return Err(VoucherError::DuplicateCode(voucher.code.clone()));
                    }
                    check_terms(&voucher.terms, &catalogue)?;
                }
                Ok(vec![VoucherEvent::VouchersCreated {
                    event_id: catalogue.event_id,
                    vouchers,
                    created_at: now,
                }])
            }
            VoucherCommand::ChangeVoucher {
                catalogue,
                code,
                terms,
                now,
            } => {
                let current = self
                    .vouchers
                    .get(&code)
                    .ok_or_else(|| VoucherError::UnknownCode(code.clone()))?;
                check_terms(&terms, &catalogue)?;
                if current.terms == terms {
                    return Ok(Vec::new());
                }
                Ok(vec![VoucherEvent::VoucherChanged {
                    event_id: catalogue.event_id,
                    code,
                    terms,
                    changed_at: now,
                }])
            }
            VoucherCommand::SwitchVoucher {
                event_id,
                code,
                enabled,
                now,
            } => {
                let current = self
                    .vouchers
                    .get(&code)
                    .ok_or_else(|| VoucherError::UnknownCode(code.clone()))?;
                if current.enabled == enabled {
                    return Ok(Vec::new());
                }
                Ok(vec![VoucherEvent::VoucherSwitched {
                    event_id,
                    code,
                    enabled,
                    switched_at: now,
                }])
            }
        }
    }

    fn evolve(&mut self, event: VoucherEvent) {
        match event {
            VoucherEvent::VouchersCreated {
                event_id,
                vouchers,
                created_at,
            } => {
                self.event_id = Some(event_id);
                for NewVoucher { code, terms } in vouchers {
                    self.vouchers.insert(
                        code,
                        Voucher {
                            terms,
                            enabled: true,
                            created_at,
                        },
                    );
                }
            }
            VoucherEvent::VoucherChanged { code, terms, .. } => {
                if let Some(voucher) = self.vouchers.get_mut(&code) {
                    voucher.terms = terms;
                }
            }
            VoucherEvent::VoucherSwitched { code, enabled, .. } => {
                if let Some(voucher) = self.vouchers.get_mut(&code) {
                    voucher.enabled = enabled;
                }
            }
        }
    }
}

/// The rules every voucher's terms follow, against the event's catalogue.
fn check_terms(terms: &VoucherTerms, catalogue: &CatalogueFacts) -> Result<(), VoucherError> {
    match terms.discount {
        Discount::None if terms.unlocks.is_empty() => return Err(VoucherError::OffersNothing),
        Discount::None => {}
        Discount::Percent(percent) if !(1..=100).contains(&percent) => {
            return Err(VoucherError::PercentOutOfRange)
        }
        Discount::Percent(_) => {}
        Discount::Fixed(amount) if amount.currency != catalogue.currency => {
            return Err(VoucherError::CurrencyMismatch {
                expected: catalogue.currency,
                found: amount.currency,
            })
        }
        Discount::Fixed(amount) if amount.amount_minor <= 0 => {
            return Err(VoucherError::FixedNotPositive)
        }
        Discount::Fixed(_) => {}
    }
    let scoped = match &terms.scope {
        VoucherScope::AllTicketTypes => None,
        VoucherScope::TicketTypes(types) if types.is_empty() => {
            return Err(VoucherError::EmptyScope)
        }
        VoucherScope::TicketTypes(types) => Some(types),
    };
    let named = scoped.into_iter().flatten().chain(&terms.unlocks);
    for ticket_type_id in named {
        if !catalogue.ticket_types.contains(ticket_type_id) {
            return Err(VoucherError::UnknownTicketType(*ticket_type_id));
        }
    }
    if let (Some(from), Some(until)) = (terms.window.from, terms.window.until) {
        if until <= from {
            return Err(VoucherError::WindowEndsBeforeItStarts);
        }
    }
    Ok(())
}
