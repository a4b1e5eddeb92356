//! What can be wrong with a producer configuration: [`ProducerConfigError`], a list of
//! [`Problem`]s, each naming where it is (source, event type, topic) and what is wrong.

use crate::key::KeyPathError;
use serde_json::Value;
use std::fmt;

/// The producer configuration cannot be used. Holds every problem found, not just the first.
///
/// Its `Display` is one line per problem:
///
/// ```text
/// invalid event bus producer configuration (2 problems):
///   - org.openedx.content_authoring.xblock.published.v1, topic `content-authoring`: missing `enabled`
///   - org.openedx.learning.nope.v1: unknown event type
/// ```
///
/// Its `Debug` is the same text, so that `?` in `main` prints it readably; `{:#?}` shows the
/// problems' fields.
#[derive(Clone, PartialEq, thiserror::Error)]
pub struct ProducerConfigError {
    problems: Vec<Problem>,
}

impl fmt::Debug for ProducerConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            f.debug_struct("ProducerConfigError")
                .field("problems", &self.problems)
                .finish()
        } else {
            crate::signal::debug_report(self, f)
        }
    }
}

impl ProducerConfigError {
    /// An error holding these problems.
    pub fn new(problems: Vec<Problem>) -> Self {
        ProducerConfigError { problems }
    }

    /// Every problem found, in the order of the configuration.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// The problems, taken out of the error.
    pub fn into_problems(self) -> Vec<Problem> {
        self.problems
    }
}

impl fmt::Display for ProducerConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.problems.len();
        write!(
            f,
            "invalid event bus producer configuration ({count} problem{}):",
            if count == 1 { "" } else { "s" }
        )?;
        for problem in &self.problems {
            // Parser messages span lines (TOML shows the line in error): keep them in the item.
            for (i, line) in problem.to_string().lines().enumerate() {
                let bullet = if i == 0 { "  - " } else { "    " };
                write!(f, "\n{bullet}{line}")?;
            }
        }
        Ok(())
    }
}

/// One thing wrong with the configuration, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The event type the problem is under, if any.
    pub event_type: Option<String>,
    /// The topic the problem is under, if any.
    pub topic: Option<String>,
    /// What is wrong.
    pub kind: ProblemKind,
}

impl Problem {
    /// A problem of the configuration as a whole (or of one of its sources).
    pub fn global(kind: ProblemKind) -> Self {
        Problem {
            event_type: None,
            topic: None,
            kind,
        }
    }

    /// A problem of an event type's entry.
    pub fn event_type(event_type: &str, kind: ProblemKind) -> Self {
        Problem {
            event_type: Some(event_type.to_owned()),
            topic: None,
            kind,
        }
    }

    /// A problem of one topic's entry of an event type.
    pub fn topic(event_type: &str, topic: &str, kind: ProblemKind) -> Self {
        Problem {
            event_type: Some(event_type.to_owned()),
            topic: Some(topic.to_owned()),
            kind,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.event_type, &self.topic) {
            (Some(event_type), Some(topic)) => write!(f, "{event_type}, topic `{topic}`: ")?,
            (Some(event_type), None) => write!(f, "{event_type}: ")?,
            (None, Some(topic)) => write!(f, "topic `{topic}`: ")?,
            (None, None) => {}
        }
        write!(f, "{}", self.kind)
    }
}

/// What is wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ProblemKind {
    /// A source could not be read (missing file, environment variable not in UTF-8...).
    #[error("cannot read {origin}: {reason}")]
    Unreadable {
        /// The source, e.g. ``file `producer.toml` ``.
        origin: String,
        /// Why.
        reason: String,
    },
    /// A source is not valid TOML, YAML or JSON.
    #[error("cannot parse {origin} as {format}: {reason}")]
    Unparsable {
        /// The source.
        origin: String,
        /// The format it was read as.
        format: &'static str,
        /// The parser's message.
        reason: String,
    },
    /// A file's extension names no format this module reads.
    #[error("cannot tell the format of {origin}: use a .toml, .yaml, .yml or .json extension")]
    UnknownFormat {
        /// The source.
        origin: String,
    },
    /// The configuration (or one source of it) is not a map of event types.
    #[error("{origin} must be a map of event types to topics, found {found}")]
    NotAMap {
        /// The source, or `the configuration`.
        origin: String,
        /// What was found instead.
        found: String,
    },
    /// No event type of that name is registered.
    #[error("unknown event type{}", suggestion_text(.suggestion))]
    UnknownEventType {
        /// A registered event type with a close name.
        suggestion: Option<String>,
    },
    /// The event type is in-process only and cannot be sent on the bus.
    #[error("the event type is in-process only and cannot be sent over the event bus")]
    InProcessOnly,
    /// An event type's entry is not a map of topics.
    #[error("must be a map of topics to topic settings, found {found}")]
    EventTypeNotAMap {
        /// What was found instead.
        found: String,
    },
    /// A topic name is empty.
    #[error("the topic name is empty")]
    EmptyTopic,
    /// A topic name that Kafka would refuse (a space, a `/`...), so that it fails at start-up, not
    /// when the first event is sent.
    #[error("not a valid topic name: Kafka topic names have 1 to 249 characters among a-z A-Z 0-9 . _ - (and are not `.` or `..`)")]
    InvalidTopic,
    /// A topic's entry is not a map of settings.
    #[error("must be a map with `event_key_field` and `enabled`, found {found}")]
    TopicNotAMap {
        /// What was found instead.
        found: String,
    },
    /// A required setting is missing.
    #[error("missing `{setting}`{}", hint.as_ref().map(|h| format!(" ({h})")).unwrap_or_default())]
    MissingSetting {
        /// The setting: `event_key_field` or `enabled`.
        setting: &'static str,
        /// What to put there, when known.
        hint: Option<String>,
    },
    /// A setting has the wrong type.
    #[error("`{setting}` must be {expected}, found {found}")]
    WrongType {
        /// The setting.
        setting: &'static str,
        /// The expected type, e.g. `a boolean`.
        expected: &'static str,
        /// What was found.
        found: String,
    },
    /// A production mode that is not `immediate`, `on-commit` or `outbox`.
    #[error("`{setting}` must be `immediate`, `on-commit` or `outbox`, found {found}")]
    UnknownMode {
        /// Where: `mode`, or the variable `EVENT_BUS_PRODUCER_MODE`.
        setting: String,
        /// What was found.
        found: String,
    },
    /// A topic is produced through the outbox, but the service has no outbox.
    #[error("`mode` is `outbox` but no outbox is configured (set EVENT_BUS_OUTBOX_URL, or give the producer an outbox)")]
    OutboxNotConfigured,
    /// A topic's entry has a setting this module does not know.
    #[error("unknown setting `{setting}`{}", suggestion_text(.suggestion))]
    UnknownSetting {
        /// The setting's name.
        setting: String,
        /// A known setting with a close name.
        suggestion: Option<&'static str>,
    },
    /// The key field does not lead to a key in the event's schema.
    #[error(
        "{error}{}",
        default_key_field.map(|d| format!(" (this event's default key field is `{d}`)")).unwrap_or_default()
    )]
    KeyField {
        /// What is wrong with the path.
        error: KeyPathError,
        /// The event type's default key field, if it declares one.
        default_key_field: Option<&'static str>,
    },
}

fn suggestion_text<S: AsRef<str>>(suggestion: &Option<S>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean `{}`?)", s.as_ref()),
        None => String::new(),
    }
}

/// A short description of a JSON value for messages: `a list`, `the string "yes"`...
pub(crate) fn describe(value: &Value) -> String {
    const MAX: usize = 40;
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("the boolean `{b}`"),
        Value::Number(n) => format!("the number `{n}`"),
        Value::String(s) if s.chars().count() > MAX => {
            let short: String = s.chars().take(MAX).collect();
            format!("the string {:?}", format!("{short}..."))
        }
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "a map".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn display_lists_every_problem_with_its_place() {
        let error = ProducerConfigError::new(vec![
            Problem::global(ProblemKind::NotAMap {
                origin: "file `a.json`".into(),
                found: describe(&json!([1])),
            }),
            Problem::event_type(
                "org.example.a.v1",
                ProblemKind::UnknownEventType {
                    suggestion: Some("org.example.b.v1".into()),
                },
            ),
            Problem::topic(
                "org.example.b.v1",
                "t",
                ProblemKind::WrongType {
                    setting: "enabled",
                    expected: "a boolean",
                    found: describe(&json!("yes")),
                },
            ),
        ]);
        assert_eq!(
            error.to_string(),
            "invalid event bus producer configuration (3 problems):\n  \
             - file `a.json` must be a map of event types to topics, found a list\n  \
             - org.example.a.v1: unknown event type (did you mean `org.example.b.v1`?)\n  \
             - org.example.b.v1, topic `t`: `enabled` must be a boolean, found the string \"yes\""
        );
        let one = ProducerConfigError::new(vec![Problem::topic(
            "e",
            "t",
            ProblemKind::MissingSetting {
                setting: "enabled",
                hint: None,
            },
        )]);
        let multi_line = ProducerConfigError::new(vec![Problem::global(ProblemKind::Unparsable {
            origin: "file `a.toml`".into(),
            format: "TOML",
            reason: "error at line 2\n  |\n2 | x =\nexpected a value".into(),
        })]);
        assert_eq!(
            multi_line.to_string(),
            "invalid event bus producer configuration (1 problem):\n  \
             - cannot parse file `a.toml` as TOML: error at line 2\n      |\n    2 | x =\n    expected a value"
        );
        assert_eq!(
            one.to_string(),
            "invalid event bus producer configuration (1 problem):\n  - e, topic `t`: missing `enabled`"
        );
    }

    #[test]
    fn debug_is_the_readable_text_that_question_mark_in_main_prints() {
        let error = ProducerConfigError::new(vec![Problem::event_type(
            "org.example.a.v1",
            ProblemKind::UnknownEventType { suggestion: None },
        )]);
        // `fn main() -> Result<(), Box<dyn Error>>` prints `Error: {:?}`.
        let boxed: Box<dyn std::error::Error> = Box::new(error.clone());
        assert_eq!(
            format!("Error: {boxed:?}"),
            "Error: invalid event bus producer configuration (1 problem):\n  \
             - org.example.a.v1: unknown event type"
        );
        let fields = format!("{error:#?}");
        assert!(
            fields.starts_with("ProducerConfigError {") && fields.contains("UnknownEventType"),
            "{fields}"
        );
    }

    #[test]
    fn values_are_described_briefly() {
        assert_eq!(describe(&json!(null)), "null");
        assert_eq!(describe(&json!(1)), "the number `1`");
        assert_eq!(describe(&json!(true)), "the boolean `true`");
        assert_eq!(describe(&json!({})), "a map");
        let long = "x".repeat(100);
        assert_eq!(
            describe(&json!(long)),
            format!("the string \"{}...\"", "x".repeat(40))
        );
    }
}
