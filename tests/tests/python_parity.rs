//! Parity with the Python library: for every event of the catalog, the Avro schema that
//! openedx-events 11.2.0 generates is JSON-equal to ours, both sides encode the same example data
//! to the same bytes, and each side decodes the other's bytes back to the same data.

mod support;

use eventbus_runtime::avro::Example;
use eventbus_runtime::registry::{self, EventDescriptor};
use serde_json::{json, Value};
use std::collections::BTreeSet;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Line diff of two pretty-printed JSON values, for readable failures.
fn json_diff(expected: &Value, actual: &Value) -> String {
    let expected = serde_json::to_string_pretty(expected).unwrap();
    let actual = serde_json::to_string_pretty(actual).unwrap();
    let (e, a): (Vec<_>, Vec<_>) = (expected.lines().collect(), actual.lines().collect());
    let first = e
        .iter()
        .zip(&a)
        .position(|(x, y)| x != y)
        .unwrap_or(e.len().min(a.len()));
    let from = first.saturating_sub(3);
    format!(
        "first difference at line {}:\n  python: {}\n  rust:   {}",
        first + 1,
        e[from..(first + 4).min(e.len())].join("\n          "),
        a[from..(first + 4).min(a.len())].join("\n          ")
    )
}

/// Compare Python's answer for the samples of one event type with what was sent: identical
/// bytes, each side decodes the other's bytes to the same data, and our decode → encode of
/// Python's bytes gives them back unchanged (a forwarding service keeps the bytes). Returns how
/// many samples passed; failures and Python decoder bugs are pushed.
fn compare_samples(
    d: &EventDescriptor,
    answers: &Value,
    sent_samples: &Value,
    failures: &mut Vec<String>,
    python_decoder_bugs: &mut Vec<String>,
) -> usize {
    let mut equal = 0;
    for (i, sample) in answers.as_array().unwrap().iter().enumerate() {
        let sent = &sent_samples[i];
        if let Some(error) = sample.get("error") {
            failures.push(format!(
                "{} sample {i}: Python failed: {error}",
                d.event_type
            ));
            continue;
        }
        if let Some(bug) = sample.get("python_decoder_bug") {
            python_decoder_bugs.push(format!("{} sample {i}: {bug}", d.event_type));
        }
        let mut ok = true;
        if sample["python_hex"] != sent["rust_hex"] {
            ok = false;
            failures.push(format!(
                "{} sample {i}: encodings differ\n  python: {}\n  rust:   {}",
                d.event_type, sample["python_hex"], sent["rust_hex"]
            ));
        }
        if sample["decoded_rust"] != sent["json"] {
            ok = false;
            failures.push(format!(
                "{} sample {i}: Python decoded our bytes differently\n{}",
                d.event_type,
                json_diff(&sample["decoded_rust"], &sent["json"])
            ));
        }
        let python_bytes = unhex(sample["python_hex"].as_str().unwrap());
        match d.decode(&python_bytes, None) {
            Ok(event) if event.to_json() != sent["json"] => {
                ok = false;
                failures.push(format!(
                    "{} sample {i}: we decoded Python's bytes differently\n{}",
                    d.event_type,
                    json_diff(&sent["json"], &event.to_json())
                ));
            }
            Ok(event) if event.encode() != python_bytes => {
                ok = false;
                failures.push(format!(
                    "{} sample {i}: Python's bytes read and written again differ\n  python: {}\n  rust:   {}",
                    d.event_type,
                    sample["python_hex"],
                    hex(&event.encode())
                ));
            }
            Ok(_) => {}
            Err(e) => {
                ok = false;
                failures.push(format!(
                    "{} sample {i}: cannot decode Python's bytes: {e}",
                    d.event_type
                ));
            }
        }
        equal += usize::from(ok);
    }
    equal
}

/// The samples of one event type: its JSON form and our encoding of it.
fn sample(d: &EventDescriptor, json: Value) -> Value {
    let event = d
        .from_json(&json)
        .unwrap_or_else(|e| panic!("{}: {e}", d.event_type));
    json!({"json": event.to_json(), "rust_hex": hex(&event.encode())})
}

#[test]
fn schemas_and_encodings_match_openedx_events() {
    openedx_events::link();
    let dir = support::scratch_dir("parity");
    let descriptors: Vec<_> = registry::all().collect();

    let mut request = serde_json::Map::new();
    for d in descriptors.iter().filter(|d| d.is_serializable()) {
        let samples: Vec<Value> = [Example::Full, Example::Minimal]
            .into_iter()
            .map(|kind| sample(d, d.example(kind).unwrap().to_json()))
            .collect();
        request.insert(d.event_type.to_owned(), json!({"samples": samples}));
    }
    let input = dir.join("request.json");
    let output = dir.join("answer.json");
    std::fs::write(&input, Value::Object(request.clone()).to_string()).unwrap();
    support::run_python("parity.py", &[&input, &output]);
    let answer: Value = serde_json::from_slice(&std::fs::read(&output).unwrap()).unwrap();

    // The events sent here say they follow this openedx-events version (`sourcelib`).
    assert_eq!(
        answer["openedx_events_version"],
        eventbus_runtime::metadata::OPENEDX_EVENTS_VERSION
    );

    // The same event types exist on both sides.
    let python_types: BTreeSet<&str> = answer["event_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    let rust_types: BTreeSet<&str> = descriptors.iter().map(|d| d.event_type).collect();
    assert_eq!(
        python_types,
        rust_types,
        "event types differ: only in Python {:?}, only in Rust {:?}",
        python_types.difference(&rust_types).collect::<Vec<_>>(),
        rust_types.difference(&python_types).collect::<Vec<_>>()
    );

    let mut failures = Vec::new();
    let mut schemas_equal = 0;
    let mut samples_equal = 0;
    let mut python_decoder_bugs = Vec::new();
    for d in descriptors.iter().filter(|d| d.is_serializable()) {
        let theirs = &answer["events"][d.event_type];
        let ours = d.schema().unwrap().json();
        if &theirs["schema"] == ours {
            schemas_equal += 1;
        } else {
            failures.push(format!(
                "{}: schema differs\n{}",
                d.event_type,
                json_diff(&theirs["schema"], ours)
            ));
            continue;
        }
        samples_equal += compare_samples(
            d,
            &theirs["samples"],
            &request[d.event_type]["samples"],
            &mut failures,
            &mut python_decoder_bugs,
        );
    }
    let serializable = request.len();
    println!(
        "parity: {schemas_equal}/{serializable} schemas equal, {samples_equal}/{} samples equal both ways",
        serializable * 2
    );
    // The one known bug of the Python decoder (see tests/python/parity.py): an empty
    // `plugin_configuration` map decodes to the `dict` class there. The wire data was still compared.
    assert_eq!(
        python_decoder_bugs.len(),
        1,
        "Python decoder failures: {python_decoder_bugs:#?}"
    );
    assert!(python_decoder_bugs[0]
        .starts_with("org.openedx.learning.discussions.configuration.changed.v1"));
    assert!(
        failures.is_empty(),
        "{} parity failures:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert_eq!(schemas_equal, serializable);
    assert_eq!(samples_equal, serializable * 2);
}

/// Replace every string `from` in `value` by `to`; how many were replaced.
fn replace_strings(value: &mut Value, from: &str, to: &str) -> usize {
    match value {
        Value::String(s) if s == from => {
            *s = to.to_owned();
            1
        }
        Value::Array(items) => items.iter_mut().map(|v| replace_strings(v, from, to)).sum(),
        Value::Object(map) => map.values_mut().map(|v| replace_strings(v, from, to)).sum(),
        _ => 0,
    }
}

#[test]
fn date_times_keep_their_offset_and_naivety_as_python_writes_them() {
    // Every date-time field of every event, set to each shape Python's isoformat() writes:
    // Python encodes them, we decode Python's bytes and write them again byte for byte, and
    // both sides agree on the data.
    openedx_events::link();
    let dir = support::scratch_dir("parity-date-times");
    let shapes = [
        "2024-05-06T09:08:09+02:00",
        "2024-05-06T09:08:09.012345+02:00",
        "2024-05-06T07:08:09",
        "2024-05-06T07:08:09.000001",
        "2024-05-06T07:08:09-05:30",
        "2024-05-06T07:08:09.5+00:00",
        "2024-05-06T07:08:09+05:30:15.000250",
    ];
    let example_date = "2024-01-02T03:04:05.678901+00:00";
    let mut request = serde_json::Map::new();
    let mut date_fields = 0;
    for d in registry::all().filter(|d| d.is_serializable()) {
        let example = d.example(Example::Full).unwrap().to_json();
        let mut probe = example.clone();
        let count = replace_strings(&mut probe, example_date, "");
        if count == 0 {
            continue;
        }
        date_fields += count;
        let samples: Vec<Value> = shapes
            .iter()
            .map(|shape| {
                let mut json = example.clone();
                replace_strings(&mut json, example_date, shape);
                sample(d, json)
            })
            .collect();
        request.insert(d.event_type.to_owned(), json!({"samples": samples}));
    }
    assert!(request.len() >= 20, "{} events with dates", request.len());
    let input = dir.join("request.json");
    let output = dir.join("answer.json");
    std::fs::write(&input, Value::Object(request.clone()).to_string()).unwrap();
    support::run_python("parity.py", &[&input, &output]);
    let answer: Value = serde_json::from_slice(&std::fs::read(&output).unwrap()).unwrap();
    let mut failures = Vec::new();
    let mut python_decoder_bugs = Vec::new();
    let mut equal = 0;
    for (event_type, sent) in &request {
        let d = registry::find(event_type).unwrap();
        equal += compare_samples(
            d,
            &answer["events"][event_type]["samples"],
            &sent["samples"],
            &mut failures,
            &mut python_decoder_bugs,
        );
    }
    println!(
        "date-times: {equal} samples of {} events ({date_fields} date-time fields) equal both ways",
        request.len()
    );
    assert!(
        failures.is_empty(),
        "{} date-time parity failures:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert_eq!(python_decoder_bugs, Vec::<String>::new());
    assert_eq!(equal, request.len() * shapes.len());
    // What the shapes mean here: the instant, the offset as written, naivety.
    let d = registry::find("org.openedx.analytics.tracking.event.emitted.v1").unwrap();
    let mut json = d.example(Example::Full).unwrap().to_json();
    json["tracking_log"]["timestamp"] = json!("2024-05-06T09:08:09+02:00");
    let event = d.from_json(&json).unwrap();
    let back = d.decode(&event.encode(), None).unwrap().to_json();
    assert_eq!(
        back["tracking_log"]["timestamp"],
        "2024-05-06T09:08:09+02:00"
    );
}

#[test]
fn python_cannot_serialize_what_we_keep_in_process() {
    openedx_events::link();
    let dir = support::scratch_dir("parity-unserializable");
    let in_process: Vec<&str> = registry::all()
        .filter(|d| !d.is_serializable())
        .map(|d| d.event_type)
        .collect();
    let request: serde_json::Map<String, Value> = in_process
        .iter()
        .map(|t| (t.to_string(), json!({"samples": []})))
        .collect();
    let input = dir.join("request.json");
    let output = dir.join("answer.json");
    std::fs::write(&input, Value::Object(request).to_string()).unwrap();
    support::run_python("parity.py", &[&input, &output]);
    let answer: Value = serde_json::from_slice(&std::fs::read(&output).unwrap()).unwrap();
    assert!(!in_process.is_empty());
    for event_type in in_process {
        let schema = &answer["events"][event_type]["schema"];
        assert!(
            schema.get("error").is_some(),
            "{event_type} is in-process only here, but Python serializes it: {schema}"
        );
        assert!(answer["unserializable"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == event_type));
    }
}

#[test]
fn every_truncated_encoding_is_an_error() {
    // Every example, cut short, must fail cleanly (no panic, no garbage).
    openedx_events::link();
    for d in registry::all().filter(|d| d.is_serializable()) {
        let bytes = d.example(Example::Full).unwrap().encode();
        for cut in [1, bytes.len() / 2, bytes.len() - 1] {
            assert!(
                d.decode(&bytes[..cut], None).is_err(),
                "{}: {cut} of {} bytes decoded",
                d.event_type,
                bytes.len()
            );
        }
    }
}

#[test]
fn python_signal_names_match_openedx_events() {
    openedx_events::link();
    let dir = support::scratch_dir("parity-signals");
    let output = dir.join("signals.json");
    support::run_python("python_signals.py", &[&output]);
    let python = support::read_json(&output);
    let python: Vec<(&str, &str)> = python
        .as_object()
        .expect("an object")
        .iter()
        .map(|(t, s)| (t.as_str(), s.as_str().expect("a signal path")))
        .collect();
    assert_eq!(python.len(), 75);
    assert_eq!(python, openedx_events::PYTHON_SIGNALS.to_vec());
    // Every event type of the catalog has its signal, and only those.
    let catalog: BTreeSet<&str> = registry::all().map(|d| d.event_type).collect();
    let named: BTreeSet<&str> = python.iter().map(|(t, _)| *t).collect();
    assert_eq!(catalog, named);
    let _ = std::fs::remove_dir_all(&dir);
}
