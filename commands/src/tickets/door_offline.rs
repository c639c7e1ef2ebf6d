//! Scans a device made offline, recorded when it syncs: each becomes the ticket's
//! admission or a duplicate entry (the rules are the `Admission` aggregate's), and the
//! same scan sent twice records nothing twice.

use carneau_domain::admission::{AdmissionCommand, AdmissionError, CheckIn, DeviceId, ScanRecord};
use carneau_domain::{EventId, TicketId};
use chrono::{DateTime, Utc};
use tracing::{info, instrument, warn};

use super::door::Door;
use crate::aggregate_store::CommandError;
use crate::context::CommandContext;

/// How often an offline scan is retried after losing a race on the same ticket.
const OFFLINE_SCAN_ATTEMPTS: usize = 3;

/// One offline scan, as the device sent it and the code check found it.
#[derive(Debug, Clone)]
pub struct OfflineScanOfTicket {
    /// The ticket whose genuine code was scanned.
    pub ticket_id: TicketId,
    /// The device that scanned it.
    pub device_id: DeviceId,
    /// When the device scanned it.
    pub scanned_at: DateTime<Utc>,
}

/// What recording an offline scan did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfflineScanOutcome {
    /// It is the ticket's admission.
    Admitted(CheckIn),
    /// The ticket had an admission already: this scan is recorded as a duplicate entry.
    DuplicateEntry {
        /// The admission of record.
        admission: CheckIn,
    },
    /// This very scan was recorded before, as `record`; nothing was recorded now.
    AlreadyRecorded {
        /// What it became then.
        record: ScanRecord,
        /// The admission of record.
        admission: Option<CheckIn>,
    },
}

impl Door {
    /// Records a scan of `event_id`'s door made offline, received at `received_at`.
    ///
    /// Loads the admission first so a scan sent again is answered without reading its
    /// order; then decides on that very version (`expected_version`), so a scan of the
    /// same ticket synced meanwhile by another device makes this one retry and see it.
    #[instrument(skip_all, fields(ticket_id = %scan.ticket_id, event_id = %event_id, device = %scan.device_id))]
    pub async fn record_offline_scan(
        &self,
        event_id: EventId,
        scan: &OfflineScanOfTicket,
        received_at: DateTime<Utc>,
        context: &CommandContext,
    ) -> Result<OfflineScanOutcome, CommandError<AdmissionError>> {
        let aggregate_id = scan.ticket_id.to_aggregate_id();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let loaded = self.admissions.load(&aggregate_id).await?;
            if let Some(record) = loaded.state.offline_scan(&scan.device_id, scan.scanned_at) {
                return Ok(OfflineScanOutcome::AlreadyRecorded {
                    record,
                    admission: loaded.state.check_in().cloned(),
                });
            }
            let standing = self.standing(scan.ticket_id).await?;
            let command = AdmissionCommand::RecordOfflineScan {
                ticket_id: scan.ticket_id,
                event_id,
                device_id: scan.device_id.clone(),
                scanned_at: scan.scanned_at,
                received_at,
                by: context.actor().clone(),
                standing: standing.standing,
                issued_at: standing.issued_at,
            };
            match self
                .admissions
                .execute(
                    &aggregate_id,
                    command,
                    Some(loaded.version),
                    &context.metadata,
                )
                .await
            {
                Ok(executed) => {
                    let state = executed.state;
                    let admission = state.check_in().cloned();
                    return Ok(
                        match (
                            state.offline_scan(&scan.device_id, scan.scanned_at),
                            admission,
                        ) {
                            (Some(ScanRecord::Admission), Some(admission)) => {
                                info!("ticket admitted from an offline scan");
                                OfflineScanOutcome::Admitted(admission)
                            }
                            (Some(ScanRecord::DuplicateEntry), Some(admission)) => {
                                warn!("duplicate entry recorded from an offline scan");
                                OfflineScanOutcome::DuplicateEntry { admission }
                            }
                            // The aggregate records every scan it accepts; reaching here means
                            // it recorded nothing, which is what a resent scan gets.
                            (_, admission) => OfflineScanOutcome::AlreadyRecorded {
                                record: ScanRecord::Admission,
                                admission,
                            },
                        },
                    );
                }
                Err(CommandError::Conflict) if attempt < OFFLINE_SCAN_ATTEMPTS => continue,
                Err(error) => {
                    if let CommandError::Rejected(reason) = &error {
                        info!(%reason, "offline scan refused");
                    }
                    return Err(error);
                }
            }
        }
    }
}
