//! Events of the `learning` domain.
