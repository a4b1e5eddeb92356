//! librdkafka configuration built from [`KafkaSettings`], as `edx-event-bus-kafka`'s
//! `load_common_settings` does, with this port's stronger producer defaults.

use crate::settings::KafkaSettings;
use rdkafka::ClientConfig;

/// The settings every client shares: bootstrap servers, the security settings (protocol, SASL,
/// TLS: see [`crate::settings::KafkaSecurity`]), `client.id` = the service name. The extra
/// options of the settings are applied last, by each client's configuration.
pub(crate) fn common_config(settings: &KafkaSettings) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", settings.bootstrap_servers());
    let security = settings.security();
    for (property, value) in security
        .properties()
        .into_iter()
        .chain(security.default_properties())
    {
        config.set(property, value);
    }
    if let Some(service) = settings.service_name() {
        config.set("client.id", service);
    }
    config
}

fn with_overrides(mut config: ClientConfig, settings: &KafkaSettings) -> ClientConfig {
    for (key, value) in settings.client_options().iter() {
        config.set(key, value);
    }
    config
}

/// The producer configuration: the common settings plus `acks=all`, `enable.idempotence=true`
/// (Python leaves librdkafka's defaults), `message.timeout.ms` = the produce timeout (Python
/// leaves librdkafka's 300 s) and `linger.ms=0`: librdkafka's default, 5, adds 5 ms to every
/// event's latency at the rates of an event bus, and even 1 ms makes the median latency from send
/// to receiver 1.5 ms instead of 0.4 ms (`kafka_throughput` bench); under load, batches still
/// form while requests are in flight, and the bench's produce rate is the same. Client options
/// override any of these.
pub fn producer_config(settings: &KafkaSettings) -> ClientConfig {
    let mut config = common_config(settings);
    config
        .set("acks", "all")
        .set("enable.idempotence", "true")
        .set("linger.ms", "0")
        .set("message.timeout.ms", millis(settings.produce_timeout()))
        .set(
            "statistics.interval.ms",
            super::telemetry::STATISTICS_INTERVAL_MS,
        );
    with_overrides(config, settings)
}

/// A duration as librdkafka's milliseconds: at least 1 (0 would mean forever).
fn millis(duration: std::time::Duration) -> String {
    duration.as_millis().clamp(1, i32::MAX as u128).to_string()
}

/// The consumer configuration: the common settings plus the group and how the consumer takes
/// part in it ([`crate::settings::GroupMembership`]: cooperative-sticky by default), and manual
/// offset storing (an offset is stored after the message's receivers ran). Stored
/// offsets are committed by the consumer after every message, or, with a commit interval, by
/// librdkafka every interval (and on rebalance and close).
pub(crate) fn consumer_config(settings: &KafkaSettings, group_id: &str) -> ClientConfig {
    let mut config = common_config(settings);
    let interval = settings.consumer_commit_interval();
    config
        .set("group.id", group_id)
        .set("enable.auto.offset.store", "false")
        .set("enable.partition.eof", "false")
        .set(
            "statistics.interval.ms",
            super::telemetry::STATISTICS_INTERVAL_MS,
        );
    for (property, value) in settings.group().properties() {
        config.set(property, value);
    }
    // A static member given as a librdkafka option gets a static member's default session too.
    if settings.group().protocol == crate::settings::GroupProtocol::Classic
        && settings.client_options().get("group.instance.id").is_some()
    {
        let session = settings.group().classic_session(true);
        config.set("session.timeout.ms", session.as_millis().to_string());
    }
    if interval.is_zero() {
        config.set("enable.auto.commit", "false");
    } else {
        config
            .set("enable.auto.commit", "true")
            .set("auto.commit.interval.ms", millis(interval));
    }
    with_overrides(config, settings)
}

/// The configuration of a reader that is not a group member ([`super::reader::TopicReader`]):
/// the common settings, nothing committed or stored, end-of-partition events on. librdkafka
/// needs a `group.id` even to assign partitions: a fresh one that is never joined (no
/// `subscribe`) nor committed to, so no group on the brokers sees the reader.
pub(crate) fn reader_config(settings: &KafkaSettings) -> ClientConfig {
    let mut config = common_config(settings);
    config
        .set("enable.auto.offset.store", "false")
        .set("enable.partition.eof", "true");
    let mut config = with_overrides(config, settings);
    // Whatever the options say: a reader never commits for a group.
    config
        .set(
            "group.id",
            format!("eventbus-reader-{}", uuid::Uuid::new_v4().simple()),
        )
        .set("enable.auto.commit", "false");
    config
}

/// The admin client configuration: the common settings.
pub(crate) fn admin_config(settings: &KafkaSettings) -> ClientConfig {
    with_overrides(common_config(settings), settings)
}

#[cfg(test)]
#[path = "config_security_tests.rs"]
mod security_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Secret;

    #[test]
    fn configs_follow_the_settings() {
        let settings = KafkaSettings::builder("k:9092", "http://r")
            .service_name("cms")
            .kafka_credentials("key", Secret::new("secret"))
            .client_option("acks", "1")
            .build()
            .unwrap();
        let producer = producer_config(&settings);
        assert_eq!(producer.get("bootstrap.servers"), Some("k:9092"));
        assert_eq!(producer.get("client.id"), Some("cms"));
        assert_eq!(producer.get("security.protocol"), Some("SASL_SSL"));
        assert_eq!(producer.get("sasl.mechanism"), Some("PLAIN"));
        assert_eq!(producer.get("sasl.username"), Some("key"));
        assert_eq!(producer.get("enable.idempotence"), Some("true"));
        assert_eq!(producer.get("message.timeout.ms"), Some("30000"));
        // Explicit options win.
        assert_eq!(producer.get("acks"), Some("1"));
        let consumer = consumer_config(&settings, "g");
        assert_eq!(consumer.get("group.id"), Some("g"));
        assert_eq!(consumer.get("enable.auto.commit"), Some("false"));
        assert_eq!(consumer.get("group.protocol"), Some("classic"));
        assert_eq!(
            consumer.get("partition.assignment.strategy"),
            Some("cooperative-sticky")
        );
        assert_eq!(producer.get("partition.assignment.strategy"), None);
        let plain = KafkaSettings::builder("k:9092", "http://r")
            .build()
            .unwrap();
        assert_eq!(
            common_config(&plain).get("security.protocol"),
            Some("PLAINTEXT")
        );
        assert_eq!(common_config(&plain).get("ssl.ca.location"), None);
        let interval = KafkaSettings::builder("k:9092", "http://r")
            .consumer_commit_interval(std::time::Duration::from_millis(1500))
            .build()
            .unwrap();
        let consumer = consumer_config(&interval, "g");
        assert_eq!(consumer.get("enable.auto.commit"), Some("true"));
        assert_eq!(consumer.get("auto.commit.interval.ms"), Some("1500"));
        assert_eq!(consumer.get("enable.auto.offset.store"), Some("false"));
        let quick = KafkaSettings::builder("k:9092", "http://r")
            .produce_timeout(std::time::Duration::from_millis(2500))
            .build()
            .unwrap();
        assert_eq!(
            producer_config(&quick).get("message.timeout.ms"),
            Some("2500")
        );
        assert_eq!(consumer_config(&quick, "g").get("message.timeout.ms"), None);
    }
}
