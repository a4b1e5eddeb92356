//! Print the benchmark spec of an event type for `tests/python/bench_avro.py`:
//! `{"event_type", "json" (its full example), "iterations"}`.

fn main() {
    openedx_events::link();
    let mut args = std::env::args().skip(1);
    let event_type = args
        .next()
        .expect("usage: print_example EVENT_TYPE [ITERATIONS]");
    let iterations: u64 = args.next().map_or(10_000, |n| n.parse().expect("a number"));
    let descriptor =
        eventbus_runtime::registry::find(&event_type).expect("a registered event type");
    let event = descriptor
        .example(eventbus_runtime::avro::Example::Full)
        .expect("a serializable event type");
    println!(
        "{}",
        serde_json::json!({"event_type": event_type, "json": event.to_json(), "iterations": iterations})
    );
}
