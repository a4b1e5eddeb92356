use eventbus_runtime::OpenEdxEvent;

// `crate` names where the runtime is: a path that does not resolve is an error at the string.
#[derive(Clone, OpenEdxEvent)]
#[openedx_event(crate = "not_a_crate", event_type = "org.openedx.test.happened.v1")]
pub struct Happened {
    pub id: String,
}

fn main() {}
