//! Asking the guard to admit a hold request before the desk decides it, and what its
//! answer means for the request.

use carneau_domain::ids::EventId;
use carneau_domain::inventory::{uses_of, CodeUse, HoldRefusal, HoldRequest};
use chrono::Utc;

use super::facts::{guard_expiry_ms, guard_lines};
use super::GuardKeeper;
use crate::metrics::GuardRebuildTrigger;
use crate::reservations::desk::Desks;
use crate::reservations::guard::{Admission, GuardCode, GuardError};

/// How many times a request asks the guard, rebuilding it between asks, before the log
/// decides alone.
const GUARD_ASKS: usize = 4;

/// What the guard's answer means for a hold request.
pub enum GuardVerdict {
    /// This request's hold is now counted by the guard: it must be undone if the log
    /// refuses the request.
    Admitted,
    /// As `Admitted`, but without the request's promo code: its uses did not fit and the
    /// request asked to be held without it. The log must be asked without the code, so
    /// that it counts the hold as the guard does.
    AdmittedWithoutCode,
    /// The guard already counts a hold under this reservation id, placed by an earlier
    /// request (a retry, or the same id with other tickets). That hold is not this
    /// request's to undo: undoing it when the log refuses a reused id would drop the
    /// guard's copy of a hold the log still has.
    AlreadyAdmitted,
    /// Refused without asking the log, for this reason.
    Refused(HoldRefusal),
    /// Refused without asking the guard either: it said a moment ago that a ticket type
    /// of the request has none left (`sold_out`), and this is the reason.
    RefusedFromMemory(HoldRefusal),
    /// The guard was not asked, or could not be (in doubt, not rebuilt): the log decides
    /// alone.
    Bypassed,
    /// The guard's answer was lost (Redis failed, or answered after the call gave up): the
    /// log decides alone, and since Redis may have counted the hold all the same, it is
    /// given back unless the log holds it. Read as `Bypassed`, an admission that ran
    /// before its answer timed out stayed counted until the hold lapsed, and turned buyers
    /// away from tickets the log had.
    Unanswered,
}

impl GuardKeeper {
    /// Asks the guard; loads it from the log first if Redis lost it.
    pub async fn admit(
        &self,
        desks: &Desks,
        event_id: EventId,
        request: &HoldRequest,
    ) -> GuardVerdict {
        if self.in_doubt(event_id).await {
            return GuardVerdict::Bypassed;
        }
        // A code's request asks the guard: the code may be refused first, for its own reason.
        if request.code.is_none() {
            if let Some(ticket_type_id) = self.sold_out.sold_out(event_id, &request.lines) {
                let remembered = Ok(Admission::SoldOut {
                    ticket_type_id,
                    available: 0,
                });
                if let Some(GuardVerdict::Refused(refusal)) =
                    self.verdict(desks, event_id, request, &remembered).await
                {
                    return GuardVerdict::RefusedFromMemory(refusal);
                }
            }
        }
        let code = match self.code_terms(desks, event_id, request).await {
            Ok(code) => code,
            Err(verdict) => return verdict,
        };
        let lines = guard_lines(&request.lines);
        let expires_at_ms = guard_expiry_ms(request.expires_at);
        let ask = || {
            self.guard.admit(
                event_id,
                request.reservation_id,
                &lines,
                code.as_ref(),
                expires_at_ms,
                Utc::now().timestamp_millis(),
            )
        };
        let mut admission = ask().await;
        if let Ok(Admission::SoldOut {
            ticket_type_id,
            available: 0,
        }) = &admission
        {
            self.sold_out.remember(event_id, *ticket_type_id);
        }
        for _ in 0..GUARD_ASKS - 1 {
            if let Some(verdict) = self.verdict(desks, event_id, request, &admission).await {
                return verdict;
            }
            match admission {
                Ok(Admission::UnknownTicketType { ticket_type_id }) => {
                    // Either no such ticket type (refused without touching the guard, so
                    // bad requests cannot make us rebuild it) or one added since the guard
                    // was loaded: reloading drops in-flight guard holds, which only lets the
                    // log turn away a few more requests itself.
                    let known = desks
                        .stores()
                        .catalogue(event_id)
                        .await
                        .map(|event| event.ticket_type(ticket_type_id).is_some());
                    match known {
                        Ok(false) => {
                            return GuardVerdict::Refused(HoldRefusal::UnknownTicketType(
                                ticket_type_id,
                            ))
                        }
                        Ok(true) => {}
                        Err(_) => return GuardVerdict::Bypassed,
                    }
                    if let Err(error) = self
                        .load(desks, event_id, GuardRebuildTrigger::Replaced)
                        .await
                    {
                        tracing::warn!(%error, "could not reload the reservation guard");
                        return GuardVerdict::Bypassed;
                    }
                    admission = ask().await;
                }
                // `NotLoaded`, the other answer `verdict` leaves to retry.
                _ => {
                    // A rush finds the guard missing all at once. One request per event
                    // rebuilds it while the others wait, then asks again: a rebuild each
                    // queued hundreds of log reads behind the desk (requests timed out,
                    // the pool ran dry) and sent the unlucky ones past the guard, which
                    // then undercounted and let the log refuse what it admitted.
                    let _rebuilding = self.rebuilds.lock(event_id).await;
                    admission = ask().await;
                    if matches!(admission, Ok(Admission::NotLoaded)) {
                        if let Err(error) = self
                            .load(desks, event_id, GuardRebuildTrigger::Missing)
                            .await
                        {
                            tracing::warn!(%error, "could not rebuild the reservation guard");
                            return GuardVerdict::Bypassed;
                        }
                        admission = ask().await;
                    }
                }
            }
        }
        // The last answer is read like the others: an admission that came with it counts
        // this request's hold in the guard, which only the verdict `Admitted` has undone
        // if the log refuses it. Read as `Bypassed`, it stayed counted for good.
        self.verdict(desks, event_id, request, &admission)
            .await
            .unwrap_or(GuardVerdict::Bypassed)
    }

    /// What the guard's `admission` means for `request`; `None` when it did not answer
    /// (its guard missing, or a ticket type it does not know), for `admit` to retry.
    async fn verdict(
        &self,
        desks: &Desks,
        event_id: EventId,
        request: &HoldRequest,
        admission: &Result<Admission, GuardError>,
    ) -> Option<GuardVerdict> {
        let verdict = match admission {
            Ok(Admission::Admitted) => GuardVerdict::Admitted,
            Ok(Admission::AdmittedWithoutCode) => GuardVerdict::AdmittedWithoutCode,
            Ok(Admission::AlreadyAdmitted) => GuardVerdict::AlreadyAdmitted,
            Ok(Admission::CodeUsedUp { .. }) => GuardVerdict::Refused(HoldRefusal::CodeUsedUp),
            Ok(Admission::SoldOut {
                ticket_type_id,
                available,
            }) => {
                let refusal = self
                    .reasons
                    .besides_stock(desks.stores(), event_id, request)
                    .await
                    .unwrap_or(HoldRefusal::SoldOut {
                        ticket_type_id: *ticket_type_id,
                        available: *available,
                    });
                GuardVerdict::Refused(refusal)
            }
            Ok(Admission::UnknownTicketType { .. } | Admission::NotLoaded) => return None,
            Err(error) => {
                tracing::warn!(%error, "reservation guard unanswered; deciding from the log alone");
                GuardVerdict::Unanswered
            }
        };
        Some(verdict)
    }

    /// The uses of the request's promo code its hold takes, with the code's limit and the
    /// buyer's choice if it is used up, from the event's codes read at most a second ago;
    /// `Err` is the verdict without asking the guard: refused when the code cannot be
    /// used now, bypassed when the book cannot tell (a code created a moment ago, or no
    /// book to read), for the desk to decide.
    async fn code_terms(
        &self,
        desks: &Desks,
        event_id: EventId,
        request: &HoldRequest,
    ) -> Result<Option<GuardCode>, GuardVerdict> {
        let Some(code) = &request.code else {
            return Ok(None);
        };
        let book = self
            .books
            .get(event_id, || desks.stores().book(event_id))
            .await
            .map_err(|_| GuardVerdict::Bypassed)?;
        let voucher = book.voucher(code).ok_or(GuardVerdict::Bypassed)?;
        voucher
            .usable_at(Utc::now())
            .map_err(|reason| GuardVerdict::Refused(HoldRefusal::CodeUnusable(reason)))?;
        let uses = uses_of(&voucher.terms, &request.lines);
        if uses == 0 {
            return Err(GuardVerdict::Refused(HoldRefusal::CodeNotApplicable));
        }
        Ok(Some(GuardCode {
            code_use: CodeUse {
                code: code.clone(),
                uses,
            },
            max_uses: voucher.terms.limit.max_uses.get(),
            if_used_up: request.if_code_used_up,
        }))
    }
}
