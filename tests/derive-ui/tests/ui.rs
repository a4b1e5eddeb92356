//! Compile-fail (and compile-pass) UI tests for `#[derive(OpenEdxEvent)]` and
//! `#[derive(EventData)]`. The `.stderr` snapshots hold for the toolchain pinned in
//! `rust-toolchain.toml`; regenerate them with
//! `TRYBUILD=overwrite cargo test -p eventbus-derive-ui --test ui` and read every one.
//! `tests/error_count.rs` checks that no case gives more errors than its snapshot shows.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
    t.pass("ui/pass/*.rs");
}
