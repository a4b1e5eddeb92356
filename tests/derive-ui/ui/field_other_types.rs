use eventbus_runtime::prelude::*;

// Each well-known unsupported type is one error at the type, with what to use instead.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct Odds {
    pub small: i16,
    pub unsigned: u16,
    pub huge: u128,
    pub index: isize,
    pub ratio: f32,
    pub letter: char,
    pub name: &'static str,
    pub digest: [u8; 4],
    pub tags: Vec<std::collections::BTreeSet<String>>,
    pub nothing: (),
}

fn main() {}
