//! Events of the `learning` domain.

mod data;
mod signals;

pub use data::*;
pub use signals::*;
