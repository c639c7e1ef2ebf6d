//! Who the accounts in the log are: the log names an account by id only, so a page of it
//! looks the ids it names up in the accounts read model, in one query per page.

use std::collections::{HashMap, HashSet};

use carneau_domain::{Actor, EventMetadata};
use carneau_projections::door_staff::{account_names, AccountName};
use carneau_projections::RecordedEvent;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::problem::ApiError;

/// An account the log names, as the accounts read model knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AccountNameView {
    /// The account.
    pub account_id: Uuid,
    /// Its login address; `null` for an account unknown here (never registered, or since
    /// deleted).
    pub email: Option<String>,
    /// How the person is called, when known.
    pub name: Option<String>,
}

/// The accounts named so far by the pages of the log a response reads.
#[derive(Debug, Default)]
pub struct AccountBook {
    known: HashMap<Uuid, AccountName>,
    asked: HashSet<Uuid>,
}

impl AccountBook {
    /// Looks up, in one query, the accounts that act in `facts` and were not asked for
    /// yet (none: no query).
    pub async fn learn(&mut self, pool: &PgPool, facts: &[RecordedEvent]) -> Result<(), ApiError> {
        let new: Vec<Uuid> = facts
            .iter()
            .filter_map(account_of)
            .filter(|id| self.asked.insert(*id))
            .collect();
        if new.is_empty() {
            return Ok(());
        }
        for account in account_names(pool, &new).await? {
            self.known.insert(account.account_id, account);
        }
        Ok(())
    }

    /// The account `account_id`, if it exists.
    pub fn get(&self, account_id: Uuid) -> Option<&AccountName> {
        self.known.get(&account_id)
    }

    /// `account_id` as the API shows it (email `null` when unknown).
    pub fn view(&self, account_id: Uuid) -> AccountNameView {
        let known = self.get(account_id);
        AccountNameView {
            account_id,
            email: known.map(|a| a.email.clone()),
            name: known.and_then(|a| a.name.clone()),
        }
    }

    /// Every account asked for, in id order (unknown ones with email `null`).
    pub fn views(&self) -> Vec<AccountNameView> {
        let mut ids: Vec<Uuid> = self.asked.iter().copied().collect();
        ids.sort_unstable();
        ids.into_iter().map(|id| self.view(id)).collect()
    }
}

/// The account that did `fact`, when an account did it.
fn account_of(fact: &RecordedEvent) -> Option<Uuid> {
    match EventMetadata::deserialize(&fact.metadata).ok()?.actor {
        Actor::Account { account_id } => Some(account_id.as_uuid()),
        _ => None,
    }
}
