//! Key paths that end on every kind of key, through records, checked at compile time and read.
use eventbus_runtime::prelude::*;

#[derive(Debug, Clone, PartialEq, EventData)]
pub struct Inner {
    pub when: EventDateTime,
    pub instant: DateTime<Utc>,
    pub id: Uuid,
    pub course_key: CourseKey,
    pub small: u8,
    pub flag: bool,
    pub score: f64,
    pub r#type: String,
}

#[derive(Debug, Clone, PartialEq, EventData)]
pub struct Outer {
    pub inner: Inner,
    pub count: i32,
}

macro_rules! keyed {
    ($name:ident, $event_type:literal, $path:literal) => {
        #[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
        #[openedx_event(event_type = $event_type, key_field = $path)]
        pub struct $name {
            pub outer: Outer,
        }
    };
}

keyed!(ByDate, "org.openedx.test.key.date.v1", "outer.inner.when");
keyed!(ByInstant, "org.openedx.test.key.instant.v1", "outer.inner.instant");
keyed!(ById, "org.openedx.test.key.id.v1", "outer.inner.id");
keyed!(ByCourse, "org.openedx.test.key.course.v1", "outer.inner.course_key");
keyed!(BySmall, "org.openedx.test.key.small.v1", "outer.inner.small");
keyed!(ByFlag, "org.openedx.test.key.flag.v1", "outer.inner.flag");
keyed!(ByScore, "org.openedx.test.key.score.v1", "outer.inner.score");
keyed!(ByType, "org.openedx.test.key.type.v1", "outer.inner.type");
keyed!(ByCount, "org.openedx.test.key.count.v1", "outer.count");

fn main() {
    let event = ByDate::example(Example::Full);
    for path in [
        ByDate::DEFAULT_KEY_FIELD,
        ByInstant::DEFAULT_KEY_FIELD,
        ById::DEFAULT_KEY_FIELD,
        ByCourse::DEFAULT_KEY_FIELD,
        BySmall::DEFAULT_KEY_FIELD,
        ByFlag::DEFAULT_KEY_FIELD,
        ByScore::DEFAULT_KEY_FIELD,
        ByType::DEFAULT_KEY_FIELD,
        ByCount::DEFAULT_KEY_FIELD,
    ] {
        let path: Vec<&str> = path.unwrap().split('.').collect();
        assert!(event.key_at(&path).is_ok(), "{path:?}");
    }
}
