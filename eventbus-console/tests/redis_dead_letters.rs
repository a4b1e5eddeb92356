//! Redis in the overview and the dead letters, on the real Redis: the overview shows the
//! connection's health and the prefix's streams with their length and their groups' pending
//! entries; an entry of an unknown event type, dead-lettered by the runtime's Redis consumer, is
//! listed on the dead-letters pages, filtered by error kind and event type, and redriven through
//! the confirmation (forgeries and bad ids refused, nothing changed): its original fields are
//! back on the stream and the letter is deleted; an unknown stream gives a 404.

mod support;

use eventbus_console::ConsoleConfig;
use eventbus_runtime::consume::CancellationToken;
use eventbus_runtime::redis::{RedisConsumer, RedisProducer, RedisStreams, StartFrom};
use eventbus_runtime::settings::RedisSettings;
use std::time::Duration;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_groups_and_dead_letters_of_redis() {
    let prefix = unique_prefix("redis-dlq");
    let redis = redis_settings(&prefix);
    let producer = RedisProducer::new(&redis).await.expect("a producer");
    let good = produce_redis(&producer, "blocks", PUBLISHED, "a").await;
    // An entry of a type no build knows: the consumer dead-letters it.
    let streams = RedisStreams::connect(&redis).await.expect("a connection");
    let full = redis.full_topic("blocks");
    let fields: Vec<(String, Option<Vec<u8>>)> = streams
        .entry(&full, &good)
        .await
        .expect("read")
        .expect("the entry")
        .fields
        .expect("its fields")
        .into_iter()
        .map(|(name, value)| match name.as_str() {
            "type" => (name, Some(b"org.openedx.nope.v1".to_vec())),
            _ => (name, value),
        })
        .collect();
    let unknown = streams.add(&full, &fields, None).await.expect("added");
    produce_redis(&producer, "blocks", DELETED, "b").await;

    // A short poll, so that the consumer stops at once.
    let consumer_settings = RedisSettings::builder(env("EVENT_BUS_REDIS_CONNECTION_URL"))
        .topic_prefix(&prefix)
        .common(|c| c.poll_timeout = Duration::from_millis(200))
        .build()
        .expect("settings");
    let consumer = RedisConsumer::new(&consumer_settings, "blocks", "lms", "console")
        .await
        .expect("a consumer")
        .start_from(StartFrom::Beginning);
    let shutdown = CancellationToken::new();
    let consuming = tokio::spawn(consumer.consume(shutdown.clone()));
    let dead_letter = redis.full_topic("blocks-dead-letter");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let length = streams
            .describe(&dead_letter)
            .await
            .expect("described")
            .map_or(0, |s| s.length);
        if length == 1 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no dead letter within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    shutdown.cancel();
    let summary = tokio::time::timeout(Duration::from_secs(30), consuming)
        .await
        .expect("the consumer stops")
        .expect("the consumer task")
        .expect("the consumer ran");
    assert_eq!(summary.dead_lettered, 1);
    // A second group, two entries delivered and not acknowledged.
    redis_pending(&full, "audit", 2).await;

    let mut config = ConsoleConfig::new(
        "127.0.0.1:0".parse().expect("addr"),
        kafka_settings(&prefix),
    );
    config.redis = Some(redis.clone());
    config.actions = true;
    let console = start(config).await;

    let (status, page) = get(&console.base).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("<tr><td>Redis</td><td><code>redis://127.0.0.1:"),
        "{page}"
    );
    let table = page
        .split("<table id=\"redis-streams\">")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .expect("the Redis streams");
    assert!(
        table.contains("<tr><td><a href=\"/redis/blocks\">blocks</a></td><td>3</td>"),
        "{table}"
    );
    assert!(
        table.contains("audit: 1 consumer(s), 2 pending, lag 1<br>"),
        "{table}"
    );
    assert!(
        table.contains("lms: 1 consumer(s), 0 pending, lag 0<br>"),
        "{table}"
    );
    assert!(
        table.contains(
            "<tr><td><a href=\"/redis/blocks-dead-letter\">blocks-dead-letter</a></td><td>1</td>"
        ),
        "{table}"
    );

    let (status, page) = get(&format!("{}/dead-letters", console.base)).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("<li><a href=\"/redis-dead-letters/blocks\">blocks</a></li>"),
        "{page}"
    );
    let base = format!("{}/redis-dead-letters/blocks", console.base);
    let (status, page) = get(&base).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(count(&page, "<tr class=\"letter\">"), 1, "{page}");
    for expected in [
        "<td>org.openedx.nope.v1</td><td>unknown-event-type</td>".to_owned(),
        format!("<td>{full}@{unknown}</td><td>lms</td>"),
        "Redrive the selected letters".to_owned(),
    ] {
        assert!(page.contains(&expected), "{expected}: {page}");
    }
    assert!(!page.contains("method=\"post\""), "{page}");
    let (_, page) = get(&format!("{base}?error_kind=receiver_failed")).await;
    assert_eq!(count(&page, "<tr class=\"letter\">"), 0, "{page}");
    let (_, page) = get(&format!("{base}?event_type=org.openedx.nope.v1")).await;
    assert_eq!(count(&page, "<tr class=\"letter\">"), 1, "{page}");
    let (status, page) = get(&format!("{}/redis-dead-letters/nope", console.base)).await;
    assert_eq!(status, 404, "{page}");
    assert!(
        page.contains(&format!("{prefix}-nope-dead-letter does not exist")),
        "{page}"
    );
    let (status, page) = get(&format!("{base}?limit=x")).await;
    assert_eq!(status, 400, "{page}");

    // The redrive: the confirmation, refusals that change nothing, then the letter back on the
    // stream with its original fields, and deleted from the dead letters.
    let letter = streams
        .newest(&dead_letter, 1)
        .await
        .expect("read")
        .pop()
        .expect("the dead letter");
    let (status, page) = get(&format!("{base}/confirm?letter={}", letter.id)).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(count(&page, "<tr class=\"letter\">"), 1, "{page}");
    assert!(page.contains("method=\"post\""), "{page}");
    let token = csrf(&page);
    for (status, page) in [
        get(&format!("{base}/confirm?letter=1-1")).await,
        get(&format!("{base}/confirm?letter=zero")).await,
        get(&format!("{base}/confirm")).await,
    ] {
        assert!(status == 404 || status == 400, "{status}: {page}");
    }
    let url = format!("{base}/redrive");
    for fields in [
        vec![("letter", letter.id.as_str()), ("delete", "1")],
        vec![("csrf", "0123456789abcdef"), ("letter", letter.id.as_str())],
    ] {
        let (status, page) = post(&url, &fields, None).await;
        assert_eq!(status, 403, "{page}");
    }
    let length = |stream: String| {
        let streams = streams.clone();
        async move {
            streams
                .describe(&stream)
                .await
                .expect("described")
                .map_or(0, |s| s.length)
        }
    };
    assert_eq!(
        length(full.clone()).await,
        3,
        "a forgery changed the stream"
    );
    assert_eq!(length(dead_letter.clone()).await, 1);
    let (status, page) = post(
        &url,
        &[("csrf", &token), ("letter", &letter.id), ("delete", "1")],
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains(&format!("Redriven 1 of 1 dead letter(s) to {full}")),
        "{page}"
    );
    assert!(page.contains("deleted from the dead letters"), "{page}");
    assert_eq!(length(full.clone()).await, 4);
    assert_eq!(length(dead_letter.clone()).await, 0);
    let redriven = streams
        .newest(&full, 1)
        .await
        .expect("read")
        .pop()
        .expect("the redriven entry");
    assert_eq!(
        redriven.fields,
        Some(fields),
        "the original fields, in order"
    );
    console.stop().await;
}
