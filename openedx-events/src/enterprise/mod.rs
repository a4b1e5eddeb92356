//! Events of the `enterprise` domain.

mod data;
mod signals;

pub use data::*;
pub use signals::*;
