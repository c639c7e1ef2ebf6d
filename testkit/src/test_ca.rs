//! A certificate authority made for one test, and a server certificate it signed for
//! `localhost` and `127.0.0.1`, written as PEM files in a directory of their own: what a
//! test needs to run PostgreSQL or Redis with TLS and check that clients verify it.

use std::path::{Path, PathBuf};

use anyhow::Context;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType};
use uuid::Uuid;

/// The CA and server files; the directory goes when this is dropped.
pub struct TestCa {
    directory: PathBuf,
}

impl TestCa {
    /// Makes a fresh CA and a server certificate signed by it.
    pub fn create() -> anyhow::Result<Self> {
        let directory =
            std::env::temp_dir().join(format!("carneau-ca-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&directory).context("creating the CA's directory")?;
        let ca = Self { directory };

        let ca_key = KeyPair::generate()?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "Carneau test CA");
        let ca_certificate = ca_params.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate()?;
        let mut server_params = CertificateParams::new(vec!["localhost".to_owned()])?;
        server_params
            .subject_alt_names
            .push(SanType::IpAddress([127, 0, 0, 1].into()));
        server_params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let server_certificate = server_params.signed_by(&server_key, &issuer)?;

        std::fs::write(ca.ca_file(), ca_certificate.pem())?;
        std::fs::write(ca.server_certificate_file(), server_certificate.pem())?;
        std::fs::write(ca.server_key_file(), server_key.serialize_pem())?;
        Ok(ca)
    }

    /// The CA's certificate: what a client must trust.
    pub fn ca_file(&self) -> PathBuf {
        self.directory.join("ca.pem")
    }

    /// The server's certificate (for `localhost` and `127.0.0.1`).
    pub fn server_certificate_file(&self) -> PathBuf {
        self.directory.join("server.pem")
    }

    /// The server's private key.
    pub fn server_key_file(&self) -> PathBuf {
        self.directory.join("server.key")
    }

    /// The directory holding the files.
    pub fn directory(&self) -> &Path {
        &self.directory
    }
}

impl Drop for TestCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.directory);
    }
}
