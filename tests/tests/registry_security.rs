//! The schema registry over HTTPS with basic auth: the real Apicurio registry behind Debian's
//! nginx (`registry-tls` of `scripts/services.sh`: the test CA's server certificate, basic auth,
//! one port where a client certificate is optional and one where it is required). Schemas
//! registered and fetched, events produced and consumed through Kafka (plaintext) with the HTTPS
//! registry, and the usual mistakes: a wrong password (401), no CA (an untrusted certificate), no
//! client certificate where one is required. No error, `Debug` or log shows the password (a
//! marker, grepped for in all of them; the logs are captured by this binary's global `tracing`
//! subscriber at DEBUG).
//!
//! Needs `eval "$(scripts/services.sh up)"`: `EVENTBUS_TEST_REGISTRY_TLS_URL`, `..._MTLS_URL`,
//! `EVENTBUS_TEST_REGISTRY_USER` / `_PASSWORD`, `EVENTBUS_TEST_TLS_DIR` and
//! `EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS`.

#[path = "support/captured.rs"]
mod captured;
#[path = "support/kafka.rs"]
mod kafka_support;
#[path = "support/secured.rs"]
mod secured;

use captured::{capture_logs, Captured};
use eventbus_runtime::kafka::schema_registry::{RegistryError, SchemaRegistryClient};
use eventbus_runtime::kafka::{KafkaConsumer, KafkaProducer};
use eventbus_runtime::settings::{names, Credentials, KafkaSettings, RegistryTls, Secret};
use kafka_support::*;
use secured::{env, pki as tls_file};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A password that must never show: the wrong one of the mistakes.
const MARKER: &str = "MARKER-registry-pw-8d41a0";

/// How long a mistake may take to be reported.
const FAIL_WITHIN: Duration = Duration::from_secs(15);

fn tls_url() -> String {
    env("EVENTBUS_TEST_REGISTRY_TLS_URL")
}

fn credentials(password: &str) -> Option<Credentials> {
    Some(Credentials {
        key: env("EVENTBUS_TEST_REGISTRY_USER"),
        secret: Secret::new(password),
    })
}

fn good_credentials() -> Option<Credentials> {
    credentials(&env("EVENTBUS_TEST_REGISTRY_PASSWORD"))
}

/// The TLS settings read as an operator gives them.
fn tls(vars: &[(&str, String)]) -> RegistryTls {
    let vars: HashMap<&str, String> = vars.iter().cloned().collect();
    RegistryTls::from_lookup(|name| vars.get(name).cloned()).unwrap()
}

fn trusting_the_test_ca() -> RegistryTls {
    tls(&[(RegistryTls::CA_LOCATION, tls_file("ca.pem"))])
}

/// The logs of this process at DEBUG, from the first call on.
fn logs() -> &'static Captured {
    capture_logs("debug")
}

/// A schema of its own for each test (a record named after `name`).
fn schema(name: &str) -> String {
    format!(
        r#"{{"type": "record", "name": "CloudEvent", "namespace": "org.openedx.test.{name}.v1", "fields": [{{"name": "a", "type": "long"}}]}}"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_and_fetch_over_https_with_basic_auth() {
    let captured = logs();
    let client =
        SchemaRegistryClient::new(&tls_url(), good_credentials(), &trusting_the_test_ca()).unwrap();
    let name = unique("https").replace('-', "_");
    let subject = format!("{name}-value");
    let id = client.register(&subject, &schema(&name)).await.unwrap();
    let fetched = client.schema_by_id(id).await.unwrap();
    assert_eq!(fetched.id, id);
    assert!(fetched.text.contains(&name), "{}", fetched.text);
    assert_eq!(client.versions(&subject).await.unwrap(), [1]);

    // The port that requires a client certificate: with the test client's, the same.
    let mtls = tls(&[
        (RegistryTls::CA_LOCATION, tls_file("ca.pem")),
        (RegistryTls::CERTIFICATE_LOCATION, tls_file("client.pem")),
        (RegistryTls::KEY_LOCATION, tls_file("client.key")),
    ]);
    let lines = mtls.security_lines().join("\n");
    assert!(lines.contains(&tls_file("client.pem")), "{lines}");
    let mtls_url = env("EVENTBUS_TEST_REGISTRY_MTLS_URL");
    let client = SchemaRegistryClient::new(&mtls_url, good_credentials(), &mtls).unwrap();
    assert_eq!(client.versions(&subject).await.unwrap(), [1]);
    let name2 = unique("mtls").replace('-', "_");
    let id2 = client
        .register(&format!("{name2}-value"), &schema(&name2))
        .await
        .unwrap();
    assert_ne!(id2, id);

    // Without a client certificate, that port refuses (nginx: 400, no certificate sent).
    let without =
        SchemaRegistryClient::new(&mtls_url, good_credentials(), &trusting_the_test_ca()).unwrap();
    let error = without.versions(&subject).await.unwrap_err();
    let text = error.to_string();
    assert!(
        matches!(error, RegistryError::UnexpectedResponse { status: 400, .. }),
        "{text}"
    );
    assert!(
        text.contains("No required SSL certificate was sent"),
        "{text}"
    );
    assert!(text.contains(&mtls_url), "{text}");

    let password = env("EVENTBUS_TEST_REGISTRY_PASSWORD");
    assert!(
        !captured.text().contains(&password),
        "the password is logged"
    );
    assert!(!format!("{client:?}").contains(&password));
}

/// The error of `client.register(...)` within [`FAIL_WITHIN`], which names the URL and never the
/// marker password.
async fn refused(client: &SchemaRegistryClient) -> RegistryError {
    let captured = logs();
    let name = unique("refused").replace('-', "_");
    let start = Instant::now();
    let error = client
        .register(&format!("{name}-value"), &schema(&name))
        .await
        .unwrap_err();
    let text = error.to_string();
    eprintln!("{:?}: {text}", start.elapsed());
    assert!(start.elapsed() < FAIL_WITHIN, "{text}");
    assert!(text.contains(&tls_url()), "the URL is not named: {text}");
    for shown in [
        text,
        format!("{error:?}"),
        format!("{client:?}"),
        captured.text(),
    ] {
        assert!(!shown.contains(MARKER), "the password shows: {shown}");
    }
    error
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_401_naming_the_settings() {
    let client =
        SchemaRegistryClient::new(&tls_url(), credentials(MARKER), &trusting_the_test_ca())
            .unwrap();
    let error = refused(&client).await;
    let text = error.to_string();
    assert!(
        matches!(
            error,
            RegistryError::Unauthorized {
                status: 401,
                credentials_sent: true,
                ..
            }
        ),
        "{text}"
    );
    assert!(text.contains("401 Unauthorized"), "{text}");
    assert!(text.contains(names::SCHEMA_REGISTRY_API_KEY), "{text}");
    assert!(!error.is_transient());

    // No credentials at all: 401 too, saying to set them.
    let anonymous = SchemaRegistryClient::new(&tls_url(), None, &trusting_the_test_ca()).unwrap();
    let text = refused(&anonymous).await.to_string();
    assert!(text.contains("wants credentials"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_names_the_tls_cause() {
    // No CA: the system's CAs do not know the test CA.
    let client =
        SchemaRegistryClient::new(&tls_url(), credentials(MARKER), &RegistryTls::default())
            .unwrap();
    let error = refused(&client).await;
    let text = error.to_string();
    assert!(matches!(error, RegistryError::Http { .. }), "{text}");
    assert!(text.contains("UnknownIssuer"), "{text}");
    assert!(text.contains(RegistryTls::CA_LOCATION), "{text}");

    // Another CA: the same.
    let other = tls(&[(RegistryTls::CA_LOCATION, tls_file("other-ca.pem"))]);
    let client = SchemaRegistryClient::new(&tls_url(), credentials(MARKER), &other).unwrap();
    let text = refused(&client).await.to_string();
    assert!(text.contains("UnknownIssuer"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn produce_and_consume_through_kafka_with_the_https_registry() {
    let (servers, _) = service_env();
    let password = env("EVENTBUS_TEST_REGISTRY_PASSWORD");
    let settings = KafkaSettings::builder(servers, tls_url())
        .schema_registry_credentials(env("EVENTBUS_TEST_REGISTRY_USER"), Secret::new(&password))
        .schema_registry_tls(trusting_the_test_ca())
        .topic_prefix(unique("https-registry"))
        .service_name("rust-tests")
        .common(|c| {
            c.poll_timeout = Duration::from_millis(200);
            c.poll_failure_sleep = Duration::from_millis(200);
        })
        .client_option("auto.offset.reset", "earliest")
        .client_option("session.timeout.ms", "6000")
        .client_option("linger.ms", "5")
        .build()
        .unwrap();
    let topic = "secured-registry";
    create_topics(&settings, &[&settings.full_topic(topic)], 1).await;

    // The producer and consumer make their registry clients from the settings.
    let n = 20;
    let producer = KafkaProducer::new(&settings).unwrap();
    let sent = send_example_logins(&producer, topic, n).await;
    assert_eq!(sent.len(), n);

    let collector = Collector::connect([descriptor(LOGIN)]);
    for metadata in &sent {
        collector.expect(metadata.id);
    }
    let consumer = KafkaConsumer::new(&settings, topic, &unique("g")).unwrap();
    let running = Running::start(consumer);
    let received = collector.wait_for(n, Duration::from_secs(60)).await;
    let summary = running.stop().await.unwrap();
    assert_eq!(received.len(), n);
    assert_eq!(summary.processed as usize, n);
    assert_eq!(summary.dead_lettered, 0);
    let mut ids: Vec<_> = received.iter().map(|r| r.metadata.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "every event once");
    assert!(!format!("{settings:?}{:?}", producer.registry()).contains(&password));
    assert!(!logs().text().contains(&password), "the password is logged");
}
