//! Every supported field type, however spelled, passes the derive's checks.
use eventbus_runtime::prelude::*;
use std::collections::BTreeMap;
use std::collections::HashMap as Map;

type Text = String;

#[derive(Debug, Clone, PartialEq, EventData)]
pub struct Everything {
    pub flag: bool,
    pub small: i32,
    pub long: i64,
    pub unsigned: u32,
    pub byte: u8,
    pub ratio: f64,
    pub text: std::string::String,
    pub bytes: Vec<u8>,
    pub list: Vec<Option<i64>>,
    pub sorted: BTreeMap<String, Vec<String>>,
    pub hashed: std::collections::HashMap<String, u32>,
    pub aliased_key: Map<Text, bool>,
    pub at: DateTime<Utc>,
    pub maybe_at: Option<chrono::DateTime<chrono::Utc>>,
    pub id: Uuid,
    pub course_key: CourseKey,
    pub usage_key: Option<UsageKey>,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.everything.sent.v1", key_field = "everything.long")]
pub struct EverythingSent {
    pub everything: Everything,
    pub count: u32,
}

fn main() {
    let event = EverythingSent::example(Example::Full);
    let bytes = eventbus_runtime::avro::encode_event(&event);
    assert_eq!(eventbus_runtime::avro::decode_event::<EverythingSent>(&bytes).unwrap(), event);
    assert_eq!(EverythingSent::from_json(&event.to_json()).unwrap(), event);
    assert_eq!(EverythingSent::schema().json()["fields"][0]["type"]["fields"].as_array().unwrap().len(), 17);
}
