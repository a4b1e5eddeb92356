//! OTLP export of the spans (feature `otlp`): when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (e.g.
//! `http://127.0.0.1:4318`, a collector beside the process), the `send` and `process` spans go
//! there as OTLP/HTTP protobuf (`{endpoint}/v1/traces`; plain HTTP), with the trace context that
//! travels with the messages (see [`super::trace`]): a consumer's span is a child of the
//! producer's span, across processes.
//!
//! ```no_run
//! # fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use tracing_subscriber::layer::SubscriberExt;
//! use tracing_subscriber::util::SubscriberInitExt;
//! let otlp = eventbus_runtime::telemetry::otlp::Otlp::from_env("my-service")?;
//! tracing_subscriber::registry()
//!     .with(otlp.as_ref().map(|o| o.layer()))
//!     .init();
//! // ... run; then flush what is buffered:
//! if let Some(otlp) = otlp {
//!     otlp.shutdown()?;
//! }
//! # Ok(()) }
//! ```

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::SpanExporter;
use opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor;
use opentelemetry_sdk::trace::{SdkTracerProvider, Tracer};
use opentelemetry_sdk::Resource;
use tracing::Subscriber;
use tracing_subscriber::registry::LookupSpan;

/// The variable that turns the export on: the collector's base URL.
pub const ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";

/// The exporter could not be set up or flushed.
#[derive(Debug, thiserror::Error)]
#[error("OTLP export to {endpoint} ({ENDPOINT}): {message}")]
pub struct OtlpError {
    /// The endpoint.
    pub endpoint: String,
    /// What failed.
    pub message: String,
}

/// The export pipeline: a batch processor on a runtime of its own (one thread), so it works
/// whatever runtime the program uses. Call [`Otlp::shutdown`] before exiting to send what is
/// buffered.
pub struct Otlp {
    endpoint: String,
    provider: SdkTracerProvider,
    runtime: tokio::runtime::Runtime,
}

impl std::fmt::Debug for Otlp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Otlp")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl Otlp {
    /// The pipeline to `OTEL_EXPORTER_OTLP_ENDPOINT`, spans named with `service`
    /// (`service.name`); `None` when the variable is unset or empty.
    pub fn from_env(service: &str) -> Result<Option<Otlp>, OtlpError> {
        match std::env::var(ENDPOINT) {
            Ok(endpoint) if !endpoint.trim().is_empty() => Otlp::new(&endpoint, service).map(Some),
            _ => Ok(None),
        }
    }

    /// The pipeline to `endpoint` (the collector's base URL; `/v1/traces` is added).
    pub fn new(endpoint: &str, service: &str) -> Result<Otlp, OtlpError> {
        use opentelemetry_otlp::WithExportConfig;
        let fail = |message: String| OtlpError {
            endpoint: endpoint.to_owned(),
            message,
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("otlp-export")
            .enable_all()
            .build()
            .map_err(|e| fail(format!("cannot start its runtime: {e}")))?;
        let _entered = runtime.enter();
        let url = format!("{}/v1/traces", endpoint.trim_end_matches('/'));
        let exporter = SpanExporter::builder()
            .with_http()
            .with_endpoint(url)
            .build()
            .map_err(|e| fail(e.to_string()))?;
        let processor =
            BatchSpanProcessor::builder(exporter, opentelemetry_sdk::runtime::Tokio).build();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(processor)
            .with_resource(
                Resource::builder()
                    .with_service_name(service.to_owned())
                    .build(),
            )
            .build();
        Ok(Otlp {
            endpoint: endpoint.to_owned(),
            provider,
            runtime,
        })
    }

    /// The `tracing` layer that records spans into the pipeline.
    pub fn layer<S>(&self) -> tracing_opentelemetry::OpenTelemetryLayer<S, Tracer>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        tracing_opentelemetry::layer().with_tracer(self.provider.tracer("eventbus"))
    }

    /// Send what is buffered and stop.
    pub fn shutdown(self) -> Result<(), OtlpError> {
        let Otlp {
            endpoint,
            provider,
            runtime,
        } = self;
        let result = {
            let _entered = runtime.enter();
            provider.shutdown()
        };
        runtime.shutdown_timeout(std::time::Duration::from_secs(5));
        result.map_err(|e| OtlpError {
            endpoint,
            message: e.to_string(),
        })
    }
}
