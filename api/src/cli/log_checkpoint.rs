//! `carneau log checkpoint` and `carneau log public-key`: what an auditor takes out of the
//! system to verify the log against later (docs/audit.md).

use anyhow::Context;
use carneau_projections::seals::{newest_checkpoint, AuditPublicKey};
use sqlx::PgPool;

use crate::config::Config;

/// The newest signed checkpoint of the log, as pretty JSON ending in a newline.
pub async fn newest_checkpoint_json(pool: &PgPool) -> anyhow::Result<String> {
    let checkpoint = newest_checkpoint(pool).await?.ok_or_else(|| {
        anyhow::anyhow!(
            "no signed checkpoint yet: the servers sign one when CARNEAU_AUDIT_SIGNING_KEY \
             is set and the log has events"
        )
    })?;
    let mut json =
        serde_json::to_string_pretty(&checkpoint).context("serialising the checkpoint")?;
    json.push('\n');
    Ok(json)
}

/// The public key of the configured signing key.
pub fn configured_public_key(config: &Config) -> anyhow::Result<AuditPublicKey> {
    config
        .audit_signing_key
        .as_ref()
        .map(|signer| signer.public_key())
        .ok_or_else(|| anyhow::anyhow!("CARNEAU_AUDIT_SIGNING_KEY is not set"))
}

/// `carneau log public-key`'s line: the configured key in hex, then its id.
pub fn public_key_line(config: &Config) -> anyhow::Result<String> {
    let key = configured_public_key(config)?;
    Ok(format!("{key} key_id={}\n", key.key_id()))
}
