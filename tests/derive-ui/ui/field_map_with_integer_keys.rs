use eventbus_runtime::prelude::*;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(event_type = "org.openedx.test.grades.computed.v1")]
pub struct GradesComputed {
    pub grades: HashMap<i64, String>,
    pub weights: std::collections::BTreeMap<(i64, i64), f64>,
}

fn main() {}
