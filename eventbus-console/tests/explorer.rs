//! The explorer on the real Kafka and schema registry: a topic with five events shows exactly
//! those, the filters by event type and key and the jump to an offset return exactly the
//! matching events, an event's page shows its headers, data tree, raw bytes and schema id; an
//! unknown topic, a malformed offset or a missing event give a 4xx page with a message.

mod support;

use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newest_events_filters_offsets_and_an_event_page() {
    let prefix = unique_prefix("explorer");
    let settings = kafka_settings(&prefix);
    create_topic(&settings, "events", 1).await;
    let producer = producer(&prefix);
    for (event_type, block) in [
        (PUBLISHED, "a"),
        (PUBLISHED, "b"),
        (PUBLISHED, "c"),
        (DELETED, "a"),
        (DELETED, "d"),
    ] {
        produce(&producer, "events", event_type, block).await;
    }
    let console = start_read_only(&prefix).await;
    let base = format!("{}/explorer/events", console.base);

    let (status, page) = get(&base).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(count(&page, "<tr class=\"event\">"), 5, "{page}");
    for block in ["a", "b", "c", "d"] {
        assert!(page.contains(&usage_key(block)), "{block}: {page}");
    }
    assert_eq!(count(&page, &format!(">{PUBLISHED}<")), 3);
    assert_eq!(count(&page, &format!(">{DELETED}<")), 2);
    // Newest first.
    let newest = page.find("/explorer/events/0/4").expect("offset 4");
    let oldest = page.find("/explorer/events/0/0").expect("offset 0");
    assert!(newest < oldest);

    let (status, page) = get(&format!("{base}?event_type={}", query_value(DELETED))).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(count(&page, "<tr class=\"event\">"), 2, "{page}");
    assert_eq!(count(&page, &format!(">{PUBLISHED}<")), 0);

    let (status, page) = get(&format!("{base}?key={}", query_value(&usage_key("a")))).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(count(&page, "<tr class=\"event\">"), 2, "{page}");
    assert!(!page.contains(&usage_key("b")));

    let (_, page) = get(&format!(
        "{base}?key={}&event_type={}",
        query_value(&usage_key("a")),
        query_value(PUBLISHED)
    ))
    .await;
    assert_eq!(count(&page, "<tr class=\"event\">"), 1, "{page}");

    // The same selection as JSON lines, decoded.
    let (_, page) = get(&format!("{base}?event_type={}", query_value(DELETED))).await;
    assert!(
        page.contains(&format!(
            "href=\"/explorer/events?format=jsonl&#38;event_type={}\"",
            query_value(DELETED)
        )),
        "{page}"
    );
    let (status, lines) = get(&format!(
        "{base}?format=jsonl&event_type={}",
        query_value(DELETED)
    ))
    .await;
    assert_eq!(status, 200, "{lines}");
    let lines: Vec<serde_json::Value> = lines
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["offset"], 4);
    assert_eq!(lines[0]["event_type"], DELETED);
    assert_eq!(lines[0]["data"]["xblock_info"]["usage_key"], usage_key("d"));
    assert_eq!(lines[1]["data"]["xblock_info"]["usage_key"], usage_key("a"));
    assert!(lines[0]["schema_id"].as_u64().is_some());

    let (status, page) = get(&format!("{base}?offset=3")).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(count(&page, "<tr class=\"event\">"), 2, "{page}");
    assert!(page.contains("/explorer/events/0/3") && page.contains("/explorer/events/0/4"));

    let (_, page) = get(&format!("{base}?limit=2")).await;
    assert_eq!(count(&page, "<tr class=\"event\">"), 2, "{page}");
    assert!(page.contains("/explorer/events/0/4") && page.contains("/explorer/events/0/3"));

    // Empty form fields are ignored.
    let (status, page) = get(&format!(
        "{base}?event_type=&key=&partition=&offset=&limit="
    ))
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(count(&page, "<tr class=\"event\">"), 5, "{page}");

    let (status, page) = get(&format!("{base}/0/1")).await;
    assert_eq!(status, 200, "{page}");
    for expected in [
        "ce_type",
        "ce_id",
        "ce_source",
        PUBLISHED,
        &usage_key("b"),
        "<span class=\"k\">usage_key:</span>",
        "<span class=\"k\">xblock_info</span>",
        "000000  00 00 00",
        "<code>openedx_events.content_authoring.signals.XBLOCK_PUBLISHED</code>",
    ] {
        assert!(page.contains(expected), "{expected}: {page}");
    }
    let schema_id = page
        .split("<tr><th>Schema id</th><td>")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("a schema id row");
    assert!(schema_id.parse::<u32>().is_ok(), "schema id {schema_id:?}");
    console.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gives_a_clear_4xx() {
    let prefix = unique_prefix("explorer-bad");
    let settings = kafka_settings(&prefix);
    create_topic(&settings, "events", 2).await;
    let console = start_read_only(&prefix).await;
    let base = format!("{}/explorer", console.base);
    for (path, status, message) in [
        (
            "/nope".to_owned(),
            404,
            format!("topic {prefix}-nope does not exist"),
        ),
        (
            "/events?offset=abc".into(),
            400,
            "offset &#34;abc&#34; is not a number".into(),
        ),
        ("/events?offset=-1".into(), 400, "is not a number".into()),
        (
            "/events?limit=x".into(),
            400,
            "limit &#34;x&#34; is not a number".into(),
        ),
        ("/events?offset=0".into(), 400, "several partitions".into()),
        (
            "/events?partition=7".into(),
            404,
            "has no partition 7".into(),
        ),
        (
            "/events/0/abc".into(),
            400,
            "offset &#34;abc&#34; is not a number".into(),
        ),
        (
            "/events/x/0".into(),
            400,
            "partition &#34;x&#34; is not a number".into(),
        ),
        ("/events/0/99".into(), 404, "no event at offset 99".into()),
        ("/events/9/0".into(), 404, "has no partition 9".into()),
        ("/events/99999999999/0".into(), 400, "too large".into()),
    ] {
        let (got, page) = get(&format!("{base}{path}")).await;
        assert_eq!(got, status, "{path}: {page}");
        assert!(page.contains(&message), "{path}: {message}: {page}");
    }
    // An empty topic: no events, no error.
    let (status, page) = get(&format!("{base}/events")).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(count(&page, "<tr class=\"event\">"), 0);
    console.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_event_type_is_decoded_with_its_writer_schema() {
    use eventbus_runtime::kafka::framing::frame;
    use eventbus_runtime::kafka::{RawMessage, RawProducer};
    let prefix = unique_prefix("explorer-unknown");
    let settings = kafka_settings(&prefix);
    create_topic(&settings, "events", 1).await;
    let full = settings.full_topic("events");
    let event_type = "org.example.unknown.v1";
    let text = format!(
        r#"{{"type": "record", "name": "CloudEvent", "namespace": "{event_type}", "fields": [{{"name": "note", "type": "string"}}]}}"#
    );
    let registry =
        eventbus_runtime::kafka::schema_registry::SchemaRegistryClient::from_settings(&settings)
            .expect("a registry client");
    let id = registry
        .register(&format!("{full}-{event_type}.CloudEvent"), &text)
        .await
        .expect("registered");
    let value = frame(id, &[0x0a, b'h', b'e', b'l', b'l', b'o']);
    let headers = vec![("ce_type".to_owned(), Some(event_type.as_bytes().to_vec()))];
    RawProducer::new(&settings, "test producer")
        .expect("a producer")
        .send(&RawMessage {
            topic: &full,
            key: None,
            value: Some(&value),
            headers: &headers,
        })
        .await
        .expect("sent");
    let console = start_read_only(&prefix).await;
    let (status, page) = get(&format!("{}/explorer/events", console.base)).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(count(&page, "<tr class=\"event\">"), 1, "{page}");
    assert!(page.contains(&format!("<td>{event_type}</td>")), "{page}");
    let (status, page) = get(&format!("{}/explorer/events/0/0", console.base)).await;
    assert_eq!(status, 200, "{page}");
    for expected in [
        "not an event type of this build's catalog",
        "<span class=\"k\">note:</span> hello",
        &format!("<tr><th>Schema id</th><td>{id}</td></tr>"),
    ] {
        assert!(page.contains(expected), "{expected}: {page}");
    }
    console.stop().await;
}
