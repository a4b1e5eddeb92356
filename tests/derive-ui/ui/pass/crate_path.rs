//! `crate = "..."`: the runtime reached through a re-export.
mod bus {
    pub use eventbus_runtime::*;
}

#[derive(Clone, bus::EventData)]
#[openedx_event(crate = "crate::bus")]
pub struct Parcel {
    pub label: String,
}

#[derive(Clone, bus::OpenEdxEvent)]
#[openedx_event(crate = "crate::bus", event_type = "org.openedx.test.parcel.v1", key_field = "parcel.label")]
pub struct Shipped {
    pub parcel: Parcel,
}

fn main() {
    let _ = <Shipped as bus::OpenEdxEvent>::EVENT_TYPE;
}
