//! The voucher routes' bodies: what an organiser sends, parsed into the domain's terms
//! with every bad field named, and what they get back.

use std::collections::BTreeSet;
use std::num::NonZeroU32;

use carneau_domain::ids::TicketTypeId;
use carneau_domain::money::{Currency, Money};
use carneau_domain::text::InvalidValue;
use carneau_domain::voucher::{
    Discount, UseCounting, UsesLimit, ValidityWindow, Voucher, VoucherCode, VoucherScope,
    VoucherTerms,
};
use carneau_projections::catalogue::MoneyView;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::problem::{ApiError, FieldErrors};

/// What a code takes off each ticket it applies to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum DiscountBody {
    /// No discount: the code only unlocks hidden ticket types.
    None,
    /// A share of the price, 1 to 100.
    Percent {
        /// Percent off, 1 to 100.
        #[schema(example = 20)]
        percent: u8,
    },
    /// A fixed amount off each ticket, in the event's currency; a ticket never costs
    /// less than nothing.
    Fixed {
        /// The amount off one ticket.
        amount: MoneyView,
    },
}

impl From<Discount> for DiscountBody {
    fn from(discount: Discount) -> Self {
        match discount {
            Discount::None => Self::None,
            Discount::Percent(percent) => Self::Percent { percent },
            Discount::Fixed(amount) => Self::Fixed {
                amount: amount.into(),
            },
        }
    }
}

/// What counts as one use of a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CountingBody {
    /// Each ticket in scope is a use.
    PerTicket,
    /// Each order with a ticket in scope is a use.
    PerOrder,
}

/// A code's terms.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoucherTermsBody {
    /// The discount.
    pub discount: DiscountBody,
    /// The ticket types the discount and uses apply to; left out or `null`: all of them.
    #[serde(default)]
    pub ticket_type_ids: Option<Vec<Uuid>>,
    /// Hidden ticket types the code shows and lets its holder buy (a presale).
    #[serde(default)]
    pub unlocks: Vec<Uuid>,
    /// How many uses it has, at least 1.
    #[schema(example = 100)]
    pub max_uses: u32,
    /// What one use is.
    pub counting: CountingBody,
    /// When it may first be used; left out: from now.
    #[serde(default)]
    pub valid_from: Option<DateTime<Utc>>,
    /// When it stops; left out: until the sale ends.
    #[serde(default)]
    pub valid_until: Option<DateTime<Utc>>,
}

impl VoucherTermsBody {
    /// The domain's terms, with the fields at fault recorded in `errors`.
    pub fn parse(self, errors: &mut FieldErrors) -> Option<VoucherTerms> {
        let discount = match self.discount {
            DiscountBody::None => Some(Discount::None),
            DiscountBody::Percent { percent } => Some(Discount::Percent(percent)),
            DiscountBody::Fixed { amount } => errors
                .check(
                    "discount.amount.currency",
                    Currency::parse(&amount.currency),
                )
                .map(|currency| Discount::Fixed(Money::new(amount.amount_minor, currency))),
        };
        let max_uses = errors.check(
            "max_uses",
            NonZeroU32::new(self.max_uses).ok_or_else(|| InvalidValue::new("must be at least 1")),
        );
        let ids = |ids: Vec<Uuid>| -> BTreeSet<TicketTypeId> {
            ids.into_iter().map(TicketTypeId::from_uuid).collect()
        };
        let scope = match self.ticket_type_ids {
            None => VoucherScope::AllTicketTypes,
            Some(types) => VoucherScope::TicketTypes(ids(types)),
        };
        Some(VoucherTerms {
            discount: discount?,
            scope,
            unlocks: ids(self.unlocks),
            limit: UsesLimit {
                max_uses: max_uses?,
                counting: match self.counting {
                    CountingBody::PerTicket => UseCounting::PerTicket,
                    CountingBody::PerOrder => UseCounting::PerOrder,
                },
            },
            window: ValidityWindow {
                from: self.valid_from,
                until: self.valid_until,
            },
        })
    }
}

/// One code to create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateVoucherRequest {
    /// What buyers type: 4 to 32 letters, digits and dashes, any case.
    #[schema(example = "EARLY-BIRD")]
    pub code: String,
    /// Its terms.
    pub terms: VoucherTermsBody,
}

impl CreateVoucherRequest {
    /// The code and its terms, or a 422 naming every bad field.
    pub fn parse(self) -> Result<(VoucherCode, VoucherTerms), ApiError> {
        let mut errors = FieldErrors::default();
        let code = errors.check("code", VoucherCode::parse(&self.code));
        let terms = self.terms.parse(&mut errors);
        errors.finish((|| Some((code?, terms?)))())
    }
}

/// Many single codes at once, drawn at random.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateVouchersInBulkRequest {
    /// Put before each code's random part, e.g. `VIP` for `VIP-7KX2M9QHPA`; may be empty.
    #[serde(default)]
    #[schema(example = "VIP")]
    pub prefix: String,
    /// How many codes, 1 to 10,000.
    #[schema(example = 500)]
    pub count: usize,
    /// The terms every code gets (typically one use each).
    pub terms: VoucherTermsBody,
}

/// Switches a code off or back on.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SwitchVoucherRequest {
    /// Whether buyers may use it from now on.
    pub enabled: bool,
}

/// A code as the organiser sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VoucherView {
    /// The code, uppercase.
    #[schema(example = "EARLY-BIRD")]
    pub code: String,
    /// Its discount.
    pub discount: DiscountBody,
    /// The ticket types it applies to; `null`: all of them.
    pub ticket_type_ids: Option<Vec<Uuid>>,
    /// The hidden ticket types it unlocks.
    pub unlocks: Vec<Uuid>,
    /// How many uses it has.
    pub max_uses: u32,
    /// What one use is.
    pub counting: CountingBody,
    /// When it may first be used; `null`: from its creation.
    pub valid_from: Option<DateTime<Utc>>,
    /// When it stops; `null`: when the sale ends.
    pub valid_until: Option<DateTime<Utc>>,
    /// Whether it is switched on.
    pub enabled: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl VoucherView {
    /// `voucher` with code `code`, as answered.
    pub fn new(code: &VoucherCode, voucher: &Voucher) -> Self {
        let terms = &voucher.terms;
        let uuids = |types: &BTreeSet<TicketTypeId>| types.iter().map(|id| id.as_uuid()).collect();
        Self {
            code: code.as_str().to_owned(),
            discount: DiscountBody::from(terms.discount),
            ticket_type_ids: match &terms.scope {
                VoucherScope::AllTicketTypes => None,
                VoucherScope::TicketTypes(types) => Some(uuids(types)),
            },
            unlocks: uuids(&terms.unlocks),
            max_uses: terms.limit.max_uses.get(),
            counting: match terms.limit.counting {
                UseCounting::PerTicket => CountingBody::PerTicket,
                UseCounting::PerOrder => CountingBody::PerOrder,
            },
            valid_from: terms.window.from,
            valid_until: terms.window.until,
            enabled: voucher.enabled,
            created_at: voucher.created_at,
        }
    }
}

/// An event's codes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VoucherList {
    /// Every code, in alphabetical order.
    pub vouchers: Vec<VoucherView>,
}

/// The codes a bulk creation drew.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedInBulk {
    /// The new codes, in the order drawn.
    pub codes: Vec<String>,
}
