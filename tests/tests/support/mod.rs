//! Shared by the workspace tests: the reference Python interpreter.

#![allow(dead_code)]

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The workspace root.
pub fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is in the workspace")
}

/// The Python 3.12 interpreter of the venv with openedx-events 11.2.0 and edx-event-bus-kafka
/// 6.2.0: `EVENTBUS_PYTHON`, or the one `scripts/python-venv.sh` creates (once) and prints.
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        if let Some(python) = std::env::var_os("EVENTBUS_PYTHON") {
            return PathBuf::from(python);
        }
        let script = workspace_root().join("scripts/python-venv.sh");
        let output = Command::new("bash")
            .arg(&script)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        assert!(
            output.status.success(),
            "{} failed:\n{}",
            script.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        PathBuf::from(String::from_utf8(output.stdout).expect("a path").trim())
    })
}

/// Run a script of `tests/python/` with the reference Python; panics with its stderr on failure.
pub fn run_python(script: &str, args: &[&Path]) {
    let path = workspace_root().join("tests/python").join(script);
    let output = Command::new(python())
        .arg(&path)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
    assert!(
        output.status.success(),
        "{} failed:\n{}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Read a JSON file a Python helper wrote.
pub fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("the JSON file"))
        .expect("valid JSON")
}

/// A fresh scratch directory for one test.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("eventbus-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a scratch dir");
    dir
}

/// Where Python's decoder differs from the wire: for an attribute with a default, it replaces a
/// falsy value (false, 0, "", [], {}) by the default. `expected` is what was sent, `got` what the
/// Python receiver saw; returns the paths that differ for another reason.
fn differences(expected: &Value, got: &Value, path: &str, out: &mut Vec<String>) {
    match (expected, got) {
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys().chain(b.keys()).collect::<BTreeSet<_>>() {
                let (x, y) = (
                    a.get(key).unwrap_or(&Value::Null),
                    b.get(key).unwrap_or(&Value::Null),
                );
                differences(x, y, &format!("{path}.{key}"), out);
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differences(x, y, &format!("{path}[{i}]"), out);
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push(format!("{path}: sent {a}, Python received {b}")),
    }
}

/// What Python's receivers got (`got`) against what was sent (`sent`): the paths that differ,
/// asserting that each differs only by the decoder quirk (a falsy value replaced by a default).
pub fn python_decoder_quirks(event_type: &str, sent: &Value, got: &Value) -> Vec<String> {
    let mut diff = Vec::new();
    differences(sent, got, "", &mut diff);
    for d in &diff {
        let sent_value = d
            .split("sent ")
            .nth(1)
            .and_then(|v| v.split(", Python").next());
        assert!(
            matches!(sent_value, Some("false" | "0" | "\"\"" | "[]" | "{}")),
            "{event_type}: {d}"
        );
    }
    diff
}
