//! Events of the `authz` domain.

mod data;
mod signals;

pub use data::*;
pub use signals::*;
