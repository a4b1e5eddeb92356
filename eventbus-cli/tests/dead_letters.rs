//! `eventbus dead-letters list|show|redrive` on the real Kafka broker, schema registry and Redis
//! of `scripts/services.sh`: messages the consumer cannot process are written to the topic
//! directly, `eventbus consume` dead-letters them, then they are listed, shown and a selection
//! of them redriven; the source topic then holds exactly those messages again, as they were.

mod support;

use eventbus_runtime::kafka::{
    KafkaAdmin, RawMessage, RawProducer, ReadRange, StoredMessage, TopicReader,
};
use eventbus_runtime::redis::entry::StreamEntry;
use eventbus_runtime::redis::RedisStreams;
use serde_json::Value;
use support::{eventbus_on_services, run, Output};

const XBLOCK_PUBLISHED: &str = "org.openedx.content_authoring.xblock.published.v1";
const USAGE_KEY: &str = "block-v1:edX+DemoX+2026+type@html+block@intro";

fn unique(name: &str) -> String {
    format!("{name}-{}", uuid::Uuid::new_v4().simple())
}

/// Run `future` on the test's runtime, one for the whole binary: the Redis connection's task
/// lives on it between calls.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME
        .get_or_init(|| tokio::runtime::Runtime::new().unwrap())
        .block_on(future)
}

fn produce(backend: &str, topic: &str) -> Value {
    let out = run(eventbus_on_services()
        .args([
            "produce",
            "--backend",
            backend,
            "--event-type",
            XBLOCK_PUBLISHED,
        ])
        .args(["--topic", topic, "--data"])
        .arg(format!(
            r#"{{"xblock_info": {{"usage_key": "{USAGE_KEY}", "block_type": "html"}}}}"#
        )));
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(out.stdout.trim()).unwrap()
}

/// Every message of a Kafka topic (one partition), read to its end.
fn read_all(topic: &str) -> Vec<StoredMessage> {
    let settings = support::kafka_settings();
    block_on(async {
        let info = KafkaAdmin::new(&settings)
            .unwrap()
            .describe_topic(topic)
            .await
            .unwrap()
            .unwrap();
        let mut reader = TopicReader::open(&settings, &info, &ReadRange::default()).unwrap();
        let mut messages = Vec::new();
        while let Some(message) = reader.next().await.unwrap() {
            messages.push(message);
        }
        messages
    })
}

/// The consumer groups the brokers know.
fn groups() -> Vec<String> {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    let consumer: BaseConsumer = rdkafka::ClientConfig::new()
        .set(
            "bootstrap.servers",
            support::env("EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS"),
        )
        .create()
        .unwrap();
    consumer
        .fetch_group_list(None, std::time::Duration::from_secs(10))
        .unwrap()
        .groups()
        .iter()
        .map(|g| g.name().to_owned())
        .collect()
}

/// A message with one header replaced.
fn with_header(message: &StoredMessage, name: &str, value: &str) -> StoredMessage {
    let mut changed = message.clone();
    for (k, v) in &mut changed.headers {
        if k == name {
            *v = Some(value.as_bytes().to_vec());
        }
    }
    changed
}

fn produce_raw(producer: &RawProducer, topic: &str, message: &StoredMessage) {
    block_on(producer.send(&RawMessage {
        topic,
        key: message.key.as_deref(),
        value: message.value.as_deref(),
        headers: &message.headers,
    }))
    .unwrap();
}

fn dead_letters(args: &[&str]) -> Output {
    run(eventbus_on_services().arg("dead-letters").args(args))
}

/// The list lines without their last two columns (failed-at, error).
fn line_starts(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(|l| l.split("  ").take(4).collect::<Vec<_>>().join("  "))
        .collect()
}

#[test]
fn kafka_dead_letters_are_listed_shown_and_redriven() {
    let topic = unique("cli-dlq");
    let dead_letter = format!("{topic}-dead-letter");
    let out = run(eventbus_on_services().args(["topics", "create", &topic]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Offsets: 0 good, 1 wrong magic byte, 2 bad ce_time, 3 good, 4 bad ce_time, 5 good.
    produce("kafka", &topic);
    let good = read_all(&topic).remove(0);
    let mut magic = good.clone();
    magic.value.as_mut().unwrap()[0] = 1;
    let time_a = with_header(&good, "ce_time", "yesterday");
    let time_b = with_header(
        &with_header(&good, "ce_time", "tomorrow"),
        "ce_id",
        &uuid::Uuid::new_v4().to_string(),
    );
    let producer = RawProducer::new(&support::kafka_settings(), "test producer").unwrap();
    produce_raw(&producer, &topic, &magic);
    produce_raw(&producer, &topic, &time_a);
    produce("kafka", &topic);
    produce_raw(&producer, &topic, &time_b);
    produce("kafka", &topic);

    let group = unique("g");
    let out = run(eventbus_on_services()
        .args(["consume", "--topic", &topic, "--group-id", &group])
        .args([
            "--offset-time",
            "2020-01-01T00:00:00Z",
            "--max-messages",
            "3",
        ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("3 event(s) processed, 3 dead-lettered"),
        "{}",
        out.stderr
    );

    // list: one line per dead letter.
    let out = dead_letters(&["list", &topic]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        line_starts(&out.stdout),
        [
            format!("0  {XBLOCK_PUBLISHED}  wrong-magic-byte  {topic}/0@1"),
            format!("1  {XBLOCK_PUBLISHED}  invalid-header  {topic}/0@2"),
            format!("2  {XBLOCK_PUBLISHED}  invalid-header  {topic}/0@4"),
        ]
    );
    assert!(
        out.stdout
            .lines()
            .next()
            .unwrap()
            .ends_with("unknown magic byte 0x01; expected 0x00 (schema registry framing)"),
        "{}",
        out.stdout
    );
    let out = dead_letters(&["list", &topic, "--error-kind", "invalid-header", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["offset"], 1);
    assert_eq!(lines[1]["offset"], 2);
    assert_eq!(lines[0]["error_kind"], "invalid-header");
    assert_eq!(lines[0]["source"], topic.as_str());
    let headers = lines[1]["headers"].as_array().unwrap();
    let header = |name: &str| -> Vec<&Value> {
        headers
            .iter()
            .filter(|h| h[0] == name)
            .map(|h| &h[1])
            .collect()
    };
    assert_eq!(header("ce_time"), [&Value::from("tomorrow")]);
    assert_eq!(header("dlq_source_offset"), [&Value::from("4")]);
    assert_eq!(header("dlq_source_partition"), [&Value::from("0")]);
    assert_eq!(headers.len(), time_b.headers.len() + 8, "{headers:?}");

    // show: every header, the key, the value decoded (the registry knows its schema).
    let out = dead_letters(&["show", &topic, "--offset", "1"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for expected in [
        "partition 0, offset 1, timestamp ".to_owned(),
        "  ce_time: yesterday\n".to_owned(),
        "  dlq_error_kind: invalid-header\n".to_owned(),
        format!("  dlq_source_topic: {topic}\n"),
        "  dlq_source_offset: 2\n".to_owned(),
        format!("key: \"{USAGE_KEY}\" (Avro string, schema id "),
        format!(
            "value: {XBLOCK_PUBLISHED} event: {{\"xblock_info\":{{\"usage_key\":\"{USAGE_KEY}\",\
             \"block_type\":\"html\",\"version\":null}}}}\n"
        ),
    ] {
        assert!(
            out.stdout.contains(&expected),
            "{expected:?} not in:\n{}",
            out.stdout
        );
    }
    let out = dead_letters(&["show", &topic, "--offset", "0"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let value_hex: String = magic
        .value
        .as_ref()
        .unwrap()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(
        out.stdout.ends_with(&format!(
            "value (unknown magic byte 0x01; expected 0x00 (schema registry framing)): \
             {value_hex}\n"
        )),
        "{}",
        out.stdout
    );
    let out = dead_letters(&["show", &topic, "--offset", "9"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("no dead letter at offset 9 of {dead_letter}")),
        "{}",
        out.stderr
    );

    // redrive: a dry run sends nothing.
    let out = dead_letters(&[
        "redrive",
        &topic,
        "--error-kind",
        "invalid-header",
        "--dry-run",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout
            .lines()
            .filter(|l| l.starts_with("would redrive 1  "))
            .count(),
        1
    );
    assert_eq!(
        out.stdout
            .lines()
            .filter(|l| l.starts_with("would redrive 2  "))
            .count(),
        1
    );
    assert!(
        out.stdout.ends_with(&format!(
            "dry run: 2 dead letter(s) of {dead_letter} would be redriven to {topic}, partition 0 \
             offsets 1..=2\n"
        )),
        "{}",
        out.stdout
    );
    assert_eq!(read_all(&topic).len(), 6);

    // By error kind: exactly the two bad-time messages are back, as they were.
    let out = dead_letters(&["redrive", &topic, "--error-kind", "invalid-header"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout.lines().take(2).collect::<Vec<_>>(),
        [
            format!("redriven 1 -> {topic}/0@6"),
            format!("redriven 2 -> {topic}/0@7"),
        ]
    );
    assert!(
        out.stdout.contains(&format!(
            "redriven 2 of 2 dead letter(s) of {dead_letter} to {topic}, partition 0 offsets \
             1..=2; the dead letters stay in {dead_letter} (Kafka cannot delete them)"
        )),
        "{}",
        out.stdout
    );
    let same = |a: &StoredMessage, b: &StoredMessage| {
        assert_eq!(
            (&a.key, &a.value, &a.headers),
            (&b.key, &b.value, &b.headers)
        );
    };
    let messages = read_all(&topic);
    assert_eq!(messages.len(), 8);
    same(&messages[6], &time_a);
    same(&messages[7], &time_b);

    // By offset range: the wrong magic byte one only.
    let out = dead_letters(&["redrive", &topic, "--from-offset", "0", "--to-offset", "0"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("redriven 1 of 1 dead letter(s)"),
        "{}",
        out.stdout
    );
    let messages = read_all(&topic);
    assert_eq!(messages.len(), 9);
    same(&messages[8], &magic);
    // The dead letters stay.
    assert_eq!(read_all(&dead_letter).len(), 3);

    // Reading joined no group and committed nothing: the brokers know the consumer's group and
    // no reader's.
    let groups = groups();
    assert!(groups.contains(&group), "{groups:?}");
    assert_eq!(
        groups
            .iter()
            .filter(|g| g.starts_with("eventbus-reader-"))
            .count(),
        0,
        "{groups:?}"
    );

    // A source topic that is gone: each failure is reported with its offset, exit 3.
    block_on(
        KafkaAdmin::new(&support::kafka_settings())
            .unwrap()
            .delete_topics(&[&topic]),
    )
    .unwrap();
    let out = run(eventbus_on_services()
        .env("EVENT_BUS_KAFKA_PRODUCE_TIMEOUT", "2")
        .args(["dead-letters", "redrive", &topic, "--from-offset", "1"]));
    assert_eq!(out.code, 3, "{}", out.stderr);
    for offset in [1, 2] {
        assert_eq!(
            out.stderr
                .lines()
                .filter(|l| l.starts_with(&format!(
                    "offset {offset}: not redriven: delivery to {topic} failed: "
                )))
                .count(),
            1,
            "{}",
            out.stderr
        );
    }
    assert!(
        out.stdout.contains(&format!(
            "redriven 0 of 2 dead letter(s) of {dead_letter} to {topic}, partition 0 offsets \
             1..=2;"
        )),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.ends_with(&format!(
            "error: 2 dead letter(s) could not be redriven to {topic} (see above)\n"
        )),
        "{}",
        out.stderr
    );

    // The options of the other backend are refused.
    let out = dead_letters(&["redrive", &topic, "--delete"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("--delete (Kafka cannot delete messages) not for the kafka backend"),
        "{}",
        out.stderr
    );
}

/// Every entry of a stream.
fn entries(streams: &RedisStreams, stream: &str) -> Vec<StreamEntry> {
    block_on(async {
        let mut range = streams.range(stream, None, None).await.unwrap();
        let mut all = Vec::new();
        loop {
            let page = range.next_page().await.unwrap();
            if page.is_empty() {
                return all;
            }
            all.extend(page);
        }
    })
}

type Fields = Vec<(String, Option<Vec<u8>>)>;

fn replaced(fields: &Fields, name: &str, value: Option<&str>) -> Fields {
    fields
        .iter()
        .filter_map(|(k, v)| match (k == name, value) {
            (false, _) => Some((k.clone(), v.clone())),
            (true, Some(value)) => Some((k.clone(), Some(value.as_bytes().to_vec()))),
            (true, None) => None,
        })
        .collect()
}

#[test]
fn redis_dead_letters_are_listed_shown_redriven_and_deleted() {
    let topic = unique("cli-dlq");
    let dead_letter = format!("{topic}-dead-letter");
    let streams = block_on(RedisStreams::connect(&support::redis_settings())).unwrap();
    let add = |fields: &Fields| block_on(streams.add(&topic, fields, None)).unwrap();
    produce("redis", &topic);
    let good = entries(&streams, &topic).remove(0).fields.unwrap();
    let no_id = replaced(&good, "id", None);
    let unknown = replaced(&good, "type", Some("org.openedx.nope.v1"));
    let bad_time = replaced(&good, "time", Some("yesterday"));
    let source_ids = [add(&no_id), add(&unknown), add(&bad_time)];
    produce("redis", &topic);

    let out = run(eventbus_on_services()
        .args(["consume", "--backend", "redis", "--topic", &topic])
        .args(["--group-id", "g", "--consumer-name", "cli"])
        // The library's behaviour: an unknown event type is dead-lettered, not printed.
        .arg("--no-print-unknown")
        .args(["--extra", r#"{"check_backlog": true, "max_messages": 2}"#]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("2 event(s) processed, 3 dead-lettered"),
        "{}",
        out.stderr
    );
    let letters = entries(&streams, &dead_letter);
    assert_eq!(letters.len(), 3);
    let ids: Vec<&str> = letters.iter().map(|l| l.id.as_str()).collect();

    // topics list and describe show the streams.
    let out = run(eventbus_on_services().args(["topics", "list", "--backend", "redis"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let ours: Vec<&str> = out.stdout.lines().filter(|l| l.contains(&topic)).collect();
    assert_eq!(
        ours,
        [
            format!("{topic}  5 entries"),
            format!("{dead_letter}  3 entries  dead letters of {topic}"),
        ]
    );
    let out =
        run(eventbus_on_services().args(["topics", "describe", "--backend", "redis", &topic]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let all = entries(&streams, &topic);
    assert_eq!(
        out.stdout,
        format!(
            "stream {topic}: 5 entries, first {}, last {}\n  group g: 1 consumer(s), 0 pending, \
             last delivered {}, lag 0\ndead-letter stream {dead_letter}: 3 entries, first {}, \
             last {}\n",
            all[0].id, all[4].id, all[4].id, ids[0], ids[2]
        )
    );

    let out = dead_letters(&["list", "--backend", "redis", &topic]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        line_starts(&out.stdout),
        [
            format!(
                "{}  {XBLOCK_PUBLISHED}  missing-header  {topic}@{}",
                ids[0], source_ids[0]
            ),
            format!(
                "{}  org.openedx.nope.v1  unknown-event-type  {topic}@{}",
                ids[1], source_ids[1]
            ),
            format!(
                "{}  {XBLOCK_PUBLISHED}  invalid-header  {topic}@{}",
                ids[2], source_ids[2]
            ),
        ]
    );
    let out = dead_letters(&[
        "list",
        "--backend",
        "redis",
        &topic,
        "--json",
        "--event-type",
        "org.openedx.nope.v1",
    ]);
    let line: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(line["id"], ids[1]);
    assert_eq!(line["error_kind"], "unknown-event-type");
    assert_eq!(line["headers"].as_array().unwrap().len(), good.len() + 6);

    let out = dead_letters(&["show", "--backend", "redis", &topic, "--id", ids[2]]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for expected in [
        format!("id {}\nfields:\n  type: {XBLOCK_PUBLISHED}\n", ids[2]),
        "  time: yesterday\n".to_owned(),
        "  dlq_error_kind: invalid-header\n".to_owned(),
        format!("  dlq_source_id: {}\n", source_ids[2]),
        format!(
            "value: {XBLOCK_PUBLISHED} event: {{\"xblock_info\":{{\"usage_key\":\"{USAGE_KEY}\",\
             \"block_type\":\"html\",\"version\":null}}}}\n"
        ),
    ] {
        assert!(
            out.stdout.contains(&expected),
            "{expected:?} not in:\n{}",
            out.stdout
        );
    }
    let out = dead_letters(&["show", "--backend", "redis", &topic, "--id", ids[1]]);
    assert!(
        out.stdout
            .contains("value (event type org.openedx.nope.v1 unknown to this build): "),
        "{}",
        out.stdout
    );

    // Redrive by error kind, deleting: the entry is back as it was, and gone from the dead letters.
    let out = dead_letters(&[
        "redrive",
        "--backend",
        "redis",
        &topic,
        "--error-kind",
        "invalid-header",
        "--delete",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let all = entries(&streams, &topic);
    assert_eq!(all.len(), 6);
    assert_eq!(all[5].fields.as_ref().unwrap(), &bad_time);
    assert_eq!(
        out.stdout,
        format!(
            "redriven {} -> {topic}@{}\nredriven 1 of 1 dead letter(s) of {dead_letter} to \
             {topic}, ids {}..={}; 1 deleted from {dead_letter}\n",
            ids[2], all[5].id, ids[2], ids[2]
        )
    );
    let left: Vec<String> = entries(&streams, &dead_letter)
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(left, [ids[0], ids[1]]);

    // By id range, a dry run, then for real without --delete.
    let range = ["--from-id", ids[0], "--to-id", ids[0]];
    let out = dead_letters(
        &[
            &["redrive", "--backend", "redis", &topic, "--dry-run"][..],
            &range,
        ]
        .concat(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout
            .lines()
            .filter(|l| l.starts_with("would redrive "))
            .count(),
        1
    );
    assert_eq!(entries(&streams, &topic).len(), 6);
    let out = dead_letters(&[&["redrive", "--backend", "redis", &topic][..], &range].concat());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let all = entries(&streams, &topic);
    assert_eq!(all.len(), 7);
    assert_eq!(all[6].fields.as_ref().unwrap(), &no_id);
    assert_eq!(entries(&streams, &dead_letter).len(), 2);

    let out = dead_letters(&["show", "--backend", "redis", &topic, "--id", "latest"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("--id `latest` is not a stream entry id"),
        "{}",
        out.stderr
    );
    let out = dead_letters(&["list", "--backend", "redis", &topic, "--from-offset", "1"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("--from-offset not for the redis backend"),
        "{}",
        out.stderr
    );
}

/// What `dead-letters` reads is bounded by the end the topic or stream had when the read began:
/// messages added while reading are not read, and a Redis range is read page by page in order.
#[test]
fn reads_stop_at_the_end_seen_at_the_start() {
    // Kafka: 3 messages, a reader opened, 2 more produced: the reader gives the 3, then ends.
    let topic = unique("cli-bounded");
    support::create_topic(&topic);
    let settings = support::kafka_settings();
    let producer = RawProducer::new(&settings, "test producer").unwrap();
    let message = |n: usize| StoredMessage {
        topic: topic.clone(),
        partition: 0,
        offset: 0,
        timestamp_ms: None,
        key: Some(format!("k{n}").into_bytes()),
        value: Some(format!("v{n}").into_bytes()),
        headers: vec![("n".to_owned(), Some(n.to_string().into_bytes()))],
    };
    for n in 0..3 {
        produce_raw(&producer, &topic, &message(n));
    }
    let read: Vec<(i64, Option<Vec<u8>>)> = block_on(async {
        let info = KafkaAdmin::new(&settings)
            .unwrap()
            .describe_topic(&topic)
            .await
            .unwrap()
            .unwrap();
        let mut reader = TopicReader::open(&settings, &info, &ReadRange::default()).unwrap();
        let first = reader.next().await.unwrap().unwrap();
        for n in 3..5 {
            producer
                .send(&RawMessage {
                    topic: &topic,
                    key: None,
                    value: Some(format!("v{n}").as_bytes()),
                    headers: &[],
                })
                .await
                .unwrap();
        }
        let mut read = vec![(first.offset, first.value)];
        while let Some(m) = reader.next().await.unwrap() {
            read.push((m.offset, m.value));
        }
        read
    });
    assert_eq!(
        read,
        [
            (0, Some(b"v0".to_vec())),
            (1, Some(b"v1".to_vec())),
            (2, Some(b"v2".to_vec()))
        ]
    );
    assert_eq!(read_all(&topic).len(), 5);

    // Redis: 250 entries (three pages), 10 more added after the range was opened.
    let stream = unique("cli-bounded");
    let streams = block_on(RedisStreams::connect(&support::redis_settings())).unwrap();
    let field = |n: usize| vec![("n".to_owned(), Some(n.to_string().into_bytes()))];
    let ids: Vec<String> = (0..250)
        .map(|n| block_on(streams.add(&stream, &field(n), None)).unwrap())
        .collect();
    let read: Vec<String> = block_on(async {
        let mut range = streams.range(&stream, None, None).await.unwrap();
        assert_eq!(range.end(), Some(ids[249].as_str()));
        for n in 250..260 {
            streams.add(&stream, &field(n), None).await.unwrap();
        }
        let mut read = Vec::new();
        loop {
            let page = range.next_page().await.unwrap();
            if page.is_empty() {
                return read;
            }
            read.extend(page.into_iter().map(|e| e.id));
        }
    });
    assert_eq!(read, ids);
    // A range between two ids, both included.
    let between: Vec<String> = block_on(async {
        let mut range = streams
            .range(&stream, Some(&ids[10]), Some(&ids[12]))
            .await
            .unwrap();
        range
            .next_page()
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect()
    });
    assert_eq!(between, ids[10..=12]);
}

/// A dead-letter stream shared by several topics (EVENT_BUS_REDIS_DEAD_LETTER_STREAM): a topic's
/// commands see its own dead letters only, and say how many others they passed over.
#[test]
fn a_shared_dead_letter_stream_shows_each_topic_its_own() {
    let shared = unique("cli-shared-dlq");
    let (a, b) = (unique("cli-a"), unique("cli-b"));
    let streams = block_on(RedisStreams::connect(&support::redis_settings())).unwrap();
    let letter = |source: &str, kind: &str| -> Fields {
        [
            ("type", XBLOCK_PUBLISHED),
            ("dlq_error", "boom"),
            ("dlq_error_kind", kind),
            ("dlq_source_stream", source),
            ("dlq_source_id", "1-0"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Some(v.as_bytes().to_vec())))
        .collect()
    };
    let ids: Vec<String> = [(&a, "decode"), (&b, "receiver-error"), (&a, "no-value")]
        .iter()
        .map(|(source, kind)| block_on(streams.add(&shared, &letter(source, kind), None)).unwrap())
        .collect();
    let out = run(eventbus_on_services()
        .env("EVENT_BUS_REDIS_DEAD_LETTER_STREAM", &shared)
        .args(["dead-letters", "list", "--backend", "redis", &a]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        line_starts(&out.stdout),
        [
            format!("{}  {XBLOCK_PUBLISHED}  decode  {a}@1-0", ids[0]),
            format!("{}  {XBLOCK_PUBLISHED}  no-value  {a}@1-0", ids[2]),
        ]
    );
    assert_eq!(
        out.stderr,
        format!("1 dead letter(s) of other sources than {a} passed over\n")
    );
}
