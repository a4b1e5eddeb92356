//! Dead letters on the real Kafka and registry: three dead letters of a topic listed with their
//! error kind, failed receivers, attempts and source position, filtered by error kind; a forged
//! redrive (no CSRF token, a wrong one) and a redrive on a read-only console are refused (403)
//! and change nothing; the redrive of two selected letters through the confirmation moves
//! exactly those two to the source topic, and a consumer then processes them.

mod support;

use eventbus_console::ConsoleConfig;
use eventbus_runtime::consume::CancellationToken;
use eventbus_runtime::kafka::{KafkaConsumer, StoredMessage};
use eventbus_runtime::registry::{self, AnyReceiver};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_confirm_refuse_forgeries_and_redrive_exactly_the_selection() {
    let prefix = unique_prefix("dlq");
    let settings = kafka_settings(&prefix);
    create_topic(&settings, "orders", 1).await;
    create_topic(&settings, "orders-dead-letter", 1).await;
    let source = settings.full_topic("orders");
    let producer = producer(&prefix);
    for block in ["a", "b", "c"] {
        produce(&producer, "orders", PUBLISHED, block).await;
    }
    let originals = messages(&settings, &source).await;
    assert_eq!(originals.len(), 3);
    send_dead_letters(
        &settings,
        &source,
        "orders-dead-letter",
        &originals,
        &["receiver_failed", "unknown_event_type", "receiver_failed"],
    )
    .await;

    // Read-only: the confirmation has no form, a POST is refused.
    let read_only = start_read_only(&prefix).await;
    let (status, page) = get(&format!("{}/dead-letters", read_only.base)).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("<a href=\"/dead-letters/orders\">orders</a>"),
        "{page}"
    );
    let (status, page) = get(&format!(
        "{}/dead-letters/orders/confirm?letter=0/0",
        read_only.base
    ))
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Actions are off"), "{page}");
    assert!(!page.contains("method=\"post\""), "{page}");
    let (status, page) = post(
        &format!("{}/dead-letters/orders/redrive", read_only.base),
        &[("csrf", "anything"), ("letter", "0/0")],
        None,
    )
    .await;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("actions are off"), "{page}");
    read_only.stop().await;

    let mut config = ConsoleConfig::new("127.0.0.1:0".parse().expect("addr"), settings.clone());
    config.actions = true;
    let console = start(config).await;
    let base = format!("{}/dead-letters/orders", console.base);
    let (status, page) = get(&base).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(count(&page, "<tr class=\"letter\">"), 3, "{page}");
    assert!(page.contains(&format!("<td>{source}/0@1</td>")), "{page}");
    assert_eq!(count(&page, "<td>audit</td><td>3</td>"), 3, "{page}");
    let (_, page) = get(&format!("{base}?error_kind=receiver_failed")).await;
    assert_eq!(count(&page, "<tr class=\"letter\">"), 2, "{page}");
    assert!(
        page.contains("value=\"0/0\"") && page.contains("value=\"0/2\""),
        "{page}"
    );
    let (_, page) = get(&format!("{base}?from_offset=1&to_offset=1")).await;
    assert_eq!(count(&page, "<tr class=\"letter\">"), 1, "{page}");
    let (status, page) = get(&format!("{}/dead-letters/nope", console.base)).await;
    assert_eq!(status, 404, "{page}");
    assert!(page.contains("does not exist"), "{page}");
    let (status, page) = get(&format!("{base}?from_offset=x")).await;
    assert_eq!(status, 400, "{page}");

    let (status, page) = get(&format!("{base}/confirm?letter=0/0&letter=0/2")).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(count(&page, "<tr class=\"letter\">"), 2, "{page}");
    let token = csrf(&page);
    for (status, page) in [
        get(&format!("{base}/confirm?letter=0/9")).await,
        get(&format!("{base}/confirm?letter=zero")).await,
        get(&format!("{base}/confirm")).await,
    ] {
        assert!(status == 404 || status == 400, "{status}: {page}");
    }

    // Forgeries: nothing is sent.
    let url = format!("{base}/redrive");
    for fields in [
        vec![("letter", "0/0"), ("letter", "0/2")],
        vec![("csrf", "0123456789abcdef"), ("letter", "0/0")],
        vec![("csrf", ""), ("letter", "0/0")],
    ] {
        let (status, page) = post(&url, &fields, None).await;
        assert_eq!(status, 403, "{page}");
        assert!(page.contains("CSRF"), "{page}");
    }
    assert_eq!(
        messages(&settings, &source).await.len(),
        3,
        "a forgery changed the topic"
    );

    // The redrive of the selection, consumed.
    let processed = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&processed);
    let receiver: AnyReceiver = Arc::new(move |_event, _metadata, _from_bus| {
        seen.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Ok(()) })
    });
    let descriptor = registry::find(PUBLISHED).expect("the event");
    let id = descriptor
        .connect("console test", receiver)
        .expect("connected");
    let before = chrono::Utc::now() - chrono::TimeDelta::seconds(1);
    let (status, page) = post(
        &url,
        &[("csrf", &token), ("letter", "0/0"), ("letter", "0/2")],
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains(&format!("Redriven 2 of 2 dead letter(s) to {source}")),
        "{page}"
    );
    let after = messages(&settings, &source).await;
    assert_eq!(
        after.len(),
        5,
        "exactly the two selected letters are redriven"
    );
    let id_of = |m: &StoredMessage| m.header("ce_id").expect("an id");
    assert_eq!(id_of(&after[3]), id_of(&originals[0]));
    assert_eq!(id_of(&after[4]), id_of(&originals[2]));
    assert_eq!(after[3].value, originals[0].value);
    assert!(after[3]
        .headers
        .iter()
        .all(|(name, _)| !name.starts_with("dlq_")));
    console.stop().await;

    let consumer = KafkaConsumer::new(&settings, "orders", &format!("{prefix}-consumer"))
        .expect("a consumer")
        .offset_time(before);
    let shutdown = CancellationToken::new();
    let consuming = tokio::spawn(consumer.consume(shutdown.clone()));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while processed.load(Ordering::SeqCst) < 2 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Anything more would come within a second.
    tokio::time::sleep(Duration::from_secs(1)).await;
    shutdown.cancel();
    let summary = tokio::time::timeout(Duration::from_secs(30), consuming)
        .await
        .expect("the consumer stops")
        .expect("the consumer task")
        .expect("the consumer ran");
    descriptor.disconnect(id);
    assert_eq!(processed.load(Ordering::SeqCst), 2);
    assert_eq!(summary.processed, 2);
    assert_eq!(summary.dead_lettered, 0);
}
