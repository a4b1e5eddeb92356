//! Events of the `content_authoring` domain.
