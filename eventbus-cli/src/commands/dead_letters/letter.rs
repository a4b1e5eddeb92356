//! A dead letter, whatever the transport: what a list line, a JSON line and `show` print of it.

use crate::cli::DeadLetterSelection;
use crate::commands::CliError;
use crate::stdout::{noteln, outln};
use eventbus_runtime::avro::Reader;
use eventbus_runtime::kafka::dead_letter as dlq;
use eventbus_runtime::kafka::framing::unframe;
use eventbus_runtime::kafka::headers::EVENT_TYPE;
use eventbus_runtime::kafka::schema_registry::SchemaRegistryClient;
use eventbus_runtime::kafka::StoredMessage;
use eventbus_runtime::metadata_fields::last_value;
use eventbus_runtime::redis as redis_dlq;
use eventbus_runtime::redis::entry::{StreamEntry, EVENT_DATA, NAMES as REDIS_NAMES};
use eventbus_runtime::registry;
use eventbus_runtime::time::python_isoformat;
use serde_json::{json, Map, Value};

/// How many characters of the error a list line shows.
const ERROR_WIDTH: usize = 100;

/// The names of the headers (Kafka) or fields (Redis) a dead letter is described by.
pub(super) struct Names {
    pub(super) event_type: &'static str,
    pub(super) source: &'static str,
    pub(super) source_position: &'static [&'static str],
}

pub(super) const KAFKA: Names = Names {
    event_type: EVENT_TYPE,
    source: dlq::SOURCE_TOPIC,
    source_position: &[dlq::SOURCE_PARTITION, dlq::SOURCE_OFFSET],
};

pub(super) const REDIS: Names = Names {
    event_type: REDIS_NAMES.event_type,
    source: redis_dlq::DLQ_SOURCE_STREAM,
    source_position: &[redis_dlq::DLQ_SOURCE_ID],
};

/// A dead letter, whatever the transport.
pub(super) struct Letter {
    /// Kafka: (partition, offset); Redis: the entry id.
    pub(super) position: Position,
    /// Kafka: the headers; Redis: the fields.
    pub(super) headers: Vec<(String, Option<Vec<u8>>)>,
    /// Kafka: the key.
    pub(super) key: Option<Vec<u8>>,
    /// Kafka: the value; Redis: the event_data field.
    pub(super) value: Option<Vec<u8>>,
    /// Kafka: the timestamp (ms).
    pub(super) timestamp_ms: Option<i64>,
}

/// Where a dead letter is in the dead-letter topic or stream.
pub(super) enum Position {
    /// A Kafka message.
    Kafka { partition: i32, offset: i64 },
    /// A Redis stream entry.
    Redis { id: String },
}

impl Letter {
    pub(super) fn from_kafka(message: StoredMessage) -> Self {
        Letter {
            position: Position::Kafka {
                partition: message.partition,
                offset: message.offset,
            },
            headers: message.headers,
            key: message.key,
            value: message.value,
            timestamp_ms: message.timestamp_ms,
        }
    }

    pub(super) fn from_redis(entry: StreamEntry) -> Self {
        let headers = entry.fields.unwrap_or_default();
        let value = headers
            .iter()
            .find(|(name, _)| name == EVENT_DATA)
            .and_then(|(_, v)| v.clone());
        Letter {
            position: Position::Redis { id: entry.id },
            headers,
            key: None,
            value,
            timestamp_ms: None,
        }
    }

    /// The last value of a header as text.
    pub(super) fn get(&self, name: &str) -> Option<String> {
        last_value(&self.headers, name).map(String::from)
    }

    pub(super) fn or_dash(&self, name: &str) -> String {
        self.get(name).unwrap_or_else(|| "-".to_owned())
    }

    /// `12` (Kafka, one partition), `1/12` (Kafka, several), or the Redis id.
    pub(super) fn position_text(&self, several_partitions: bool) -> String {
        match &self.position {
            Position::Kafka { partition, offset } if several_partitions => {
                format!("{partition}/{offset}")
            }
            Position::Kafka { offset, .. } => offset.to_string(),
            Position::Redis { id } => id.clone(),
        }
    }

    /// `topic/partition@offset` (Kafka) or `stream@id` (Redis).
    pub(super) fn source_text(&self, names: &Names) -> String {
        let position: Vec<String> = names
            .source_position
            .iter()
            .map(|name| self.or_dash(name))
            .collect();
        match position.as_slice() {
            [partition, offset] => format!("{}/{partition}@{offset}", self.or_dash(names.source)),
            _ => format!("{}@{}", self.or_dash(names.source), position.join("@")),
        }
    }

    pub(super) fn selected(&self, names: &Names, selection: &DeadLetterSelection) -> bool {
        let matches = |wanted: &Option<String>, name: &str| {
            wanted
                .as_ref()
                .is_none_or(|w| self.get(name).as_deref() == Some(w.as_str()))
        };
        matches(&selection.event_type, names.event_type)
            && matches(&selection.error_kind, dlq::ERROR_KIND)
    }

    pub(super) fn line(&self, names: &Names, several_partitions: bool) -> String {
        let error = self.or_dash(dlq::ERROR).replace(['\n', '\r'], " ");
        let error = match error.char_indices().nth(ERROR_WIDTH) {
            Some((cut, _)) => format!("{}…", &error[..cut]),
            None => error,
        };
        format!(
            "{}  {}  {}  {}  {}  {error}",
            self.position_text(several_partitions),
            self.or_dash(names.event_type),
            self.or_dash(dlq::ERROR_KIND),
            self.source_text(names),
            self.or_dash(dlq::FAILED_AT),
        )
    }

    pub(super) fn json(&self, names: &Names) -> Value {
        let mut line = Map::new();
        match &self.position {
            Position::Kafka { partition, offset } => {
                line.insert("partition".into(), json!(partition));
                line.insert("offset".into(), json!(offset));
                line.insert("timestamp_ms".into(), json!(self.timestamp_ms));
            }
            Position::Redis { id } => {
                line.insert("id".into(), json!(id));
            }
        }
        for (field, name) in [
            ("event_type", names.event_type),
            ("error_kind", dlq::ERROR_KIND),
            ("error", dlq::ERROR),
            ("source", names.source),
            ("failed_at", dlq::FAILED_AT),
        ] {
            line.insert(field.into(), json!(self.get(name)));
        }
        let headers: Vec<Value> = self
            .headers
            .iter()
            .map(|(name, value)| json!([name, bytes_json(value.as_deref())]))
            .collect();
        line.insert("headers".into(), Value::Array(headers));
        if let Position::Kafka { .. } = self.position {
            line.insert("key".into(), bytes_json(self.key.as_deref()));
        }
        Value::Object(line)
    }
}

/// Bytes as JSON: a string when they are UTF-8, else `{"hex": ...}`; `null` for none.
fn bytes_json(bytes: Option<&[u8]>) -> Value {
    match bytes {
        None => Value::Null,
        Some(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) => json!(text),
            Err(_) => json!({ "hex": hex(bytes) }),
        },
    }
}

/// Bytes as lowercase hex.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Print dead letters as list lines or JSON lines.
pub(super) fn print_letters(
    letters: &[Letter],
    names: &Names,
    several_partitions: bool,
    json: bool,
) -> Result<(), CliError> {
    for letter in letters {
        if json {
            outln!("{}", letter.json(names))?;
        } else {
            outln!("{}", letter.line(names, several_partitions))?;
        }
    }
    Ok(())
}

/// Whether the dead letter came from `source` (a dead-letter topic shared by several topics
/// holds others'); one without the header is kept.
pub(super) fn from_source(letter: &Letter, names: &Names, source: &str) -> bool {
    letter.get(names.source).is_none_or(|s| s == source)
}

/// Say on standard error how many dead letters of other sources (a shared dead-letter topic or
/// stream) were passed over.
pub(super) fn note_others(others: usize, source: &str) {
    if others > 0 {
        noteln!("{others} dead letter(s) of other sources than {source} passed over");
    }
}

/// Everything about a dead letter: position, headers, key, value decoded when possible.
pub(super) async fn print_letter(
    letter: &Letter,
    names: &Names,
    registry: Option<&SchemaRegistryClient>,
) -> Result<(), CliError> {
    match &letter.position {
        Position::Kafka { partition, offset } => outln!(
            "partition {partition}, offset {offset}, timestamp {}",
            letter.timestamp_ms.map_or_else(
                || "-".to_owned(),
                |ms| match chrono::DateTime::from_timestamp_millis(ms) {
                    Some(time) => format!("{ms} ({})", python_isoformat(&time)),
                    None => ms.to_string(),
                }
            )
        )?,
        Position::Redis { id } => outln!("id {id}")?,
    }
    outln!(
        "{}:",
        if registry.is_some() {
            "headers"
        } else {
            "fields"
        }
    )?;
    for (name, value) in &letter.headers {
        if registry.is_none() && name == EVENT_DATA {
            continue;
        }
        outln!("  {name}: {}", text_or_hex(value.as_deref()))?;
    }
    if registry.is_some() {
        outln!("key: {}", key_text(letter.key.as_deref()))?;
    }
    let event_type = letter.get(names.event_type);
    match decode_value(letter, event_type.as_deref(), registry).await {
        Ok(event) => outln!(
            "value: {} event: {event}",
            event_type.as_deref().unwrap_or_default()
        )?,
        Err(reason) => outln!(
            "value ({reason}): {}",
            letter
                .value
                .as_deref()
                .map_or_else(|| "none".to_owned(), hex)
        )?,
    }
    Ok(())
}

/// A header value as text, else hex.
fn text_or_hex(value: Option<&[u8]>) -> String {
    match value {
        None => "(no value)".to_owned(),
        Some(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) => text.to_owned(),
            Err(_) => format!("(hex) {}", hex(bytes)),
        },
    }
}

/// A Kafka key: framed Avro (as the producer writes it) shown as its string, and its bytes.
fn key_text(key: Option<&[u8]>) -> String {
    let Some(key) = key else {
        return "(none)".to_owned();
    };
    let decoded = unframe(key).ok().and_then(|(id, avro)| {
        let mut reader = Reader::new(avro);
        let text = reader.read_str().ok()?;
        (reader.remaining() == 0).then(|| format!("{text:?} (Avro string, schema id {id}); "))
    });
    format!("{}hex {}", decoded.unwrap_or_default(), hex(key))
}

/// The value as the event's JSON, or why it cannot be decoded. Kafka: framed, with the writer
/// schema from the registry; Redis: the local schema.
async fn decode_value(
    letter: &Letter,
    event_type: Option<&str>,
    registry: Option<&SchemaRegistryClient>,
) -> Result<Value, String> {
    let event_type = event_type.ok_or("no event type header")?;
    let descriptor = registry::find(event_type)
        .ok_or_else(|| format!("event type {event_type} unknown to this build"))?;
    let value = letter.value.as_deref().ok_or("no value")?;
    let event = match registry {
        Some(registry) => {
            let (id, avro) = unframe(value).map_err(|e| e.to_string())?;
            let writer = registry
                .schema_by_id(id)
                .await
                .map_err(|e| format!("schema {id}: {e}"))?;
            descriptor.decode(avro, Some(&writer.parsed))
        }
        None => descriptor.decode(value, None),
    }
    .map_err(|e| format!("not decodable: {e}"))?;
    Ok(event.to_json())
}
