//! What a consumer records for each message it reads: the counts and duration of its
//! [`ConsumerMetrics`], and a `process` span that continues the producer's trace.

use super::metrics::{ConsumerMetrics, Processing};
use super::trace::{process_span, Origin, TRACEPARENT};
use crate::metadata_fields::{last_value, Field, FieldNames};

impl ConsumerMetrics {
    /// A message read with `fields` (its headers or entry fields, named as `names` says), at
    /// `partition` and `offset` for Kafka: counted consumed, timed until the returned value is
    /// dropped, and traced by a `process` span.
    pub(crate) fn processing(
        &self,
        fields: &[impl Field],
        names: &FieldNames,
        partition: Option<i32>,
        offset: Option<i64>,
    ) -> Processing {
        // Only read for a span someone records (with no subscriber at INFO, the span is
        // disabled and made without them).
        let traced = tracing::level_enabled!(tracing::Level::INFO);
        let message_id = traced.then(|| last_value(fields, names.id)).flatten();
        let traceparent = traced.then(|| last_value(fields, TRACEPARENT)).flatten();
        let (span, context) = process_span(&Origin {
            system: self.system().as_str(),
            topic: self.topic(),
            group: self.group(),
            partition,
            offset,
            message_id: message_id.as_deref(),
            traceparent: traceparent.as_deref(),
        });
        self.consumed(last_value(fields, names.event_type).as_deref())
            .traced(span, context)
    }
}
