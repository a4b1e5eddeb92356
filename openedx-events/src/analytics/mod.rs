//! Events of the `analytics` domain.

mod data;
mod signals;

pub use data::*;
pub use signals::*;
