//! The Redis explorer on the real Redis: a stream with three events shows exactly those, newest
//! first, filtered by event type; an entry's page shows its fields and its data decoded; an
//! unknown stream, a malformed or missing entry id give a 4xx page; without Redis configured,
//! a 404 saying so.

mod support;

use eventbus_console::ConsoleConfig;
use eventbus_runtime::redis::RedisProducer;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newest_entries_filter_and_an_entry_page() {
    let prefix = unique_prefix("redis");
    let redis = redis_settings(&prefix);
    let producer = RedisProducer::new(&redis).await.expect("a producer");
    let mut ids = Vec::new();
    for (event_type, block) in [(PUBLISHED, "a"), (DELETED, "b"), (PUBLISHED, "c")] {
        ids.push(produce_redis(&producer, "blocks", event_type, block).await);
    }
    let mut config = ConsoleConfig::new(
        "127.0.0.1:0".parse().expect("addr"),
        kafka_settings(&prefix),
    );
    config.redis = Some(redis);
    let console = start(config).await;
    let (status, page) = get(&format!("{}/redis", console.base)).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("<tr><td><a href=\"/redis/blocks\">blocks</a></td><td>3</td></tr>"),
        "{page}"
    );
    let base = format!("{}/redis/blocks", console.base);
    let (status, page) = get(&base).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(count(&page, "<tr class=\"entry\">"), 3, "{page}");
    let newest = page.find(&ids[2]).expect("the newest");
    let oldest = page.find(&ids[0]).expect("the oldest");
    assert!(newest < oldest);
    let (_, page) = get(&format!("{base}?event_type={}", query_value(PUBLISHED))).await;
    assert_eq!(count(&page, "<tr class=\"entry\">"), 2, "{page}");
    assert!(!page.contains(&ids[1]));
    let (_, page) = get(&format!("{base}?limit=1")).await;
    assert_eq!(count(&page, "<tr class=\"entry\">"), 1, "{page}");
    assert!(page.contains(&ids[2]));

    let (status, page) = get(&format!("{base}/{}", ids[1])).await;
    assert_eq!(status, 200, "{page}");
    for expected in [
        format!("<h1>{DELETED}</h1>").as_str(),
        "<tr><th>type</th>",
        "<tr><th>source</th>",
        usage_key("b").as_str(),
        "<span class=\"k\">usage_key:</span>",
    ] {
        assert!(page.contains(expected), "{expected}: {page}");
    }
    for (path, status, message) in [
        (
            "/redis/nope".to_owned(),
            404,
            format!("stream {prefix}-nope does not exist"),
        ),
        (
            "/redis/blocks/abc".into(),
            400,
            "is not a stream entry id".into(),
        ),
        ("/redis/blocks/1-0".into(), 404, "no entry 1-0".into()),
        (
            "/redis/blocks?limit=x".into(),
            400,
            "is not a number".into(),
        ),
    ] {
        let (got, page) = get(&format!("{}{path}", console.base)).await;
        assert_eq!(got, status, "{path}: {page}");
        assert!(page.contains(&message), "{path}: {page}");
    }
    console.stop().await;

    let console = start_read_only(&prefix).await;
    let (status, page) = get(&format!("{}/redis/blocks", console.base)).await;
    assert_eq!(status, 404, "{page}");
    assert!(page.contains("Redis is not configured"), "{page}");
    console.stop().await;
}
