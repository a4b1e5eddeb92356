//! Reading the configuration from files (TOML, YAML or JSON) and from the
//! `EVENT_BUS_PRODUCER_CONFIG` environment variable (JSON), and merging the sources.

use super::error::{describe, Problem, ProblemKind, ProducerConfigError};
use super::merge::merge_all;
use super::model::{ProducerConfig, ProductionMode};
use super::validate;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The environment variable holding the producer configuration as JSON, named after the Django
/// setting.
pub const ENV_VAR: &str = "EVENT_BUS_PRODUCER_CONFIG";

/// The environment variable holding the default production mode (`immediate`, `on-commit` or
/// `outbox`; openedx-events ADR 15), read with [`ConfigSource::env`].
pub const MODE_ENV_VAR: &str = "EVENT_BUS_PRODUCER_MODE";

/// A configuration file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// TOML. Event types contain dots, so quote them: `["org.openedx.x.v1".my-topic]`.
    Toml,
    /// YAML (1.2), with anchors and `<<` merge keys.
    Yaml,
    /// JSON.
    Json,
}

impl Format {
    /// The format a file's extension names: `.toml`, `.yaml` or `.yml`, `.json` (any case).
    pub fn from_path(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "toml" => Some(Format::Toml),
            "yaml" | "yml" => Some(Format::Yaml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    /// The format's name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Toml => "TOML",
            Format::Yaml => "YAML",
            Format::Json => "JSON",
        }
    }

    /// Parse a document into its JSON value; the error is the parser's message.
    pub fn parse(self, text: &str) -> Result<Value, String> {
        match self {
            Format::Json => serde_json::from_str(text).map_err(|e| e.to_string()),
            Format::Toml => toml::from_str(text).map_err(|e| e.to_string().trim_end().to_owned()),
            Format::Yaml => {
                let mut yaml: serde_norway::Value =
                    serde_norway::from_str(text).map_err(|e| e.to_string())?;
                yaml.apply_merge().map_err(|e| e.to_string())?;
                serde_json::to_value(yaml).map_err(|e| e.to_string())
            }
        }
    }
}

/// Where (part of) the configuration comes from. Sources are merged in order, later ones winning
/// ([`merge_producer_configs`](super::merge_producer_configs)).
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigSource {
    /// A file, TOML, YAML or JSON by its extension. It must exist.
    File(PathBuf),
    /// An environment variable holding JSON. Unset or blank means no configuration.
    Env(String),
    /// A document in a given format.
    Text {
        /// The source's name, for messages.
        name: String,
        /// The document's format.
        format: Format,
        /// The document.
        text: String,
    },
    /// A parsed configuration.
    Value {
        /// The source's name, for messages.
        name: String,
        /// The configuration.
        value: Value,
    },
}

impl ConfigSource {
    /// A file, TOML, YAML or JSON by its extension.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        ConfigSource::File(path.into())
    }

    /// The `EVENT_BUS_PRODUCER_CONFIG` environment variable; [`load`] then also reads the default
    /// production mode from `EVENT_BUS_PRODUCER_MODE`.
    pub fn env() -> Self {
        ConfigSource::Env(ENV_VAR.to_owned())
    }

    /// Another environment variable holding JSON.
    pub fn env_var(name: impl Into<String>) -> Self {
        ConfigSource::Env(name.into())
    }

    /// A document in a given format.
    pub fn text(name: impl Into<String>, format: Format, text: impl Into<String>) -> Self {
        ConfigSource::Text {
            name: name.into(),
            format,
            text: text.into(),
        }
    }

    /// A parsed configuration.
    pub fn value(name: impl Into<String>, value: Value) -> Self {
        ConfigSource::Value {
            name: name.into(),
            value,
        }
    }

    /// The source's name in messages: ``file `producer.toml` ``,
    /// ``environment variable `EVENT_BUS_PRODUCER_CONFIG` ``...
    pub fn name(&self) -> String {
        match self {
            ConfigSource::File(path) => format!("file `{}`", path.display()),
            ConfigSource::Env(name) => format!("environment variable `{name}`"),
            ConfigSource::Text { name, .. } | ConfigSource::Value { name, .. } => name.clone(),
        }
    }

    /// Read and parse the source; `None` when it holds no configuration (unset or blank
    /// environment variable, empty YAML document, `null`).
    pub fn read(&self) -> Result<Option<Value>, Problem> {
        let origin = self.name();
        let unparsable = |format: Format, reason| {
            Problem::global(ProblemKind::Unparsable {
                origin: origin.clone(),
                format: format.name(),
                reason,
            })
        };
        let value = match self {
            ConfigSource::File(path) => {
                let format = Format::from_path(path).ok_or_else(|| {
                    Problem::global(ProblemKind::UnknownFormat {
                        origin: origin.clone(),
                    })
                })?;
                let text = std::fs::read_to_string(path).map_err(|e| {
                    Problem::global(ProblemKind::Unreadable {
                        origin: origin.clone(),
                        reason: e.to_string(),
                    })
                })?;
                format.parse(&text).map_err(|e| unparsable(format, e))?
            }
            ConfigSource::Env(name) => match std::env::var(name) {
                Ok(text) if text.trim().is_empty() => Value::Null,
                Ok(text) => Format::Json
                    .parse(&text)
                    .map_err(|e| unparsable(Format::Json, e))?,
                Err(std::env::VarError::NotPresent) => Value::Null,
                Err(e @ std::env::VarError::NotUnicode(_)) => {
                    return Err(Problem::global(ProblemKind::Unreadable {
                        origin,
                        reason: e.to_string(),
                    }))
                }
            },
            ConfigSource::Text { format, text, .. } => {
                format.parse(text).map_err(|e| unparsable(*format, e))?
            }
            ConfigSource::Value { value, .. } => value.clone(),
        };
        Ok(if value.is_null() { None } else { Some(value) })
    }
}

/// Read every source, merge them in order (later ones win) and validate the result.
///
/// Every source is read even when one fails, and every problem is reported at once: first the
/// sources that cannot be read or are not maps; when they are all good, every problem of the
/// merged configuration.
///
/// ```no_run
/// use eventbus_runtime::producer_config::{ConfigSource, ProducerConfig};
///
/// // The file, then the environment variable's overrides.
/// let config = ProducerConfig::load([
///     ConfigSource::file("/etc/openedx/producer.toml"),
///     ConfigSource::env(),
/// ])?;
/// # Ok::<(), eventbus_runtime::producer_config::ProducerConfigError>(())
/// ```
pub fn load<I>(sources: I) -> Result<ProducerConfig, ProducerConfigError>
where
    I: IntoIterator<Item = ConfigSource>,
{
    let sources: Vec<ConfigSource> = sources.into_iter().collect();
    let mode = if sources.contains(&ConfigSource::env()) {
        default_mode_from_env()
    } else {
        Ok(ProductionMode::default())
    };
    let config = load_raw(sources).and_then(|raw| validate::validate(&raw));
    match (config, mode) {
        (Ok(config), Ok(mode)) => Ok(config.with_default_mode(mode)),
        (Ok(_), Err(problem)) => Err(ProducerConfigError::new(vec![problem])),
        (Err(error), Ok(_)) => Err(error),
        (Err(error), Err(problem)) => {
            let mut problems = vec![problem];
            problems.extend(error.into_problems());
            Err(ProducerConfigError::new(problems))
        }
    }
}

/// The default production mode in `EVENT_BUS_PRODUCER_MODE`; `immediate` when unset or blank.
pub fn default_mode_from_env() -> Result<ProductionMode, Problem> {
    match std::env::var(MODE_ENV_VAR) {
        Ok(text) if text.trim().is_empty() => Ok(ProductionMode::default()),
        Ok(text) => ProductionMode::from_name(&text).ok_or_else(|| {
            Problem::global(ProblemKind::UnknownMode {
                setting: MODE_ENV_VAR.to_owned(),
                found: describe(&Value::String(text)),
            })
        }),
        Err(std::env::VarError::NotPresent) => Ok(ProductionMode::default()),
        Err(e @ std::env::VarError::NotUnicode(_)) => {
            Err(Problem::global(ProblemKind::Unreadable {
                origin: format!("environment variable `{MODE_ENV_VAR}`"),
                reason: e.to_string(),
            }))
        }
    }
}

/// Read every source and merge them in order, without validating: the configuration as Python
/// would see it after `merge_producer_configs`. Errors are the sources that cannot be read or are
/// not maps, all of them.
pub fn load_raw<I>(sources: I) -> Result<Value, ProducerConfigError>
where
    I: IntoIterator<Item = ConfigSource>,
{
    let mut problems = Vec::new();
    let mut values = Vec::new();
    for source in sources {
        match source.read() {
            Ok(Some(value)) if value.is_object() => {
                tracing::debug!(source = %source.name(), "read event bus producer configuration");
                values.push(value);
            }
            Ok(Some(other)) => problems.push(Problem::global(ProblemKind::NotAMap {
                origin: source.name(),
                found: describe(&other),
            })),
            Ok(None) => {
                tracing::debug!(source = %source.name(), "no event bus producer configuration")
            }
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() {
        Ok(merge_all(&values))
    } else {
        Err(ProducerConfigError::new(problems))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn expected() -> Value {
        json!({
            "org.example.course.changed.v1": {
                "course-changes": {"event_key_field": "course.key", "enabled": true},
                "course-archive": {"event_key_field": "course.key", "enabled": false}
            }
        })
    }

    #[test]
    fn each_format_parses_to_the_same_configuration() {
        let toml = r#"
            ["org.example.course.changed.v1".course-changes]
            event_key_field = "course.key"
            enabled = true

            ["org.example.course.changed.v1".course-archive]
            event_key_field = "course.key"
            enabled = false
        "#;
        let yaml = "
            org.example.course.changed.v1:
              course-changes: {event_key_field: course.key, enabled: true}
              course-archive:
                event_key_field: course.key
                enabled: false
        ";
        let json = expected().to_string();
        for (format, text) in [
            (Format::Toml, toml),
            (Format::Yaml, yaml),
            (Format::Json, &json),
        ] {
            let value = format.parse(text).unwrap();
            assert_eq!(value, expected(), "{format:?}");
            let topics: Vec<&String> = value["org.example.course.changed.v1"]
                .as_object()
                .unwrap()
                .keys()
                .collect();
            assert_eq!(
                topics,
                ["course-changes", "course-archive"],
                "{format:?} keeps the order"
            );
        }
    }

    #[test]
    fn yaml_merge_keys_and_anchors_are_applied() {
        let yaml = "
            defaults: &defaults {event_key_field: course.key, enabled: true}
        ";
        let value = Format::Yaml
            .parse(&format!(
                "{yaml}\n            e:\n              t: {{<<: *defaults, enabled: false}}\n"
            ))
            .unwrap();
        assert_eq!(
            value["e"]["t"],
            json!({"event_key_field": "course.key", "enabled": false})
        );
    }

    #[test]
    fn yaml_1_2_keeps_yes_a_string() {
        // The "Norway problem": YAML 1.1 reads `yes` as true; the validator must see a string.
        assert_eq!(
            Format::Yaml.parse("t: {enabled: yes}").unwrap(),
            json!({"t": {"enabled": "yes"}})
        );
    }

    #[test]
    fn format_comes_from_the_extension() {
        assert_eq!(Format::from_path(Path::new("a/b.TOML")), Some(Format::Toml));
        assert_eq!(Format::from_path(Path::new("b.yml")), Some(Format::Yaml));
        assert_eq!(Format::from_path(Path::new("b.yaml")), Some(Format::Yaml));
        assert_eq!(Format::from_path(Path::new("b.json")), Some(Format::Json));
        assert_eq!(Format::from_path(Path::new("b.ini")), None);
        assert_eq!(Format::from_path(Path::new("b")), None);
    }

    #[test]
    fn files_are_read_by_extension() {
        let dir = std::env::temp_dir().join(format!("producer-config-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.json");
        std::fs::write(&path, expected().to_string()).unwrap();
        assert_eq!(ConfigSource::file(&path).read().unwrap(), Some(expected()));
        let empty_yaml = dir.join("empty.yaml");
        std::fs::write(&empty_yaml, "# nothing configured yet\n").unwrap();
        assert_eq!(ConfigSource::file(&empty_yaml).read().unwrap(), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn every_unreadable_source_is_reported_at_once() {
        let missing = ConfigSource::file("/nonexistent/producer.toml");
        let unknown = ConfigSource::file("producer.ini");
        let bad_json = ConfigSource::text("settings", Format::Json, "{\"a\": ");
        let bad_toml = ConfigSource::text("toml text", Format::Toml, "a = ");
        let list = ConfigSource::value("a list", json!([1, 2]));
        let good = ConfigSource::value("good", json!({}));
        let error = load_raw([missing, unknown, good, bad_json, bad_toml, list]).unwrap_err();
        let kinds: Vec<&ProblemKind> = error.problems().iter().map(|p| &p.kind).collect();
        assert_eq!(kinds.len(), 5, "{error}");
        assert!(
            matches!(kinds[0], ProblemKind::Unreadable { origin, .. } if origin == "file `/nonexistent/producer.toml`")
        );
        assert_eq!(
            kinds[1],
            &ProblemKind::UnknownFormat {
                origin: "file `producer.ini`".into()
            }
        );
        assert!(
            matches!(kinds[2], ProblemKind::Unparsable { origin, format: "JSON", .. } if origin == "settings")
        );
        assert!(
            matches!(kinds[3], ProblemKind::Unparsable { origin, format: "TOML", .. } if origin == "toml text")
        );
        assert_eq!(
            kinds[4],
            &ProblemKind::NotAMap {
                origin: "a list".into(),
                found: "a list".into()
            }
        );
        let text = error.to_string();
        assert!(text.starts_with("invalid event bus producer configuration (5 problems):\n  - cannot read file `/nonexistent/producer.toml`: "), "{text}");
        assert!(text.contains("\n  - cannot tell the format of file `producer.ini`: use a .toml, .yaml, .yml or .json extension"), "{text}");
        assert!(
            text.contains("\n  - cannot parse settings as JSON: EOF while parsing"),
            "{text}"
        );
    }

    #[test]
    fn environment_variable_holds_json() {
        // A variable name of this test alone: tests run in parallel in one process.
        let name = "EVENTBUS_RUNTIME_TEST_PRODUCER_CONFIG_LOAD";
        assert_eq!(ConfigSource::env_var(name).read().unwrap(), None, "unset");
        std::env::set_var(name, "  ");
        assert_eq!(ConfigSource::env_var(name).read().unwrap(), None, "blank");
        std::env::set_var(name, expected().to_string());
        assert_eq!(
            ConfigSource::env_var(name).read().unwrap(),
            Some(expected())
        );
        std::env::set_var(name, "enabled: true");
        let problem = ConfigSource::env_var(name).read().unwrap_err();
        assert!(
            problem.to_string().starts_with(
                "cannot parse environment variable `EVENTBUS_RUNTIME_TEST_PRODUCER_CONFIG_LOAD` as JSON: "
            ),
            "{problem}"
        );
        std::env::remove_var(name);
        assert_eq!(
            ConfigSource::env().name(),
            "environment variable `EVENT_BUS_PRODUCER_CONFIG`"
        );
    }

    #[test]
    fn sources_merge_in_order() {
        let merged = load_raw([
            ConfigSource::value("base", expected()),
            ConfigSource::text(
                "override",
                Format::Yaml,
                "org.example.course.changed.v1: {course-archive: {enabled: true}}",
            ),
            ConfigSource::env_var("EVENTBUS_RUNTIME_TEST_PRODUCER_CONFIG_NEVER_SET"),
        ])
        .unwrap();
        assert_eq!(
            merged["org.example.course.changed.v1"]["course-archive"],
            json!({"event_key_field": "course.key", "enabled": true})
        );
        assert_eq!(load_raw([]).unwrap(), json!({}));
    }
}
