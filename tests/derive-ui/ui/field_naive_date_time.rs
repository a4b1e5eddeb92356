use eventbus_runtime::prelude::*;

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.thing.scheduled.v1")]
pub struct Scheduled {
    pub at: chrono::NaiveDateTime,
    pub on: Option<chrono::NaiveDate>,
}

fn main() {}
