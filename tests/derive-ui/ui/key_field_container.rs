use eventbus_runtime::prelude::*;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, EventData)]
pub struct CourseData {
    pub course_key: CourseKey,
    pub tags: Vec<String>,
    pub extra: HashMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.course.tagged.v1", key_field = "course.tags")]
pub struct CourseTagged {
    pub course: CourseData,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.course.extended.v1", key_field = "course.extra")]
pub struct CourseExtended {
    pub course: CourseData,
}

fn main() {}
