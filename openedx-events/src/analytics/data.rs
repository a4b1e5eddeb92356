//! Data types of the `analytics` events.
