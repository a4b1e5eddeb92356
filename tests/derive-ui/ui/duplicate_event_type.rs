use eventbus_runtime::prelude::*;

// Two structs of one crate that declare the same event type: refused at both `event_type` strings.
mod first {
    use eventbus_runtime::prelude::*;

    #[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
    #[openedx_event(event_type = "org.openedx.test.thing.happened.v1")]
    pub struct Happened {
        pub text: String,
    }
}

mod second {
    use eventbus_runtime::prelude::*;

    #[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
    #[openedx_event(event_type = "org.openedx.test.thing.happened.v1", in_process_only)]
    pub struct ThingHappened {
        pub text: String,
    }
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.thing.happened.v2")]
pub struct HappenedAgain {
    pub text: String,
}

fn main() {}
