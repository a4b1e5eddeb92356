use eventbus_runtime::prelude::*;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, EventData)]
pub struct XBlockData {
    pub usage_key: UsageKey,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.content_authoring.xblock.published.v1")]
pub struct XBlockPublished {
    pub xblock_info: XBlockData,
}

// An event is not event data: as a field of another event or of a record it is refused at the
// type, also inside a list, an optional value or a map.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.content_authoring.xblock.republished.v1")]
pub struct XBlockRepublished {
    pub published: XBlockPublished,
}

#[derive(Debug, Clone, PartialEq, EventData)]
pub struct History {
    pub all: Vec<XBlockPublished>,
    pub last: Option<XBlockPublished>,
    pub by_course: HashMap<String, XBlockPublished>,
    pub fine: Vec<XBlockData>,
}

// An in-process-only event is not event data at all: the one error is that.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.content_authoring.xblock.touched.v1", in_process_only)]
pub struct XBlockTouched {
    pub usage_key: UsageKey,
}

#[derive(Debug, Clone, PartialEq, EventData)]
pub struct Touches {
    pub last: XBlockTouched,
}

fn main() {}
