use eventbus_runtime::prelude::*;

// Avro has only signed longs: one error at the type, which says to use `i64`.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.thing.counted.v1")]
pub struct Counted {
    pub count: u64,
}

fn main() {}
