//! Traces across the bus: each send and each processed message gets a `tracing` span with the
//! OpenTelemetry messaging attributes, and the W3C trace context travels with the message (a
//! `traceparent` Kafka header or Redis entry field), so the consumer's span continues the
//! producer's trace.
//!
//! The span fields: `messaging.system` (`kafka`, `redis`), `messaging.operation.type` (`send`,
//! `process`), `messaging.destination.name` (the full topic or stream),
//! `messaging.consumer.group.name`, `messaging.destination.partition.id`,
//! `messaging.kafka.offset`, `messaging.message.id` (the event's `ce_id`), `otel.name`,
//! `otel.kind`, and the W3C ids: `trace_id`, `span_id`, `parent_span_id` (the producer's span for
//! a processed message). Python producers send no `traceparent`: their messages start a trace of
//! their own; the Python consumers ignore the extra header and field.

use std::future::Future;
use tracing::field::Empty;
use tracing::{Instrument, Span};

/// The name of the header (Kafka) or entry field (Redis) that carries the trace context.
pub const TRACEPARENT: &str = "traceparent";

/// A W3C trace context (`traceparent`, version 00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceContext {
    /// The trace id (16 bytes, not all zero).
    pub trace_id: [u8; 16],
    /// The span id (8 bytes, not all zero).
    pub span_id: [u8; 8],
    /// The `sampled` flag.
    pub sampled: bool,
}

/// Random ids, from `uuid`'s thread-local generator (`fast-rng`: no system call per id).
fn random_bytes<const N: usize>() -> [u8; N] {
    loop {
        let mut out = [0u8; N];
        let random = uuid::Uuid::new_v4();
        out.copy_from_slice(&random.as_bytes()[..N]);
        if out.iter().any(|b| *b != 0) {
            return out;
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(2 * bytes.len());
    push_hex(&mut text, bytes);
    text
}

/// Append `bytes` as lowercase hex digits.
fn push_hex(text: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        text.push(char::from(DIGITS[usize::from(b >> 4)]));
        text.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
}

fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != 2 * N || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

impl TraceContext {
    /// A new trace (sampled).
    pub fn new_root() -> Self {
        TraceContext {
            trace_id: random_bytes(),
            span_id: random_bytes(),
            sampled: true,
        }
    }

    /// A new span in the same trace.
    pub fn child(&self) -> Self {
        TraceContext {
            span_id: random_bytes(),
            ..*self
        }
    }

    /// Read a `traceparent` value (`00-<32 hex>-<16 hex>-<2 hex>`); `None` when it is not one
    /// (all-zero ids are invalid, as the W3C says).
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().split('-');
        let (version, trace, span, flags) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if version.len() != 2 || version == "ff" || (version == "00" && parts.next().is_some()) {
            return None;
        }
        let trace_id: [u8; 16] = unhex(trace)?;
        let span_id: [u8; 8] = unhex(span)?;
        let [flags] = unhex::<1>(flags)?;
        if trace_id == [0; 16] || span_id == [0; 8] {
            return None;
        }
        Some(TraceContext {
            trace_id,
            span_id,
            sampled: flags & 1 == 1,
        })
    }

    /// The `traceparent` value.
    pub fn header(&self) -> String {
        // `00-` + 32 + `-` + 16 + `-` + 2.
        let mut text = String::with_capacity(55);
        text.push_str("00-");
        push_hex(&mut text, &self.trace_id);
        text.push('-');
        push_hex(&mut text, &self.span_id);
        text.push_str(if self.sampled { "-01" } else { "-00" });
        text
    }

    /// The trace id as 32 hex digits.
    pub fn trace_id_hex(&self) -> String {
        hex(&self.trace_id)
    }

    /// The span id as 16 hex digits.
    pub fn span_id_hex(&self) -> String {
        hex(&self.span_id)
    }
}

tokio::task_local! {
    /// The trace context of the message whose receivers run on this task.
    static PROCESSING: TraceContext;
}

/// Run `future` (the receivers of a message) inside `span`, the message's `process` span: their
/// logs carry it, and a send they make continues `context`, its trace.
pub(crate) async fn within<F: Future>(
    span: &Span,
    context: Option<TraceContext>,
    future: F,
) -> F::Output {
    let future = future.instrument(span.clone());
    match context {
        Some(context) => PROCESSING.scope(context, future).await,
        None => future.await,
    }
}

/// The span of a send of message `message_id` to `topic`, and the trace context the message
/// carries: the span's own (with the `otlp` feature and its layer installed); else, inside the
/// receivers of a processed message, a child of its trace; else a new trace.
pub fn send_span(
    system: &str,
    topic: &str,
    message_id: &dyn std::fmt::Display,
) -> (Span, TraceContext) {
    let span = tracing::info_span!(
        "send",
        otel.name = %format!("send {topic}"),
        otel.kind = "producer",
        messaging.system = system,
        "messaging.operation.type" = "send",
        messaging.destination.name = topic,
        messaging.message.id = %message_id,
        trace_id = Empty,
        span_id = Empty,
    );
    let context = otel::context_of(&span).unwrap_or_else(|| {
        PROCESSING
            .try_with(TraceContext::child)
            .unwrap_or_else(|_| TraceContext::new_root())
    });
    if !span.is_disabled() {
        span.record("trace_id", context.trace_id_hex());
        span.record("span_id", context.span_id_hex());
    }
    (span, context)
}

/// Where a processed message came from.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// `kafka` or `redis`.
    pub system: &'a str,
    /// The full topic or stream.
    pub topic: &'a str,
    /// The consumer group.
    pub group: &'a str,
    /// The partition (Kafka).
    pub partition: Option<i32>,
    /// The offset (Kafka).
    pub offset: Option<i64>,
    /// The `ce_id` (Kafka) or `id` field (Redis).
    pub message_id: Option<&'a str>,
    /// The `traceparent` it carries.
    pub traceparent: Option<&'a str>,
}

/// The span of the processing of a message, and its trace context: a child of the producer's
/// span when the message carries a valid `traceparent`, else the root of a new trace. When no
/// subscriber records it, a disabled span and no context, made without reading the
/// `traceparent` or drawing ids.
pub fn process_span(origin: &Origin<'_>) -> (Span, Option<TraceContext>) {
    let span = tracing::info_span!(
        "process",
        otel.name = %format!("process {}", origin.topic),
        otel.kind = "consumer",
        messaging.system = origin.system,
        "messaging.operation.type" = "process",
        messaging.destination.name = origin.topic,
        messaging.consumer.group.name = origin.group,
        messaging.destination.partition.id = origin.partition,
        messaging.kafka.offset = origin.offset,
        messaging.message.id = origin.message_id,
        trace_id = Empty,
        span_id = Empty,
        parent_span_id = Empty,
    );
    if span.is_disabled() {
        return (span, None);
    }
    let parent = origin.traceparent.and_then(TraceContext::parse);
    if let Some(parent) = &parent {
        otel::set_parent(&span, parent);
        span.record("parent_span_id", parent.span_id_hex());
    }
    let context = otel::context_of(&span)
        .unwrap_or_else(|| parent.map_or_else(TraceContext::new_root, |p| p.child()));
    span.record("trace_id", context.trace_id_hex());
    span.record("span_id", context.span_id_hex());
    (span, Some(context))
}

/// The OpenTelemetry side (feature `otlp`): the ids the OpenTelemetry layer gave a span, and the
/// remote parent of a processed message. Without the feature, or without the layer, nothing.
#[cfg(feature = "otlp")]
mod otel {
    use super::TraceContext;
    use opentelemetry::trace::{
        SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState,
    };
    use tracing_opentelemetry::OpenTelemetrySpanExt;

    pub(super) fn context_of(span: &tracing::Span) -> Option<TraceContext> {
        let context = span.context();
        let ids = context.span().span_context().clone();
        ids.is_valid().then(|| TraceContext {
            trace_id: ids.trace_id().to_bytes(),
            span_id: ids.span_id().to_bytes(),
            sampled: ids.is_sampled(),
        })
    }

    pub(super) fn set_parent(span: &tracing::Span, parent: &TraceContext) {
        let flags = if parent.sampled {
            TraceFlags::SAMPLED
        } else {
            TraceFlags::default()
        };
        let remote = SpanContext::new(
            TraceId::from_bytes(parent.trace_id),
            SpanId::from_bytes(parent.span_id),
            flags,
            true,
            TraceState::default(),
        );
        // Fails only when the span is already closed or not recorded by the layer.
        let _ = span.set_parent(opentelemetry::Context::new().with_remote_span_context(remote));
    }
}

#[cfg(not(feature = "otlp"))]
mod otel {
    use super::TraceContext;

    pub(super) fn context_of(_span: &tracing::Span) -> Option<TraceContext> {
        None
    }

    pub(super) fn set_parent(_span: &tracing::Span, _parent: &TraceContext) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparent_round_trips_and_bad_values_are_refused() {
        let context = TraceContext::new_root();
        let header = context.header();
        assert_eq!(header.len(), 55);
        assert_eq!(TraceContext::parse(&header), Some(context));
        let child = context.child();
        assert_eq!(child.trace_id, context.trace_id);
        assert_ne!(child.span_id, context.span_id);
        let w3c = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let parsed = TraceContext::parse(w3c).unwrap();
        let unsampled = w3c.replace("-01", "-00");
        assert_eq!(TraceContext::parse(&unsampled).unwrap().header(), unsampled);
        assert_eq!(parsed.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(parsed.header(), w3c);
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        ] {
            assert_eq!(TraceContext::parse(bad), None, "{bad}");
        }
    }
}
