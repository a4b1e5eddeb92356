//! An in-process schema registry with the Confluent registry's semantics, for the embedded default
//! (no server needed) and for tests.
//!
//! As the Confluent registry: one id per distinct schema, shared by every subject that holds it;
//! registering a schema a subject already holds returns its id (idempotent); a new version of a
//! subject must be BACKWARD compatible with the latest one (the registry's default level), else
//! error 409; an invalid schema is error 42201; an unknown id is error 40403.
//!
//! Registries are named: [`MemoryRegistry::named`] returns the same registry for the same name in
//! a process, which is what a registry URL `memory://NAME` in the settings means.

use super::RegistryError;
use crate::avro::schema::parse_schema_str;
use crate::settings::MEMORY_SCHEME;
use crate::sync::LockUnpoisoned;
use apache_avro::schema_compatibility::SchemaCompatibility;
use apache_avro::Schema;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Confluent error code: the new schema is incompatible with the subject's latest version.
pub const INCOMPATIBLE_SCHEMA: i64 = 409;
/// Confluent error code: the schema is not a valid Avro schema.
pub const INVALID_SCHEMA: i64 = 42201;

#[derive(Default)]
struct State {
    /// Schema texts by id (ids start at 1).
    schemas: Vec<(String, Schema)>,
    /// Ids by schema text.
    ids: HashMap<String, u32>,
    /// The ids of each subject's versions, oldest first.
    subjects: HashMap<String, Vec<u32>>,
}

/// An in-process, Confluent-compatible schema registry.
#[derive(Default)]
pub struct MemoryRegistry {
    name: String,
    state: Mutex<State>,
}

impl std::fmt::Debug for MemoryRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("MemoryRegistry")
            .field("name", &self.name)
            .field("schemas", &state.schemas.len())
            .field("subjects", &state.subjects.len())
            .finish()
    }
}

impl MemoryRegistry {
    /// A new, empty registry of its own.
    pub fn new() -> Self {
        MemoryRegistry::default()
    }

    /// The process-wide registry of this name (created empty on first use).
    pub fn named(name: &str) -> Arc<MemoryRegistry> {
        static NAMED: OnceLock<Mutex<HashMap<String, Arc<MemoryRegistry>>>> = OnceLock::new();
        let mut named = NAMED.get_or_init(Mutex::default).locked();
        named
            .entry(name.to_owned())
            .or_insert_with(|| {
                Arc::new(MemoryRegistry {
                    name: name.to_owned(),
                    state: Mutex::default(),
                })
            })
            .clone()
    }

    /// The URL that names this registry (`memory://NAME`).
    pub fn url(&self) -> String {
        format!("{MEMORY_SCHEME}{}", self.name)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.locked()
    }

    fn error(
        &self,
        method: &'static str,
        path: String,
        status: u16,
        code: i64,
        message: String,
    ) -> RegistryError {
        RegistryError::Api {
            method,
            url: format!("{}{path}", self.url()),
            status,
            error_code: code,
            message,
        }
    }

    /// Register `text` under `subject`; see the module documentation for the rules.
    pub fn register(&self, subject: &str, text: &str) -> Result<u32, RegistryError> {
        let path = format!("/subjects/{subject}/versions");
        let parsed = parse_schema_str(text).map_err(|e| {
            self.error(
                "POST",
                path.clone(),
                422,
                INVALID_SCHEMA,
                format!("Invalid schema: {e}"),
            )
        })?;
        let mut state = self.lock();
        let existing = state.ids.get(text).copied();
        let versions = state.subjects.get(subject).cloned().unwrap_or_default();
        if let Some(id) = existing.filter(|id| versions.contains(id)) {
            return Ok(id);
        }
        if let Some(&latest) = versions.last() {
            let (_, latest_schema) = &state.schemas[latest as usize - 1];
            if let Err(e) = SchemaCompatibility::can_read(latest_schema, &parsed) {
                return Err(self.error(
                    "POST",
                    path,
                    409,
                    INCOMPATIBLE_SCHEMA,
                    format!(
                        "Schema being registered is incompatible with an earlier schema for \
                         subject \"{subject}\" (BACKWARD): {e}"
                    ),
                ));
            }
        }
        let id = match existing {
            Some(id) => id,
            None => {
                state.schemas.push((text.to_owned(), parsed));
                let id = u32::try_from(state.schemas.len()).expect("fewer than 2^32 schemas");
                state.ids.insert(text.to_owned(), id);
                id
            }
        };
        state
            .subjects
            .entry(subject.to_owned())
            .or_default()
            .push(id);
        Ok(id)
    }

    /// The text of the schema with this id.
    pub fn schema_text(&self, id: u32) -> Result<String, RegistryError> {
        let state = self.lock();
        id.checked_sub(1)
            .and_then(|index| state.schemas.get(index as usize))
            .map(|(text, _)| text.clone())
            .ok_or_else(|| {
                self.error(
                    "GET",
                    format!("/schemas/ids/{id}"),
                    404,
                    super::SCHEMA_NOT_FOUND,
                    "Schema not found".into(),
                )
            })
    }

    /// The subjects, sorted.
    pub fn subjects(&self) -> Vec<String> {
        let mut subjects: Vec<String> = self.lock().subjects.keys().cloned().collect();
        subjects.sort();
        subjects
    }

    /// The schema ids of a subject's versions, oldest first.
    pub fn versions(&self, subject: &str) -> Vec<u32> {
        self.lock()
            .subjects
            .get(subject)
            .cloned()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = r#"{"type": "record", "name": "CloudEvent", "namespace": "org.x.v1", "fields": [{"name": "a", "type": "long"}]}"#;
    const V2: &str = r#"{"type": "record", "name": "CloudEvent", "namespace": "org.x.v1", "fields": [{"name": "a", "type": "long"}, {"name": "b", "type": ["null", "string"], "default": null}]}"#;
    const BREAKING: &str = r#"{"type": "record", "name": "CloudEvent", "namespace": "org.x.v1", "fields": [{"name": "c", "type": "string"}]}"#;

    #[test]
    fn ids_are_per_schema_and_registration_is_idempotent() {
        let registry = MemoryRegistry::new();
        let id = registry.register("t-org.x.v1.CloudEvent", V1).unwrap();
        assert_eq!(registry.register("t-org.x.v1.CloudEvent", V1).unwrap(), id);
        // The same schema under another subject keeps its id.
        assert_eq!(registry.register("u-org.x.v1.CloudEvent", V1).unwrap(), id);
        let id2 = registry.register("t-org.x.v1.CloudEvent", V2).unwrap();
        assert_ne!(id, id2);
        assert_eq!(registry.versions("t-org.x.v1.CloudEvent"), vec![id, id2]);
        assert_eq!(registry.schema_text(id2).unwrap(), V2);
        assert_eq!(
            registry.subjects(),
            vec!["t-org.x.v1.CloudEvent", "u-org.x.v1.CloudEvent"]
        );
    }

    #[test]
    fn confluent_errors() {
        let registry = MemoryRegistry::new();
        registry.register("s", V1).unwrap();
        let err = registry.register("s", BREAKING).unwrap_err();
        assert!(
            matches!(
                err,
                RegistryError::Api {
                    status: 409,
                    error_code: 409,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("subject \"s\""), "{err}");
        let err = registry.register("s", "{not json").unwrap_err();
        assert!(
            matches!(
                err,
                RegistryError::Api {
                    error_code: 42201,
                    ..
                }
            ),
            "{err}"
        );
        let err = registry.schema_text(0).unwrap_err();
        assert!(err.is_not_found(), "{err}");
        assert!(registry.schema_text(99).unwrap_err().is_not_found());
    }

    #[test]
    fn named_registries_are_shared() {
        let a = MemoryRegistry::named("shared-test");
        let id = a.register("s", V1).unwrap();
        let b = MemoryRegistry::named("shared-test");
        assert_eq!(b.schema_text(id).unwrap(), V1);
        assert_eq!(b.url(), "memory://shared-test");
        assert!(MemoryRegistry::named("other-test").subjects().is_empty());
    }
}
