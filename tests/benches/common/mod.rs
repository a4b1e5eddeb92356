//! What the throughput benches share: the workload (five catalog event types with their key
//! fields), settings from the environment, rates, and running a Python producer on the same
//! workload.

#![allow(dead_code)]

use eventbus_runtime::avro::Example;
use eventbus_runtime::backend::EventProducer;
use eventbus_runtime::registry::{self, AnyEvent, EventDescriptor};
use eventbus_runtime::signal::ReceiverId;
use eventbus_runtime::EventsMetadata;
use serde_json::{json, Value};
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// The allocator of the `eventbus` binary (jemalloc, which also serves librdkafka's own
/// allocations), so that the benches measure what the worker runs; the raw rdkafka baselines run
/// in the same process with the same allocator.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The event types of the workload, with their key fields.
pub const EVENT_TYPES: [(&str, &str); 5] = [
    (
        "org.openedx.learning.auth.session.login.completed.v1",
        "user.pii.username",
    ),
    (
        "org.openedx.learning.course.enrollment.created.v1",
        "enrollment.course.course_key",
    ),
    (
        "org.openedx.content_authoring.xblock.published.v1",
        "xblock_info.usage_key",
    ),
    (
        "org.openedx.learning.certificate.created.v1",
        "certificate.course.course_key",
    ),
    (
        "org.openedx.content_authoring.course.catalog_info.changed.v1",
        "catalog_info.course_key",
    ),
];

/// A required environment variable (the services' addresses); exits with a hint when unset.
pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        eprintln!(
            "{name} is not set: start the services with `eval \"$(scripts/services.sh up)\"`"
        );
        std::process::exit(2)
    })
}

/// One example event of each workload event type, with its key field.
pub fn workload() -> Vec<(&'static EventDescriptor, &'static str, Arc<dyn AnyEvent>)> {
    openedx_events::link();
    EVENT_TYPES
        .iter()
        .map(|(event_type, key)| {
            let d = registry::find(event_type).unwrap_or_else(|| panic!("{event_type}"));
            (d, *key, d.example(Example::Full).expect("serializable"))
        })
        .collect()
}

/// Events per second.
pub fn rate(n: usize, elapsed: Duration) -> f64 {
    n as f64 / elapsed.as_secs_f64()
}

/// Run `tests/python/bench_producer.py BACKEND TOPIC IN.json N` (the workload as JSON in
/// IN.json) with the reference Python and `vars` set; it prints `{"events", "seconds",
/// "errors"}`. `None` when skipped (`BENCH_SKIP_PYTHON`) or failed.
pub fn python_produce(
    backend: &str,
    topic: &str,
    n: usize,
    vars: &[(&str, &str)],
) -> Option<(usize, Duration)> {
    if std::env::var_os("BENCH_SKIP_PYTHON").is_some() {
        return None;
    }
    let python = std::env::var("EVENTBUS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env("HOME")).join(".cache/openedx-eventbus/venv/bin/python")
        });
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let request: Vec<Value> = workload()
        .iter()
        .map(|(d, key, event)| json!({"event_type": d.event_type, "key_field": key, "data": event.to_json()}))
        .collect();
    let input = std::env::temp_dir().join(format!("bench-{}.json", std::process::id()));
    std::fs::write(&input, serde_json::to_string(&request).expect("json")).expect("write");
    let output = std::process::Command::new(&python)
        .arg(root.join("python/bench_producer.py"))
        .args([
            backend,
            topic,
            input.to_str().expect("utf-8"),
            &n.to_string(),
        ])
        .envs(vars.iter().copied())
        .output();
    let output = match output {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            eprintln!(
                "Python producer failed:\n{}",
                String::from_utf8_lossy(&o.stderr)
            );
            return None;
        }
        Err(e) => {
            eprintln!("cannot run {}: {e}", python.display());
            return None;
        }
    };
    let answer: Value = serde_json::from_slice(&output.stdout).ok()?;
    if answer["errors"].as_u64() != Some(0) {
        eprintln!("the Python producer logged errors: {answer}");
    }
    Some((n, Duration::from_secs_f64(answer["seconds"].as_f64()?)))
}

/// A receiver connected to every workload event type that counts the events dispatched and
/// notes when the first and the `n`-th arrived.
pub struct Dispatched {
    n: usize,
    count: Arc<AtomicUsize>,
    times: Arc<Mutex<(Option<Instant>, Option<Instant>)>>,
    connected: Vec<(&'static EventDescriptor, ReceiverId)>,
}

impl Dispatched {
    /// Connect, expecting `n` events.
    pub fn connect(n: usize) -> Self {
        let count = Arc::new(AtomicUsize::new(0));
        let times: Arc<Mutex<(Option<Instant>, Option<Instant>)>> = Arc::default();
        let mut connected = Vec::new();
        for (d, _, _) in workload() {
            let (count, times) = (count.clone(), times.clone());
            let id = d
                .connect(
                    "bench",
                    Arc::new(move |_event, _metadata, _from_bus| {
                        let seen = count.fetch_add(1, Ordering::Relaxed) + 1;
                        let mut times = times.lock().expect("lock");
                        let now = Instant::now();
                        times.0.get_or_insert(now);
                        if seen == n {
                            times.1 = Some(now);
                        }
                        Box::pin(async { Ok(()) })
                    }),
                )
                .expect("serializable");
            connected.push((d, id));
        }
        Dispatched {
            n,
            count,
            times,
            connected,
        }
    }

    /// Wait until the `n` events arrived (at most 300 s), and return the time from the first to
    /// the `n`-th.
    pub async fn wait(&self) -> Duration {
        let deadline = Instant::now() + Duration::from_secs(300);
        while self.count.load(Ordering::Relaxed) < self.n {
            assert!(
                Instant::now() < deadline,
                "the bus consumer dispatched {} of {} events in 300 s",
                self.count.load(Ordering::Relaxed),
                self.n
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let (first, last) = *self.times.lock().expect("lock");
        last.expect("last") - first.expect("first")
    }
}

impl Drop for Dispatched {
    fn drop(&mut self) {
        for (d, id) in self.connected.drain(..) {
            d.disconnect(id);
        }
    }
}

/// Run `task(0)`, ..., `task(n - 1)` with at most `limit` at once; the time it took.
pub async fn in_flight<F, Fut>(n: usize, limit: usize, mut task: F) -> Duration
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let start = Instant::now();
    let mut tasks = JoinSet::new();
    for i in 0..n {
        tasks.spawn(task(i));
        if tasks.len() >= limit {
            tasks.join_next().await.expect("a task").expect("no panic");
        }
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("no panic");
    }
    start.elapsed()
}

/// Produce `n` workload events through a bus producer, `limit` at once.
pub async fn bus_produce<P: EventProducer + 'static>(
    producer: Arc<P>,
    topic: &str,
    n: usize,
    limit: usize,
) -> Duration {
    let work = workload();
    in_flight(n, limit, |i| {
        let (d, key, event) = work[i % work.len()].clone();
        let (producer, topic) = (producer.clone(), topic.to_owned());
        async move {
            let metadata = EventsMetadata::new(d.event_type, d.minor_version);
            producer
                .send(&topic, key, event, &metadata)
                .await
                .expect("delivered");
        }
    })
    .await
}
