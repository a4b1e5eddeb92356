use eventbus_runtime::prelude::*;

// Forgot `#[derive(EventData)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct UserData {
    pub id: i64,
}

// One error at the field's type, even with a key path through it.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.user.seen.v1", key_field = "user.id")]
pub struct UserSeen {
    pub user: UserData,
}

fn main() {}
