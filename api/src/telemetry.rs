//! Logs and traces: a `tracing` subscriber filtered by `RUST_LOG`, writing pretty or JSON
//! lines, plus an OTLP/HTTP span exporter when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.

use anyhow::Context;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::runtime::Tokio;
use opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::config::{Config, LogFormat};

/// The `service.name` of exported spans.
pub const SERVICE_NAME: &str = "carneau";

/// How long an OTLP export may take before it is abandoned.
const OTLP_EXPORT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Targets never exported: the exporter's own HTTP calls would otherwise produce spans
/// about exporting spans, forever.
const EXPORTER_TARGETS: [&str; 5] = ["opentelemetry", "hyper", "h2", "reqwest", "tower::"];

/// Keeps the span exporter alive; [`Telemetry::shutdown`] flushes what is buffered.
#[must_use = "dropping it without shutdown loses the last spans"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// Installs the global subscriber. Must run inside the Tokio runtime, which carries the
/// span exports.
pub fn init(config: &Config) -> anyhow::Result<Telemetry> {
    let filter = EnvFilter::try_new(&config.log_filter).context("invalid RUST_LOG")?;
    let output: BoxedLayer = match config.log_format {
        LogFormat::Pretty => tracing_subscriber::fmt::layer().pretty().boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(true)
            .boxed(),
    };
    let mut layers: Vec<BoxedLayer> = vec![output];
    let provider = match &config.otlp_endpoint {
        Some(endpoint) => {
            let provider = tracer_provider(endpoint)?;
            let tracer = provider.tracer(SERVICE_NAME);
            layers.push(
                tracing_opentelemetry::layer()
                    .with_tracer(tracer)
                    .with_filter(filter_fn(|metadata| {
                        !EXPORTER_TARGETS
                            .iter()
                            .any(|target| metadata.target().starts_with(target))
                    }))
                    .boxed(),
            );
            Some(provider)
        }
        None => None,
    };
    // The filter wraps every other layer: inside the Vec it would only filter itself.
    tracing_subscriber::registry()
        .with(layers)
        .with(filter)
        .try_init()
        .context("installing the tracing subscriber")?;
    Ok(Telemetry { provider })
}

/// Spans go through a batch processor on the Tokio runtime, because the exporter's HTTP
/// client is async and needs that runtime (the SDK's default processor runs on a plain
/// thread).
fn tracer_provider(endpoint: &str) -> anyhow::Result<SdkTracerProvider> {
    // The variable names the collector's base URL; traces go to its /v1/traces, as the
    // OTLP specification says.
    let traces_url = format!("{}/v1/traces", endpoint.trim_end_matches('/'));
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(traces_url)
        .with_timeout(OTLP_EXPORT_TIMEOUT)
        .build()
        .context("invalid OTEL_EXPORTER_OTLP_ENDPOINT: cannot build the OTLP exporter")?;
    let processor = BatchSpanProcessor::builder(exporter, Tokio).build();
    Ok(SdkTracerProvider::builder()
        .with_span_processor(processor)
        .with_resource(Resource::builder().with_service_name(SERVICE_NAME).build())
        .build())
}

impl Telemetry {
    /// Flushes buffered spans and stops the exporter.
    pub async fn shutdown(self) {
        let Some(provider) = self.provider else {
            return;
        };
        // Shutdown blocks until the exporter task, which runs on this runtime, is done: it
        // must not block a runtime worker.
        let flushed = tokio::task::spawn_blocking(move || provider.shutdown()).await;
        if !matches!(flushed, Ok(Ok(()))) {
            eprintln!("warning: spans buffered for OTLP export may have been lost");
        }
    }
}
