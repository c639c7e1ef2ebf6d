//! Accounts created outside the HTTP API: the first admin (`carneau accounts create`) and
//! the demo accounts of `serve --seed`.

use anyhow::Context;
use carneau_commands::accounts::{AccountsError, NewAccount};
use carneau_commands::CommandContext;
use carneau_domain::account::{AccountCommand, EmailAddress, Password, Role};
use carneau_domain::ids::AccountId;
use carneau_domain::text::PersonName;
use carneau_domain::{Cause, Process};

use crate::state::AppState;

/// Whether [`ensure_account`] opened the account or found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ensured {
    /// Registered now, with the given password.
    Created(AccountId),
    /// It existed already; its password was left alone.
    Existing(AccountId),
}

impl Ensured {
    /// The account either way.
    pub fn account_id(self) -> AccountId {
        match self {
            Self::Created(id) | Self::Existing(id) => id,
        }
    }
}

/// Registers `email` (unless an account has it already) and grants it `roles`. Running it
/// twice changes nothing the second time.
pub async fn ensure_account(
    state: &AppState,
    email: &str,
    name: &str,
    password: &Password,
    roles: &[Role],
    actor: Process,
) -> anyhow::Result<Ensured> {
    let context = CommandContext::process(actor, Cause::Operator);
    let email = EmailAddress::parse(email).map_err(|error| anyhow::anyhow!("email {error}"))?;
    let name = PersonName::parse(name).map_err(|error| anyhow::anyhow!("name {error}"))?;
    let registered = state
        .accounts
        .register(
            NewAccount {
                email: email.clone(),
                name,
                password: password.clone(),
            },
            &context,
        )
        .await;
    let ensured = match registered {
        Ok(account) => Ensured::Created(account.id().context("registered account has no id")?),
        Err(AccountsError::EmailTaken) => Ensured::Existing(
            state
                .accounts
                .find_by_email(&email)
                .await?
                .context("the email is taken but its account is missing")?,
        ),
        Err(error) => return Err(anyhow::Error::new(error).context("registering")),
    };
    for role in roles {
        state
            .accounts
            .execute(
                ensured.account_id(),
                AccountCommand::GrantRole(*role),
                &context,
            )
            .await
            .context("granting a role")?;
    }
    Ok(ensured)
}
