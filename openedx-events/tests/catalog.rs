//! The catalog as the runtime registry sees it: every event type of openedx-events 11.2.0, each
//! serializable one with its committed `.avsc` in `schemas/`.

use eventbus_runtime::avro::schema::avsc_file_name;
use eventbus_runtime::registry;
use std::collections::BTreeSet;
use std::path::Path;

#[test]
fn every_event_type_is_registered_once_with_a_schema_file() {
    openedx_events::link();
    let all: Vec<_> = registry::all().collect();
    // openedx-events 11.2.0 defines 75 signals.
    assert_eq!(
        all.len(),
        75,
        "{:#?}",
        all.iter().map(|d| d.event_type).collect::<Vec<_>>()
    );
    assert_eq!(registry::check(), Ok(()));

    let in_process: BTreeSet<&str> = all
        .iter()
        .filter(|d| !d.is_serializable())
        .map(|d| d.event_type)
        .collect();
    assert_eq!(
        in_process,
        BTreeSet::from([
            "org.openedx.content_authoring.course.certificate_config.changed.v1",
            "org.openedx.content_authoring.course.certificate_config.deleted.v1",
        ])
    );

    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let mut missing = Vec::new();
    for d in all.iter().filter(|d| d.is_serializable()) {
        assert_eq!(
            registry::find(d.event_type).map(|f| f.event_type),
            Some(d.event_type)
        );
        let file = schemas.join(avsc_file_name(d.event_type));
        match std::fs::read_to_string(&file) {
            Ok(text) => {
                let committed: serde_json::Value = serde_json::from_str(&text).unwrap();
                assert_eq!(committed["namespace"], d.event_type, "{}", file.display());
            }
            Err(_) => missing.push(file.display().to_string()),
        }
    }
    assert!(missing.is_empty(), "no schema file: {missing:#?}");
    let files = std::fs::read_dir(&schemas)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "avsc")
        })
        .count();
    assert_eq!(
        files, 73,
        "one .avsc per serializable event type, no stale files"
    );
}
