//! `#[openedx_event(crate = "...")]`, as serde's `#[serde(crate = "...")]`: a crate that reaches
//! the runtime under another path (a re-export) derives events and data through it.

mod bus {
    pub use eventbus_runtime::*;
}

use bus::avro::{decode_event, encode_event};
use bus::{EventData, OpenEdxEvent};

/// A record of the renamed path.
#[derive(Debug, Clone, PartialEq, bus::EventData)]
#[openedx_event(crate = "crate::bus")]
pub struct Parcel {
    /// Its label, the key.
    pub label: String,
    /// How heavy it is.
    pub grams: i64,
}

/// An event of the renamed path.
#[derive(Debug, Clone, PartialEq, bus::OpenEdxEvent)]
#[openedx_event(
    crate = "crate::bus",
    event_type = "org.openedx.test.parcel.shipped.v1",
    key_field = "parcel.label"
)]
pub struct ParcelShipped {
    /// The parcel.
    pub parcel: Parcel,
}

#[test]
fn events_derived_through_a_renamed_runtime_work_as_any_other() {
    let event = ParcelShipped {
        parcel: Parcel {
            label: "p-1".into(),
            grams: 1200,
        },
    };
    assert_eq!(
        ParcelShipped::EVENT_TYPE,
        "org.openedx.test.parcel.shipped.v1"
    );
    assert_eq!(ParcelShipped::DEFAULT_KEY_FIELD, Some("parcel.label"));
    let bytes = encode_event(&event);
    assert_eq!(
        decode_event::<ParcelShipped>(&bytes).expect("decodes"),
        event
    );
    let schema = ParcelShipped::schema().json().to_string();
    assert!(schema.contains("\"name\":\"CloudEvent\""), "{schema}");
    assert!(schema.contains("\"name\":\"Parcel\""), "{schema}");
    let found = bus::registry::find("org.openedx.test.parcel.shipped.v1").expect("registered");
    assert_eq!(found.event_type, ParcelShipped::EVENT_TYPE);
    assert_eq!(
        event.parcel.to_json(),
        serde_json::json!({"label": "p-1", "grams": 1200})
    );
}
