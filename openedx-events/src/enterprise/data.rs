//! Data types of the `enterprise` events.
