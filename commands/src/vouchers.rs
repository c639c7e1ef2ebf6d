//! Organisers' commands on an event's voucher book: codes created one at a time or in
//! bulk, changed, switched off and on. Each runs on the book as the log has it, after the
//! event's catalogue says who may manage it and which ticket types and currency it has.

use carneau_domain::event::Event;
use carneau_domain::ids::EventId;
use carneau_domain::voucher::{
    CatalogueFacts, NewVoucher, VoucherBook, VoucherCode, VoucherCommand, VoucherError,
    VoucherEvent, VoucherTerms,
};
use chrono::Utc;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::PgPool;
use tracing::instrument;

use crate::aggregate_store::{AggregateStore, CommandError, Executed};
use crate::context::CommandContext;
use crate::idempotency::IdempotencyKey;
use crate::policy::may_command_event;

/// The characters of generated codes: no 0/O, 1/I/L, which people misread on paper.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Random characters in a generated code: 31^10 (about 8·10^14) codes per prefix, so
/// guessing one of 10,000 takes about 10^11 tries.
const GENERATED_CHARS: usize = 10;

/// What a command on the book came to.
pub type VoucherResult = Result<Executed<VoucherBook>, CommandError<VoucherError>>;

/// The voucher books of every event.
pub struct Vouchers {
    books: AggregateStore<VoucherBook>,
    events: AggregateStore<Event>,
}

impl Vouchers {
    /// Voucher books over the event store in `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self {
            books: AggregateStore::new(pool.clone(), ()),
            events: AggregateStore::new(pool, ()),
        }
    }

    /// The event's book as the log has it, for a caller who may manage the event.
    pub async fn book(
        &self,
        event_id: EventId,
        context: &CommandContext,
    ) -> Result<Executed<VoucherBook>, CommandError<VoucherError>> {
        self.catalogue(event_id, context).await?;
        Ok(self.books.load(&event_id.to_aggregate_id()).await?)
    }

    /// The event's book as the log has it, for a buyer asking what a code gives: no
    /// organiser check, so the caller answers only about the one code it was given and
    /// that the event's public catalogue shows (never a draft).
    pub async fn book_for_buyers(
        &self,
        event_id: EventId,
    ) -> Result<Executed<VoucherBook>, CommandError<VoucherError>> {
        Ok(self.books.load(&event_id.to_aggregate_id()).await?)
    }

    /// Creates the codes `vouchers`, all or none. With an idempotency key, a retry of the
    /// same request finds its codes created and answers `false` (nothing new).
    #[instrument(skip_all, fields(event_id = %event_id, codes = vouchers.len()))]
    pub async fn create(
        &self,
        event_id: EventId,
        key: Option<&IdempotencyKey>,
        vouchers: Vec<NewVoucher>,
        context: &CommandContext,
    ) -> Result<(Executed<VoucherBook>, bool), CommandError<VoucherError>> {
        let catalogue = self.catalogue(event_id, context).await?;
        let command = VoucherCommand::CreateVouchers {
            catalogue,
            vouchers: vouchers.clone(),
            now: Utc::now(),
        };
        let aggregate_id = event_id.to_aggregate_id();
        match self
            .books
            .execute(&aggregate_id, command, None, &context.metadata)
            .await
        {
            Ok(created) => Ok((created, true)),
            // A retry (its codes exist) or a race, maybe with the same retry: the history
            // says whether these very codes were created by one fact.
            Err(
                error @ (CommandError::Rejected(VoucherError::DuplicateCode(_))
                | CommandError::Conflict),
            ) if key.is_some() => {
                let retried = self
                    .books
                    .recognise_retry(&aggregate_id, |event| {
                        matches!(event, VoucherEvent::VouchersCreated { vouchers: created, .. }
                            if *created == vouchers)
                    })
                    .await?;
                if let Some(existing) = retried {
                    return Ok((existing, false));
                }
                // The codes are the organiser's, not drawn from the key: another request
                // taking one of them is that request's refusal.
                Err(error)
            }
            Err(error) => Err(error),
        }
    }

    /// Creates `count` codes `PREFIX-XXXXXXXXXX` with the same `terms` (typically one use
    /// each). With an idempotency key the codes are drawn from it, so a retry draws the
    /// same codes and creates nothing twice; without one they are random. Answers the
    /// codes with the book.
    #[instrument(skip_all, fields(event_id = %event_id, count = count))]
    pub async fn create_bulk(
        &self,
        event_id: EventId,
        key: Option<&IdempotencyKey>,
        prefix: &str,
        count: usize,
        terms: VoucherTerms,
        context: &CommandContext,
    ) -> Result<(Executed<VoucherBook>, Vec<VoucherCode>, bool), CommandError<VoucherError>> {
        let mut rng = match key {
            Some(key) => {
                let seed = key.derive_id(&format!("voucher-bulk:{event_id}"));
                StdRng::from_seed(seed_of(seed.as_u128()))
            }
            None => StdRng::from_entropy(),
        };
        let codes = generate_codes(&mut rng, prefix, count)?;
        let vouchers = codes
            .iter()
            .map(|code| NewVoucher {
                code: code.clone(),
                terms: terms.clone(),
            })
            .collect();
        let (book, created) = self.create(event_id, key, vouchers, context).await?;
        Ok((book, codes, created))
    }

    /// Replaces a code's terms; the same terms again record nothing.
    #[instrument(skip_all, fields(event_id = %event_id, code = %code))]
    pub async fn change(
        &self,
        event_id: EventId,
        code: VoucherCode,
        terms: VoucherTerms,
        context: &CommandContext,
    ) -> VoucherResult {
        let catalogue = self.catalogue(event_id, context).await?;
        let command = VoucherCommand::ChangeVoucher {
            catalogue,
            code,
            terms,
            now: Utc::now(),
        };
        self.books
            .execute(
                &event_id.to_aggregate_id(),
                command,
                None,
                &context.metadata,
            )
            .await
    }

    /// Switches a code off or back on; switching it to what it is records nothing.
    #[instrument(skip_all, fields(event_id = %event_id, code = %code, enabled = enabled))]
    pub async fn switch(
        &self,
        event_id: EventId,
        code: VoucherCode,
        enabled: bool,
        context: &CommandContext,
    ) -> VoucherResult {
        self.catalogue(event_id, context).await?;
        let command = VoucherCommand::SwitchVoucher {
            event_id,
            code,
            enabled,
            now: Utc::now(),
        };
        self.books
            .execute(
                &event_id.to_aggregate_id(),
                command,
                None,
                &context.metadata,
            )
            .await
    }

    /// What the voucher rules need of the event's catalogue, once the caller is known to
    /// manage the event.
    async fn catalogue(
        &self,
        event_id: EventId,
        context: &CommandContext,
    ) -> Result<CatalogueFacts, CommandError<VoucherError>> {
        let event = self.events.load(&event_id.to_aggregate_id()).await?.state;
        let Some(currency) = event.currency().filter(|_| event.id().is_some()) else {
            return Err(CommandError::Rejected(VoucherError::EventNotFound));
        };
        if !may_command_event(context, &event) {
            return Err(CommandError::Rejected(VoucherError::NotOrganiser));
        }
        Ok(CatalogueFacts {
            event_id,
            ticket_types: event.ticket_types().iter().map(|t| t.id).collect(),
            currency,
        })
    }
}

/// A 32-byte seed from a 128-bit id.
fn seed_of(id: u128) -> [u8; 32] {
    let mut seed = [0; 32];
    seed[..16].copy_from_slice(&id.to_be_bytes());
    seed[16..].copy_from_slice(&id.to_le_bytes());
    seed
}

/// `count` distinct codes `PREFIX-XXXXXXXXXX`; the prefix must itself be a valid start of
/// a code (letters, digits, dashes), and the whole at most the code's length.
fn generate_codes(
    rng: &mut StdRng,
    prefix: &str,
    count: usize,
) -> Result<Vec<VoucherCode>, CommandError<VoucherError>> {
    let prefix = prefix.trim().trim_end_matches('-').to_ascii_uppercase();
    let mut codes = Vec::with_capacity(count);
    let mut seen = std::collections::BTreeSet::new();
    while codes.len() < count {
        let random: String = (0..GENERATED_CHARS)
            .map(|_| char::from(CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())]))
            .collect();
        let raw = if prefix.is_empty() {
            random
        } else {
            format!("{prefix}-{random}")
        };
        let code = VoucherCode::parse(&raw)
            .map_err(|_| CommandError::Rejected(VoucherError::InvalidPrefix))?;
        if seen.insert(code.clone()) {
            codes.push(code);
        }
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_are_distinct_prefixed_and_the_same_for_the_same_seed() {
        let draw = || generate_codes(&mut StdRng::from_seed(seed_of(42)), "vip", 500).unwrap();
        let codes = draw();
        assert_eq!(codes.len(), 500);
        assert_eq!(
            codes
                .iter()
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            500
        );
        assert!(codes
            .iter()
            .all(|code| code.as_str().starts_with("VIP-")
                && code.as_str().len() == 4 + GENERATED_CHARS));
        assert_eq!(codes, draw());
    }

    #[test]
    fn a_prefix_that_cannot_start_a_code_is_refused() {
        let mut rng = StdRng::from_seed(seed_of(1));
        assert!(matches!(
            generate_codes(&mut rng, "été", 1),
            Err(CommandError::Rejected(VoucherError::InvalidPrefix))
        ));
        assert!(generate_codes(&mut rng, &"A".repeat(30), 1).is_err());
    }
}
