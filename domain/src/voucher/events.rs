//! What the voucher book of an event records.

use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::code::VoucherCode;
use super::terms::VoucherTerms;
use crate::ids::EventId;

/// One voucher as created: its code and its terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewVoucher {
    /// What buyers type.
    pub code: VoucherCode,
    /// What it gives, to which tickets, how often and when.
    pub terms: VoucherTerms,
}

/// A fact about an event's vouchers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum VoucherEvent {
    /// Codes were created, one or many at once (a bulk of single-use codes is one fact).
    VouchersCreated {
        /// The event they sell.
        event_id: EventId,
        /// The new codes, each with its terms.
        vouchers: Vec<NewVoucher>,
        /// When.
        created_at: DateTime<Utc>,
    },
    /// A voucher's terms were changed; uses already held or paid stay counted.
    VoucherChanged {
        /// The event.
        event_id: EventId,
        /// Which voucher.
        code: VoucherCode,
        /// Its terms from now on.
        terms: VoucherTerms,
        /// When.
        changed_at: DateTime<Utc>,
    },
    /// A voucher was switched off (`enabled: false`) or back on.
    VoucherSwitched {
        /// The event.
        event_id: EventId,
        /// Which voucher.
        code: VoucherCode,
        /// Whether it can be used from now on.
        enabled: bool,
        /// When.
        switched_at: DateTime<Utc>,
    },
}

impl DomainEvent for VoucherEvent {
    fn event_type(&self) -> String {
        match self {
            Self::VouchersCreated { .. } => "VouchersCreated",
            Self::VoucherChanged { .. } => "VoucherChanged",
            Self::VoucherSwitched { .. } => "VoucherSwitched",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
