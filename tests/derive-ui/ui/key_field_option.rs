use eventbus_runtime::prelude::*;

#[derive(Debug, Clone, PartialEq, EventData)]
pub struct UserData {
    pub id: i64,
    pub nickname: Option<String>,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.learning.user.renamed.v1", key_field = "user.nickname")]
pub struct UserRenamed {
    pub user: UserData,
}

fn main() {}
