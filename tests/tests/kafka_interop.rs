//! Interoperability with the Python event bus (`edx-event-bus-kafka` 6.2.0, `openedx-events`
//! 11.2.0) through the real broker and registry: events the Rust producer writes are read by the
//! Python consumer's own loop, events the Python producer writes are dispatched by the Rust
//! consumer, and both register the same schemas under the same subjects, so they share ids.
//!
//! The same both ways on the test broker's SASL_SSL listener (PLAIN), each side configured by
//! the Python settings `EVENT_BUS_KAFKA_API_KEY`/`_SECRET` (Python trusts the test CA through
//! `EVENTBUS_TEST_KAFKA_SSL_CA_LOCATION`, see `tests/python/kafka_interop.py` for why).
//!
//! Needs the services (`eval "$(scripts/services.sh up)"`) and the reference Python venv
//! (`EVENTBUS_PYTHON`, else the one `scripts/python-venv.sh` creates).

#[path = "support/kafka.rs"]
mod kafka_support;
#[path = "support/mod.rs"]
mod support;

use chrono::{SubsecRound, Utc};
use eventbus_runtime::avro::schema::python_json;
use eventbus_runtime::avro::Example;
use eventbus_runtime::kafka::framing::unframe;
use eventbus_runtime::kafka::schema_registry::SchemaRegistryClient;
use eventbus_runtime::kafka::{key_subject, value_subject};
use eventbus_runtime::kafka::{KafkaConsumer, KafkaProducer};
use eventbus_runtime::key::key_schema;
use eventbus_runtime::registry::{self, EventDescriptor};
use eventbus_runtime::settings::KafkaSettings;
use eventbus_runtime::EventsMetadata;
use kafka_support::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::process::{Command, Output};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(120);

/// The serializable catalog events whose schema a registry accepts (the Avro name rules exclude
/// `...redemption-reversed.v1`, which Python cannot register either).
fn events() -> Vec<&'static EventDescriptor> {
    openedx_events::link();
    let events: Vec<_> = registry::all()
        .filter(|d| d.is_serializable() && !d.event_type.contains('-'))
        .collect();
    assert!(events.len() >= 70, "{} events", events.len());
    events
}

/// Run `tests/python/kafka_interop.py` with the reference Python and the test's settings.
fn python(settings: &KafkaSettings, args: &[&str]) -> Output {
    python_with(settings, &[], args)
}

/// [`python`] with more environment variables.
fn python_with(settings: &KafkaSettings, extra: &[(&str, String)], args: &[&str]) -> Output {
    let script = support::workspace_root().join("tests/python/kafka_interop.py");
    Command::new(support::python())
        .arg(&script)
        .args(args)
        .envs(extra.iter().map(|(k, v)| (*k, v.as_str())))
        .env(
            "EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS",
            settings.bootstrap_servers(),
        )
        .env(
            "EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL",
            settings.schema_registry_url(),
        )
        .env(
            "EVENT_BUS_TOPIC_PREFIX",
            settings.topic_prefix().unwrap_or_default(),
        )
        .env("EVENTS_SERVICE_NAME", "python-interop")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()))
}

fn python_ok(settings: &KafkaSettings, args: &[&str]) -> Output {
    python_ok_with(settings, &[], args)
}

/// [`python_ok`] with more environment variables.
fn python_ok_with(settings: &KafkaSettings, extra: &[(&str, String)], args: &[&str]) -> Output {
    let output = python_with(settings, extra, args);
    assert!(
        output.status.success(),
        "kafka_interop.py {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_events_are_consumed_by_the_python_consumer() {
    let settings = builder(&unique("r2p")).build().unwrap();
    let topic = "rust-to-python";
    create_topics(&settings, &[&settings.full_topic(topic)], 2).await;
    let producer = KafkaProducer::new(&settings).unwrap();
    let mut sent = HashMap::new();
    for d in events() {
        let event = d.example(Example::Full).unwrap();
        let metadata =
            EventsMetadata::at(d.event_type, d.minor_version, Utc::now().trunc_subsecs(6));
        producer
            .send_event(topic, &key_path(d), event.clone(), &metadata)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", d.event_type));
        sent.insert(
            metadata.id.to_string(),
            (d.event_type, event.to_json(), metadata),
        );
    }
    producer.close().await.unwrap();

    let dir = support::scratch_dir("kafka-r2p");
    let out = dir.join("consumed.json");
    let count = sent.len().to_string();
    python_ok(
        &settings,
        &[
            "consume",
            topic,
            &unique("py"),
            &count,
            out.to_str().unwrap(),
        ],
    );
    let answer = support::read_json(&out);
    assert_eq!(
        answer["errors"],
        json!([]),
        "the Python consumer logged errors"
    );
    let received = answer["events"].as_array().unwrap();
    assert_eq!(received.len(), sent.len());
    let mut decoder_quirks = BTreeMap::new();
    for event in received {
        let id = event["metadata"]["id"].as_str().unwrap();
        let (event_type, json, metadata) = &sent[id];
        assert_eq!(event["event_type"], *event_type);
        assert_eq!(
            event["metadata"],
            metadata.to_json(),
            "{event_type}: metadata"
        );
        assert_eq!(event["from_event_bus"], true);
        // The bytes on the wire, as fastavro reads them with the registered schema.
        assert_eq!(event["wire"], *json, "{event_type}: wire");
        let names: Vec<&str> = event["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h[0].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "ce_specversion",
                "content-type",
                "ce_datacontenttype",
                "ce_type",
                "ce_id",
                "ce_source",
                "ce_time",
                "ce_minorversion",
                "sourcehost",
                "sourcelib",
                "traceparent"
            ]
        );
        // What the Python receivers got: the same data, but for the decoder quirk.
        let diff = support::python_decoder_quirks(event_type, json, &event["data"]);
        if !diff.is_empty() {
            decoder_quirks.insert(*event_type, diff);
        }
    }
    println!("Python decoder replaced falsy values by defaults in: {decoder_quirks:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_events_are_dispatched_by_the_rust_consumer_and_schema_ids_are_shared() {
    let settings = builder(&unique("p2r")).build().unwrap();
    let topic = "python-to-rust";
    let full = settings.full_topic(topic);
    create_topics(&settings, &[&full], 2).await;
    let events = events();
    let request: Vec<Value> = events
        .iter()
        .map(|d| {
            json!({
                "event_type": d.event_type,
                "key_field": key_path(d),
                "data": d.example(Example::Full).unwrap().to_json(),
            })
        })
        .collect();
    let dir = support::scratch_dir("kafka-p2r");
    let (input, out) = (dir.join("request.json"), dir.join("produced.json"));
    std::fs::write(&input, serde_json::to_string(&request).unwrap()).unwrap();
    python_ok(
        &settings,
        &[
            "produce",
            topic,
            input.to_str().unwrap(),
            out.to_str().unwrap(),
        ],
    );
    let produced = support::read_json(&out);
    let produced = produced["sent"].as_array().unwrap();
    assert_eq!(produced.len(), events.len());

    let collector = Collector::connect(events.iter().copied());
    let mut expected = HashMap::new();
    for (item, sent) in produced.iter().zip(&request) {
        let metadata = EventsMetadata::from_json(&item["metadata"]).unwrap();
        collector.expect(metadata.id);
        expected.insert(
            metadata.id,
            (item["event_type"].clone(), sent["data"].clone(), metadata),
        );
    }
    let running = Running::start(KafkaConsumer::new(&settings, topic, &unique("g")).unwrap());
    let received = collector.wait_for(expected.len(), WAIT).await;
    let summary = running.stop().await.unwrap();
    assert_eq!(summary.dead_lettered, 0);
    for r in &received {
        let (event_type, data, metadata) = &expected[&r.metadata.id];
        assert_eq!(*event_type, r.event_type);
        assert_eq!(r.json, *data, "{}", r.event_type);
        assert_eq!(r.metadata, *metadata, "{}", r.event_type);
        assert_eq!(r.metadata.source, "openedx/python-interop/web");
        assert!(r.from_event_bus);
    }

    // The texts Python registered are ours, byte for byte: a registry that compares texts
    // (Confluent's, without normalization) would otherwise make a second version.
    let mut python_texts: HashMap<String, BTreeSet<String>> = HashMap::new();
    for registration in support::read_json(&out)["registered"].as_array().unwrap() {
        python_texts
            .entry(registration["subject"].as_str().unwrap().to_owned())
            .or_default()
            .insert(
                registration["request"]["schema"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
    }
    let mut rust_texts: HashMap<String, BTreeSet<String>> = HashMap::new();
    for d in &events {
        let schema = d.schema().unwrap();
        let key = key_schema(schema.json(), &key_path(d)).unwrap();
        rust_texts
            .entry(value_subject(&full, d.event_type))
            .or_default()
            .insert(schema.registry_text().to_owned());
        // Key subjects are shared (`<topic>-string`): each key field registers its definition.
        rust_texts
            .entry(key_subject(&full, &key))
            .or_default()
            .insert(python_json(&key));
    }
    assert_eq!(python_texts.len(), rust_texts.len());
    for (subject, texts) in &rust_texts {
        assert_eq!(
            python_texts.get(subject),
            Some(texts),
            "{subject}: Python registered other texts"
        );
    }
    let key_texts = &rust_texts[&format!("{full}-string")];
    assert!(key_texts.contains(r#"{"name": "usage_key", "type": "string"}"#));
    assert!(key_texts.len() > 5, "{key_texts:?}");

    // The Rust producer registers the same texts under the same subjects: same schema ids.
    let producer = KafkaProducer::new(&settings).unwrap();
    for d in &events {
        producer
            .send_event(
                topic,
                &key_path(d),
                d.example(Example::Full).unwrap(),
                &EventsMetadata::new(d.event_type, 0),
            )
            .await
            .unwrap();
    }
    producer.close().await.unwrap();
    let messages = read_topic(&settings, &full, 2 * events.len(), WAIT).await;
    let mut ids: HashMap<String, BTreeSet<(u32, u32)>> = HashMap::new();
    for m in &messages {
        let (key_id, _) = unframe(m.key.as_deref().unwrap()).unwrap();
        let (value_id, _) = unframe(m.value.as_deref().unwrap()).unwrap();
        ids.entry(m.header("ce_type"))
            .or_default()
            .insert((key_id, value_id));
    }
    assert_eq!(ids.len(), events.len());
    for (event_type, pairs) in ids {
        assert_eq!(
            pairs.len(),
            1,
            "{event_type}: Python and Rust used different schema ids {pairs:?}"
        );
    }
    // And one version per subject after both produced (Apicurio compares the parsed schemas:
    // the key texts of one shared key subject are all the schema `"string"`).
    let registry = SchemaRegistryClient::from_settings(&settings).unwrap();
    for subject in rust_texts.keys() {
        assert_eq!(registry.versions(subject).await.unwrap(), [1], "{subject}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_cannot_register_the_redemption_reversed_schema_either() {
    openedx_events::link();
    let Some(d) = registry::all().find(|d| d.is_serializable() && d.event_type.contains('-'))
    else {
        return;
    };
    let settings = builder(&unique("dash")).build().unwrap();
    let topic = "dash";
    create_topics(&settings, &[&settings.full_topic(topic)], 1).await;
    let request = json!([{
        "event_type": d.event_type,
        "key_field": key_path(d),
        "data": d.example(Example::Full).unwrap().to_json(),
    }]);
    let dir = support::scratch_dir("kafka-dash");
    let (input, out) = (dir.join("request.json"), dir.join("produced.json"));
    std::fs::write(&input, request.to_string()).unwrap();
    let output = python(
        &settings,
        &[
            "produce",
            topic,
            input.to_str().unwrap(),
            out.to_str().unwrap(),
        ],
    );
    assert!(!output.status.success(), "Python produced {}", d.event_type);
    let errors = support::read_json(&out)["errors"].to_string();
    assert!(errors.contains("422"), "{errors}");
}

/// A test setting `scripts/services.sh env` exports; panics naming it when absent.
fn service_setting(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: start the services with `eval \"$(scripts/services.sh up)\"`")
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_and_python_share_a_sasl_ssl_topic_both_ways() {
    const N: usize = 5;
    init_tracing();
    let servers = service_setting("EVENTBUS_TEST_KAFKA_SASL_PLAIN_SERVERS");
    let (user, password) = (
        service_setting("EVENTBUS_TEST_KAFKA_SASL_USER"),
        service_setting("EVENTBUS_TEST_KAFKA_SASL_PASSWORD"),
    );
    let ca = format!("{}/ca.pem", service_setting("EVENTBUS_TEST_TLS_DIR"));
    let (_, registry_url) = service_env();
    let prefix = unique("sasl-interop");
    // Rust: the Python settings and the CA, nothing else about security.
    let vars: HashMap<&str, String> = HashMap::from([
        ("EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS", servers.clone()),
        ("EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL", registry_url),
        ("EVENT_BUS_TOPIC_PREFIX", prefix),
        ("EVENT_BUS_KAFKA_API_KEY", user.clone()),
        ("EVENT_BUS_KAFKA_API_SECRET", password.clone()),
        ("EVENT_BUS_KAFKA_SSL_CA_LOCATION", ca.clone()),
        ("EVENT_BUS_KAFKA_CONSUMER_POLL_TIMEOUT", "0.2".to_owned()),
        (
            "EVENT_BUS_KAFKA_OPTION_AUTO_OFFSET_RESET",
            "earliest".to_owned(),
        ),
    ]);
    let settings =
        KafkaSettings::from_vars(vars.into_iter().map(|(k, v)| (k.to_owned(), v))).unwrap();
    // Python: the same API key settings (kafka_interop.py passes them to the library).
    let python_env = [
        ("EVENT_BUS_KAFKA_API_KEY", user),
        ("EVENT_BUS_KAFKA_API_SECRET", password),
        ("EVENTBUS_TEST_KAFKA_SSL_CA_LOCATION", ca),
    ];
    let topic = "sasl-interop";
    create_topics(&settings, &[&settings.full_topic(topic)], 1).await;
    let login = descriptor(LOGIN);

    // Rust to Python.
    let producer = KafkaProducer::new(&settings).unwrap();
    let sent = send_example_logins(&producer, topic, N).await;
    producer.close().await.unwrap();
    let dir = support::scratch_dir("kafka-sasl-interop");
    let out = dir.join("consumed.json");
    python_ok_with(
        &settings,
        &python_env,
        &[
            "consume",
            topic,
            &unique("py"),
            &N.to_string(),
            out.to_str().unwrap(),
        ],
    );
    let answer = support::read_json(&out);
    assert_eq!(
        answer["errors"],
        json!([]),
        "the Python consumer logged errors"
    );
    let got: BTreeSet<String> = answer["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["metadata"]["id"].as_str().unwrap().to_owned())
        .collect();
    let want: BTreeSet<String> = sent.iter().map(|m| m.id.to_string()).collect();
    assert_eq!(got, want, "Python received exactly what Rust sent");

    // Python to Rust.
    let request: Vec<Value> = (0..N)
        .map(|_| {
            json!({
                "event_type": LOGIN,
                "key_field": "user.pii.username",
                "data": login.example(Example::Full).unwrap().to_json(),
            })
        })
        .collect();
    let (input, produced) = (dir.join("request.json"), dir.join("produced.json"));
    std::fs::write(&input, serde_json::to_string(&request).unwrap()).unwrap();
    python_ok_with(
        &settings,
        &python_env,
        &[
            "produce",
            topic,
            input.to_str().unwrap(),
            produced.to_str().unwrap(),
        ],
    );
    let collector = Collector::connect([login]);
    for item in support::read_json(&produced)["sent"].as_array().unwrap() {
        collector.expect(EventsMetadata::from_json(&item["metadata"]).unwrap().id);
    }
    let running = Running::start(KafkaConsumer::new(&settings, topic, &unique("g")).unwrap());
    let received = collector.wait_for(N, WAIT).await;
    let summary = running.stop().await.unwrap();
    // The group reads the Rust events too: 2 N in all, none dead-lettered.
    assert_eq!(summary.processed, 2 * N as u64, "{summary:?}");
    assert_eq!(summary.dead_lettered, 0);
    assert_eq!(received.len(), N);
    assert!(received
        .iter()
        .all(|r| r.metadata.source == "openedx/python-interop/web" && r.from_event_bus));
}
