//! The committed `.avsc` files must match what the code generates, and any change must keep
//! readers working both ways.

use eventbus_schemas::{check, committed_dir, write_all, GeneratedSchema, Problem, GENERATED};

#[test]
fn committed_schemas_match_the_generated_ones() {
    if std::env::var_os("UPDATE_SCHEMAS").is_some() {
        write_all(GENERATED, committed_dir()).expect("write the schemas");
    }
    let problems = check(GENERATED, committed_dir());
    assert!(
        problems.is_empty(),
        "{} schema problem(s):\n\n{}",
        problems.len(),
        problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

#[test]
fn every_serializable_event_has_a_generated_schema() {
    openedx_events::link();
    let serializable = eventbus_runtime::registry::all()
        .filter(|d| d.is_serializable())
        .count();
    assert_eq!(GENERATED.len(), serializable);
}

const OLD: &str = r#"{"name": "CloudEvent", "type": "record", "namespace": "org.openedx.test.thing.done.v1",
  "fields": [{"name": "a", "type": "string"}]}"#;

fn scratch(name: &str, committed: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("eventbus-schemas-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("org+openedx+test+thing+done+v1_schema.avsc"),
        committed,
    )
    .unwrap();
    dir
}

fn generated(text: &'static str) -> [GeneratedSchema; 1] {
    [GeneratedSchema {
        event_type: "org.openedx.test.thing.done.v1",
        file_name: "org+openedx+test+thing+done+v1_schema.avsc",
        text,
    }]
}

#[test]
fn a_breaking_change_is_reported_with_a_diff() {
    let dir = scratch("breaking", OLD);
    let problems = check(
        &generated(
            r#"{"name": "CloudEvent", "type": "record", "namespace": "org.openedx.test.thing.done.v1",
  "fields": [{"name": "a", "type": "string"}, {"name": "b", "type": "long"}]}"#,
        ),
        &dir,
    );
    let [Problem::Breaking { reasons, diff, .. }] = problems.as_slice() else {
        panic!("expected one breaking change, got {problems:?}");
    };
    assert!(
        reasons[0].starts_with("not backward compatible"),
        "{reasons:?}"
    );
    assert!(
        diff.contains("+  \"fields\": [{\"name\": \"a\", \"type\": \"string\"}, {\"name\": \"b\""),
        "{diff}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_compatible_change_still_needs_the_file_updated() {
    let dir = scratch("compatible", OLD);
    let problems = check(
        &generated(
            r#"{"name": "CloudEvent", "type": "record", "namespace": "org.openedx.test.thing.done.v1",
  "fields": [{"name": "a", "type": "string"}, {"name": "b", "type": ["null", "long"], "default": null}]}"#,
        ),
        &dir,
    );
    assert!(
        matches!(problems.as_slice(), [Problem::Outdated { .. }]),
        "{problems:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn missing_and_orphaned_files_are_reported() {
    let dir = scratch("orphan", OLD);
    let problems = check(
        &[GeneratedSchema {
            event_type: "org.openedx.test.other.done.v1",
            file_name: "org+openedx+test+other+done+v1_schema.avsc",
            text: OLD,
        }],
        &dir,
    );
    assert_eq!(
        problems,
        [
            Problem::Missing {
                event_type: "org.openedx.test.other.done.v1".into()
            },
            Problem::Orphan {
                file_name: "org+openedx+test+thing+done+v1_schema.avsc".into()
            },
        ]
    );
    std::fs::remove_dir_all(dir).unwrap();
}
