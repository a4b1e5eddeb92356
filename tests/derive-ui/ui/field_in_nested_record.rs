use eventbus_runtime::prelude::*;

#[derive(Debug, Clone, PartialEq)]
pub enum Colour {
    Red,
    Blue,
}

// The unsupported field is reported in the record that has it, not again where events carry the
// record.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct BlockData {
    pub colour: Colour,
    pub usage_key: UsageKey,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.block.painted.v1", key_field = "block.usage_key")]
pub struct BlockPainted {
    pub block: BlockData,
    pub others: Vec<BlockData>,
}

fn main() {}
