//! Events of the `authz` domain.
