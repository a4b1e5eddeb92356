//! Each compile-fail case of `ui/` gives exactly the errors its `.stderr` snapshot shows, no more.
//!
//! The snapshots cannot show it alone: rustc prints an error repeated at the same span once but
//! counts every repetition ("could not compile ... due to 7 previous errors"), editors list every
//! one, and trybuild drops the repetitions before comparing. So this test compiles the cases again,
//! reads the compiler's JSON messages, and compares the number of errors of each case with the
//! number of errors in its snapshot.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The number of errors in a `.stderr` snapshot: its lines that start an error.
fn snapshot_errors(stderr: &str) -> usize {
    stderr
        .lines()
        .filter(|line| line.starts_with("error:") || line.starts_with("error["))
        .count()
}

/// The compile-fail cases: `ui/*.rs`, sorted.
fn cases(ui: &Path) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(ui)
        .expect("the ui directory")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .collect();
    cases.sort();
    cases
}

/// A package with one binary per case, depending on the runtime (and chrono, which cases name).
fn write_project(dir: &Path, cases: &[PathBuf], workspace: &Path) {
    std::fs::create_dir_all(dir).expect("the project directory");
    let mut manifest = format!(
        "[package]\nname = \"derive-ui-error-count\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\neventbus-runtime = {{ path = {:?} }}\n\
         chrono = {{ version = \"0.4\", default-features = false, features = [\"std\", \"clock\"] }}\n\n\
         [workspace]\n",
        workspace.join("eventbus-runtime")
    );
    for (i, case) in cases.iter().enumerate() {
        manifest.push_str(&format!(
            "\n[[bin]]\nname = \"case{i:03}\"\npath = {case:?}\n"
        ));
    }
    std::fs::write(dir.join("Cargo.toml"), manifest).expect("the manifest");
    std::fs::copy(workspace.join("Cargo.lock"), dir.join("Cargo.lock")).expect("the lock file");
}

/// The number of error messages rustc gives for each case, by the case's path.
fn compiler_errors(dir: &Path) -> BTreeMap<PathBuf, usize> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["check", "--bins", "--keep-going", "--offline", "--quiet"])
        .arg("--message-format=json")
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    let mut errors = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] == "compiler-message" && message["message"]["level"] == "error" {
            let path = PathBuf::from(message["target"]["src_path"].as_str().expect("src_path"));
            *errors.entry(path).or_insert(0) += 1;
        }
    }
    errors
}

#[test]
fn every_case_gives_the_errors_of_its_snapshot_once() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = crate_dir
        .join("../..")
        .canonicalize()
        .expect("the workspace");
    let ui = crate_dir
        .join("ui")
        .canonicalize()
        .expect("the ui directory");
    let cases = cases(&ui);
    assert!(cases.len() >= 30, "{} cases", cases.len());
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("derive-ui-error-count");
    write_project(&dir, &cases, &workspace);
    let compiled = compiler_errors(&dir);

    let mut wrong = Vec::new();
    for case in &cases {
        let stderr = std::fs::read_to_string(case.with_extension("stderr")).expect("a snapshot");
        let expected = snapshot_errors(&stderr);
        let found = compiled.get(case).copied().unwrap_or(0);
        if expected == 0 || found != expected {
            wrong.push(format!(
                "{}: {found} errors from the compiler, {expected} in the snapshot",
                case.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
