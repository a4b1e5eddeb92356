//! A record whose field names its own type as `Self` (a tree): the schema references the record by
//! its bare name the second time, and the data round-trips.
use eventbus_runtime::avro::{decode_event, encode_event};
use eventbus_runtime::prelude::*;

#[derive(Debug, Clone, PartialEq, EventData)]
pub struct Node {
    pub name: String,
    pub children: Vec<Self>,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.tree.built.v1")]
pub struct TreeBuilt {
    pub root: Node,
}

fn main() {
    let json = TreeBuilt::schema().json();
    assert_eq!(json["fields"][0]["type"]["fields"][1]["type"]["items"], "Node");
    let leaf = |name: &str| Node { name: name.into(), children: vec![] };
    let event = TreeBuilt { root: Node { name: "a".into(), children: vec![leaf("b"), leaf("c")] } };
    assert_eq!(decode_event::<TreeBuilt>(&encode_event(&event)).unwrap(), event);
    assert_eq!(TreeBuilt::from_json(&event.to_json()).unwrap(), event);
}
