//! A key path through two nested records, and a record renamed with `name`.
use eventbus_runtime::prelude::*;

#[derive(Debug, Clone, PartialEq, EventData)]
#[openedx_event(name = "PiiData")]
pub struct Pii {
    pub username: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, EventData)]
pub struct UserData {
    pub id: i64,
    pub is_active: bool,
    pub pii: Pii,
    pub nickname: Option<String>,
}

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.openedx.test.user.registered.v1",
    key_field = "user.pii.username",
    minor_version = 2,
)]
pub struct UserRegistered {
    pub user: UserData,
    pub other_users: Vec<UserData>,
}

fn main() {
    assert_eq!(UserRegistered::MINOR_VERSION, 2);
    assert_eq!(UserRegistered::DEFAULT_KEY_FIELD, Some("user.pii.username"));
    let json = UserRegistered::schema().json();
    assert_eq!(json["fields"][0]["type"]["fields"][2]["type"]["name"], "PiiData");
    let event = UserRegistered::example(Example::Full);
    assert!(event.key_at(&["user", "pii", "username"]).is_ok());
    // JSON round trip; a missing optional field reads as `None`, a missing required one fails.
    let mut json = event.to_json();
    assert_eq!(UserRegistered::from_json(&json).unwrap(), event);
    json["user"].as_object_mut().unwrap().remove("nickname");
    assert_eq!(UserRegistered::from_json(&json).unwrap().user.nickname, None);
    json["user"].as_object_mut().unwrap().remove("id");
    assert!(UserRegistered::from_json(&json).is_err());
}
