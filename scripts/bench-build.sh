#!/usr/bin/env bash
# Build time of the event catalog (crate `openedx-events`: 75 events, 52 data structs, with
# `#[derive(OpenEdxEvent)]` and `#[derive(EventData)]`) against the same structs with only serde
# derives (`Serialize`, `Deserialize`; the opaque keys and date-times as `String`), in one run:
# each crate is built once (dependencies ready), then its `lib.rs` is touched and the crate alone
# is rebuilt RUNS times (default 3), without incremental compilation (which would reuse the last
# build's code); the medians and their ratio are printed.
#
#   scripts/bench-build.sh            # dev profile
#   PROFILE=release scripts/bench-build.sh
set -euo pipefail

cd "$(dirname "$0")/.."
export CARGO_INCREMENTAL=0
root=$PWD
runs=${RUNS:-3}
profile=${PROFILE:-dev}
twin=$root/target/build-bench/serde-catalog

# The twin crate: the catalog's sources with serde derives instead of the event-bus ones.
rm -rf "$twin/src"
mkdir -p "$twin"
cp -r openedx-events/src "$twin/src"
cat > "$twin/Cargo.toml" <<EOF
[package]
name = "serde-catalog"
version = "0.1.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
serde = { version = "1", features = ["derive"] }
EOF
python3 - "$twin/src" <<'EOF'
import pathlib, re, sys
src = pathlib.Path(sys.argv[1])
for path in src.rglob("*.rs"):
    text = path.read_text()
    text = re.sub(r"#\[openedx_event\(.*?\)\]\n", "", text, flags=re.S)
    text = text.replace(", EventData)]", ", serde::Serialize, serde::Deserialize)]")
    text = text.replace(", OpenEdxEvent)]", ", serde::Serialize, serde::Deserialize)]")
    text = text.replace("#[derive(Debug, Clone, PartialEq)]", "#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]")
    text = text.replace("use eventbus_runtime::prelude::*;", "use crate::prelude::*;")
    path.write_text(text)
lib = src / "lib.rs"
mods = re.findall(r"^pub mod \w+;$", lib.read_text(), flags=re.M)
lib.write_text(
    "//! The catalog's structs with serde derives only (scripts/bench-build.sh).\n"
    + "#![allow(unused_imports)]\n"
    + "\n".join(mods)
    + """
/// What the event-bus prelude gives the catalog, as plain types.
pub mod prelude {
    pub use std::collections::{BTreeMap, HashMap};
    pub type UsageKey = String;
    pub type CourseKey = String;
    pub type CcxLocator = String;
    pub type LibraryLocatorV2 = String;
    pub type LibraryUsageLocatorV2 = String;
    pub type LibraryCollectionLocator = String;
    pub type LibraryContainerLocator = String;
    pub type EventDateTime = String;
    pub type Uuid = String;
}
"""
)
EOF

profile_flag=()
[ "$profile" = release ] && profile_flag=(--release)

# Median of RUNS timed rebuilds of one crate: $1 = its lib.rs, the rest = the cargo build command.
median_rebuild() {
    local lib=$1
    shift
    "$@" --quiet
    local times=()
    for _ in $(seq "$runs"); do
        touch "$lib"
        local start end
        start=$(date +%s.%N)
        "$@" --quiet
        end=$(date +%s.%N)
        times+=("$(echo "$end - $start" | bc)")
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p"
}

event_bus=$(median_rebuild openedx-events/src/lib.rs cargo build -p openedx-events "${profile_flag[@]}")
serde_only=$(median_rebuild "$twin/src/lib.rs" cargo build --manifest-path "$twin/Cargo.toml" \
    --target-dir "$root/target/build-bench/target" "${profile_flag[@]}")
printf 'build     openedx-events (75 events, event-bus derives): %.2f s   same structs, serde derives only: %.2f s   ratio: %.2fx   (%s profile, median of %s)\n' \
    "$event_bus" "$serde_only" "$(echo "$event_bus / $serde_only" | bc -l)" "$profile" "$runs"
