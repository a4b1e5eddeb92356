//! Events of the `content_authoring` domain.

mod data;
mod signals;

pub use data::*;
pub use signals::*;
