//! The overview on the real services: every connection reachable (Kafka, registry, Redis, the
//! outbox database), the test's topics with their partitions and end offsets, a consumer group
//! with its lag per partition; an unreachable service shows its error, with no secret.

mod support;

use eventbus_console::ConsoleConfig;
use eventbus_runtime::settings::RedisSettings;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_topics_and_lag() {
    let prefix = unique_prefix("overview");
    let settings = kafka_settings(&prefix);
    create_topic(&settings, "orders", 2).await;
    create_topic(&settings, "quiet", 1).await;
    let producer = producer(&prefix);
    let mut partition = 0;
    for _ in 0..3 {
        partition = produce(&producer, "orders", PUBLISHED, "same-key").await.0;
    }
    let full = settings.full_topic("orders");
    let group = format!("{prefix}-group");
    commit_offset(&group, &full, partition, 1);

    let outbox = sqlite_outbox("overview").await;
    let mut config = ConsoleConfig::new("127.0.0.1:0".parse().expect("addr"), settings.clone());
    config.redis = Some(RedisSettings::from_env().expect("the Redis settings"));
    config.outbox_url = Some(outbox.url.clone());
    let console = start(config).await;
    let (status, page) = get(&console.base).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("<title>Overview · eventbus console</title>"),
        "{page}"
    );
    assert_eq!(count(&page, "<h2>Redis streams</h2>"), 1, "{page}");
    for name in [
        "Kafka brokers",
        "Schema registry",
        "Redis",
        "Outbox database",
    ] {
        assert!(
            page.contains(&format!("<tr><td>{name}</td>")),
            "{name}: {page}"
        );
    }
    assert_eq!(count(&page, "<td class=\"ok\">reachable</td>"), 4, "{page}");
    assert_eq!(count(&page, "class=\"bad\""), 0, "{page}");
    // Exactly the test's two topics, with their partitions and ends.
    assert_eq!(count(&page, &format!("\">{prefix}-")), 2, "{page}");
    let other = 1 - partition;
    assert!(
        page.contains(&format!(
            "<tr><td><a href=\"/explorer/orders\">{full}</a></td><td>3</td>"
        )),
        "{page}"
    );
    let ends = if partition == 0 {
        "0: 0..3, 1: 0..0".to_owned()
    } else {
        "0: 0..0, 1: 0..3".to_owned()
    };
    assert!(page.contains(&ends), "{ends}: {page}");
    assert!(page.contains(&format!(
        "<tr><td><a href=\"/explorer/quiet\">{prefix}-quiet</a></td><td>0</td>"
    )));
    // The group and its lag: committed 1 of 3 on the events' partition.
    assert!(page.contains(&format!("<tr><td>{group}</td>")), "{page}");
    assert!(
        page.contains(&format!("{full}/{partition}: 1 of 3, lag 2")),
        "{page}"
    );
    assert!(!page.contains(&format!("{full}/{other}:")), "{page}");
    console.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_services_show_their_error_and_no_secret() {
    let marker = "console-marker-secret-4242";
    let settings = eventbus_runtime::settings::KafkaSettings::builder(
        "127.0.0.1:1",
        format!("http://registry-user:{marker}@127.0.0.1:1/apis"),
    )
    .produce_timeout(std::time::Duration::from_secs(2))
    .build()
    .expect("settings");
    let mut config = ConsoleConfig::new("127.0.0.1:0".parse().expect("addr"), settings);
    config.outbox_url = Some(format!("postgres://eventbus:{marker}@127.0.0.1:1/eventbus"));
    config.timeout = std::time::Duration::from_secs(4);
    let redis = format!("redis://:{marker}@127.0.0.1:1/");
    config.redis = Some(
        RedisSettings::builder(redis)
            .build()
            .expect("Redis settings"),
    );
    let console = start(config).await;
    let (status, page) = get(&console.base).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(count(&page, "<td class=\"bad\">"), 4, "{page}");
    assert!(!page.contains(marker), "a secret rendered: {page}");
    assert!(page.contains("eventbus:***@127.0.0.1:1"), "{page}");
    for path in ["/explorer", "/explorer/x", "/outbox"] {
        let (status, page) = get(&format!("{}{path}", console.base)).await;
        assert_eq!(status, 502, "{path}: {page}");
        assert!(!page.contains(marker), "{path}: a secret rendered: {page}");
    }
    console.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn charts_of_rate_and_lag_after_two_samples() {
    let prefix = unique_prefix("charts");
    let settings = kafka_settings(&prefix);
    create_topic(&settings, "orders", 1).await;
    let producer = producer(&prefix);
    for block in ["a", "b"] {
        produce(&producer, "orders", PUBLISHED, block).await;
    }
    let full = settings.full_topic("orders");
    let group = format!("{prefix}-group");
    commit_offset(&group, &full, 0, 1);
    let mut config = ConsoleConfig::new("127.0.0.1:0".parse().expect("addr"), settings);
    config.sample_interval = std::time::Duration::from_millis(200);
    let console = start(config).await;
    // Before two samples, a cell says it is sampling; wait (bounded) for both charts.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    let page = loop {
        let (status, page) = get(&console.base).await;
        assert_eq!(status, 200, "{page}");
        if count(&page, "<svg class=\"chart\"") == 2 {
            break page;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no charts after 60 s: {page}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(page.contains("sampled every 200ms"), "{page}");
    let rate = page
        .split("<td class=\"rate\">")
        .nth(1)
        .expect("the topic's rate");
    assert!(rate.contains("<polyline"), "{rate}");
    // Nothing was produced while sampling: the rate is 0 now.
    assert!(rate.contains("0/s (max "), "{rate}");
    let lag = page
        .split("<td class=\"lag\">")
        .nth(1)
        .expect("the group's lag");
    assert!(lag.contains("<polyline"), "{lag}");
    // The lag stays 1 (committed 1 of 2): a flat line at the top of the box.
    assert!(lag.contains("1 (max 1)"), "{lag}");
    assert!(lag.contains(",0.0 "), "{lag}");
    console.stop().await;
}
