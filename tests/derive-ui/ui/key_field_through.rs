use eventbus_runtime::prelude::*;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, EventData)]
pub struct UserData {
    pub id: i64,
    pub username: String,
}

#[derive(Debug, Clone, PartialEq, EventData)]
pub struct CourseData {
    pub course_key: CourseKey,
    pub owner: Option<UserData>,
    pub staff: Vec<UserData>,
    pub by_role: BTreeMap<String, UserData>,
    pub creator: UserData,
}

// A key path that goes through an optional value, a list, a map or a scalar: one error at the
// string, naming the segment and why.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.course.a.v1", key_field = "course.owner.username")]
pub struct ThroughOptional {
    pub course: CourseData,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.course.b.v1", key_field = "course.staff.username")]
pub struct ThroughList {
    pub course: CourseData,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.course.c.v1", key_field = "course.by_role.username")]
pub struct ThroughMap {
    pub course: CourseData,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.course.d.v1", key_field = "course.creator.username.first")]
pub struct PastALeaf {
    pub course: CourseData,
}

// The event's own field misspelled: the derive lists its fields.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.course.e.v1", key_field = "cuorse.creator.id")]
pub struct FirstMisspelled {
    pub course: CourseData,
    pub user: UserData,
}

// A record's field misspelled halfway: the compiler's "no field" on that record, and nothing after.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.course.g.v1", key_field = "course.craetor.id")]
pub struct MiddleMisspelled {
    pub course: CourseData,
}

// A correct path through records.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.course.f.v1", key_field = "course.creator.id")]
pub struct Fine {
    pub course: CourseData,
}

fn main() {}
