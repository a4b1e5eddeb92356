//! Define two events, connect receivers, send them, and print each event with its metadata and
//! Avro schema.
//!
//! ```sh
//! RUST_LOG=info cargo run -p eventbus-runtime --example quickstart
//! ```
//!
//! The library logs through `tracing` and shows nothing by itself: a program installs a
//! subscriber (here `tracing-subscriber`, filtered by `RUST_LOG`) to see its logs.

use eventbus_runtime::prelude::*;
use std::collections::BTreeMap;

/// A block of course content.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct XBlockData {
    /// The block's usage key.
    pub usage_key: UsageKey,
    /// The kind of block (`problem`, `html`...).
    pub block_type: String,
    /// The block this one was copied from, if any.
    pub source: Option<UsageKey>,
}

/// A block was published.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.content_authoring.xblock.published.v1",
    key_field = "xblock_info.usage_key"
)]
pub struct XBlockPublished {
    /// The published block.
    pub xblock_info: XBlockData,
}

/// A learner's grade in a course.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct GradeData {
    /// The learner.
    pub user_id: i64,
    /// The course.
    pub course_key: CourseKey,
    /// The grade, from 0 to 1.
    pub percent: f64,
    /// Grades per assignment type.
    pub by_type: BTreeMap<String, f64>,
    /// When the grade was computed.
    pub computed_at: DateTime<Utc>,
}

/// A learner's course grade changed.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.example.learning.grade.changed.v1",
    key_field = "grade.course_key"
)]
pub struct GradeChanged {
    /// The new grade.
    pub grade: GradeData,
}

fn print<E: OpenEdxEvent + EventData>(envelope: &Envelope<E>) -> Result<(), ReceiverError> {
    let key_field = E::DEFAULT_KEY_FIELD.unwrap_or("");
    let key = EventData::key_at(&envelope.data, &key_field.split('.').collect::<Vec<_>>())?;
    println!("== {} (key {key_field} = {key})", E::EVENT_TYPE);
    println!("data:     {}", envelope.data.to_json());
    println!("metadata: {}", envelope.metadata.to_json());
    println!(
        "encoded:  {} bytes of Avro",
        eventbus_runtime::avro::encode_event(&envelope.data).len()
    );
    println!("schema:\n{}\n", E::schema().avsc_text());
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Without a subscriber the library's logs go nowhere.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    eventbus_runtime::metadata::set_service_name("quickstart");
    XBlockPublished::signal().connect("print", print::<XBlockPublished>);
    GradeChanged::signal().connect("print", print::<GradeChanged>);

    XBlockPublished::signal()
        .send_event(XBlockPublished {
            xblock_info: XBlockData {
                usage_key: "block-v1:edX+DemoX+Demo_Course+type@problem+block@p1".parse()?,
                block_type: "problem".into(),
                source: None,
            },
        })
        .await?
        .into_result()
        .unwrap();
    GradeChanged::signal()
        .send_event(GradeChanged {
            grade: GradeData {
                user_id: 42,
                course_key: "course-v1:edX+DemoX+Demo_Course".parse()?,
                percent: 0.87,
                by_type: BTreeMap::from([("Homework".into(), 0.9), ("Exam".into(), 0.85)]),
                computed_at: Utc::now(),
            },
        })
        .await?
        .into_result()
        .unwrap();

    println!("registered event types:");
    for descriptor in eventbus_runtime::registry::all() {
        println!(
            "  {} (minor {})",
            descriptor.event_type, descriptor.minor_version
        );
    }
    Ok(())
}
