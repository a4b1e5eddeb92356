//! The library side of an inspection consumer on a real broker and registry: `on_unknown` gets
//! the messages of event types without a Rust type (metadata, headers, writer schema, data and
//! origin) and its `Ok` commits them; its error fails the message as a failing receiver does;
//! without it the message fails with `UnknownEventType`.

#[path = "support/kafka.rs"]
mod kafka_support;

use eventbus_runtime::avro::{write_long, write_string};
use eventbus_runtime::consume::ConsumerError;
use eventbus_runtime::consume::{
    MessageError, MessageOrigin, Position, UnknownEvent, UnknownHandler,
};
use eventbus_runtime::kafka::framing::frame;
use eventbus_runtime::kafka::headers::metadata_headers;
use eventbus_runtime::kafka::schema_registry::SchemaRegistryClient;
use eventbus_runtime::kafka::KafkaConsumer;
use eventbus_runtime::settings::OnError;
use eventbus_runtime::EventsMetadata;
use kafka_support::{builder, committed_offset, create_topics, produce_raw, raw_producer, unique};
use rdkafka::Offset;
use serde_json::json;
use std::sync::Arc;
use tokio::sync::mpsc;

const MADE_UP: &str = "org.example.inspected.v1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_unknown_gets_the_message_and_settles_it() {
    let prefix = unique("inspect");
    let settings = builder(&prefix)
        .common(|c| c.on_error = OnError::Stop)
        .build()
        .unwrap();
    let topic = "made-up";
    let full_topic = settings.full_topic(topic);
    create_topics(&settings, &[&full_topic], 1).await;
    let registry = SchemaRegistryClient::from_settings(&settings).unwrap();
    let schema = json!({"type": "record", "name": "CloudEvent", "namespace": MADE_UP,
        "fields": [{"name": "who", "type": "string"}, {"name": "n", "type": "long"}]});
    let id = registry
        .register(
            &format!("{full_topic}-{MADE_UP}.CloudEvent"),
            &schema.to_string(),
        )
        .await
        .unwrap();
    let mut avro = Vec::new();
    write_string(&mut avro, "Ada");
    write_long(&mut avro, 7);
    let metadata = EventsMetadata::new(MADE_UP, 0);
    let headers = metadata_headers(&metadata);
    let headers: Vec<(&str, Option<&[u8]>)> = headers
        .iter()
        .map(|(k, v)| (*k, Some(v.as_bytes())))
        .collect();
    let producer = raw_producer(&settings);
    for _ in 0..2 {
        produce_raw(
            &producer,
            &full_topic,
            None,
            Some(&frame(id, &avro)),
            &headers,
        )
        .await;
    }
    assert_eq!(
        MessageOrigin::current(),
        None,
        "no origin outside a consumer"
    );

    // Without the hook: the library's behaviour, UnknownEventType (here it stops).
    let group = unique("strict");
    let error = KafkaConsumer::new(&settings, topic, &group)
        .unwrap()
        .consume(Default::default())
        .await
        .unwrap_err();
    let ConsumerError::Message {
        source,
        position: Position::Kafka { offset, .. },
    } = error
    else {
        panic!("{error}")
    };
    assert_eq!(offset, 0);
    assert_eq!(source.kind(), "unknown-event-type");

    // With it: each message handed over, committed after the handler's Ok.
    let (sent, mut received) = mpsc::unbounded_channel::<UnknownEvent>();
    let handler: UnknownHandler = Arc::new(move |event| {
        let sent = sent.clone();
        Box::pin(async move {
            assert_eq!(MessageOrigin::current().as_ref(), Some(&event.origin));
            sent.send(event).map_err(Into::into)
        })
    });
    let group = unique("inspect");
    let shutdown = tokio_util::sync::CancellationToken::new();
    let consumer = KafkaConsumer::new(&settings, topic, &group)
        .unwrap()
        .on_unknown(handler);
    let running = tokio::spawn(consumer.consume(shutdown.clone()));
    let mut events = Vec::new();
    for _ in 0..2 {
        let event = tokio::time::timeout(std::time::Duration::from_secs(60), received.recv())
            .await
            .expect("within 60 s")
            .unwrap();
        events.push(event);
    }
    shutdown.cancel();
    let summary = running.await.unwrap().unwrap();
    assert_eq!((summary.processed, summary.dead_lettered), (2, 0));
    let event = &events[1];
    assert_eq!(event.event_type, MADE_UP);
    assert_eq!(event.metadata.to_json(), metadata.to_json());
    assert_eq!(event.data, avro);
    assert_eq!(event.writer_schema.as_ref().map(|w| w.id), Some(id));
    assert_eq!(
        event.data_json().unwrap().unwrap(),
        json!({"who": "Ada", "n": 7})
    );
    assert_eq!(
        event.origin,
        MessageOrigin::Kafka {
            topic: full_topic.clone(),
            partition: 0,
            offset: 1,
            key: None,
            decoded_key: None,
        }
    );
    assert_eq!(
        committed_offset(&settings, &group, &full_topic, 0).await,
        Offset::Offset(2)
    );

    // A failing handler fails the message (here: stops, uncommitted).
    let failing: UnknownHandler = Arc::new(|_| Box::pin(async { Err("no room".into()) }));
    let group = unique("failing");
    let error = KafkaConsumer::new(&settings, topic, &group)
        .unwrap()
        .on_unknown(failing)
        .consume(Default::default())
        .await
        .unwrap_err();
    let ConsumerError::Message { source, .. } = error else {
        panic!("{error}")
    };
    assert!(matches!(*source, MessageError::UnknownHandler { .. }));
    assert_eq!(
        source.to_string(),
        "the handler of unknown event types failed on org.example.inspected.v1: no room"
    );
    assert_eq!(source.kind(), "unknown-handler-error");
}
