//! Data types of the `authz` events.
