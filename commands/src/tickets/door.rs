//! Check-in at the door: the first scan of a ticket is recorded in the log, every later
//! one is refused with when and by whom it was first scanned.

use carneau_domain::admission::{Admission, AdmissionCommand, AdmissionError, CheckIn};
use carneau_domain::{EventId, TicketId};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tracing::{info, instrument};

use crate::aggregate_store::{AggregateStore, CommandError};
use crate::catalogue::CommandContext;

/// How often a check-in is retried after losing a race on the same ticket; the retry
/// sees the winner's check-in and refuses, so one retry is enough in practice.
const CHECK_IN_ATTEMPTS: usize = 3;

/// Records admissions in the event store.
pub struct Door {
    admissions: AggregateStore<Admission>,
}

impl Door {
    /// The door over the event store in `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self {
            admissions: AggregateStore::new(pool, ()),
        }
    }

    /// Checks in a ticket whose code was verified and found unrevoked.
    ///
    /// Two doors scanning the same ticket at once race on its admission's version: one
    /// appends, the other reloads and gets [`AdmissionError::AlreadyCheckedIn`].
    #[instrument(skip_all, fields(ticket_id = %ticket_id, event_id = %event_id))]
    pub async fn check_in(
        &self,
        ticket_id: TicketId,
        event_id: EventId,
        at: DateTime<Utc>,
        context: &CommandContext,
    ) -> Result<CheckIn, CommandError<AdmissionError>> {
        let command = AdmissionCommand::CheckIn {
            ticket_id,
            event_id,
            at,
            by: context.actor.recorded(),
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self
                .admissions
                .execute(
                    &ticket_id.to_aggregate_id(),
                    command.clone(),
                    None,
                    context.metadata(),
                )
                .await
            {
                Ok(executed) => {
                    let check_in = executed.state.check_in().cloned().ok_or_else(|| {
                        CommandError::Store("check-in recorded but not applied".to_owned())
                    })?;
                    info!(by = %check_in.checked_in_by, "ticket checked in");
                    return Ok(check_in);
                }
                Err(CommandError::Conflict) if attempt < CHECK_IN_ATTEMPTS => continue,
                Err(error) => {
                    if let CommandError::Rejected(AdmissionError::AlreadyCheckedIn { .. }) = &error
                    {
                        info!("second scan of a checked-in ticket refused");
                    }
                    return Err(error);
                }
            }
        }
    }
}
