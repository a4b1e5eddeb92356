//! The Avro schema of every Open edX event, as `.avsc` files.
//!
//! The build script generates the schema of every serializable event of the catalog
//! ([`GENERATED`]); the files committed in this folder are the schemas that producers and
//! consumers in the field use. [`check`] compares the two the way openedx-events'
//! `test_evolution_is_backward_compatible` / `..._forward_compatible` do, and also requires an
//! intentional change to update the committed file, so the files never lag behind the code.
//!
//! ```sh
//! cargo test -p eventbus-schemas                      # check
//! UPDATE_SCHEMAS=1 cargo test -p eventbus-schemas     # write the generated files here
//! ```

use eventbus_runtime::avro::check_compatibility;
use std::fmt;
use std::path::Path;

/// One generated schema.
#[derive(Debug, Clone, Copy)]
pub struct GeneratedSchema {
    /// The event type.
    pub event_type: &'static str,
    /// The file name, as openedx-events names it (`org+openedx+..._schema.avsc`).
    pub file_name: &'static str,
    /// The file's text: `json.dumps(schema, indent=2)`.
    pub text: &'static str,
}

/// Every serializable event's schema, generated at build time.
pub static GENERATED: &[GeneratedSchema] = include!(concat!(env!("OUT_DIR"), "/generated.rs"));

/// The folder of the committed `.avsc` files.
pub fn committed_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A difference between the generated and the committed schemas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// An event has no committed schema yet.
    Missing {
        /// The event type.
        event_type: String,
    },
    /// A committed schema has no event any more.
    Orphan {
        /// The file name.
        file_name: String,
    },
    /// The schema changed in a way readers cannot follow.
    Breaking {
        /// The event type.
        event_type: String,
        /// Why, both directions.
        reasons: Vec<String>,
        /// Unified diff, committed to generated.
        diff: String,
    },
    /// The schema changed compatibly; the committed file must be updated.
    Outdated {
        /// The event type.
        event_type: String,
        /// Unified diff, committed to generated.
        diff: String,
    },
    /// A committed file is not a valid schema.
    Invalid {
        /// The file name.
        file_name: String,
        /// The parse error.
        error: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing { event_type } => write!(
                f,
                "{event_type}: no committed schema; run `UPDATE_SCHEMAS=1 cargo test -p eventbus-schemas` and commit it"
            ),
            Problem::Orphan { file_name } => write!(
                f,
                "{file_name}: committed schema of an event that no longer exists; removing an event breaks its consumers"
            ),
            Problem::Breaking { event_type, reasons, diff } => {
                writeln!(f, "{event_type}: BREAKING schema change; readers of the old or new schema could not read the other's data:")?;
                for reason in reasons {
                    writeln!(f, "  - {reason}")?;
                }
                writeln!(f, "  An incompatible change needs a new event type (next major version, `.vN+1`).")?;
                write!(f, "{diff}")
            }
            Problem::Outdated { event_type, diff } => {
                writeln!(f, "{event_type}: the schema changed compatibly; update the committed file with `UPDATE_SCHEMAS=1 cargo test -p eventbus-schemas`:")?;
                write!(f, "{diff}")
            }
            Problem::Invalid { file_name, error } => write!(f, "{file_name}: not a valid Avro schema: {error}"),
        }
    }
}

fn diff(old: &str, new: &str, name: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("committed/{name}"), &format!("generated/{name}"))
        .to_string()
}

/// Compare the generated schemas with the `.avsc` files in `dir`.
pub fn check(generated: &[GeneratedSchema], dir: &Path) -> Vec<Problem> {
    let mut problems = Vec::new();
    for schema in generated {
        let path = dir.join(schema.file_name);
        let Ok(committed) = std::fs::read_to_string(&path) else {
            problems.push(Problem::Missing {
                event_type: schema.event_type.to_owned(),
            });
            continue;
        };
        if committed.trim_end() == schema.text {
            continue;
        }
        let old = match eventbus_runtime::avro::schema::parse_schema_str(&committed) {
            Ok(old) => old,
            Err(e) => {
                problems.push(Problem::Invalid {
                    file_name: schema.file_name.to_owned(),
                    error: e.to_string(),
                });
                continue;
            }
        };
        let new = eventbus_runtime::avro::schema::parse_schema_str(schema.text)
            .expect("generated schemas are valid");
        let diff = diff(&committed, schema.text, schema.file_name);
        match check_compatibility(&old, &new) {
            Ok(()) => problems.push(Problem::Outdated {
                event_type: schema.event_type.to_owned(),
                diff,
            }),
            Err(reasons) => problems.push(Problem::Breaking {
                event_type: schema.event_type.to_owned(),
                reasons: reasons.iter().map(ToString::to_string).collect(),
                diff,
            }),
        }
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        let mut orphans: Vec<String> = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|name| name.ends_with("_schema.avsc"))
            .filter(|name| !generated.iter().any(|g| g.file_name == name))
            .collect();
        orphans.sort();
        problems.extend(
            orphans
                .into_iter()
                .map(|file_name| Problem::Orphan { file_name }),
        );
    }
    problems
}

/// Write the generated schemas into `dir` (what `UPDATE_SCHEMAS=1` does).
pub fn write_all(generated: &[GeneratedSchema], dir: &Path) -> std::io::Result<()> {
    for schema in generated {
        std::fs::write(dir.join(schema.file_name), schema.text)?;
    }
    Ok(())
}
