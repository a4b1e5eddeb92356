//! Workspace tests live in `tests/tests/`. This library holds what they share that is more than
//! a helper file: the fault-injection harness ([`fault`]), also used by the `fault_consumer`
//! binary.

pub mod fault;
