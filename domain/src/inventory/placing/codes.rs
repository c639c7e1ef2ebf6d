//! What a hold request takes of its promo code, within a batch: the code's uses when
//! it has enough left, or nothing when it is used up and the buyer asked to be held
//! without it.

use super::HoldBatch;
use crate::inventory::{uses_of, CodeUse, HoldRefusal, HoldRequest, IfCodeUsedUp};
use crate::voucher::{VoucherBook, VoucherCode};

/// What a request that passed every rule takes of its promo code.
pub(super) enum CodeTaken {
    /// It has no code.
    NoCode,
    /// These uses of its code.
    Uses(CodeUse),
    /// Nothing: its code has no use left and it asked to be held without it.
    UsedUp,
}

impl CodeTaken {
    /// The uses the hold records.
    pub(super) fn into_use(self) -> Option<CodeUse> {
        match self {
            Self::Uses(code_use) => Some(code_use),
            Self::NoCode | Self::UsedUp => None,
        }
    }
}

impl HoldBatch<'_> {
    /// What the request takes of its code, falling back to no code when it is used up
    /// and the request asks to ([`IfCodeUsedUp::HoldWithoutCode`]); or why it cannot be
    /// held at all.
    pub(super) fn code_taken(
        &self,
        vouchers: &VoucherBook,
        request: &HoldRequest,
    ) -> Result<CodeTaken, HoldRefusal> {
        match self.check_code(vouchers, request) {
            Ok(Some(code_use)) => Ok(CodeTaken::Uses(code_use)),
            Ok(None) => Ok(CodeTaken::NoCode),
            Err(HoldRefusal::CodeUsedUp)
                if request.if_code_used_up == IfCodeUsedUp::HoldWithoutCode =>
            {
                Ok(CodeTaken::UsedUp)
            }
            Err(refusal) => Err(refusal),
        }
    }

    /// The uses of the request's code the hold would take, or why the code cannot be used:
    /// unknown to the event, switched off or outside its window, applying to none of the
    /// tickets asked for, or used as many times as it may be, counting this batch.
    fn check_code(
        &self,
        vouchers: &VoucherBook,
        request: &HoldRequest,
    ) -> Result<Option<CodeUse>, HoldRefusal> {
        let Some(code) = &request.code else {
            return Ok(None);
        };
        let voucher = vouchers.voucher(code).ok_or(HoldRefusal::CodeUnknown)?;
        voucher
            .usable_at(self.now)
            .map_err(HoldRefusal::CodeUnusable)?;
        let uses = uses_of(&voucher.terms, &request.lines);
        if uses == 0 {
            return Err(HoldRefusal::CodeNotApplicable);
        }
        let taken = self.code_uses(code);
        if taken.saturating_add(uses) > voucher.terms.limit.max_uses.get() {
            return Err(HoldRefusal::CodeUsedUp);
        }
        Ok(Some(CodeUse {
            code: code.clone(),
            uses,
        }))
    }

    /// Uses of `code` taken at `now`, counting this batch's accepted requests; as for
    /// tickets, the lapsed holds' share is the one computed when the batch started.
    fn code_uses(&self, code: &VoucherCode) -> u32 {
        let Some(count) = self.inventory.code_uses.get(code) else {
            return self.accepted_code_uses.get(code).copied().unwrap_or(0);
        };
        let lapsed = self.lapsed_code_uses.get(code).copied().unwrap_or(0);
        let accepted = self.accepted_code_uses.get(code).copied().unwrap_or(0);
        count
            .spent
            .saturating_add(count.held_in_active_holds.saturating_sub(lapsed))
            .saturating_add(accepted)
    }
}
