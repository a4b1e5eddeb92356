//! The catalog: the 75 event types, each with its page (key field, minor version, example data,
//! Avro schema); an unknown event type is a 404 with the closest names.

mod support;

use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_type_and_its_page() {
    let console = start_read_only(&unique_prefix("catalog")).await;
    let (status, page) = get(&format!("{}/catalog", console.base)).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<p>75 event types.</p>"), "{page}");
    assert_eq!(count(&page, "<tr><td><a href=\"/catalog/"), 75);
    assert!(page.contains("openedx_events.learning.signals.COURSE_ENROLLMENT_CREATED"));

    let (status, page) = get(&format!(
        "{}/catalog/org.openedx.learning.course.enrollment.created.v1",
        console.base
    ))
    .await;
    assert_eq!(status, 200, "{page}");
    for expected in [
        "<tr><th>Key field</th><td><code>enrollment.course.course_key</code></td></tr>",
        "<tr><th>Minor version</th><td>0</td></tr>",
        "<pre id=\"example\">",
        "<pre id=\"schema\">",
        "&#34;course_key&#34;",
        "CloudEvent",
    ] {
        assert!(page.contains(expected), "{expected}: {page}");
    }

    // Every event type's page renders.
    let (_, list) = get(&format!("{}/catalog", console.base)).await;
    let types: Vec<&str> = list
        .split("<tr><td><a href=\"/catalog/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert_eq!(types.len(), 75);
    for event_type in types {
        let (status, page) = get(&format!("{}/catalog/{event_type}", console.base)).await;
        assert_eq!(status, 200, "{event_type}: {page}");
        assert!(
            page.contains(&format!("<h1>{event_type}</h1>")),
            "{event_type}"
        );
    }

    let (status, page) = get(&format!(
        "{}/catalog/org.openedx.learning.course.enrollment.creatd.v1",
        console.base
    ))
    .await;
    assert_eq!(status, 404, "{page}");
    assert!(
        page.contains("did you mean org.openedx.learning.course.enrollment.created.v1"),
        "{page}"
    );
    console.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registry_latest_version_compatibility() {
    let prefix = unique_prefix("catalog-registry");
    let settings = kafka_settings(&prefix);
    create_topic(&settings, "blocks", 1).await;
    create_topic(&settings, "legacy", 1).await;
    produce(&producer(&prefix), "blocks", PUBLISHED, "a").await;
    // A schema this build cannot read (a required field it lacks, none of its own).
    let legacy = format!("{}-{DELETED}.CloudEvent", settings.full_topic("legacy"));
    let text = format!(
        r#"{{"type": "record", "name": "CloudEvent", "namespace": "{DELETED}", "fields": [{{"name": "legacy_only", "type": "string"}}]}}"#
    );
    let registry =
        eventbus_runtime::kafka::schema_registry::SchemaRegistryClient::from_settings(&settings)
            .expect("a registry client");
    registry.register(&legacy, &text).await.expect("registered");

    let console = start_read_only(&prefix).await;
    let (status, page) = get(&format!("{}/catalog/{PUBLISHED}", console.base)).await;
    assert_eq!(status, 200, "{page}");
    let subject = format!("{}-{PUBLISHED}.CloudEvent", settings.full_topic("blocks"));
    assert!(page.contains(&format!("<code>{subject}</code>")), "{page}");
    assert_eq!(
        count(&page, "compatible both ways with this build"),
        1,
        "{page}"
    );
    let (_, page) = get(&format!("{}/catalog/{DELETED}", console.base)).await;
    assert!(page.contains(&format!("<code>{legacy}</code>")), "{page}");
    assert_eq!(count(&page, "<td class=\"bad\">"), 1, "{page}");
    assert!(
        page.to_lowercase().contains("legacy_only") || page.contains("xblock_info"),
        "{page}"
    );
    let (_, page) = get(&format!(
        "{}/catalog/org.openedx.learning.course.enrollment.created.v1",
        console.base
    ))
    .await;
    assert!(
        page.contains("No topic of the prefix has a subject of this event type"),
        "{page}"
    );
    console.stop().await;
}
