//! Raw identifiers: the Avro field name drops `r#`, and a key path may name a keyword field.
use eventbus_runtime::prelude::*;

#[derive(Debug, Clone, PartialEq, EventData)]
pub struct BlockData {
    pub r#type: String,
    pub r#match: i64,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.block.typed.v1", key_field = "block.type")]
pub struct BlockTyped {
    pub block: BlockData,
}

fn main() {
    let fields = &BlockTyped::schema().json()["fields"][0]["type"]["fields"];
    assert_eq!(fields[0]["name"], "type");
    assert_eq!(fields[1]["name"], "match");
    let event = BlockTyped { block: BlockData { r#type: "problem".into(), r#match: 1 } };
    assert_eq!(event.key_at(&["block", "type"]).unwrap().to_string(), "problem");
}
