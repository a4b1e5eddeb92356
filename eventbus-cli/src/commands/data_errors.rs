//! Every problem of an event's JSON data at once, each naming its field, with "did you mean" for
//! unknown fields: the event's own reader finds one error; the value at fault is then replaced by
//! the example event's value at the same place (an unknown field removed, a missing one added)
//! and the data read again, until it reads or nothing more can be repaired.

use eventbus_runtime::avro::Example;
use eventbus_runtime::data_error::{DataErrorKind, PathSegment};
use eventbus_runtime::registry::{AnyEvent, EventDataError, EventDescriptor};
use eventbus_runtime::suggest::closest;
use serde_json::Value;
use std::sync::Arc;

/// The most problems reported for one event.
const MAX_PROBLEMS: usize = 50;

/// The event read from `data`, or every problem found in it (each `field `path`: problem`).
pub fn read_event(
    descriptor: &EventDescriptor,
    data: &Value,
) -> Result<Arc<dyn AnyEvent>, Vec<String>> {
    let first = match descriptor.from_json(data) {
        Ok(event) => return Ok(event),
        Err(error) => error,
    };
    let example = match descriptor.example(Example::Full) {
        Ok(example) => example.to_json(),
        Err(error) => return Err(vec![error.to_string()]),
    };
    let mut data = data.clone();
    let mut problems = Vec::new();
    // The fields suggested for misspelled ones: their being missing is said already.
    let mut suggested = Vec::new();
    let mut error = first;
    loop {
        let EventDataError::Data { source, .. } = &error else {
            problems.push(error.to_string());
            break;
        };
        let segments = source.segments();
        let suggestion = match source.kind() {
            DataErrorKind::UnknownField => suggest_field(&example, segments),
            _ => None,
        };
        let path = source.path();
        match suggestion {
            Some(field) => {
                problems.push(format!("{source}; did you mean `{field}`?"));
                let parent = path
                    .strip_suffix(&unknown_name(segments))
                    .unwrap_or_default();
                suggested.push(format!("{parent}{field}"));
            }
            None if matches!(source.kind(), DataErrorKind::MissingField)
                && suggested.contains(&path) => {}
            None => problems.push(source.to_string()),
        }
        if problems.len() >= MAX_PROBLEMS || !repair(&mut data, &example, segments, source.kind()) {
            break;
        }
        match descriptor.from_json(&data) {
            Ok(_) => break,
            Err(next) => error = next,
        }
    }
    Err(problems)
}

/// The name of the field a path ends with.
fn unknown_name(segments: &[PathSegment]) -> String {
    match segments.last() {
        Some(PathSegment::Field(name)) => name.clone(),
        _ => String::new(),
    }
}

/// The closest field name of the record that holds the unknown field, from the example event.
fn suggest_field(example: &Value, segments: &[PathSegment]) -> Option<String> {
    let (PathSegment::Field(unknown), parent) = segments.split_last()? else {
        return None;
    };
    let record = at(example, parent)?.as_object()?;
    closest(unknown, record.keys().map(String::as_str)).map(str::to_owned)
}

/// The value at `segments` (array items and map entries of the example stand for any).
fn at<'v>(value: &'v Value, segments: &[PathSegment]) -> Option<&'v Value> {
    segments
        .iter()
        .try_fold(value, |value, segment| match segment {
            PathSegment::Field(name) => value.get(name.as_str()),
            PathSegment::Index(_) => value.as_array()?.first(),
            PathSegment::Key(_) => value.as_object()?.values().next(),
        })
}

/// Make the data at `segments` what the example has there; `false` if it cannot be done.
fn repair(
    data: &mut Value,
    example: &Value,
    segments: &[PathSegment],
    kind: &DataErrorKind,
) -> bool {
    let Some((last, parent)) = segments.split_last() else {
        return false;
    };
    let replacement = match kind {
        DataErrorKind::UnknownField => None,
        _ => match at(example, segments) {
            Some(value) => Some(value.clone()),
            None => return false,
        },
    };
    let Some(container) = parent
        .iter()
        .try_fold(data, |value, segment| match segment {
            PathSegment::Field(name) => value.get_mut(name.as_str()),
            PathSegment::Index(i) => value.get_mut(*i),
            PathSegment::Key(key) => value.get_mut(key.as_str()),
        })
    else {
        return false;
    };
    match (last, replacement, container) {
        (PathSegment::Field(name) | PathSegment::Key(name), None, Value::Object(map)) => {
            map.remove(name.as_str()).is_some()
        }
        (PathSegment::Field(name) | PathSegment::Key(name), Some(value), Value::Object(map)) => {
            map.insert(name.clone(), value.clone()) != Some(value)
        }
        (PathSegment::Index(i), Some(value), Value::Array(items)) if *i < items.len() => {
            std::mem::replace(&mut items[*i], value.clone()) != value
        }
        _ => false,
    }
}
