//! The Kafka consumer's ordered concurrency and its latency, measured on the real broker: login
//! events over many keys (`user.pii.username`), consumed by a typed handler.

use eventbus_runtime::consume::{CancellationToken, OnEvent};
use eventbus_runtime::kafka::{KafkaConsumer, KafkaProducer};
use eventbus_runtime::registry::{self, AnyEvent};
use eventbus_runtime::settings::KafkaSettings;
use eventbus_runtime::{EventsMetadata, OpenEdxEvent};
use openedx_events::learning::{SessionLoginCompleted, UserData, UserPersonalData};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Login `i`, keyed `user-{i % keys}`.
fn login(i: usize, keys: usize) -> (Arc<dyn AnyEvent>, EventsMetadata) {
    let username = format!("user-{}", i % keys);
    let event = SessionLoginCompleted {
        user: UserData {
            id: i as i64,
            is_active: true,
            pii: UserPersonalData {
                email: format!("{username}@example.com"),
                username,
                name: String::new(),
            },
        },
    };
    let metadata = EventsMetadata::new(SessionLoginCompleted::EVENT_TYPE, 0);
    (Arc::new(event), metadata)
}

/// Produce `n` logins over `keys` keys to `topic`.
pub async fn produce_keyed(producer: &Arc<KafkaProducer>, topic: &str, n: usize, keys: usize) {
    openedx_events::link();
    assert!(registry::find(SessionLoginCompleted::EVENT_TYPE).is_some());
    send_logins(producer, topic, n, keys, None, |_| {}).await;
}

/// Send `n` logins over `keys` keys, at once or one every `pace`, calling `sending` with each id
/// as its send starts; wait for every delivery.
async fn send_logins(
    producer: &Arc<KafkaProducer>,
    topic: &str,
    n: usize,
    keys: usize,
    pace: Option<Duration>,
    sending: impl Fn(uuid::Uuid),
) {
    let mut tick = pace.map(tokio::time::interval);
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..n {
        if let Some(tick) = &mut tick {
            tick.tick().await;
        }
        let (event, metadata) = login(i, keys);
        sending(metadata.id);
        let (producer, topic) = (producer.clone(), topic.to_owned());
        sends.spawn(async move {
            producer
                .send_event(&topic, "user.pii.username", event, &metadata)
                .await
                .expect("delivered")
        });
    }
    while let Some(sent) = sends.join_next().await {
        sent.expect("send task");
    }
}

/// Consume the `n` events of `topic` with a handler that waits `wait` (a database write), with
/// `max_in_flight`: the time from the first handler call to the last one's end.
pub async fn consume_waiting(
    settings: &KafkaSettings,
    topic: &str,
    n: usize,
    wait: Duration,
) -> Duration {
    let done = Arc::new(AtomicUsize::new(0));
    let first: Arc<Mutex<Option<Instant>>> = Arc::default();
    let (d, f) = (done.clone(), first.clone());
    let consumer = KafkaConsumer::new(settings, topic, &format!("bench-{}", uuid::Uuid::new_v4()))
        .expect("consumer")
        .on::<SessionLoginCompleted, _, _>("waits", move |_| {
            f.lock().unwrap().get_or_insert_with(Instant::now);
            let d = d.clone();
            async move {
                tokio::time::sleep(wait).await;
                d.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
        });
    let token = CancellationToken::new();
    let handle = tokio::spawn(consumer.consume(token.clone()));
    let deadline = Instant::now() + Duration::from_secs(300);
    while done.load(Ordering::SeqCst) < n {
        assert!(Instant::now() < deadline, "consumed within 300 s");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let elapsed = first.lock().unwrap().expect("a first call").elapsed();
    token.cancel();
    handle.await.expect("no panic").expect("consumer ok");
    elapsed
}

/// Send `rate` events per second for `seconds` through `producer` while a consumer of `settings`
/// receives them: the latencies from the start of each send to its handler call, sorted.
pub async fn latencies(
    producer: &Arc<KafkaProducer>,
    settings: &KafkaSettings,
    topic: &str,
    rate: u32,
    seconds: u32,
) -> Vec<Duration> {
    let n = (rate * seconds) as usize;
    let sent: Arc<Mutex<HashMap<uuid::Uuid, Instant>>> = Arc::default();
    let got: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let (s, g) = (sent.clone(), got.clone());
    let consumer = KafkaConsumer::new(settings, topic, &format!("bench-{}", uuid::Uuid::new_v4()))
        .expect("consumer")
        .on::<SessionLoginCompleted, _, _>("latency", move |e| {
            let now = Instant::now();
            if let Some(at) = s.lock().unwrap().get(&e.metadata.id) {
                g.lock().unwrap().push(now - *at);
            }
            std::future::ready(Ok(()))
        });
    let token = CancellationToken::new();
    let handle = tokio::spawn(consumer.consume(token.clone()));
    // Warm up: the consumer has its partitions and reads the first event.
    let (event, metadata) = login(0, 1);
    producer
        .send_event(topic, "user.pii.username", event, &metadata)
        .await
        .expect("warm-up");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (event, metadata) = login(0, 1);
        sent.lock().unwrap().insert(metadata.id, Instant::now());
        producer
            .send_event(topic, "user.pii.username", event, &metadata)
            .await
            .expect("warm-up");
        tokio::time::sleep(Duration::from_millis(100)).await;
        if !got.lock().unwrap().is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "the consumer reads within 60 s");
    }
    got.lock().unwrap().clear();
    let pace = Duration::from_secs(1) / rate;
    send_logins(producer, topic, n, 100, Some(pace), |id| {
        sent.lock().unwrap().insert(id, Instant::now());
    })
    .await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while got.lock().unwrap().len() < n {
        assert!(
            Instant::now() < deadline,
            "every event received within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    token.cancel();
    handle.await.expect("no panic").expect("consumer ok");
    let mut latencies = got.lock().unwrap().clone();
    latencies.sort();
    latencies
}

/// The `p`-th percentile of sorted values.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p / 100.0).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}
