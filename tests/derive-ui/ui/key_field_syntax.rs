use eventbus_runtime::prelude::*;

#[derive(Debug, Clone, PartialEq, EventData)]
pub struct UserData {
    pub id: i64,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.user.a.v1", key_field = "")]
pub struct EmptyPath {
    pub user: UserData,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.user.b.v1", key_field = "user.0")]
pub struct NumericSegment {
    pub user: UserData,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.user.c.v1", key_field = user.id)]
pub struct NotAString {
    pub user: UserData,
}

fn main() {}
