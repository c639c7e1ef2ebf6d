//! The waiting lists' read model (`waiting_list_entries`): the places a batch of
//! inventory events takes, and how the places already taken leave the line. Folded like the
//! holds: one insert and one update per batch.

use std::collections::BTreeMap;

use anyhow::Context;
use carneau_domain::inventory::WaitingEntry;
use chrono::{DateTime, Utc};
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

/// A place to insert, `waiting`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PlaceRow {
    pub(super) event_id: Uuid,
    pub(super) sequence: i64,
    pub(super) entry: WaitingEntry,
}

/// How a place left the line: only a waiting place changes, so the first wins.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum LineExit {
    /// Tickets were held for it until `expires_at`.
    Offered {
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    },
    /// The buyer left.
    Left { at: DateTime<Utc> },
}

/// What a batch writes to the waiting lists.
#[derive(Debug, Default, PartialEq)]
pub(super) struct WaitingFold {
    pub(super) joined: Vec<PlaceRow>,
    pub(super) exits: BTreeMap<Uuid, LineExit>,
}

impl WaitingFold {
    /// Whether the batch touched no waiting list.
    pub(super) fn is_empty(&self) -> bool {
        self.joined.is_empty() && self.exits.is_empty()
    }

    pub(super) fn join(&mut self, event_id: Uuid, sequence: i64, entry: WaitingEntry) {
        self.joined.push(PlaceRow {
            event_id,
            sequence,
            entry,
        });
    }

    pub(super) fn exit(&mut self, entry_id: Uuid, exit: LineExit) {
        self.exits.entry(entry_id).or_insert(exit);
    }

    /// Inserts the new places, then moves the places that left the line (a place taken
    /// and served in one batch is inserted first, so it ends offered).
    pub(super) async fn write(&self, tx: &mut Transaction<'_, Postgres>) -> anyhow::Result<()> {
        self.insert(tx).await?;
        self.change(tx).await
    }

    async fn insert(&self, tx: &mut Transaction<'_, Postgres>) -> anyhow::Result<()> {
        if self.joined.is_empty() {
            return Ok(());
        }
        let rows = &self.joined;
        let entries: Vec<Uuid> = rows.iter().map(|r| r.entry.entry_id.as_uuid()).collect();
        let events: Vec<Uuid> = rows.iter().map(|r| r.event_id).collect();
        let sequences: Vec<i64> = rows.iter().map(|r| r.sequence).collect();
        let types: Vec<Uuid> = rows
            .iter()
            .map(|r| r.entry.ticket_type_id.as_uuid())
            .collect();
        let quantities = rows
            .iter()
            .map(|r| i32::try_from(r.entry.quantity.get()))
            .collect::<Result<Vec<i32>, _>>()
            .context("a waiting place's quantity out of range")?;
        let emails: Vec<&str> = rows.iter().map(|r| r.entry.email.as_str()).collect();
        let joined: Vec<DateTime<Utc>> = rows.iter().map(|r| r.entry.joined_at).collect();
        sqlx::query(
            r#"
            INSERT INTO waiting_list_entries
                (entry_id, event_id, joined_sequence, ticket_type_id, quantity, email,
                 joined_at, status)
            SELECT i, e, s, t, q, m, j, 'waiting'
              FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::uuid[], $5::int[],
                          $6::text[], $7::timestamptz[]) AS p(i, e, s, t, q, m, j)
            ON CONFLICT DO NOTHING
            "#,
        )
        .bind(&entries)
        .bind(&events)
        .bind(&sequences)
        .bind(&types)
        .bind(&quantities)
        .bind(&emails)
        .bind(&joined)
        .execute(&mut **tx)
        .await
        .context("inserting waiting places")?;
        Ok(())
    }

    async fn change(&self, tx: &mut Transaction<'_, Postgres>) -> anyhow::Result<()> {
        if self.exits.is_empty() {
            return Ok(());
        }
        let entries: Vec<Uuid> = self.exits.keys().copied().collect();
        let mut statuses = Vec::with_capacity(entries.len());
        let mut offered = Vec::with_capacity(entries.len());
        let mut expires = Vec::with_capacity(entries.len());
        let mut left = Vec::with_capacity(entries.len());
        for exit in self.exits.values() {
            match exit {
                LineExit::Offered { at, expires_at } => {
                    statuses.push("offered");
                    offered.push(Some(*at));
                    expires.push(Some(*expires_at));
                    left.push(None);
                }
                LineExit::Left { at } => {
                    statuses.push("left");
                    offered.push(None);
                    expires.push(None);
                    left.push(Some(*at));
                }
            }
        }
        sqlx::query(
            r#"
            UPDATE waiting_list_entries w
               SET status = c.s, offered_at = c.o, offer_expires_at = c.x, left_at = c.l
              FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::timestamptz[],
                          $5::timestamptz[]) AS c(i, s, o, x, l)
             WHERE w.entry_id = c.i AND w.status = 'waiting'
            "#,
        )
        .bind(&entries)
        .bind(&statuses)
        .bind(&offered)
        .bind(&expires)
        .bind(&left)
        .execute(&mut **tx)
        .await
        .context("moving waiting places out of the line")?;
        Ok(())
    }
}
