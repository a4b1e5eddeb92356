//! What operators used to the Python commands expect (issue 14): `consume` prints event types
//! this build does not know instead of dead-lettering them, and says where each event was read
//! from; `consume_events`' `-t/-g/--group_id` spellings; `produce --signal`; the Python signal in
//! `events show|list`; `config check --setting` on Django and YAML settings files; `produce`
//! reporting every data error at once. On the real Kafka broker, registry and Redis where they
//! take part.

mod support;

use base64::prelude::{Engine, BASE64_STANDARD};
use eventbus_runtime::avro::{write_long, write_string};
use eventbus_runtime::kafka::framing::frame;
use eventbus_runtime::kafka::headers::owned_headers;
use eventbus_runtime::kafka::schema_registry::SchemaRegistryClient;
use eventbus_runtime::redis::entry::entry_fields;
use eventbus_runtime::settings::names;
use eventbus_runtime::EventsMetadata;
use serde_json::{json, Value};
use std::time::Duration;
use support::{
    committed_and_dead_letters, create_topic, env, eventbus, eventbus_on_services, run, services,
    REDIS_URL, XBLOCK_DATA, XBLOCK_PUBLISHED,
};

const MADE_UP: &str = "org.example.made_up.v1";
const MADE_UP_SCHEMA: &str = r#"{"type": "record", "name": "CloudEvent", "namespace": "org.example.made_up.v1", "fields": [{"name": "name", "type": "string"}, {"name": "count", "type": "long"}, {"name": "note", "type": ["null", "string"], "default": null}, {"name": "raw", "type": "bytes"}]}"#;
const USAGE_KEY: &str = "block-v1:edX+DemoX+2026+type@html+block@intro";

/// The data of the made-up event: name "Ada", count 3, note "hi", raw 00 ff.
fn made_up_data() -> Vec<u8> {
    let mut avro = Vec::new();
    write_string(&mut avro, "Ada");
    write_long(&mut avro, 3);
    write_long(&mut avro, 1); // union branch: string
    write_string(&mut avro, "hi");
    eventbus_runtime::avro::write_bytes(&mut avro, &[0x00, 0xff]);
    avro
}

fn lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Write a message of the made-up event type to partition 0 of `topic` as a producer of another
/// service would: value and key schemas registered, framed value and key, metadata headers.
fn produce_made_up(topic: &str, metadata: &EventsMetadata) -> u32 {
    use rdkafka::producer::{FutureProducer, FutureRecord};
    let (servers, registry_url) = services();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let registry = SchemaRegistryClient::new(
            &registry_url,
            None,
            &eventbus_runtime::settings::RegistryTls::default(),
        )
        .unwrap();
        let value_id = registry
            .register(&format!("{topic}-{MADE_UP}.CloudEvent"), MADE_UP_SCHEMA)
            .await
            .unwrap();
        let key_id = registry
            .register(&format!("{topic}-string"), r#"{"type": "string"}"#)
            .await
            .unwrap();
        let mut key = Vec::new();
        write_string(&mut key, "made-up-key");
        let producer: FutureProducer = rdkafka::ClientConfig::new()
            .set("bootstrap.servers", &servers)
            .create()
            .unwrap();
        let (key, value) = (frame(key_id, &key), frame(value_id, &made_up_data()));
        let record = FutureRecord::to(topic)
            .partition(0)
            .key(&key)
            .payload(&value)
            .headers(owned_headers(metadata));
        producer
            .send(record, Duration::from_secs(30))
            .await
            .unwrap();
        value_id
    })
}

#[test]
fn kafka_consume_prints_unknown_event_types_decoded_and_commits_them() {
    let topic = format!("cli-unknown-{}", uuid::Uuid::new_v4().simple());
    let dead_letter_topic = format!("{topic}-dead-letter");
    create_topic(&topic);
    let metadata = EventsMetadata::new(MADE_UP, 0);
    let schema_id = produce_made_up(&topic, &metadata);
    // A known event after it, produced by its Python signal name.
    let out = run(eventbus_on_services()
        .args(["produce", "--signal"])
        .arg("openedx_events.content_authoring.signals.XBLOCK_PUBLISHED")
        .args(["--topic", &topic, "--data", XBLOCK_DATA]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let delivery: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(delivery["event_type"], XBLOCK_PUBLISHED);
    assert_eq!(delivery["offset"], 1);
    let from_start = r#"{"offset_time": "2020-01-01T00:00:00Z", "max_messages": 2}"#;

    // The library behaviour on request: the unknown type fails the message (here: stop).
    let group = format!("{topic}-strict");
    let out = run(eventbus_on_services()
        .env(names::CONSUMER_ON_ERROR, "stop")
        .args(["consume", "-t", &topic, "-g", &group, "--no-print-unknown"])
        .args(["--extra", from_start])
        .timeout(Duration::from_secs(60)));
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("unrecognized type org.example.made_up.v1 found on message"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout, "");
    // Not committed past the replay's start, nothing dead-lettered.
    assert_eq!(
        committed_and_dead_letters(&group, &topic, &dead_letter_topic),
        (Some(0), 0)
    );

    // The default: printed, decoded with the writer schema, committed, not dead-lettered.
    let group = format!("{topic}-inspect");
    let out = run(eventbus_on_services()
        .args(["consume", "-t", &topic, "-g", &group, "--extra", from_start])
        .timeout(Duration::from_secs(60)));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let printed = lines(&out.stdout);
    assert_eq!(printed.len(), 2, "{}", out.stdout);
    assert_eq!(
        printed[0],
        json!({
            "event_type": MADE_UP,
            "unknown": true,
            "metadata": metadata.to_json(),
            "data": {"name": "Ada", "count": 3, "note": "hi", "raw": "\u{0}\u{ff}"},
            "schema_id": schema_id,
            "topic": topic,
            "partition": 0,
            "offset": 0,
            "key": "made-up-key",
        })
    );
    assert_eq!(printed[1]["event_type"], XBLOCK_PUBLISHED);
    assert_eq!(printed[1]["metadata"]["id"], delivery["id"]);
    assert_eq!(
        (
            &printed[1]["topic"],
            &printed[1]["partition"],
            &printed[1]["offset"]
        ),
        (&json!(topic), &json!(0), &json!(1))
    );
    assert_eq!(printed[1]["key"], USAGE_KEY);
    assert!(
        out.stderr.contains("2 event(s) processed, 0 dead-lettered"),
        "{}",
        out.stderr
    );
    assert_eq!(
        committed_and_dead_letters(&group, &topic, &dead_letter_topic),
        (Some(2), 0)
    );

    // `--group_id` as consume_events spells it, and a --signal that is checked, then ignored.
    let group = format!("{topic}-python");
    let out = run(eventbus_on_services()
        .args(["consume", "--topic", &topic, "--group_id", &group])
        .args([
            "--signal",
            "openedx_events.learning.signals.CERTIFICATE_CREATED",
        ])
        .args([
            "--extra",
            r#"{"offset_time": "2020-01-01T00:00:00Z", "max_messages": 1}"#,
        ])
        .timeout(Duration::from_secs(60)));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(lines(&out.stdout)[0]["event_type"], MADE_UP);
    let out = run(eventbus_on_services()
        .args(["consume", "-t", &topic, "-g", &group])
        .args([
            "--signal",
            "openedx_events.learning.signals.CERTIFICATE_CREATD",
        ]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(
        out.stderr.trim(),
        "error: unknown signal \"openedx_events.learning.signals.CERTIFICATE_CREATD\": expected a \
         Python path such as openedx_events.learning.signals.CERTIFICATE_CREATED; did you mean \
         openedx_events.learning.signals.CERTIFICATE_CREATED?"
    );
}

#[test]
fn redis_consume_prints_unknown_event_types_undecoded_and_acknowledges_them() {
    let url = env(REDIS_URL);
    let stream = format!("cli-unknown-{}", uuid::Uuid::new_v4().simple());
    let metadata = EventsMetadata::new(MADE_UP, 0);
    let mut redis = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let mut xadd = redis::cmd("XADD");
    xadd.arg(&stream).arg("*");
    for (name, value) in entry_fields(&metadata, made_up_data()) {
        xadd.arg(name).arg(value);
    }
    let entry_id: String = xadd.query(&mut redis).unwrap();

    let out = run(eventbus()
        .env(REDIS_URL, &url)
        .args(["consume", "--backend", "redis", "-t", &stream, "-g", "g"])
        .args(["--consumer-name", "cli"])
        .args(["--extra", r#"{"check_backlog": true, "max_messages": 1}"#])
        .timeout(Duration::from_secs(60)));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        lines(&out.stdout),
        [json!({
            "event_type": MADE_UP,
            "unknown": true,
            "metadata": metadata.to_json(),
            "data": null,
            "data_base64": BASE64_STANDARD.encode(made_up_data()),
            "data_error": "no writer schema: Redis entries carry the Avro data alone",
            "stream": stream,
            "entry_id": entry_id,
        })]
    );
    // Acknowledged, not dead-lettered.
    let pending: Vec<redis::Value> = redis::cmd("XPENDING")
        .arg(&stream)
        .arg("g")
        .query(&mut redis)
        .unwrap();
    assert_eq!(pending[0], redis::Value::Int(0));
    let dead_letters: i64 = redis::cmd("EXISTS")
        .arg(format!("{stream}-dead-letter"))
        .query(&mut redis)
        .unwrap();
    assert_eq!(dead_letters, 0);
    let _: i64 = redis::cmd("DEL").arg(&stream).query(&mut redis).unwrap();
}

#[test]
fn events_show_and_list_name_the_python_signal() {
    let out = run(eventbus().args([
        "events",
        "show",
        "org.openedx.learning.certificate.created.v1",
    ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("\npython signal: openedx_events.learning.signals.CERTIFICATE_CREATED\n"),
        "{}",
        out.stdout
    );
    let out = run(eventbus().args(["events", "list", "--json"]));
    let certificate = lines(&out.stdout)
        .into_iter()
        .find(|l| l["event_type"] == "org.openedx.learning.certificate.created.v1")
        .unwrap();
    assert_eq!(
        certificate["python_signal"],
        "openedx_events.learning.signals.CERTIFICATE_CREATED"
    );
    let out = run(eventbus().args(["events", "list"]));
    let row = out
        .stdout
        .lines()
        .find(|l| l.starts_with("org.openedx.learning.certificate.created.v1 "))
        .unwrap();
    let columns: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        columns,
        [
            "org.openedx.learning.certificate.created.v1",
            "0",
            "certificate.course.course_key",
            "openedx_events.learning.signals.CERTIFICATE_CREATED"
        ]
    );
}

#[test]
fn produce_reports_every_data_error_with_suggestions() {
    // Checked before any bus is needed.
    let out = run(eventbus()
        .args(["produce", "--event-type", XBLOCK_PUBLISHED, "--topic", "t"])
        .args([
            "--data",
            r#"{"xblock_info": {"usage_kye": "block-v1:edX+DemoX+2026+type@html+block@intro", "block_typ": "html", "version": 3}}"#,
        ]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        out.stderr.trim(),
        "error: invalid --data for org.openedx.content_authoring.xblock.published.v1: 3 problem(s)\n  \
         field `xblock_info.usage_kye`: unknown field; did you mean `usage_key`?\n  \
         field `xblock_info.block_typ`: unknown field; did you mean `block_type`?\n  \
         field `xblock_info.version`: expected a usage key string, found number 3"
    );
    // --signal and --event-type name the event twice.
    let out = run(eventbus()
        .args(["produce", "--event-type", XBLOCK_PUBLISHED, "--topic", "t"])
        .args([
            "--signal",
            "openedx_events.content_authoring.signals.XBLOCK_PUBLISHED",
        ])
        .args(["--data", XBLOCK_DATA]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("cannot be used with"), "{}", out.stderr);
}

const SETTINGS_PY: &str = r#"from .common import *  # noqa

EVENT_BUS_PRODUCER = 'edx_event_bus_kafka.create_producer'
EVENT_BUS_PRODUCER_CONFIG = {
    'org.openedx.learning.certificate.created.v1': {
        'learning-certificate-lifecycle': {
            'event_key_field': 'certificate.course.course_key',
            'enabled': True,
        },
    },
    "org.openedx.content_authoring.xblock.published.v1": {
        "content-authoring-xblock-lifecycle": {"event_key_field": "xblock_info.usage_key", "enabled": False},
    },
}
"#;

const SETTINGS_YML: &str = "PLATFORM_NAME: Demo\nEVENT_BUS_PRODUCER_CONFIG:\n  \
    org.openedx.learning.certificate.created.v1:\n    learning-certificate-lifecycle:\n      \
    event_key_field: certificate.course.course_key\n      enabled: true\n";

#[test]
fn config_check_reads_the_setting_out_of_django_and_yaml_settings_files() {
    let dir = std::env::temp_dir().join(format!("eventbus-cli-setting-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let check = |path: &std::path::Path, setting: &str| {
        run(eventbus()
            .args(["config", "check", "--setting", setting])
            .arg(path))
    };
    let setting = "EVENT_BUS_PRODUCER_CONFIG";

    let py = write("settings.py", SETTINGS_PY);
    let out = check(&py, setting);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.ends_with(&format!(
            "valid: 2 event type(s), 1 enabled topic(s), 1 disabled \
             (EVENT_BUS_PRODUCER_CONFIG in file `{}`)\n",
            py.display()
        )),
        "{}",
        out.stdout
    );
    let bad = write(
        "bad.py",
        &SETTINGS_PY.replace("'enabled': True", "'enabled': Derived(lambda s: True)"),
    );
    let out = check(&bad, setting);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        out.stderr.trim(),
        format!(
            "error: {}: the value of EVENT_BUS_PRODUCER_CONFIG (assigned on line 4) is not a \
             Python literal: line 8, column 24: `Derived` is a name, not a literal: this reader \
             does not run Python, so the value must be written out (dicts, lists, strings, \
             numbers, True, False, None)",
            bad.display()
        )
    );
    let out = check(&py, "EVENT_BUS_PRODUCER_CONFIGS");
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        out.stderr.trim(),
        format!(
            "error: {}: no top-level assignment `EVENT_BUS_PRODUCER_CONFIGS = ...`; did you mean \
             EVENT_BUS_PRODUCER_CONFIG?",
            py.display()
        )
    );

    let yml = write("config.yml", SETTINGS_YML);
    let out = check(&yml, setting);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("valid: 1 event type(s), 1 enabled topic(s), 0 disabled"),
        "{}",
        out.stdout
    );
    // The value is checked as any configuration: a wrong key field is named.
    let wrong = write(
        "wrong.yml",
        &SETTINGS_YML.replace("certificate.course.course_key", "certificate.course.key"),
    );
    let out = check(&wrong, setting);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout.contains("certificate.course.key"),
        "{}",
        out.stdout
    );
    let out = check(&yml, "EVENT_BUS_PRODUCER_CONFIGS");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr.trim(),
        format!(
            "error: {}: no top-level key EVENT_BUS_PRODUCER_CONFIGS; did you mean \
             EVENT_BUS_PRODUCER_CONFIG?",
            yml.display()
        )
    );
    let broken = write("broken.yml", "EVENT_BUS_PRODUCER_CONFIG:\n  a: [1\n");
    let out = check(&broken, setting);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains(&format!("{} is not valid YAML: ", broken.display()))
            && out.stderr.contains("line 3"),
        "{}",
        out.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}
