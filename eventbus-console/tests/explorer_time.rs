//! The explorer's time range and jump to a time on the real Kafka: four events written at known
//! broker timestamps over two partitions; `from` (the brokers' offsets for the time) and `to`,
//! as times or dates, show exactly the events in range; a malformed time is a 400 naming its
//! field, and an offset with a from time is refused.

mod support;

use support::*;

/// 2026-01-01T00:00:00Z in ms.
const NEW_YEAR: i64 = 1_767_225_600_000;
const HOUR: i64 = 3_600_000;

/// The usage keys shown on `page`, in page order, of the blocks in `blocks`.
fn shown<'a>(page: &str, blocks: &[&'a str]) -> Vec<&'a str> {
    let mut found: Vec<(usize, &str)> = blocks
        .iter()
        .filter_map(|b| page.find(&format!(">{}<", usage_key(b))).map(|at| (at, *b)))
        .collect();
    found.sort();
    found.into_iter().map(|(_, b)| b).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_range_and_jump_to_a_time_show_exactly_the_events_in_range() {
    let prefix = unique_prefix("explorer-time");
    let settings = kafka_settings(&prefix);
    create_topic(&settings, "drafts", 1).await;
    create_topic(&settings, "timed", 2).await;
    let producer = producer(&prefix);
    let blocks = ["a", "b", "c", "d"];
    for (event_type, block) in [
        (PUBLISHED, "a"),
        (DELETED, "b"),
        (PUBLISHED, "c"),
        (PUBLISHED, "d"),
    ] {
        produce(&producer, "drafts", event_type, block).await;
    }
    let drafts = messages(&settings, &settings.full_topic("drafts")).await;
    let timed = settings.full_topic("timed");
    // a at 00:00 and c at 02:00 on partition 0, b at 01:00 and d the next day on partition 1.
    for (message, partition, at) in [
        (&drafts[0], 0, NEW_YEAR),
        (&drafts[1], 1, NEW_YEAR + HOUR),
        (&drafts[2], 0, NEW_YEAR + 2 * HOUR),
        (&drafts[3], 1, NEW_YEAR + 24 * HOUR),
    ] {
        produce_at(&timed, partition, message, at).await;
    }
    let console = start_read_only(&prefix).await;
    let base = format!("{}/explorer/timed", console.base);
    for (query, expected) in [
        ("", vec!["d", "c", "b", "a"]),
        // Jump to a time: the first events at or after it, oldest first.
        ("from=2026-01-01T00:30:00Z", vec!["b", "c", "d"]),
        (
            "from=2026-01-01T00:30:00Z&to=2026-01-01T02:00:00Z",
            vec!["b", "c"],
        ),
        ("from=2026-01-01T01:00&to=2026-01-01T01:59:59Z", vec!["b"]),
        ("from=2026-01-02", vec!["d"]),
        ("from=2026-01-01T03:00:00%2B01:00", vec!["c", "d"]),
        ("from=2026-01-03", vec![]),
        // Up to a time: the newest before it, newest first; a date is the whole day.
        ("to=2026-01-01", vec!["c", "b", "a"]),
        ("to=2026-01-01T00:59:59Z", vec!["a"]),
        ("to=2025-12-31", vec![]),
        // With the other filters.
        (
            &format!("from=2026-01-01&event_type={}", query_value(PUBLISHED)),
            vec!["a", "c", "d"],
        ),
        ("from=2026-01-01&limit=1", vec!["a"]),
        ("from=2026-01-01&partition=1", vec!["b", "d"]),
    ] {
        let (status, page) = get(&format!("{base}?{query}")).await;
        assert_eq!(status, 200, "{query}: {page}");
        assert_eq!(
            count(&page, "<tr class=\"event\">"),
            expected.len(),
            "{query}: {page}"
        );
        assert_eq!(shown(&page, &blocks), expected, "{query}: {page}");
    }
    let (_, page) = get(&format!("{base}?from=2026-01-01T00:30:00Z&to=2026-01-01")).await;
    assert!(
        page.contains("format=jsonl&amp;from=2026-01-01T00%3A30%3A00Z&amp;to=2026-01-01")
            || page.contains("format=jsonl&#38;from=2026-01-01T00%3A30%3A00Z&#38;to=2026-01-01"),
        "the export keeps the range: {page}"
    );
    let (status, lines) = get(&format!(
        "{base}?format=jsonl&from=2026-01-01T00:30:00Z&to=2026-01-01"
    ))
    .await;
    assert_eq!(status, 200, "{lines}");
    assert_eq!(lines.lines().count(), 2, "{lines}");

    for (query, message) in [
        ("from=yesterday", "from \"yesterday\" is not a time"),
        ("to=2026-13-01", "to \"2026-13-01\" is not a time"),
        (
            "from=2026-01-01&offset=0&partition=0",
            "either an offset or a from time",
        ),
    ] {
        let (status, page) = get(&format!("{base}?{query}")).await;
        assert_eq!(status, 400, "{query}: {page}");
        assert!(
            page.contains(&message.replace('"', "&#34;")),
            "{query}: {page}"
        );
    }
    console.stop().await;
}
