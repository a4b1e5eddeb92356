//! The event metadata as named text fields of a bus message: Kafka headers (`ce_type`, `ce_id`,
//! ...) and Redis stream entry fields (`type`, `id`, ...) carry the same seven values in the same
//! formats, under other names ([`FieldNames`]).
//!
//! Read back as the Python libraries do, but stricter: the event type and the id are required, a
//! metadata field that occurs twice is an error, and the other missing fields take
//! `EventsMetadata`'s defaults, with a warning.

use crate::metadata::EventsMetadata;
use crate::time::parse_isoformat;
use std::borrow::Cow;
use uuid::Uuid;

/// The fields of a received message: (name, value) pairs in order; a Kafka header may have no
/// value.
pub type Fields = [(String, Option<Vec<u8>>)];

/// A (name, value) field of a received message, owned (as [`Fields`] holds) or borrowed from the
/// message (the Kafka consumer reads headers without copying them).
pub trait Field {
    /// The field's name.
    fn name(&self) -> &str;
    /// Its value; a Kafka header may have none.
    fn value(&self) -> Option<&[u8]>;
}

impl Field for (String, Option<Vec<u8>>) {
    fn name(&self) -> &str {
        &self.0
    }
    fn value(&self) -> Option<&[u8]> {
        self.1.as_deref()
    }
}

impl Field for (&str, Option<&[u8]>) {
    fn name(&self) -> &str {
        self.0
    }
    fn value(&self) -> Option<&[u8]> {
        self.1
    }
}

/// The names under which a transport carries the metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldNames {
    /// The event type.
    pub event_type: &'static str,
    /// The event id.
    pub id: &'static str,
    /// The source (`openedx/{service}/web`).
    pub source: &'static str,
    /// The time, as Python's `isoformat()`.
    pub time: &'static str,
    /// The minor version.
    pub minor_version: &'static str,
    /// The source host.
    pub source_host: &'static str,
    /// The source library version, dotted.
    pub source_lib: &'static str,
}

impl FieldNames {
    /// The names in the order Python writes and reads them.
    pub fn in_order(&self) -> [&'static str; 7] {
        [
            self.event_type,
            self.id,
            self.source,
            self.time,
            self.minor_version,
            self.source_host,
            self.source_lib,
        ]
    }

    /// The metadata as (name, text) pairs, in Python's order and formats (the texts the
    /// metadata holds are borrowed).
    pub fn values<'m>(&self, metadata: &'m EventsMetadata) -> [(&'static str, Cow<'m, str>); 7] {
        let mut id = [0; uuid::fmt::Hyphenated::LENGTH];
        [
            (self.event_type, Cow::Borrowed(metadata.event_type.as_str())),
            (
                self.id,
                Cow::Owned(metadata.id.hyphenated().encode_lower(&mut id).to_owned()),
            ),
            (self.source, Cow::Borrowed(metadata.source.as_str())),
            (self.time, Cow::Owned(metadata.time_isoformat())),
            (
                self.minor_version,
                Cow::Owned(metadata.minorversion.to_string()),
            ),
            (
                self.source_host,
                Cow::Borrowed(metadata.sourcehost.as_str()),
            ),
            (self.source_lib, Cow::Owned(metadata.sourcelib_string())),
        ]
    }

    /// The event type, which must occur exactly once.
    pub fn event_type<'f>(&self, fields: &'f [impl Field]) -> Result<&'f str, HeaderError> {
        single(fields, self.event_type)?.ok_or(HeaderError::MissingEventType {
            name: self.event_type,
        })
    }

    /// Read the event metadata.
    pub fn metadata(&self, fields: &[impl Field]) -> Result<EventsMetadata, HeaderError> {
        // One pass over the fields; then each metadata field, in Python's order, is checked as
        // `single` does (a duplicate first, then its value).
        let names = self.in_order();
        let mut seen: [(usize, Option<&_>); 7] = [(0, None); 7];
        for field in fields {
            if let Some(slot) = names.iter().position(|name| *name == field.name()) {
                let (count, first) = &mut seen[slot];
                *count += 1;
                first.get_or_insert(field);
            }
        }
        let mut found = [None; 7];
        for ((slot, name), (count, field)) in found.iter_mut().zip(names).zip(seen) {
            *slot = match (count, field) {
                (0, _) | (_, None) => None,
                (1, Some(field)) => Some(value_text(field, name)?),
                _ => {
                    return Err(HeaderError::Duplicate {
                        name: name.to_owned(),
                    })
                }
            };
        }
        let [event_type, id, source, time, minor, host, lib] = found;
        let event_type = event_type.ok_or(HeaderError::MissingEventType {
            name: self.event_type,
        })?;
        let id = id.ok_or(HeaderError::MissingId { name: self.id })?;
        let invalid = |name: &str, value: &str, reason: String| HeaderError::Invalid {
            name: name.to_owned(),
            value: value.to_owned(),
            reason,
        };
        let id = Uuid::parse_str(id.trim()).map_err(|e| invalid(self.id, id, e.to_string()))?;
        let missing = |name: &str| {
            tracing::warn!(
                header = name,
                "missing \"{name}\" header on message, will use EventsMetadata default"
            );
        };
        // The defaults are only computed when a field is missing (they read the clock, the
        // environment and the host name).
        let defaults = std::cell::OnceCell::new();
        let default = || defaults.get_or_init(|| EventsMetadata::new(event_type, 0));
        let source = match source {
            Some(source) => source.to_owned(),
            None => {
                missing(self.source);
                default().source.clone()
            }
        };
        let time = match time {
            Some(time) => {
                parse_isoformat(time).map_err(|e| invalid(self.time, time, e.to_string()))?
            }
            None => {
                missing(self.time);
                default().time
            }
        };
        let minorversion = match minor {
            Some(minor) => minor.trim().parse().map_err(|e| {
                invalid(
                    self.minor_version,
                    minor,
                    format!("not a minor version ({e})"),
                )
            })?,
            None => {
                missing(self.minor_version);
                0
            }
        };
        let sourcehost = match host {
            Some(host) => host.to_owned(),
            None => {
                missing(self.source_host);
                default().sourcehost.clone()
            }
        };
        let sourcelib = match lib {
            Some(lib) => lib
                .split('.')
                .map(|part| part.trim().parse::<u32>())
                .collect::<Result<_, _>>()
                .map_err(|e| invalid(self.source_lib, lib, format!("not dotted numbers ({e})")))?,
            None => {
                missing(self.source_lib);
                default().sourcelib.clone()
            }
        };
        Ok(EventsMetadata {
            event_type: event_type.to_owned(),
            id,
            minorversion,
            source,
            sourcehost,
            time,
            sourcelib,
        })
    }
}

/// Message fields from which no event metadata can be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// No event type field.
    #[error("missing {name} header on message, cannot determine the event type")]
    MissingEventType {
        /// The field name (`ce_type`, `type`).
        name: &'static str,
    },
    /// No id field.
    #[error("missing \"{name}\" header on message, cannot continue")]
    MissingId {
        /// The field name (`ce_id`, `id`).
        name: &'static str,
    },
    /// A metadata field occurs more than once.
    #[error("multiple \"{name}\" headers on message, cannot determine the correct metadata")]
    Duplicate {
        /// The field name.
        name: String,
    },
    /// A field without a value.
    #[error("header \"{name}\" has no value")]
    NoValue {
        /// The field name.
        name: String,
    },
    /// A field value that is not UTF-8.
    #[error("header \"{name}\" is not UTF-8")]
    NotUtf8 {
        /// The field name.
        name: String,
    },
    /// A field value that cannot be read.
    #[error("header \"{name}\" has an invalid value {value:?}: {reason}")]
    Invalid {
        /// The field name.
        name: String,
        /// The value.
        value: String,
        /// Why it is invalid.
        reason: String,
    },
}

/// The single value of a field that must occur at most once; `None` when absent.
pub(crate) fn single<'f>(
    fields: &'f [impl Field],
    name: &str,
) -> Result<Option<&'f str>, HeaderError> {
    let mut matching = fields.iter().filter(|f| f.name() == name);
    let field = match (matching.next(), matching.next()) {
        (None, _) => return Ok(None),
        (Some(field), None) => field,
        (Some(_), Some(_)) => {
            return Err(HeaderError::Duplicate {
                name: name.to_owned(),
            })
        }
    };
    value_text(field, name).map(Some)
}

/// The value of the field named `name`, as text.
fn value_text<'f>(field: &'f impl Field, name: &str) -> Result<&'f str, HeaderError> {
    let bytes = field.value().ok_or_else(|| HeaderError::NoValue {
        name: name.to_owned(),
    })?;
    std::str::from_utf8(bytes).map_err(|_| HeaderError::NotUtf8 {
        name: name.to_owned(),
    })
}

/// The last value of a field, if any (for logging), as Python's `last_message_header_value`;
/// bytes that are not UTF-8 are replaced.
pub fn last_value<'f>(fields: &'f [impl Field], name: &str) -> Option<Cow<'f, str>> {
    fields
        .iter()
        .rfind(|f| f.name() == name)
        .and_then(Field::value)
        .map(String::from_utf8_lossy)
}
