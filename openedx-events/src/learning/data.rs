//! Data types of the `learning` events.
