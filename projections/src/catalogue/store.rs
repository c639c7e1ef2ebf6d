//! Loading what the catalogue fold starts from, and writing a folded batch: drafts, then
//! the events' changes, then the ticket types removed, then the ticket types written,
//! each in one statement over arrays (`unnest`).

use std::collections::HashMap;

use anyhow::Context;
use carneau_domain::event::{EventCatalogueEvent, EventDetails};
use chrono::{DateTime, Utc};
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use super::fold::{CatalogueFold, KnownEvent};
use super::AttendeeAsk;

/// The versions of the events `events` touch, and the ticket type places of those whose
/// ticket types they change.
pub(super) async fn load_known(
    tx: &mut Transaction<'_, Postgres>,
    events: &[(Uuid, i64, EventCatalogueEvent)],
) -> anyhow::Result<HashMap<Uuid, KnownEvent>> {
    let mut touched: Vec<Uuid> = events.iter().map(|(id, ..)| *id).collect();
    touched.sort_unstable();
    touched.dedup();
    let mut typed: Vec<Uuid> = events
        .iter()
        .filter(|(.., event)| {
            matches!(
                event,
                EventCatalogueEvent::TicketTypeAdded { .. }
                    | EventCatalogueEvent::TicketTypeChanged { .. }
                    | EventCatalogueEvent::TicketTypeRemoved { .. }
            )
        })
        .map(|(id, ..)| *id)
        .collect();
    typed.sort_unstable();
    typed.dedup();

    let versions: Vec<(Uuid, i64)> =
        sqlx::query_as("SELECT event_id, version FROM catalogue_events WHERE event_id = ANY($1)")
            .bind(&touched)
            .fetch_all(&mut **tx)
            .await
            .context("loading catalogue versions")?;
    let mut known: HashMap<Uuid, KnownEvent> = versions
        .into_iter()
        .map(|(id, version)| {
            let event = KnownEvent {
                version,
                positions: HashMap::new(),
            };
            (id, event)
        })
        .collect();
    if typed.is_empty() {
        return Ok(known);
    }
    let positions: Vec<(Uuid, Uuid, i32)> = sqlx::query_as(
        "SELECT event_id, ticket_type_id, position FROM catalogue_ticket_types \
          WHERE event_id = ANY($1)",
    )
    .bind(&typed)
    .fetch_all(&mut **tx)
    .await
    .context("loading ticket type places")?;
    for (event_id, ticket_type_id, position) in positions {
        if let Some(event) = known.get_mut(&event_id) {
            event.positions.insert(ticket_type_id, position);
        }
    }
    Ok(known)
}

/// Writes `fold` in the caller's transaction.
pub(super) async fn write(
    tx: &mut Transaction<'_, Postgres>,
    fold: &CatalogueFold,
) -> anyhow::Result<()> {
    insert_drafts(tx, fold).await?;
    change_events(tx, fold).await?;
    remove_ticket_types(tx, &fold.removed).await?;
    write_ticket_types(tx, fold).await?;
    Ok(())
}

/// The details' columns, in the order both statements bind them.
struct DetailColumns {
    titles: Vec<Option<String>>,
    descriptions: Vec<Option<String>>,
    venue_names: Vec<Option<String>>,
    venue_addresses: Vec<Option<String>>,
    starts: Vec<Option<DateTime<Utc>>>,
    ends: Vec<Option<DateTime<Utc>>>,
    time_zones: Vec<Option<String>>,
    name_asks: Vec<Option<&'static str>>,
    email_asks: Vec<Option<&'static str>>,
}

impl DetailColumns {
    fn of<'a>(details: impl Iterator<Item = Option<&'a EventDetails>>) -> Self {
        let mut columns = Self {
            titles: Vec::new(),
            descriptions: Vec::new(),
            venue_names: Vec::new(),
            venue_addresses: Vec::new(),
            starts: Vec::new(),
            ends: Vec::new(),
            time_zones: Vec::new(),
            name_asks: Vec::new(),
            email_asks: Vec::new(),
        };
        for details in details {
            let text = |f: fn(&EventDetails) -> &str| details.map(|d| f(d).to_owned());
            columns.titles.push(text(|d| d.title.as_str()));
            columns.descriptions.push(text(|d| d.description.as_str()));
            columns.venue_names.push(text(|d| d.venue.name.as_str()));
            columns
                .venue_addresses
                .push(text(|d| d.venue.address.as_str()));
            columns.starts.push(details.map(|d| d.starts_at));
            columns.ends.push(details.map(|d| d.ends_at));
            columns.time_zones.push(text(|d| d.time_zone.as_str()));
            let questions = details.map(|d| d.attendee_questions);
            columns
                .name_asks
                .push(questions.map(|q| AttendeeAsk::from(q.name).as_str()));
            columns
                .email_asks
                .push(questions.map(|q| AttendeeAsk::from(q.email).as_str()));
        }
        columns
    }
}

async fn insert_drafts(
    tx: &mut Transaction<'_, Postgres>,
    fold: &CatalogueFold,
) -> anyhow::Result<()> {
    if fold.drafts.is_empty() {
        return Ok(());
    }
    let drafts = &fold.drafts;
    let ids: Vec<Uuid> = drafts.iter().map(|d| d.event_id).collect();
    let details = DetailColumns::of(drafts.iter().map(|d| Some(&d.details)));
    let currencies: Vec<&str> = drafts.iter().map(|d| d.currency.as_str()).collect();
    let sequences: Vec<i64> = drafts.iter().map(|d| d.sequence).collect();
    let organisers: Vec<Option<Uuid>> = drafts.iter().map(|d| d.organiser).collect();
    sqlx::query(
        r#"
        INSERT INTO catalogue_events
            (event_id, status, title, description, venue_name, venue_address, starts_at,
             ends_at, time_zone, currency, version, organiser_id, attendee_name_ask,
             attendee_email_ask)
        SELECT i, 'draft', t, d, vn, va, s, e, z, c, v, o, an, ae
          FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
                      $6::timestamptz[], $7::timestamptz[], $8::text[], $9::text[], $10::bigint[],
                      $11::uuid[], $12::text[], $13::text[])
               AS drafts(i, t, d, vn, va, s, e, z, c, v, o, an, ae)
        ON CONFLICT (event_id) DO NOTHING
        "#,
    )
    .bind(&ids)
    .bind(&details.titles)
    .bind(&details.descriptions)
    .bind(&details.venue_names)
    .bind(&details.venue_addresses)
    .bind(&details.starts)
    .bind(&details.ends)
    .bind(&details.time_zones)
    .bind(&currencies)
    .bind(&sequences)
    .bind(&organisers)
    .bind(&details.name_asks)
    .bind(&details.email_asks)
    .execute(&mut **tx)
    .await
    .context("inserting drafts")?;
    Ok(())
}

/// The claimed version, the last details, status, publication and cancellation.
async fn change_events(
    tx: &mut Transaction<'_, Postgres>,
    fold: &CatalogueFold,
) -> anyhow::Result<()> {
    if fold.changes.is_empty() {
        return Ok(());
    }
    let changes = &fold.changes;
    let ids: Vec<Uuid> = changes.iter().map(|c| c.event_id).collect();
    let versions: Vec<i64> = changes.iter().map(|c| c.version).collect();
    let details = DetailColumns::of(changes.iter().map(|c| c.details.as_ref()));
    let statuses: Vec<Option<&str>> = changes.iter().map(|c| c.status).collect();
    let published: Vec<Option<DateTime<Utc>>> = changes.iter().map(|c| c.published_at).collect();
    let cancelled: Vec<bool> = changes.iter().map(|c| c.cancelled.is_some()).collect();
    let cancelled_at: Vec<Option<DateTime<Utc>>> = changes
        .iter()
        .map(|c| c.cancelled.as_ref().map(|x| x.0))
        .collect();
    let images = changes
        .iter()
        .map(|c| c.images.as_ref().map(serde_json::to_string).transpose())
        .collect::<Result<Vec<Option<String>>, _>>()
        .context("serialising event images")?;
    let pools = changes
        .iter()
        .map(|c| {
            c.capacity_pools
                .as_ref()
                .map(serde_json::to_string)
                .transpose()
        })
        .collect::<Result<Vec<Option<String>>, _>>()
        .context("serialising capacity pools")?;
    let waiting_list_open: Vec<Option<bool>> =
        changes.iter().map(|c| c.waiting_list_open).collect();
    let reasons: Vec<Option<&str>> = changes
        .iter()
        .map(|c| c.cancelled.as_ref().and_then(|x| x.1.as_deref()))
        .collect();
    // The details' columns are all set or all left (`title` says which); a cancellation
    // may carry no reason, which then clears the column as the event did.
    sqlx::query(
        r#"
        UPDATE catalogue_events c
           SET version = u.v, updated_at = now(),
               title = coalesce(u.t, c.title), description = coalesce(u.d, c.description),
               venue_name = coalesce(u.vn, c.venue_name),
               venue_address = coalesce(u.va, c.venue_address),
               starts_at = coalesce(u.s, c.starts_at), ends_at = coalesce(u.e, c.ends_at),
               time_zone = coalesce(u.z, c.time_zone),
               attendee_name_ask = coalesce(u.an, c.attendee_name_ask),
               attendee_email_ask = coalesce(u.ae, c.attendee_email_ask),
               status = coalesce(u.st, c.status),
               published_at = coalesce(u.p, c.published_at),
               cancelled_at = coalesce(u.ca, c.cancelled_at),
               cancellation_reason = CASE WHEN u.x THEN u.r ELSE c.cancellation_reason END,
               images = coalesce(u.im::jsonb, c.images),
               capacity_pools = coalesce(u.cp::jsonb, c.capacity_pools),
               waiting_list_open = coalesce(u.wl, c.waiting_list_open)
          FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
                      $7::timestamptz[], $8::timestamptz[], $9::text[], $10::text[],
                      $11::timestamptz[], $12::bool[], $13::timestamptz[], $14::text[],
                      $15::text[], $16::text[], $17::text[], $18::text[], $19::bool[])
               AS u(i, v, t, d, vn, va, s, e, z, st, p, x, ca, r, an, ae, im, cp, wl)
         WHERE c.event_id = u.i
        "#,
    )
    .bind(&ids)
    .bind(&versions)
    .bind(&details.titles)
    .bind(&details.descriptions)
    .bind(&details.venue_names)
    .bind(&details.venue_addresses)
    .bind(&details.starts)
    .bind(&details.ends)
    .bind(&details.time_zones)
    .bind(&statuses)
    .bind(&published)
    .bind(&cancelled)
    .bind(&cancelled_at)
    .bind(&reasons)
    .bind(&details.name_asks)
    .bind(&details.email_asks)
    .bind(&images)
    .bind(&pools)
    .bind(&waiting_list_open)
    .execute(&mut **tx)
    .await
    .context("changing catalogue events")?;
    Ok(())
}

async fn remove_ticket_types(
    tx: &mut Transaction<'_, Postgres>,
    removed: &[(Uuid, Uuid)],
) -> anyhow::Result<()> {
    if removed.is_empty() {
        return Ok(());
    }
    let (events, ids): (Vec<Uuid>, Vec<Uuid>) = removed.iter().copied().unzip();
    sqlx::query(
        "DELETE FROM catalogue_ticket_types t USING unnest($1::uuid[], $2::uuid[]) AS r(e, i) \
          WHERE t.event_id = r.e AND t.ticket_type_id = r.i",
    )
    .bind(&events)
    .bind(&ids)
    .execute(&mut **tx)
    .await
    .context("removing ticket types")?;
    Ok(())
}

/// Writes each ticket type as it now is; a changed one keeps its place.
async fn write_ticket_types(
    tx: &mut Transaction<'_, Postgres>,
    fold: &CatalogueFold,
) -> anyhow::Result<()> {
    if fold.ticket_types.is_empty() {
        return Ok(());
    }
    let rows = &fold.ticket_types;
    let events: Vec<Uuid> = rows.iter().map(|r| r.event_id).collect();
    let ids: Vec<Uuid> = rows.iter().map(|r| r.ticket_type.id.as_uuid()).collect();
    let positions: Vec<i32> = rows.iter().map(|r| r.position).collect();
    let names: Vec<&str> = rows.iter().map(|r| r.ticket_type.name.as_str()).collect();
    let prices: Vec<i64> = rows
        .iter()
        .map(|r| r.ticket_type.price.amount_minor)
        .collect();
    let currencies: Vec<&str> = rows
        .iter()
        .map(|r| r.ticket_type.price.currency.as_str())
        .collect();
    let capacities = rows
        .iter()
        .map(|r| i32::try_from(r.ticket_type.capacity.get()).context("capacity out of range"))
        .collect::<anyhow::Result<Vec<i32>>>()?;
    let opens: Vec<DateTime<Utc>> = rows
        .iter()
        .map(|r| r.ticket_type.sale_window.opens_at())
        .collect();
    let closes: Vec<DateTime<Utc>> = rows
        .iter()
        .map(|r| r.ticket_type.sale_window.closes_at())
        .collect();
    let max_per_order: Vec<i32> = rows
        .iter()
        .map(|r| i32::from(r.ticket_type.max_per_order.get()))
        .collect();
    let hidden: Vec<bool> = rows.iter().map(|r| r.ticket_type.hidden).collect();
    sqlx::query(
        r#"
        INSERT INTO catalogue_ticket_types
            (event_id, ticket_type_id, position, name, price_minor, currency, capacity,
             sale_opens_at, sale_closes_at, max_per_order, hidden)
        SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::bigint[],
                             $6::text[], $7::int[], $8::timestamptz[], $9::timestamptz[],
                             $10::int[], $11::boolean[])
        ON CONFLICT (event_id, ticket_type_id) DO UPDATE
           SET name = excluded.name, price_minor = excluded.price_minor,
               currency = excluded.currency, capacity = excluded.capacity,
               sale_opens_at = excluded.sale_opens_at, sale_closes_at = excluded.sale_closes_at,
               max_per_order = excluded.max_per_order, hidden = excluded.hidden
        "#,
    )
    .bind(&events)
    .bind(&ids)
    .bind(&positions)
    .bind(&names)
    .bind(&prices)
    .bind(&currencies)
    .bind(&capacities)
    .bind(&opens)
    .bind(&closes)
    .bind(&max_per_order)
    .bind(&hidden)
    .execute(&mut **tx)
    .await
    .context("writing ticket types")?;
    Ok(())
}
