//! Decoding data written with another version of an event's schema (Avro schema resolution), so
//! that older and newer producers can be read.

use eventbus_runtime::avro::{encode_event, Example};
use eventbus_runtime::prelude::*;
use serde_json::json;

/// Version 1 of a grade record.
#[derive(Debug, Clone, PartialEq, EventData)]
#[openedx_event(name = "GradeData")]
pub struct GradeDataV1 {
    pub user_id: i64,
    pub percent: f64,
    pub letter: String,
}

/// Version 2: `letter` dropped, an optional `comment` added.
#[derive(Debug, Clone, PartialEq, EventData)]
#[openedx_event(name = "GradeData")]
pub struct GradeDataV2 {
    pub user_id: i64,
    pub percent: f64,
    pub comment: Option<String>,
    pub tags: Option<Vec<String>>,
}

/// As a producer on version 1 defines the event.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.resolution.old.v1")]
pub struct GradeChangedOld {
    pub grade: GradeDataV1,
}

/// As a consumer on version 2 defines the same event.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.resolution.new.v1", minor_version = 1)]
pub struct GradeChangedNew {
    pub grade: GradeDataV2,
}

/// The schema of `E`, as the same event type would have it (same namespace).
fn schema_as<E: OpenEdxEvent + EventData>(
    namespace: &str,
) -> eventbus_runtime::apache_avro::Schema {
    let mut json = E::schema().json().clone();
    json["namespace"] = json!(namespace);
    eventbus_runtime::apache_avro::Schema::parse(&json).unwrap()
}

#[test]
fn a_newer_reader_reads_older_data() {
    let old = GradeChangedOld {
        grade: GradeDataV1 {
            user_id: 7,
            percent: 0.5,
            letter: "C".into(),
        },
    };
    let writer = schema_as::<GradeChangedOld>(GradeChangedNew::EVENT_TYPE);
    let event = GradeChangedNew::descriptor()
        .decode(&encode_event(&old), Some(&writer))
        .unwrap();
    let new = event.as_any().downcast_ref::<GradeChangedNew>().unwrap();
    assert_eq!(
        new,
        &GradeChangedNew {
            grade: GradeDataV2 {
                user_id: 7,
                percent: 0.5,
                comment: None,
                tags: None
            },
        }
    );
}

#[test]
fn an_older_reader_reads_newer_data_and_needs_a_default_for_what_is_gone() {
    let new = GradeChangedNew::example(Example::Full);
    let writer = schema_as::<GradeChangedNew>(GradeChangedOld::EVENT_TYPE);
    // `letter` has no default in version 1, so version-2 data cannot be read by it: a clear error.
    let err = GradeChangedOld::descriptor()
        .decode(&encode_event(&new), Some(&writer))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("org.openedx.test.resolution.old.v1: schema resolution failed"),
        "{err}"
    );
}

#[test]
fn the_same_schema_needs_no_resolution_and_bad_bytes_are_an_error() {
    let event = GradeChangedNew::example(Example::Full);
    let bytes = encode_event(&event);
    let same = GradeChangedNew::schema().parsed();
    let decoded = GradeChangedNew::descriptor()
        .decode(&bytes, Some(same))
        .unwrap();
    assert_eq!(decoded.to_json(), event.to_json());

    let writer = schema_as::<GradeChangedOld>(GradeChangedNew::EVENT_TYPE);
    assert!(GradeChangedNew::descriptor()
        .decode(&bytes[..3], Some(&writer))
        .is_err());
}
