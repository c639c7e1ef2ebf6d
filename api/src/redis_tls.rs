//! TLS to Redis for `rediss://` URLs: managed Redis (Upstash, ElastiCache in transit
//! encryption) speaks TLS only. The server's certificate and host name are always
//! checked, against Mozilla's roots (bundled, so a slim container needs no CA store) and
//! the private authorities of `CARNEAU_REDIS_TLS_CA_FILE`. There is no switch to turn
//! verification off: a cache that anyone on the path can impersonate could hand out holds.

use std::path::Path;
use std::sync::Arc;

use fred::types::config::{TlsConfig, TlsConnector};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

/// Mozilla's roots plus every certificate of the PEM file at `ca_file`. Fails with a
/// sentence naming what is wrong with the file.
pub fn trusted_roots(ca_file: Option<&Path>) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let Some(path) = ca_file else {
        return Ok(roots);
    };
    let pem =
        std::fs::read(path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let mut added = 0;
    for certificate in CertificateDer::pem_slice_iter(&pem) {
        let certificate = certificate.map_err(|error| {
            format!("{} is not a PEM certificate file: {error}", path.display())
        })?;
        roots.add(certificate).map_err(|error| {
            format!("{} holds an unusable certificate: {error}", path.display())
        })?;
        added += 1;
    }
    if added == 0 {
        return Err(format!("{} holds no certificate", path.display()));
    }
    Ok(roots)
}

/// The TLS settings of a `rediss://` connection, trusting [`trusted_roots`].
pub fn tls_config(ca_file: Option<&Path>) -> anyhow::Result<TlsConfig> {
    let roots = trusted_roots(ca_file)
        .map_err(|reason| anyhow::anyhow!("invalid CARNEAU_REDIS_TLS_CA_FILE: {reason}"))?;
    // ring, as sqlx, lettre and async-stripe use: one crypto provider in the binary.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(config).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_file_the_bundled_roots_are_trusted() {
        let roots = trusted_roots(None).unwrap();
        assert!(roots.len() > 100, "{} roots", roots.len());
    }

    #[test]
    fn a_file_that_is_not_pem_is_refused_naming_it() {
        let path = std::env::temp_dir().join(format!("not-a-ca-{}.pem", std::process::id()));
        std::fs::write(&path, "hello").unwrap();
        let refused = trusted_roots(Some(&path)).unwrap_err();
        std::fs::remove_file(&path).ok();
        assert!(refused.contains("holds no certificate"), "{refused}");
        assert!(refused.contains(&path.display().to_string()), "{refused}");
    }

    #[test]
    fn a_missing_file_is_refused_naming_it() {
        let refused = trusted_roots(Some(Path::new("/nonexistent/ca.pem"))).unwrap_err();
        assert!(
            refused.starts_with("cannot read /nonexistent/ca.pem"),
            "{refused}"
        );
    }
}
