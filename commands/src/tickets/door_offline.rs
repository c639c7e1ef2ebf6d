//! Scans a device made offline, recorded when it syncs: each becomes the ticket's
//! admission or a duplicate entry (the rules are the `Admission` aggregate's), and the
//! same scan sent twice records nothing twice.
//!
//! A batch reads what it needs once: the admissions of its tickets, the orders that
//! issued them and those orders' histories (three statements), then appends each scan's
//! fact on the admission as read (one statement per recorded scan). Only a scan whose
//! ticket another door changed meanwhile is retried on its own, reading again.

use std::collections::{HashMap, HashSet};

use carneau_domain::admission::{
    Admission, AdmissionCommand, AdmissionError, CheckIn, DeviceId, ScanRecord,
};
use carneau_domain::order::Order;
use carneau_domain::{EventId, OrderId, TicketId};
use chrono::{DateTime, Utc};
use tracing::{info, instrument, warn};

use super::door::{Door, Standing};
use super::issued::issuing_orders;
use crate::aggregate_store::{CommandError, Executed};
use crate::context::CommandContext;
use crate::event_store::StoreError;

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

/// The result of recording one offline scan.
pub type OfflineScanResult = Result<OfflineScanOutcome, CommandError<AdmissionError>>;

impl Door {
    /// Records the scans of one batch from `event_id`'s door, received at `received_at`,
    /// answering each at its index. Reads the batch's admissions, issuing orders and
    /// orders once; a scan that loses a race on its ticket is retried alone
    /// ([`record_offline_scan`](Self::record_offline_scan)). A store failure while
    /// reading the batch fails it whole.
    #[instrument(skip_all, fields(event_id = %event_id, scans = scans.len()))]
    pub async fn record_offline_scans(
        &self,
        event_id: EventId,
        scans: &[OfflineScanOfTicket],
        received_at: DateTime<Utc>,
        context: &CommandContext,
    ) -> Result<Vec<OfflineScanResult>, StoreError> {
        let mut batch = self.read_batch(scans).await?;
        let mut results = Vec::with_capacity(scans.len());
        for scan in scans {
            let aggregate_id = scan.ticket_id.to_aggregate_id();
            let standing = batch
                .standings
                .get(&scan.ticket_id)
                .copied()
                .unwrap_or(Standing::NOT_ISSUED);
            // A ticket whose admission moved under us is read again, scan by scan.
            let Some(loaded) = batch.admissions.remove(&aggregate_id) else {
                results.push(
                    self.record_offline_scan(event_id, scan, received_at, context)
                        .await,
                );
                continue;
            };
            if let Some(record) = loaded.state.offline_scan(&scan.device_id, scan.scanned_at) {
                results.push(Ok(OfflineScanOutcome::AlreadyRecorded {
                    record,
                    admission: loaded.state.check_in().cloned(),
                }));
                batch.admissions.insert(aggregate_id, loaded);
                continue;
            }
            let command = offline_command(event_id, scan, received_at, context, standing);
            match self
                .admissions
                .execute_on(&aggregate_id, loaded.clone(), command, &context.metadata)
                .await
            {
                Ok(executed) => {
                    results.push(Ok(recorded(&executed.state, scan)));
                    batch.admissions.insert(aggregate_id, executed);
                }
                Err(CommandError::Conflict) => results.push(
                    self.record_offline_scan(event_id, scan, received_at, context)
                        .await,
                ),
                Err(error) => {
                    refused(&error);
                    batch.admissions.insert(aggregate_id, loaded);
                    results.push(Err(error));
                }
            }
        }
        Ok(results)
    }

    /// The admissions of the batch's tickets, and each ticket's standing in the order
    /// that issued it: three reads whatever the batch's size.
    async fn read_batch(&self, scans: &[OfflineScanOfTicket]) -> Result<Batch, StoreError> {
        let tickets: Vec<TicketId> = scans
            .iter()
            .map(|scan| scan.ticket_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let admission_ids: Vec<String> = tickets.iter().map(TicketId::to_aggregate_id).collect();
        let admissions = self.admissions.load_many(&admission_ids).await?;
        let issued_by = issuing_orders(&self.pool, &tickets).await?;
        let order_ids: Vec<String> = issued_by
            .values()
            .collect::<HashSet<&OrderId>>()
            .into_iter()
            .map(OrderId::to_aggregate_id)
            .collect();
        let orders: HashMap<String, Executed<Order>> = self.orders.load_many(&order_ids).await?;
        let standings = issued_by
            .iter()
            .filter_map(|(ticket, order)| {
                let order = orders.get(&order.to_aggregate_id())?;
                Some((*ticket, Standing::in_order(*ticket, &order.state)))
            })
            .collect();
        Ok(Batch {
            admissions,
            standings,
        })
    }

    /// Records one scan of `event_id`'s door made offline, received at `received_at`.
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
    ) -> OfflineScanResult {
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
            let command = offline_command(event_id, scan, received_at, context, standing);
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
                Ok(executed) => return Ok(recorded(&executed.state, scan)),
                Err(CommandError::Conflict) if attempt < OFFLINE_SCAN_ATTEMPTS => continue,
                Err(error) => {
                    refused(&error);
                    return Err(error);
                }
            }
        }
    }
}

/// What one batch read.
struct Batch {
    /// By admission aggregate id; a ticket never admitted is at version 0.
    admissions: HashMap<String, Executed<Admission>>,
    /// By ticket; a ticket absent here was issued by no order.
    standings: HashMap<TicketId, Standing>,
}

fn offline_command(
    event_id: EventId,
    scan: &OfflineScanOfTicket,
    received_at: DateTime<Utc>,
    context: &CommandContext,
    standing: Standing,
) -> AdmissionCommand {
    AdmissionCommand::RecordOfflineScan {
        ticket_id: scan.ticket_id,
        event_id,
        device_id: scan.device_id.clone(),
        scanned_at: scan.scanned_at,
        received_at,
        by: context.actor().clone(),
        standing: standing.standing,
        issued_at: standing.issued_at,
    }
}

/// What the admission recorded for `scan`, as it stands after the command.
fn recorded(state: &Admission, scan: &OfflineScanOfTicket) -> OfflineScanOutcome {
    let admission = state.check_in().cloned();
    match (
        state.offline_scan(&scan.device_id, scan.scanned_at),
        admission,
    ) {
        (Some(ScanRecord::Admission), Some(admission)) => {
            info!(ticket_id = %scan.ticket_id, device = %scan.device_id, "ticket admitted from an offline scan");
            OfflineScanOutcome::Admitted(admission)
        }
        (Some(ScanRecord::DuplicateEntry), Some(admission)) => {
            warn!(ticket_id = %scan.ticket_id, device = %scan.device_id, "duplicate entry recorded from an offline scan");
            OfflineScanOutcome::DuplicateEntry { admission }
        }
        // The aggregate records every scan it accepts; reaching here means it recorded
        // nothing, which is what a resent scan gets.
        (_, admission) => OfflineScanOutcome::AlreadyRecorded {
            record: ScanRecord::Admission,
            admission,
        },
    }
}

fn refused(error: &CommandError<AdmissionError>) {
    if let CommandError::Rejected(reason) = error {
        info!(%reason, "offline scan refused");
    }
}
