//! A service of your own, as the README's "Use it from your own crate" shows it: an event type of
//! its own, produced to Kafka by configuration (`EVENT_BUS_PRODUCER_CONFIG`), logs through a
//! `tracing` subscriber, and a readable error from `?` in `main`.
//!
//! ```sh
//! eval "$(scripts/services.sh env)"
//! EVENT_BUS_PRODUCER_CONFIG='{"org.example.shop.order.placed.v1": {"shop-orders":
//!     {"event_key_field": "order.order_id", "enabled": true}}}' \
//!     RUST_LOG=info cargo run -p eventbus-runtime --features kafka --example own_service
//! ```

use eventbus_runtime::backend::EventProducer;
use eventbus_runtime::kafka::KafkaProducer;
use eventbus_runtime::prelude::*;
use eventbus_runtime::producer_config::{ConfigSource, ConfiguredProducer, ProducerConfig};
use eventbus_runtime::settings::KafkaSettings;
use std::sync::Arc;

/// An order of the shop.
#[derive(Debug, Clone, PartialEq, EventData)]
pub struct Order {
    /// Its id.
    pub order_id: String,
    /// Its total, in cents.
    pub total_cents: i64,
}

/// An order was placed.
#[derive(Debug, Clone, PartialEq, OpenEdxEvent)]
#[openedx_event(
    event_type = "org.example.shop.order.placed.v1",
    key_field = "order.order_id"
)]
pub struct OrderPlaced {
    /// The order.
    pub order: Order,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The library logs through `tracing` and prints nothing by itself.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    // Which event types go to which topics; every problem is reported at start-up.
    let config = ProducerConfig::load([ConfigSource::env()])?;
    // EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS, EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL, ...
    let producer = Arc::new(KafkaProducer::new(&KafkaSettings::from_env()?)?);
    let producing = ConfiguredProducer::connect(&config, producer.clone())?;
    if producing.is_empty() {
        eprintln!("EVENT_BUS_PRODUCER_CONFIG produces nothing: the event stays in-process");
    }
    let order = Order {
        order_id: "o-1".into(),
        total_cents: 1250,
    };
    // Receivers (the configured producer among them) run now; `into_result` turns their
    // failures into an error.
    OrderPlaced::signal()
        .send_event(OrderPlaced { order })
        .await?
        .into_result()?;
    producer.flush().await?;
    Ok(())
}
