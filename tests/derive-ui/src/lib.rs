//! Compile-fail and compile-pass tests of the derives live in `tests/ui.rs`; this crate has no library code.
