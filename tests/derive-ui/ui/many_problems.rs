use eventbus_runtime::prelude::*;

// Every problem is reported in one compile, each at its own span; an error in one key does not
// stop the parsing of the keys after it.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.Test.thing.v1",
    colour = "blue",
    key_field = "user..id"
)]
pub struct Broken {
    pub user: String,
    pub nickname: Option<String>,
}

// A malformed value comes first: the keys after it are still read, so `event_type` is not
// reported missing and the bad `key_field` is reported too.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(minor_version = "2", name = "X", event_type = "org.openedx.test.thing.v1", key_field = "user.")]
pub struct AlsoBroken {
    pub user: String,
}

fn main() {}
