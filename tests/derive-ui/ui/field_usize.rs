use eventbus_runtime::prelude::*;

#[derive(Debug, Clone, PartialEq, EventData)]
pub struct Page {
    pub index: usize,
}

fn main() {}
