//! Validation at start-up: everything openedx-events' `OpenedxEventsConfig.ready()` checks, and
//! what Python only finds when an event is sent (key paths, in-process-only events). Every problem
//! is reported at once.

use super::error::{describe, Problem, ProblemKind, ProducerConfigError};
use super::model::{EventTypeConfig, ProducerConfig, ProductionMode, TopicConfig};
use crate::key;
use crate::registry::{self, EventDescriptor};
use crate::suggest::closest;
use serde_json::{Map, Value};

/// The settings of a topic.
const SETTINGS: [&str; 3] = ["event_key_field", "enabled", "mode"];

/// Validate a configuration of the shape
/// `{event_type: {topic: {"event_key_field": "a.b", "enabled": true}}}`.
///
/// Reports, each with its event type and topic: a configuration, event type or topic entry that is
/// not a map; an event type that is not registered (with the closest registered one) or is
/// in-process only; an empty topic name; a missing or mistyped `event_key_field` or `enabled`; an
/// unknown setting; a key field that is not a path to a non-optional scalar of the event's schema
/// (checked for disabled topics too).
pub fn validate(raw: &Value) -> Result<ProducerConfig, ProducerConfigError> {
    let Some(event_types) = raw.as_object() else {
        return Err(ProducerConfigError::new(vec![Problem::global(
            ProblemKind::NotAMap {
                origin: "the configuration".to_owned(),
                found: describe(raw),
            },
        )]));
    };
    let mut problems = Vec::new();
    let mut config = ProducerConfig::empty();
    for (event_type, entry) in event_types {
        let descriptor = registry::find(event_type);
        let schema = match descriptor {
            None => {
                problems.push(Problem::event_type(
                    event_type,
                    ProblemKind::UnknownEventType {
                        suggestion: closest(event_type, registry::all().map(|d| d.event_type))
                            .map(str::to_owned),
                    },
                ));
                None
            }
            Some(descriptor) => match descriptor.schema() {
                Ok(schema) => Some(schema.json()),
                Err(_) => {
                    problems.push(Problem::event_type(event_type, ProblemKind::InProcessOnly));
                    None
                }
            },
        };
        let Some(topics) = entry.as_object() else {
            problems.push(Problem::event_type(
                event_type,
                ProblemKind::EventTypeNotAMap {
                    found: describe(entry),
                },
            ));
            continue;
        };
        let checked: Vec<Option<TopicConfig>> = topics
            .iter()
            .map(|(topic, settings)| {
                let mut check = TopicCheck {
                    event_type,
                    topic,
                    descriptor,
                    schema,
                    problems: &mut problems,
                };
                check.run(settings)
            })
            .collect();
        if let (Some(descriptor), Some(_)) = (descriptor, schema) {
            config.event_types.insert(
                descriptor.event_type,
                EventTypeConfig {
                    descriptor,
                    topics: checked.into_iter().flatten().collect(),
                },
            );
        }
    }
    if !problems.is_empty() {
        tracing::debug!(
            problems = problems.len(),
            "invalid event bus producer configuration"
        );
        return Err(ProducerConfigError::new(problems));
    }
    for event in config.event_types() {
        for topic in event.topics() {
            tracing::debug!(
                event_type = event.event_type(),
                topic = %topic.topic,
                event_key_field = %topic.event_key_field,
                enabled = topic.enabled,
                "event bus producer configuration"
            );
        }
    }
    tracing::info!(
        event_types = config.event_types.len(),
        enabled_topics = config.enabled_topics().count(),
        "event bus producer configuration is valid"
    );
    Ok(config)
}

/// The checks of one topic's entry.
struct TopicCheck<'a> {
    event_type: &'a str,
    topic: &'a str,
    descriptor: Option<&'static EventDescriptor>,
    schema: Option<&'static Value>,
    problems: &'a mut Vec<Problem>,
}

impl TopicCheck<'_> {
    fn report(&mut self, kind: ProblemKind) {
        self.problems
            .push(Problem::topic(self.event_type, self.topic, kind));
    }

    /// The topic's configuration, or `None` after reporting its problems.
    fn run(&mut self, settings: &Value) -> Option<TopicConfig> {
        let before = self.problems.len();
        if self.topic.trim().is_empty() {
            self.report(ProblemKind::EmptyTopic);
        } else if !crate::settings::valid_topic(self.topic) {
            self.report(ProblemKind::InvalidTopic);
        }
        let Some(settings) = settings.as_object() else {
            self.report(ProblemKind::TopicNotAMap {
                found: describe(settings),
            });
            return None;
        };
        let event_key_field = self.key_field(settings);
        let enabled = self.enabled(settings);
        let mode = self.mode(settings);
        for setting in settings.keys() {
            if !SETTINGS.contains(&setting.as_str()) {
                self.report(ProblemKind::UnknownSetting {
                    setting: setting.clone(),
                    suggestion: closest(setting, SETTINGS),
                });
            }
        }
        match (event_key_field, enabled) {
            (Some(event_key_field), Some(enabled)) if self.problems.len() == before => {
                Some(TopicConfig {
                    topic: self.topic.to_owned(),
                    event_key_field: event_key_field.to_owned(),
                    enabled,
                    mode,
                })
            }
            _ => None,
        }
    }

    fn key_field<'s>(&mut self, settings: &'s Map<String, Value>) -> Option<&'s str> {
        let default_key_field = self.descriptor.and_then(|d| d.default_key_field);
        let path = match settings.get("event_key_field") {
            None => {
                self.report(ProblemKind::MissingSetting {
                    setting: "event_key_field",
                    hint: default_key_field
                        .map(|d| format!("this event's default key field is `{d}`")),
                });
                return None;
            }
            Some(Value::String(path)) if !path.is_empty() => path,
            Some(other) => {
                self.report(ProblemKind::WrongType {
                    setting: "event_key_field",
                    expected: "a dotted path (a non-empty string)",
                    found: describe(other),
                });
                return None;
            }
        };
        if let Some(schema) = self.schema {
            if let Err(error) = key::key_schema(schema, path) {
                self.report(ProblemKind::KeyField {
                    error,
                    default_key_field,
                });
                return None;
            }
        }
        Some(path)
    }

    /// The optional `mode`; `None` when absent or wrong (then reported).
    fn mode(&mut self, settings: &Map<String, Value>) -> Option<ProductionMode> {
        let value = settings.get("mode")?;
        let mode = value.as_str().and_then(ProductionMode::from_name);
        if mode.is_none() {
            self.report(ProblemKind::UnknownMode {
                setting: "mode".to_owned(),
                found: describe(value),
            });
        }
        mode
    }

    fn enabled(&mut self, settings: &Map<String, Value>) -> Option<bool> {
        match settings.get("enabled") {
            None => {
                self.report(ProblemKind::MissingSetting {
                    setting: "enabled",
                    hint: None,
                });
                None
            }
            Some(Value::Bool(enabled)) => Some(*enabled),
            Some(other) => {
                self.report(ProblemKind::WrongType {
                    setting: "enabled",
                    expected: "a boolean",
                    found: describe(other),
                });
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! No event type is registered in this crate's unit tests, so these check what does not need
    //! the registry; tests/tests/producer_config.rs checks the rest with real events.

    use super::*;
    use serde_json::json;

    fn problems(raw: Value) -> Vec<Problem> {
        validate(&raw).unwrap_err().into_problems()
    }

    #[test]
    fn configuration_must_be_a_map() {
        assert_eq!(
            problems(json!(["org.example.v1"])),
            [Problem::global(ProblemKind::NotAMap {
                origin: "the configuration".into(),
                found: "a list".into()
            })]
        );
    }

    #[test]
    fn empty_configuration_is_valid() {
        let config = validate(&json!({})).unwrap();
        assert!(config.is_empty());
        assert_eq!(config.to_json(), json!({}));
    }

    #[test]
    fn every_problem_is_reported_at_once_with_event_type_and_topic() {
        let found = problems(json!({
            "org.example.unknown.v1": {
                "ok": {"event_key_field": "a.b", "enabled": true},
                "not-a-map": ["event_key_field", "enabled"],
                "missing": {},
                "mistyped": {"event_key_field": 3, "enabled": "yes"},
                "empty-key": {"event_key_field": "", "enabled": false},
                "unknown": {"event_key_field": "a", "enabled": true, "enable": true, "partition": 1},
                "": {"event_key_field": "a", "enabled": true}
            },
            "org.example.list.v1": [],
        }));
        let unknown = |setting: &str, suggestion| {
            Problem::topic(
                "org.example.unknown.v1",
                "unknown",
                ProblemKind::UnknownSetting {
                    setting: setting.into(),
                    suggestion,
                },
            )
        };
        let expected = vec![
            Problem::event_type(
                "org.example.unknown.v1",
                ProblemKind::UnknownEventType { suggestion: None },
            ),
            Problem::topic(
                "org.example.unknown.v1",
                "not-a-map",
                ProblemKind::TopicNotAMap {
                    found: "a list".into(),
                },
            ),
            Problem::topic(
                "org.example.unknown.v1",
                "missing",
                ProblemKind::MissingSetting {
                    setting: "event_key_field",
                    hint: None,
                },
            ),
            Problem::topic(
                "org.example.unknown.v1",
                "missing",
                ProblemKind::MissingSetting {
                    setting: "enabled",
                    hint: None,
                },
            ),
            Problem::topic(
                "org.example.unknown.v1",
                "mistyped",
                ProblemKind::WrongType {
                    setting: "event_key_field",
                    expected: "a dotted path (a non-empty string)",
                    found: "the number `3`".into(),
                },
            ),
            Problem::topic(
                "org.example.unknown.v1",
                "mistyped",
                ProblemKind::WrongType {
                    setting: "enabled",
                    expected: "a boolean",
                    found: "the string \"yes\"".into(),
                },
            ),
            Problem::topic(
                "org.example.unknown.v1",
                "empty-key",
                ProblemKind::WrongType {
                    setting: "event_key_field",
                    expected: "a dotted path (a non-empty string)",
                    found: "the string \"\"".into(),
                },
            ),
            unknown("enable", Some("enabled")),
            unknown("partition", None),
            Problem::topic("org.example.unknown.v1", "", ProblemKind::EmptyTopic),
            Problem::event_type(
                "org.example.list.v1",
                ProblemKind::UnknownEventType { suggestion: None },
            ),
            Problem::event_type(
                "org.example.list.v1",
                ProblemKind::EventTypeNotAMap {
                    found: "a list".into(),
                },
            ),
        ];
        assert_eq!(found, expected);
        let text = ProducerConfigError::new(found).to_string();
        assert!(
            text.contains(
                "\n  - org.example.unknown.v1, topic `missing`: missing `event_key_field`\n"
            ),
            "{text}"
        );
        assert!(text.contains("\n  - org.example.unknown.v1, topic `unknown`: unknown setting `enable` (did you mean `enabled`?)\n"), "{text}");
    }

    #[test]
    fn topic_names_must_be_kafka_topic_names() {
        let found = problems(json!({
            "org.example.unknown.v1": {
                "acme certs": {"event_key_field": "a", "enabled": true},
                "ok.name_1-2": {"event_key_field": "a", "enabled": true},
                "..": {"event_key_field": "a", "enabled": true},
            }
        }));
        let invalid: Vec<_> = found
            .iter()
            .filter(|p| p.kind == ProblemKind::InvalidTopic)
            .map(|p| p.topic.as_deref().unwrap_or_default())
            .collect();
        assert_eq!(invalid, ["acme certs", ".."]);
        assert_eq!(
            Problem::topic("org.example.v1", "acme certs", ProblemKind::InvalidTopic).to_string(),
            "org.example.v1, topic `acme certs`: not a valid topic name: Kafka topic names have \
             1 to 249 characters among a-z A-Z 0-9 . _ - (and are not `.` or `..`)"
        );
    }

    #[test]
    fn typos_find_the_closest_name() {
        let types = [
            "org.openedx.content_authoring.xblock.published.v1",
            "org.openedx.content_authoring.xblock.deleted.v1",
        ];
        assert_eq!(
            closest("org.openedx.content_authoring.xblock.publihsed.v1", types),
            Some(types[0])
        );
        assert_eq!(
            closest("org.openedx.content_authoring.xblock.published.v2", types),
            Some(types[0])
        );
        assert_eq!(closest("org.openedx.learning.course.v1", types), None);
        assert_eq!(closest("key_field", SETTINGS), Some("event_key_field"));
        assert_eq!(closest("Enabled", SETTINGS), Some("enabled"));
        assert_eq!(closest("ttl", SETTINGS), None);
    }
}
