//! Events of the `enterprise` domain.
