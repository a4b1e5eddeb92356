//! Events of the `analytics` domain.
