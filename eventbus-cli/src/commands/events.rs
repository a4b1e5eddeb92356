//! `eventbus events list|show`.

use super::CliError;
use crate::cli::EventsCommand;
use crate::stdout::outln;
use eventbus_runtime::avro::Example;
use eventbus_runtime::registry::{self, EventDescriptor};
use serde_json::{json, Value};
use std::process::ExitCode;

pub fn run(command: EventsCommand) -> Result<ExitCode, CliError> {
    match command {
        EventsCommand::List { json } => list(json)?,
        EventsCommand::Show { event_type } => show(&event_type)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn list(as_json: bool) -> Result<(), CliError> {
    let all: Vec<&EventDescriptor> = registry::all().collect();
    if as_json {
        for d in &all {
            outln!(
                "{}",
                json!({
                    "event_type": d.event_type,
                    "minor_version": d.minor_version,
                    "default_key_field": d.default_key_field,
                    "serializable": d.is_serializable(),
                    "python_signal": openedx_events::python_signal(d.event_type),
                })
            )?;
        }
        return Ok(());
    }
    let width = all.iter().map(|d| d.event_type.len()).max().unwrap_or(10);
    let key_width = all
        .iter()
        .filter_map(|d| d.default_key_field)
        .map(str::len)
        .chain(["(in-process only)".len()])
        .max()
        .unwrap_or(10);
    outln!(
        "{:width$}  MINOR  {:key_width$}  PYTHON SIGNAL",
        "EVENT TYPE",
        "KEY FIELD"
    )?;
    for d in &all {
        let key = match (d.default_key_field, d.is_serializable()) {
            (_, false) => "(in-process only)",
            (Some(key), true) => key,
            (None, true) => "-",
        };
        let signal = openedx_events::python_signal(d.event_type).unwrap_or("-");
        outln!(
            "{:width$}  {:>5}  {key:key_width$}  {signal}",
            d.event_type,
            d.minor_version
        )?;
    }
    outln!("{} event types", all.len())
}

/// Find an event type or fail with the closest names.
pub fn find(event_type: &str) -> Result<&'static EventDescriptor, CliError> {
    registry::find(event_type).ok_or_else(|| {
        let similar = registry::similar(event_type, 5);
        let hint = if similar.is_empty() {
            "; `eventbus events list` shows them all".to_owned()
        } else {
            format!("; did you mean one of: {}", similar.join(", "))
        };
        CliError::Usage(format!("unknown event type {event_type:?}{hint}"))
    })
}

/// Find an event type by its Python signal path (`openedx_events.learning.signals.CERTIFICATE_CREATED`,
/// or `module:NAME`) or fail with the closest signal names.
pub fn find_signal(signal: &str) -> Result<&'static EventDescriptor, CliError> {
    match openedx_events::event_type_of_signal(signal) {
        Some(event_type) => find(event_type),
        None => {
            let signals = openedx_events::PYTHON_SIGNALS.iter().map(|(_, s)| *s);
            let hint = match eventbus_runtime::suggest::closest(&signal.replace(':', "."), signals)
            {
                Some(close) => format!("; did you mean {close}?"),
                None => "; `eventbus events list` shows them all".to_owned(),
            };
            Err(CliError::Usage(format!(
                "unknown signal {signal:?}: expected a Python path such as \
                 openedx_events.learning.signals.CERTIFICATE_CREATED{hint}"
            )))
        }
    }
}

fn fields(schema: &Value, indent: usize, out: &mut Vec<String>) {
    for field in schema["fields"].as_array().into_iter().flatten() {
        let ty = &field["type"];
        let (nullable, ty) = match ty.as_array() {
            Some(union) => (true, &union[1]),
            None => (false, ty),
        };
        let shown = match ty {
            Value::String(s) => s.clone(),
            Value::Object(o) => match o.get("type").and_then(Value::as_str) {
                Some("record") => format!("record {}", o["name"].as_str().unwrap_or("?")),
                Some("array") => format!("array of {}", o["items"]),
                Some("map") => format!("map of {}", o["values"]),
                _ => ty.to_string(),
            },
            other => other.to_string(),
        };
        out.push(format!(
            "{:indent$}{}: {shown}{}",
            "",
            field["name"].as_str().unwrap_or("?"),
            if nullable { " (optional)" } else { "" }
        ));
        if ty.get("type").and_then(Value::as_str) == Some("record") {
            fields(ty, indent + 2, out);
        }
    }
}

fn show(event_type: &str) -> Result<(), CliError> {
    let d = find(event_type)?;
    outln!("{}", d.event_type)?;
    outln!("  {}", d.description.replace('\n', "\n  "))?;
    outln!("minor version: {}", d.minor_version)?;
    outln!("default key field: {}", d.default_key_field.unwrap_or("-"))?;
    outln!("rust type: {}", d.rust_type)?;
    if let Some(signal) = openedx_events::python_signal(d.event_type) {
        outln!("python signal: {signal}")?;
    }
    let Ok(schema) = d.schema() else {
        outln!("in-process only: this event cannot travel on the bus")?;
        return Ok(());
    };
    let problems = eventbus_runtime::avro::schema::name_problems(schema.json());
    if !problems.is_empty() {
        outln!(
            "schema registry: refused as invalid (error 42201) by registries that check Avro \
             names, such as Apicurio, so it cannot be produced to Kafka there (from Python \
             either): {}",
            problems.join("; ")
        )?;
    }
    let mut lines = Vec::new();
    fields(schema.json(), 2, &mut lines);
    outln!("fields:\n{}", lines.join("\n"))?;
    let example = d.example(Example::Full).expect("serializable");
    outln!(
        "example data:\n{}",
        serde_json::to_string_pretty(&example.to_json()).expect("JSON")
    )?;
    outln!("schema:\n{}", schema.avsc_text())?;
    Ok(())
}
