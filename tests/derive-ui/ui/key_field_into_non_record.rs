use eventbus_runtime::prelude::*;

#[derive(Debug, Clone, PartialEq, EventData)]
pub struct XBlockData {
    pub usage_key: UsageKey,
    pub block_type: String,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.content_authoring.xblock.published.v1",
    key_field = "xblock_info.block_type.len"
)]
pub struct XBlockPublished {
    pub xblock_info: XBlockData,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.content_authoring.xblock.deleted.v1",
    key_field = "xblock_info.usage_key.course"
)]
pub struct XBlockDeleted {
    pub xblock_info: XBlockData,
}

fn main() {}
