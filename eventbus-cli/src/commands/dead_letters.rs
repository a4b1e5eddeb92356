//! `eventbus dead-letters`: list, show and redrive the dead letters of a topic, Kafka or Redis.
//!
//! Reading is bounded and outside any consumer group: Kafka, an assigned reader from the low
//! watermark (or --from-offset) up to the high watermark captured at the start; Redis, `XRANGE`
//! up to the last id at the start. Redriving sends each selected dead letter's original key,
//! value and headers (Redis: fields) back to the source, waits for each acknowledgement and
//! reports each failure.

use super::bus::{backend, block_on, redis_settings_from_env};
use super::CliError;
use crate::cli::{
    Backend, DeadLetterSelection, DeadLettersCommand, DeadLettersRedriveArgs, DeadLettersShowArgs,
};
use crate::stdout::{noteln, outln};
use eventbus_runtime::avro::Reader;
use eventbus_runtime::kafka::dead_letter::{self as dlq, original_headers};
use eventbus_runtime::kafka::framing::unframe;
use eventbus_runtime::kafka::headers::EVENT_TYPE;
use eventbus_runtime::kafka::{
    KafkaAdmin, RawMessage, RawProducer, ReadRange, StoredMessage, TopicReader,
};
use eventbus_runtime::redis::consumer as redis_dlq;
use eventbus_runtime::redis::entry::{StreamEntry, EVENT_DATA, NAMES as REDIS_NAMES};
use eventbus_runtime::redis::RedisStreams;
use eventbus_runtime::registry;
use eventbus_runtime::schema_registry::SchemaRegistryClient;
use eventbus_runtime::settings::{KafkaSettings, RedisSettings};
use serde_json::{json, Map, Value};
use std::process::ExitCode;

/// The setting that chooses the backend when --backend is not given: dead letters are a
/// consumer's.
const BACKEND_SETTING: &str = "EVENT_BUS_CONSUMER";

/// How many characters of the error a list line shows.
const ERROR_WIDTH: usize = 100;

/// The names of the headers (Kafka) or fields (Redis) a dead letter is described by.
struct Names {
    event_type: &'static str,
    source: &'static str,
    source_position: &'static [&'static str],
}

const KAFKA: Names = Names {
    event_type: EVENT_TYPE,
    source: dlq::SOURCE_TOPIC,
    source_position: &[dlq::SOURCE_PARTITION, dlq::SOURCE_OFFSET],
};

const REDIS: Names = Names {
    event_type: REDIS_NAMES.event_type,
    source: redis_dlq::DLQ_SOURCE_STREAM,
    source_position: &[redis_dlq::DLQ_SOURCE_ID],
};

/// A dead letter, whatever the transport.
struct Letter {
    /// Kafka: (partition, offset); Redis: the entry id.
    position: Position,
    /// Kafka: the headers; Redis: the fields.
    headers: Vec<(String, Option<Vec<u8>>)>,
    /// Kafka: the key.
    key: Option<Vec<u8>>,
    /// Kafka: the value; Redis: the event_data field.
    value: Option<Vec<u8>>,
    /// Kafka: the timestamp (ms).
    timestamp_ms: Option<i64>,
}

enum Position {
    Kafka { partition: i32, offset: i64 },
    Redis { id: String },
}

impl Letter {
    fn from_kafka(message: StoredMessage) -> Self {
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

    fn from_redis(entry: StreamEntry) -> Self {
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
    fn get(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.as_deref())
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }

    fn or_dash(&self, name: &str) -> String {
        self.get(name).unwrap_or_else(|| "-".to_owned())
    }

    /// `12` (Kafka, one partition), `1/12` (Kafka, several), or the Redis id.
    fn position_text(&self, several_partitions: bool) -> String {
        match &self.position {
            Position::Kafka { partition, offset } if several_partitions => {
                format!("{partition}/{offset}")
            }
            Position::Kafka { offset, .. } => offset.to_string(),
            Position::Redis { id } => id.clone(),
        }
    }

    /// `topic/partition@offset` (Kafka) or `stream@id` (Redis).
    fn source_text(&self, names: &Names) -> String {
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

    fn selected(&self, names: &Names, selection: &DeadLetterSelection) -> bool {
        let matches = |wanted: &Option<String>, name: &str| {
            wanted
                .as_ref()
                .is_none_or(|w| self.get(name).as_deref() == Some(w.as_str()))
        };
        matches(&selection.event_type, names.event_type)
            && matches(&selection.error_kind, dlq::ERROR_KIND)
    }

    fn line(&self, names: &Names, several_partitions: bool) -> String {
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

    fn json(&self, names: &Names) -> Value {
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn run(command: DeadLettersCommand) -> Result<ExitCode, CliError> {
    match command {
        DeadLettersCommand::List(args) => {
            let selection = &args.selection;
            match checked_backend(selection, false)? {
                Backend::Kafka => block_on(kafka_each(selection, |letter, several| {
                    print_letters(std::slice::from_ref(&letter), &KAFKA, several, args.json)
                }))?,
                Backend::Redis => block_on(redis_list(selection, args.json))?,
            }
        }
        DeadLettersCommand::Show(args) => block_on(show(args))?,
        DeadLettersCommand::Redrive(args) => match checked_backend(&args.selection, args.delete)? {
            Backend::Kafka => block_on(kafka_redrive(&args))?,
            Backend::Redis => block_on(redis_redrive(&args))?,
        },
    }
}

/// The backend, with the options of the other one refused.
fn checked_backend(selection: &DeadLetterSelection, delete: bool) -> Result<Backend, CliError> {
    let backend = backend(selection.backend, BACKEND_SETTING);
    let given = |options: &[(bool, &str)]| -> Vec<String> {
        options
            .iter()
            .filter(|(given, _)| *given)
            .map(|(_, name)| (*name).to_owned())
            .collect()
    };
    let wrong = match backend {
        Backend::Kafka => given(&[
            (selection.from_id.is_some(), "--from-id"),
            (selection.to_id.is_some(), "--to-id"),
            (delete, "--delete (Kafka cannot delete messages)"),
        ]),
        Backend::Redis => given(&[
            (selection.partition.is_some(), "--partition"),
            (selection.from_offset.is_some(), "--from-offset"),
            (selection.to_offset.is_some(), "--to-offset"),
        ]),
    };
    check_stream_id("--from-id", selection.from_id.as_deref())?;
    check_stream_id("--to-id", selection.to_id.as_deref())?;
    if wrong.is_empty() {
        Ok(backend)
    } else {
        Err(CliError::Usage(format!(
            "{} not for the {} backend",
            wrong.join(", "),
            match backend {
                Backend::Kafka => "kafka",
                Backend::Redis => "redis",
            }
        )))
    }
}

/// A usage error when the option `name` is given and not a stream entry id.
fn check_stream_id(name: &str, id: Option<&str>) -> Result<(), CliError> {
    match id {
        Some(id) if !is_stream_id(id) => Err(CliError::Usage(format!(
            "{name} `{id}` is not a stream entry id (MILLISECONDS-SEQUENCE, e.g. \
             1700000000000-0, as `dead-letters list` prints it)"
        ))),
        _ => Ok(()),
    }
}

/// Whether `id` is a Redis stream entry id: `MS-SEQ` or `MS`, in digits.
fn is_stream_id(id: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match id.split_once('-') {
        Some((ms, seq)) => digits(ms) && digits(seq),
        None => digits(id),
    }
}

fn print_letters(
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

/// The Kafka dead-letter topic of `topic` and a reader of `range` in it; whether it has several
/// partitions.
async fn kafka_reader(
    settings: &KafkaSettings,
    topic: &str,
    range: &ReadRange,
) -> Result<(TopicReader, bool), CliError> {
    let admin = KafkaAdmin::new(settings).map_err(|e| CliError::Usage(e.to_string()))?;
    let dead_letter = settings.full_topic(&settings.dead_letter_topic(topic));
    let Some(info) = admin
        .describe_topic(&dead_letter)
        .await
        .map_err(CliError::bus)?
    else {
        return Err(CliError::Refused(format!(
            "dead-letter topic {dead_letter} (of {}) does not exist on the Kafka brokers {}",
            settings.full_topic(topic),
            admin.servers()
        )));
    };
    if let Some(p) = range.partition {
        if !info.partitions.iter().any(|i| i.id == p) {
            return Err(CliError::Usage(format!(
                "{dead_letter} has no partition {p} (it has {})",
                info.partitions.len()
            )));
        }
    }
    let reader = TopicReader::open(settings, &info, range).map_err(CliError::bus)?;
    Ok((reader, info.partitions.len() > 1))
}

/// Read the selected Kafka dead letters of the topic and give each to `f`, with whether the
/// dead-letter topic has several partitions.
async fn kafka_each(
    selection: &DeadLetterSelection,
    mut f: impl FnMut(Letter, bool) -> Result<(), CliError>,
) -> Result<ExitCode, CliError> {
    let settings = super::bus::settings_from_env()?;
    let range = ReadRange {
        partition: selection.partition,
        from_offset: selection.from_offset,
        to_offset: selection.to_offset,
    };
    let (mut reader, several) = kafka_reader(&settings, &selection.topic, &range).await?;
    let source = settings.full_topic(&selection.topic);
    while let Some(message) = reader.next().await.map_err(CliError::bus)? {
        let letter = Letter::from_kafka(message);
        if from_source(&letter, &KAFKA, &source) && letter.selected(&KAFKA, selection) {
            f(letter, several)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether the dead letter came from `source` (a dead-letter topic shared by several topics
/// holds others'); one without the header is kept.
fn from_source(letter: &Letter, names: &Names, source: &str) -> bool {
    letter.get(names.source).is_none_or(|s| s == source)
}

async fn redis_streams(topic: &str) -> Result<(RedisSettings, RedisStreams, String), CliError> {
    let settings = redis_settings_from_env()?;
    let streams = RedisStreams::connect(&settings)
        .await
        .map_err(CliError::bus)?;
    let dead_letter = settings.full_topic(&settings.dead_letter_stream(topic));
    Ok((settings, streams, dead_letter))
}

/// The selected Redis dead letters of the topic, in id order.
async fn redis_letters(
    selection: &DeadLetterSelection,
) -> Result<(RedisSettings, RedisStreams, String, Vec<Letter>), CliError> {
    let (settings, streams, dead_letter) = redis_streams(&selection.topic).await?;
    let source = settings.full_topic(&selection.topic);
    let mut range = streams
        .range(
            &dead_letter,
            selection.from_id.as_deref(),
            selection.to_id.as_deref(),
        )
        .await
        .map_err(CliError::bus)?;
    let mut letters = Vec::new();
    loop {
        let page = range.next_page().await.map_err(CliError::bus)?;
        if page.is_empty() {
            break;
        }
        letters.extend(
            page.into_iter()
                .map(Letter::from_redis)
                .filter(|l| from_source(l, &REDIS, &source) && l.selected(&REDIS, selection)),
        );
    }
    Ok((settings, streams, dead_letter, letters))
}

async fn redis_list(selection: &DeadLetterSelection, json: bool) -> Result<ExitCode, CliError> {
    let (_, _, _, letters) = redis_letters(selection).await?;
    print_letters(&letters, &REDIS, false, json)?;
    Ok(ExitCode::SUCCESS)
}

async fn show(args: DeadLettersShowArgs) -> Result<ExitCode, CliError> {
    check_stream_id("--id", args.id.as_deref())?;
    let selection = DeadLetterSelection {
        backend: args.backend,
        topic: args.topic,
        partition: args.partition,
        from_offset: args.offset,
        to_offset: args.offset,
        from_id: args.id.clone(),
        to_id: args.id.clone(),
        event_type: None,
        error_kind: None,
    };
    match checked_backend(&selection, false)? {
        Backend::Kafka => {
            let Some(offset) = args.offset else {
                return Err(CliError::Usage("give --offset N (the dead letter's offset in the dead-letter topic, as `dead-letters list` prints it)".into()));
            };
            let settings = super::bus::settings_from_env()?;
            let range = ReadRange {
                partition: args.partition,
                from_offset: Some(offset),
                to_offset: Some(offset),
            };
            let (mut reader, several) = kafka_reader(&settings, &selection.topic, &range).await?;
            if several && args.partition.is_none() {
                return Err(CliError::Usage(
                    "the dead-letter topic has several partitions: give --partition P too".into(),
                ));
            }
            let Some(message) = reader.next().await.map_err(CliError::bus)? else {
                return Err(CliError::Refused(format!(
                    "no dead letter at offset {offset} of {} (see `eventbus dead-letters list {}`)",
                    settings.full_topic(&settings.dead_letter_topic(&selection.topic)),
                    selection.topic
                )));
            };
            let letter = Letter::from_kafka(message);
            let registry = SchemaRegistryClient::from_settings(&settings)
                .map_err(|e| CliError::Usage(e.to_string()))?;
            print_letter(&letter, &KAFKA, Some(&registry)).await?;
        }
        Backend::Redis => {
            let Some(id) = &args.id else {
                return Err(CliError::Usage("give --id ID (the dead letter's entry id in the dead-letter stream, as `dead-letters list` prints it)".into()));
            };
            let (_, _, dead_letter, letters) = redis_letters(&selection).await?;
            let Some(letter) = letters
                .into_iter()
                .find(|l| matches!(&l.position, Position::Redis { id: found } if found == id))
            else {
                return Err(CliError::Refused(format!(
                    "no dead letter with id {id} in {dead_letter} (see `eventbus dead-letters list --backend redis {}`)",
                    selection.topic
                )));
            };
            print_letter(&letter, &REDIS, None).await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Everything about a dead letter: position, headers, key, value decoded when possible.
async fn print_letter(
    letter: &Letter,
    names: &Names,
    registry: Option<&SchemaRegistryClient>,
) -> Result<(), CliError> {
    match &letter.position {
        Position::Kafka { partition, offset } => outln!(
            "partition {partition}, offset {offset}, timestamp {}",
            letter
                .timestamp_ms
                .map_or_else(|| "-".to_owned(), |t| t.to_string())
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

async fn kafka_redrive(args: &DeadLettersRedriveArgs) -> Result<ExitCode, CliError> {
    let selection = &args.selection;
    let settings = super::bus::settings_from_env()?;
    let source = settings.full_topic(&selection.topic);
    let dead_letter = settings.full_topic(&settings.dead_letter_topic(&selection.topic));
    let mut letters = Vec::new();
    let mut several = false;
    kafka_each(selection, |letter, many| {
        several = many;
        letters.push(letter);
        Ok(())
    })
    .await?;
    if args.dry_run {
        for letter in &letters {
            outln!("would redrive {}", letter.line(&KAFKA, several))?;
        }
        outln!(
            "dry run: {} dead letter(s) of {dead_letter} would be redriven to {source}{}",
            letters.len(),
            kafka_range_text(&letters)
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let producer = RawProducer::new(&settings, "redrive producer")
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let mut failed = 0usize;
    for letter in &letters {
        let headers = original_headers(&letter.headers);
        let sent = producer
            .send(&RawMessage {
                topic: &source,
                key: letter.key.as_deref(),
                value: letter.value.as_deref(),
                headers: &headers,
            })
            .await;
        let at = letter.position_text(several);
        match sent {
            Ok(delivery) => outln!(
                "redriven {at} -> {}/{}@{}",
                delivery.topic,
                delivery.partition,
                delivery.offset
            )?,
            Err(error) => {
                failed += 1;
                noteln!("offset {at}: not redriven: {error}");
            }
        }
    }
    outln!(
        "redriven {} of {} dead letter(s) of {dead_letter} to {source}{}; the dead letters stay \
         in {dead_letter} (Kafka cannot delete them): redriving the same offsets again sends \
         them again",
        letters.len() - failed,
        letters.len(),
        kafka_range_text(&letters)
    )?;
    if failed > 0 {
        return Err(CliError::Bus(format!(
            "{failed} dead letter(s) could not be redriven to {source} (see above)"
        )));
    }
    Ok(ExitCode::SUCCESS)
}

/// `, offsets A..B` per partition of the letters (first and last).
fn kafka_range_text(letters: &[Letter]) -> String {
    let mut ranges: std::collections::BTreeMap<i32, (i64, i64)> = Default::default();
    for letter in letters {
        if let Position::Kafka { partition, offset } = letter.position {
            let range = ranges.entry(partition).or_insert((offset, offset));
            range.0 = range.0.min(offset);
            range.1 = range.1.max(offset);
        }
    }
    ranges
        .iter()
        .map(|(p, (first, last))| format!(", partition {p} offsets {first}..={last}"))
        .collect()
}

async fn redis_redrive(args: &DeadLettersRedriveArgs) -> Result<ExitCode, CliError> {
    let (settings, streams, dead_letter, letters) = redis_letters(&args.selection).await?;
    let source = settings.full_topic(&args.selection.topic);
    let range = match (letters.first(), letters.last()) {
        (Some(first), Some(last)) => format!(
            ", ids {}..={}",
            first.position_text(false),
            last.position_text(false)
        ),
        _ => String::new(),
    };
    if args.dry_run {
        for letter in &letters {
            outln!("would redrive {}", letter.line(&REDIS, false))?;
        }
        outln!(
            "dry run: {} dead letter(s) of {dead_letter} would be redriven to {source}{range}",
            letters.len()
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let (mut failed, mut deleted, mut not_deleted) = (0usize, 0usize, 0usize);
    for letter in &letters {
        let at = letter.position_text(false);
        let fields: Vec<(String, Option<Vec<u8>>)> = letter
            .headers
            .iter()
            .filter(|(name, _)| !dlq::is_dead_letter_header(name))
            .cloned()
            .collect();
        match streams
            .add(&source, &fields, settings.stream_max_len())
            .await
        {
            Ok(id) => {
                outln!("redriven {at} -> {source}@{id}")?;
                if args.delete {
                    match streams.delete(&dead_letter, &at).await {
                        Ok(_) => deleted += 1,
                        Err(error) => {
                            not_deleted += 1;
                            noteln!("id {at}: redriven as {id} but not deleted: {error}");
                        }
                    }
                }
            }
            Err(error) => {
                failed += 1;
                noteln!("id {at}: not redriven: {error}");
            }
        }
    }
    let kept = if args.delete {
        format!("; {deleted} deleted from {dead_letter}")
    } else {
        format!("; the dead letters stay in {dead_letter} (--delete removes them once redriven)")
    };
    outln!(
        "redriven {} of {} dead letter(s) of {dead_letter} to {source}{range}{kept}",
        letters.len() - failed,
        letters.len()
    )?;
    if failed + not_deleted > 0 {
        return Err(CliError::Bus(format!(
            "{failed} dead letter(s) could not be redriven to {source}, {not_deleted} redriven \
             but not deleted from {dead_letter} (see above)"
        )));
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::is_stream_id;

    #[test]
    fn stream_ids() {
        for id in ["1700000000000-0", "5", "0-1"] {
            assert!(is_stream_id(id), "{id}");
        }
        for id in ["", "-", "1-", "-1", "a-0", "1-0-0", "(1-0", "+"] {
            assert!(!is_stream_id(id), "{id}");
        }
    }
}
