//! The producer configuration (`EVENT_BUS_PRODUCER_CONFIG`): loading each file format and the
//! environment variable, merging, validation against the registered events, and producing the
//! configured events through their signals.
//!
//! Signals are process-wide and tests run in parallel: the tests that send catalog events hold
//! [`CATALOG_SIGNALS`]; the others use event types of their own.

use eventbus_runtime::backend::{
    Delivery, EventProducer, MemoryProducer, ProduceError, ProduceFailures,
};
use eventbus_runtime::key::KeyValue;
use eventbus_runtime::prelude::*;
use eventbus_runtime::producer_config::{
    load_raw, merge_producer_configs, ConfigSource, ConfiguredProducer, Format, Problem,
    ProblemKind, ProducerConfig, ProducerConfigError, ProductionMode, TopicConfig, ENV_VAR,
    RECEIVER_NAME,
};
use eventbus_runtime::registry::AnyEvent;
use eventbus_runtime::signal::BoxFuture;
use openedx_events::content_authoring::{
    CourseCatalogInfoChanged, XBlockData, XBlockDeleted, XBlockPublished,
};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

const CATALOG: &str = "org.openedx.content_authoring.course.catalog_info.changed.v1";
const PUBLISHED: &str = "org.openedx.content_authoring.xblock.published.v1";
const DELETED: &str = "org.openedx.content_authoring.xblock.deleted.v1";

/// Held by the tests that connect to or send catalog events.
static CATALOG_SIGNALS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/producer_config")
        .join(name)
}

fn topic(topic: &str, event_key_field: &str, enabled: bool) -> TopicConfig {
    TopicConfig {
        topic: topic.to_owned(),
        event_key_field: event_key_field.to_owned(),
        enabled,
        mode: None,
    }
}

/// What every fixture `producer.*` holds.
fn fixture_config() -> Value {
    json!({
        CATALOG: {
            "course-catalog": {"event_key_field": "catalog_info.course_key", "enabled": true},
            "course-catalog-archive": {"event_key_field": "catalog_info.course_key", "enabled": false}
        },
        PUBLISHED: {
            "content-authoring-xblock-lifecycle": {"event_key_field": "xblock_info.usage_key", "enabled": true},
            "content-authoring-xblock-by-type": {"event_key_field": "xblock_info.block_type", "enabled": true}
        },
        DELETED: {
            "content-authoring-xblock-lifecycle": {"event_key_field": "xblock_info.usage_key", "enabled": false}
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Loading and merging

#[test]
fn each_file_format_loads_the_same_configuration() {
    let expected = ProducerConfig::from_value(&fixture_config()).unwrap();
    for name in ["producer.json", "producer.toml", "producer.yaml"] {
        let raw = load_raw([ConfigSource::file(fixture(name))]).unwrap();
        assert_eq!(raw, fixture_config(), "{name}");
        let config = ProducerConfig::load([ConfigSource::file(fixture(name))]).unwrap();
        assert_eq!(config, expected, "{name}");
        let catalog = config.get(CATALOG).unwrap();
        assert_eq!(
            catalog.topics(),
            [
                topic("course-catalog", "catalog_info.course_key", true),
                topic("course-catalog-archive", "catalog_info.course_key", false),
            ],
            "{name}: topics in file order"
        );
    }
}

#[test]
fn later_sources_override_earlier_ones_per_topic_and_setting() {
    let config = ProducerConfig::load([
        ConfigSource::file(fixture("producer.toml")),
        ConfigSource::file(fixture("override.yaml")),
        ConfigSource::text(
            "deployment overrides",
            Format::Json,
            json!({DELETED: {"content-authoring-xblock-lifecycle": {"enabled": true}}}).to_string(),
        ),
    ])
    .unwrap();
    assert_eq!(
        config.get(CATALOG).unwrap().topics(),
        [
            topic("course-catalog", "catalog_info.course_key", true),
            topic("course-catalog-archive", "catalog_info.course_key", true),
        ]
    );
    assert_eq!(
        config.get(PUBLISHED).unwrap().topics(),
        [
            topic(
                "content-authoring-xblock-lifecycle",
                "xblock_info.usage_key",
                true
            ),
            topic(
                "content-authoring-xblock-by-type",
                "xblock_info.usage_key",
                true
            ),
        ]
    );
    assert_eq!(
        config.get(DELETED).unwrap().topics(),
        [topic(
            "content-authoring-xblock-lifecycle",
            "xblock_info.usage_key",
            true
        )]
    );
    // The same as merging with the Python rules by hand.
    let by_hand = [
        serde_json::from_str::<Value>(&std::fs::read_to_string(fixture("producer.json")).unwrap())
            .unwrap(),
        json!({
            CATALOG: {"course-catalog-archive": {"enabled": true}},
            PUBLISHED: {"content-authoring-xblock-by-type": {"event_key_field": "xblock_info.usage_key"}},
            DELETED: {"content-authoring-xblock-lifecycle": {"enabled": true}}
        }),
    ];
    assert_eq!(
        config.to_json(),
        merge_producer_configs(&by_hand[0], &by_hand[1])
    );
}

/// The only test of this binary that touches `EVENT_BUS_PRODUCER_CONFIG`.
#[test]
fn environment_variable_is_json_and_overrides_files() {
    std::env::remove_var(ENV_VAR);
    assert!(ProducerConfig::from_env().unwrap().is_empty(), "unset");
    std::env::set_var(
        ENV_VAR,
        json!({CATALOG: {"course-catalog": {"enabled": false}}}).to_string(),
    );
    let from_env = load_raw([ConfigSource::env()]).unwrap();
    assert_eq!(
        from_env,
        json!({CATALOG: {"course-catalog": {"enabled": false}}})
    );
    // Alone it is incomplete, and says so.
    let error = ProducerConfig::from_env().unwrap_err();
    assert_eq!(
        error.problems(),
        [Problem::topic(
            CATALOG,
            "course-catalog",
            ProblemKind::MissingSetting {
                setting: "event_key_field",
                hint: Some(
                    "this event's default key field is `catalog_info.course_key`".to_owned()
                )
            }
        )]
    );
    // Over a file, it only switches the topic off.
    let config = ProducerConfig::load([
        ConfigSource::file(fixture("producer.yaml")),
        ConfigSource::env(),
    ])
    .unwrap();
    assert_eq!(
        config.get(CATALOG).unwrap().topic("course-catalog"),
        Some(&topic("course-catalog", "catalog_info.course_key", false))
    );
    std::env::set_var(ENV_VAR, "{not json");
    let error = ProducerConfig::from_env().unwrap_err();
    assert!(
        error.to_string().starts_with(
            "invalid event bus producer configuration (1 problem):\n  \
             - cannot parse environment variable `EVENT_BUS_PRODUCER_CONFIG` as JSON: "
        ),
        "{error}"
    );
    std::env::remove_var(ENV_VAR);
}

#[test]
fn configuration_serializes_back_to_its_shape() {
    let config = ProducerConfig::load([ConfigSource::file(fixture("producer.yaml"))]).unwrap();
    assert_eq!(config.to_json(), fixture_config());
    assert_eq!(
        ProducerConfig::from_value(&config.to_json()).unwrap(),
        config
    );
    let enabled: Vec<(&str, &str)> = config
        .enabled_topics()
        .map(|(event_type, t)| (event_type, t.topic.as_str()))
        .collect();
    assert_eq!(
        enabled,
        [
            (CATALOG, "course-catalog"),
            (PUBLISHED, "content-authoring-xblock-lifecycle"),
            (PUBLISHED, "content-authoring-xblock-by-type"),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Validation against the registered events

fn topic_problem(event_type: &str, topic: &str, kind: ProblemKind) -> Problem {
    Problem::topic(event_type, topic, kind)
}

#[test]
fn every_problem_of_a_file_is_reported_at_once() {
    let error = ProducerConfig::load([ConfigSource::file(fixture("invalid.yaml"))]).unwrap_err();
    let problems: Vec<String> = error.problems().iter().map(ToString::to_string).collect();
    let catalog = |rest: &str| format!("{CATALOG}, topic `{rest}");
    assert_eq!(
        problems,
        [
            format!(
                "{}: unknown event type (did you mean `{CATALOG}`?)",
                CATALOG.replace(".v1", ".v2")
            ),
            catalog(
                "no-such-field`: key field `catalog_info.course_id`: no field `course_id` in \
                 `catalog_info` (this event's default key field is `catalog_info.course_key`)"
            ),
            catalog(
                "ends-on-record`: key field `catalog_info.schedule_data`: ends on a record, not \
                 a scalar (this event's default key field is `catalog_info.course_key`)"
            ),
            catalog(
                "ends-on-optional`: key field `catalog_info.schedule_data.end`: ends on an \
                 optional field, which may be null (this event's default key field is \
                 `catalog_info.course_key`)"
            ),
            catalog(
                "through-scalar`: key field `catalog_info.name.first`: `catalog_info.name` is \
                 not a record (this event's default key field is `catalog_info.course_key`)"
            ),
            catalog(
                "missing-key`: missing `event_key_field` (this event's default key field is \
                 `catalog_info.course_key`)"
            ),
            catalog("yes-is-not-a-boolean`: `enabled` must be a boolean, found the string \"yes\""),
            catalog("misspelled`: missing `enabled`"),
            catalog("misspelled`: unknown setting `enable` (did you mean `enabled`?)"),
            catalog(
                "not-a-map`: must be a map with `event_key_field` and `enabled`, found the \
                 string \"catalog_info.course_key\""
            ),
            "org.openedx.content_authoring.course.certificate_config.changed.v1: the event type \
             is in-process only and cannot be sent over the event bus"
                .to_owned(),
            format!("{DELETED}: must be a map of topics to topic settings, found a list"),
        ]
    );
    let text = error.to_string();
    assert!(
        text.starts_with("invalid event bus producer configuration (12 problems):\n  - "),
        "{text}"
    );
    assert_eq!(text.lines().count(), 13, "{text}");
}

#[test]
fn key_fields_are_checked_against_the_schema_even_for_disabled_topics() {
    let problems = ProducerConfig::from_value(&json!({
        PUBLISHED: {
            "off": {"event_key_field": "xblock_info.version", "enabled": false},
            "on": {"event_key_field": "xblock_info.usage_key", "enabled": true}
        }
    }))
    .unwrap_err()
    .into_problems();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].topic.as_deref(), Some("off"));
    match &problems[0].kind {
        ProblemKind::KeyField {
            error,
            default_key_field,
        } => {
            assert_eq!(
                error.problem(),
                "ends on an optional field, which may be null"
            );
            assert_eq!(*default_key_field, Some("xblock_info.usage_key"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn structural_problems_name_event_type_and_topic() {
    let problems = ProducerConfig::from_value(&json!({
        CATALOG: {
            "a": {"event_key_field": ["catalog_info", "course_key"], "enabled": 1},
            "": {"event_key_field": "catalog_info.course_key", "enabled": true}
        },
        PUBLISHED: "content-authoring-xblock-lifecycle",
        "org.openedx.content_authoring.nothing.v1": {}
    }))
    .unwrap_err()
    .into_problems();
    assert_eq!(
        problems,
        [
            topic_problem(
                CATALOG,
                "a",
                ProblemKind::WrongType {
                    setting: "event_key_field",
                    expected: "a dotted path (a non-empty string)",
                    found: "a list".into()
                }
            ),
            topic_problem(
                CATALOG,
                "a",
                ProblemKind::WrongType {
                    setting: "enabled",
                    expected: "a boolean",
                    found: "the number `1`".into()
                }
            ),
            topic_problem(CATALOG, "", ProblemKind::EmptyTopic),
            Problem::event_type(
                PUBLISHED,
                ProblemKind::EventTypeNotAMap {
                    found: "the string \"content-authoring-xblock-lifecycle\"".into()
                }
            ),
            Problem::event_type(
                "org.openedx.content_authoring.nothing.v1",
                ProblemKind::UnknownEventType { suggestion: None }
            ),
        ]
    );
    let not_a_map: ProducerConfigError = ProducerConfig::from_value(&json!("x")).unwrap_err();
    assert_eq!(
        not_a_map.to_string(),
        "invalid event bus producer configuration (1 problem):\n  \
         - the configuration must be a map of event types to topics, found the string \"x\""
    );
}

#[test]
fn an_event_type_with_no_topics_is_valid_and_produces_nothing() {
    let config = ProducerConfig::from_value(&json!({CATALOG: {}})).unwrap();
    assert_eq!(config.get(CATALOG).unwrap().topics(), []);
    assert_eq!(config.enabled_topics().count(), 0);
}

// ---------------------------------------------------------------------------------------------
// Producing catalog events through their signals

fn catalog_event(course: &str) -> CourseCatalogInfoChanged {
    let mut event = CourseCatalogInfoChanged::example(Example::Full);
    event.catalog_info.course_key = CourseKey::parse(course).unwrap();
    event.catalog_info.name = format!("Course {course}");
    event
}

fn xblock(usage_key: &str, block_type: &str) -> XBlockData {
    let mut data = XBlockData::example(Example::Minimal);
    data.usage_key = UsageKey::parse(usage_key).unwrap();
    data.block_type = block_type.to_owned();
    data
}

/// (full topic, key, event type, event JSON) of each produced record.
fn records(producer: &MemoryProducer) -> Vec<(String, KeyValue, &'static str, Value)> {
    producer
        .events()
        .into_iter()
        .map(|e| {
            assert_eq!(e.metadata.event_type, e.event.descriptor().event_type);
            (
                e.topic,
                e.key,
                e.event.descriptor().event_type,
                e.event.to_json(),
            )
        })
        .collect()
}

#[tokio::test]
async fn catalog_events_go_to_enabled_topics_with_prefix_and_key() {
    let _signals = CATALOG_SIGNALS.lock().await;
    let config = ProducerConfig::load([ConfigSource::file(fixture("producer.toml"))]).unwrap();
    let memory = Arc::new(MemoryProducer::with_topic_prefix("dev"));
    let receivers_before = (
        CourseCatalogInfoChanged::signal().receiver_count(),
        XBlockPublished::signal().receiver_count(),
        XBlockDeleted::signal().receiver_count(),
    );
    let producing = ConfiguredProducer::connect(&config, memory.clone()).unwrap();
    assert_eq!(
        producing.event_types().collect::<Vec<_>>(),
        [CATALOG, PUBLISHED],
        "xblock.deleted has no enabled topic: no receiver"
    );
    assert_eq!(
        producing.topics(CATALOG),
        [TopicConfig {
            mode: Some(ProductionMode::Immediate),
            ..topic("course-catalog", "catalog_info.course_key", true)
        }],
        "the disabled topic is not even kept; the mode is resolved"
    );
    assert_eq!(
        (
            CourseCatalogInfoChanged::signal().receiver_count(),
            XBlockPublished::signal().receiver_count(),
            XBlockDeleted::signal().receiver_count(),
        ),
        (
            receivers_before.0 + 1,
            receivers_before.1 + 1,
            receivers_before.2
        )
    );

    let course = catalog_event("course-v1:edX+DemoX+2024");
    let report = CourseCatalogInfoChanged::signal()
        .send_event(course.clone())
        .await
        .unwrap();
    assert!(report.is_ok(), "{report:?}");
    let usage_key = "block-v1:edX+DemoX+2024+type@problem+block@p1";
    let published = XBlockPublished {
        xblock_info: xblock(usage_key, "problem"),
    };
    let report = XBlockPublished::signal()
        .send_event(published.clone())
        .await
        .unwrap();
    assert!(report.is_ok(), "{report:?}");
    let deleted = XBlockDeleted {
        xblock_info: xblock(usage_key, "problem"),
    };
    XBlockDeleted::signal()
        .send_event(deleted)
        .await
        .unwrap()
        .into_result()
        .unwrap();

    let string = |s: &str| KeyValue::String(s.to_owned());
    let expected = vec![
        (
            "dev-course-catalog".to_owned(),
            string("course-v1:edX+DemoX+2024"),
            CATALOG,
            EventData::to_json(&course),
        ),
        (
            "dev-content-authoring-xblock-lifecycle".to_owned(),
            string(usage_key),
            PUBLISHED,
            EventData::to_json(&published),
        ),
        (
            "dev-content-authoring-xblock-by-type".to_owned(),
            string("problem"),
            PUBLISHED,
            EventData::to_json(&published),
        ),
    ];
    assert_eq!(records(&memory), expected);
    let first = &memory.events()[0];
    assert_eq!(
        first
            .event
            .as_any()
            .downcast_ref::<CourseCatalogInfoChanged>(),
        Some(&course)
    );

    // An event that came from the bus is not produced again.
    let metadata = EventsMetadata::new(CATALOG, 0);
    let report = CourseCatalogInfoChanged::signal()
        .send_event_with_custom_metadata(catalog_event("course-v1:edX+Other+2024"), metadata)
        .await
        .unwrap();
    assert!(report.is_ok() && report.receivers >= 1, "{report:?}");
    assert_eq!(records(&memory), expected);

    // Disconnected, nothing more is produced.
    producing.disconnect();
    assert_eq!(
        CourseCatalogInfoChanged::signal().receiver_count(),
        receivers_before.0
    );
    assert_eq!(
        XBlockPublished::signal().receiver_count(),
        receivers_before.1
    );
    CourseCatalogInfoChanged::signal()
        .send_event(catalog_event("course-v1:edX+Late+2024"))
        .await
        .unwrap()
        .into_result()
        .unwrap();
    assert_eq!(records(&memory), expected);
}

#[tokio::test]
async fn without_prefix_topics_are_as_configured_and_drop_disconnects() {
    let _signals = CATALOG_SIGNALS.lock().await;
    let config = ProducerConfig::load([
        ConfigSource::file(fixture("producer.json")),
        ConfigSource::file(fixture("override.yaml")),
    ])
    .unwrap();
    let memory = Arc::new(MemoryProducer::new());
    {
        let _producing = ConfiguredProducer::connect(&config, memory.clone()).unwrap();
        CourseCatalogInfoChanged::signal()
            .send_event(catalog_event("course-v1:edX+A+1"))
            .await
            .unwrap()
            .into_result()
            .unwrap();
    }
    CourseCatalogInfoChanged::signal()
        .send_event(catalog_event("course-v1:edX+B+1"))
        .await
        .unwrap()
        .into_result()
        .unwrap();
    let topics: Vec<(String, KeyValue)> = memory
        .events()
        .into_iter()
        .map(|e| (e.topic, e.key))
        .collect();
    assert_eq!(
        topics,
        [
            (
                "course-catalog".to_owned(),
                KeyValue::String("course-v1:edX+A+1".into())
            ),
            (
                "course-catalog-archive".to_owned(),
                KeyValue::String("course-v1:edX+A+1".into())
            ),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Failures and concurrency, with event types of this test file

/// Test data.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct Note {
    /// The note's id.
    pub id: i64,
    /// Its text.
    pub text: String,
}

/// A note was written (failure test).
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.producer_config.failing.v1")]
pub struct NoteFailing {
    /// The note.
    pub note: Note,
}

/// A note was written (concurrency test).
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.producer_config.concurrent.v1")]
pub struct NoteConcurrent {
    /// The note.
    pub note: Note,
}

/// Fails for topic `broken`, records the others.
struct PartlyBroken(MemoryProducer);

impl EventProducer for PartlyBroken {
    fn send<'a>(
        &'a self,
        topic: &'a str,
        event_key_field: &'a str,
        event: Arc<dyn AnyEvent>,
        metadata: &'a EventsMetadata,
    ) -> BoxFuture<'a, Result<Delivery, ProduceError>> {
        if topic == "broken" {
            let event_type = event.descriptor().event_type;
            return Box::pin(async move {
                Err(ProduceError::Transport {
                    event_type,
                    topic: topic.to_owned(),
                    source: "broker unreachable".into(),
                })
            });
        }
        self.0.send(topic, event_key_field, event, metadata)
    }

    fn flush(&self) -> BoxFuture<'_, Result<(), ProduceError>> {
        self.0.flush()
    }
}

#[tokio::test]
async fn failures_are_returned_through_the_signal_report_and_other_topics_still_get_the_event() {
    let config = ProducerConfig::from_value(&json!({
        "org.openedx.test.producer_config.failing.v1": {
            "broken": {"event_key_field": "note.id", "enabled": true},
            "fine": {"event_key_field": "note.id", "enabled": true}
        }
    }))
    .unwrap();
    let producer = Arc::new(PartlyBroken(MemoryProducer::new()));
    let _producing = ConfiguredProducer::connect(&config, producer.clone()).unwrap();
    let report = NoteFailing::signal()
        .send_event(NoteFailing {
            note: Note {
                id: 7,
                text: "hi".into(),
            },
        })
        .await
        .unwrap();
    assert_eq!(report.failures.len(), 1, "{report:?}");
    let failure = &report.failures[0];
    assert_eq!(failure.receiver, RECEIVER_NAME);
    let failures = failure
        .error
        .downcast_ref::<ProduceFailures>()
        .expect("a ProduceFailures");
    assert_eq!(
        failures.event_type,
        "org.openedx.test.producer_config.failing.v1"
    );
    assert_eq!(failures.topics, 2);
    assert_eq!(failures.failures.len(), 1);
    assert_eq!(failures.failures[0].topic, "broken");
    let message = failures.to_string();
    assert!(
        message.starts_with("could not produce org.openedx.test.producer_config.failing.v1 "),
        "{message}"
    );
    assert!(
        message.ends_with(
            " to 1 of 2 topics; topic `broken`: producing \
             org.openedx.test.producer_config.failing.v1 to broken: broker unreachable"
        ),
        "{message}"
    );
    let produced: Vec<(String, KeyValue)> = producer
        .0
        .events()
        .into_iter()
        .map(|e| (e.topic, e.key))
        .collect();
    assert_eq!(produced, [("fine".to_owned(), KeyValue::Long(7))]);
    // `send_event` returned Ok: the report must be checked, and `into_result` makes the
    // producing failure an error for `?`.
    let error = report.into_result().unwrap_err();
    assert_eq!(
        error.event_type,
        "org.openedx.test.producer_config.failing.v1"
    );
    assert_eq!((error.receivers, error.failures.len()), (1, 1));
    let text = error.to_string();
    assert!(
        text.starts_with(&format!(
            "1 receiver(s) out of 1 failed when handling \
             org.openedx.test.producer_config.failing.v1: {RECEIVER_NAME}=could not produce "
        )),
        "{text}"
    );
}

/// Waits until every topic's send has started: only concurrent sends finish.
struct Rendezvous(tokio::sync::Barrier, MemoryProducer);

impl EventProducer for Rendezvous {
    fn send<'a>(
        &'a self,
        topic: &'a str,
        event_key_field: &'a str,
        event: Arc<dyn AnyEvent>,
        metadata: &'a EventsMetadata,
    ) -> BoxFuture<'a, Result<Delivery, ProduceError>> {
        Box::pin(async move {
            self.0.wait().await;
            self.1.send(topic, event_key_field, event, metadata).await
        })
    }

    fn flush(&self) -> BoxFuture<'_, Result<(), ProduceError>> {
        self.1.flush()
    }
}

#[tokio::test]
async fn topics_are_produced_to_concurrently() {
    let config = ProducerConfig::from_value(&json!({
        "org.openedx.test.producer_config.concurrent.v1": {
            "a": {"event_key_field": "note.text", "enabled": true},
            "b": {"event_key_field": "note.id", "enabled": true},
            "c": {"event_key_field": "note.id", "enabled": false}
        }
    }))
    .unwrap();
    let producer = Arc::new(Rendezvous(
        tokio::sync::Barrier::new(2),
        MemoryProducer::with_topic_prefix("stage"),
    ));
    let producing = ConfiguredProducer::connect(&config, producer.clone()).unwrap();
    let send = NoteConcurrent::signal().send_event(NoteConcurrent {
        note: Note {
            id: 1,
            text: "x".into(),
        },
    });
    let report = tokio::time::timeout(Duration::from_secs(10), send)
        .await
        .expect("the two topics are produced to at once")
        .unwrap();
    assert!(report.is_ok(), "{report:?}");
    let mut produced: Vec<(String, KeyValue)> = producer
        .1
        .events()
        .into_iter()
        .map(|e| (e.topic, e.key))
        .collect();
    produced.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        produced,
        [
            ("stage-a".to_owned(), KeyValue::String("x".into())),
            ("stage-b".to_owned(), KeyValue::Long(1)),
        ]
    );
    producing.disconnect();
    assert_eq!(NoteConcurrent::signal().receiver_count(), 0);
}

/// A quiet thing (only the empty-configuration test sends it).
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct Quiet {
    /// Its name.
    pub name: String,
}

/// A quiet thing happened (only the empty-configuration test sends it).
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.test.producer_config.quiet.happened.v1",
    key_field = "quiet.name"
)]
pub struct QuietHappened {
    /// The thing.
    pub quiet: Quiet,
}

/// Another quiet thing happened (only the empty-configuration test sends it).
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.test.producer_config.quiet.repeated.v1",
    key_field = "quiet.name"
)]
pub struct QuietRepeated {
    /// The thing.
    pub quiet: Quiet,
}

/// A log writer into a shared buffer.
#[derive(Clone, Default)]
struct LogBuffer(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogBuffer {
    fn warnings(&self) -> Vec<String> {
        String::from_utf8(self.0.lock().unwrap().clone())
            .unwrap()
            .lines()
            .filter(|l| l.contains("WARN"))
            .map(str::to_owned)
            .collect()
    }
}

#[tokio::test]
async fn an_empty_configuration_warns_naming_the_setting_once_per_event_type() {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let _guard = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || writer.clone())
            .finish(),
    );
    let config = ProducerConfig::from_value(&json!({})).unwrap();
    assert!(config.produces_nothing());
    let producer = Arc::new(MemoryProducer::new());
    let producing = ConfiguredProducer::connect(&config, producer.clone()).unwrap();
    assert!(producing.is_empty());
    let warnings = logs.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0].contains("EVENT_BUS_PRODUCER_CONFIG")
            && warnings[0].contains("no event is produced to the event bus"),
        "{warnings:#?}"
    );
    let quiet = || Quiet { name: "q".into() };
    for _ in 0..3 {
        QuietHappened::signal()
            .send_event(QuietHappened { quiet: quiet() })
            .await
            .unwrap()
            .into_result()
            .unwrap();
    }
    QuietRepeated::signal()
        .send_event(QuietRepeated { quiet: quiet() })
        .await
        .unwrap()
        .into_result()
        .unwrap();
    // Events from the bus are not the producer's business.
    QuietRepeated::signal()
        .send_event_with_custom_metadata(
            QuietRepeated { quiet: quiet() },
            EventsMetadata::new(QuietRepeated::EVENT_TYPE, 0),
        )
        .await
        .unwrap()
        .into_result()
        .unwrap();
    let warnings = logs.warnings();
    let about = |event_type: &str| {
        warnings
            .iter()
            .filter(|l| l.contains(event_type) && l.contains("EVENT_BUS_PRODUCER_CONFIG"))
            .count()
    };
    assert_eq!(about(QuietHappened::EVENT_TYPE), 1, "{warnings:#?}");
    assert_eq!(about(QuietRepeated::EVENT_TYPE), 1, "{warnings:#?}");
    assert!(producer.events().is_empty());
    producing.disconnect();

    // Every topic disabled: nothing is produced either.
    let disabled = ProducerConfig::from_value(&json!({
        "org.openedx.test.producer_config.quiet.happened.v1": {
            "quiet": {"event_key_field": "quiet.name", "enabled": false}
        }
    }))
    .unwrap();
    assert!(!disabled.is_empty() && disabled.produces_nothing());
    assert!(ConfiguredProducer::connect(&disabled, producer.clone())
        .unwrap()
        .is_empty());
    let enabled = ProducerConfig::from_value(&json!({
        "org.openedx.test.producer_config.quiet.happened.v1": {
            "quiet": {"event_key_field": "quiet.name", "enabled": true}
        }
    }))
    .unwrap();
    assert!(!enabled.produces_nothing());
    assert!(!ConfiguredProducer::connect(&enabled, producer)
        .unwrap()
        .is_empty());
}
