//! Data types of the `content_authoring` events.
