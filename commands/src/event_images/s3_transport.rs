//! The HTTP client the S3 store speaks through: hyper over rustls with ring and Mozilla's
//! roots, the TLS stack of every other client in the process. object_store's own reqwest
//! transport would bring aws-lc-rs beside ring, or (built without a provider) make every
//! `reqwest::Client` of the process depend on a crypto provider installed globally.
//!
//! Timeouts are short on purpose: a bucket that does not answer is a 503 to the organiser
//! within the request's own deadline, not a request left hanging.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use http_body_util::BodyExt;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector as TcpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use object_store::client::{
    HttpClient, HttpConnector, HttpError, HttpErrorKind, HttpRequest, HttpRequestBody,
    HttpResponse, HttpResponseBody, HttpService,
};
use object_store::ClientOptions;

/// How long opening a connection to the bucket may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one request may wait for the response's head.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);

/// Makes object_store's HTTP clients: plain HTTP for a local endpoint, HTTPS (verified
/// against Mozilla's roots) for everything else.
#[derive(Debug, Default)]
pub(super) struct RustlsConnector;

impl HttpConnector for RustlsConnector {
    fn connect(&self, _options: &ClientOptions) -> object_store::Result<HttpClient> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|error| object_store::Error::Generic {
                store: "S3",
                source: Box::new(error),
            })?
            .with_root_certificates(rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            })
            .with_no_client_auth();
        let mut tcp = TcpConnector::new();
        tcp.set_connect_timeout(Some(CONNECT_TIMEOUT));
        // The scheme is checked by the store's builder (`allow_http` only for http://
        // endpoints), not here.
        tcp.enforce_http(false);
        let https = HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp);
        let client = Client::builder(TokioExecutor::new()).build(https);
        Ok(HttpClient::new(Transport { client }))
    }
}

/// One pool of connections to the bucket.
#[derive(Debug)]
struct Transport {
    client: Client<HttpsConnector<TcpConnector>, HttpRequestBody>,
}

#[async_trait]
impl HttpService for Transport {
    async fn call(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let response = tokio::time::timeout(RESPONSE_TIMEOUT, self.client.request(request))
            .await
            .map_err(|elapsed| HttpError::new(HttpErrorKind::Timeout, elapsed))?
            .map_err(|error| {
                // Both are retried by object_store within its retry budget.
                let kind = if error.is_connect() {
                    HttpErrorKind::Connect
                } else {
                    HttpErrorKind::Request
                };
                HttpError::new(kind, error)
            })?;
        let (parts, body) = response.into_parts();
        let body = body.map_err(|error| HttpError::new(HttpErrorKind::Interrupted, error));
        Ok(HttpResponse::from_parts(parts, HttpResponseBody::new(body)))
    }
}
