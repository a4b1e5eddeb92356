//! The bus on the test broker's secured listeners (`scripts/lib/kafka.sh`): SASL_SSL with PLAIN
//! (the Python settings `EVENT_BUS_KAFKA_API_KEY`/`_SECRET` alone), SASL_SSL with SCRAM-SHA-512
//! and SCRAM-SHA-256, SSL with a client certificate (key in a file, encrypted, or inline PEM),
//! SSL with a certificate for another host name (verification turned off), and OAUTHBEARER with
//! OIDC client credentials. For each: the admin client creates the topic, the producer sends
//! and the consumer receives exactly what was sent, every setting read by
//! `KafkaSettings::from_vars` from the environment variables an operator would set (the
//! librdkafka options too: `EVENT_BUS_KAFKA_OPTION_*`).
//!
//! Then the mistakes: wrong password, unknown user, wrong SASL mechanism, untrusted broker
//! certificate, host name mismatch, expired client certificate. Each fails the send within the
//! produce timeout with an error naming the servers and the cause, without the (marker) secret in
//! the error or the logs, and with a bounded number of log lines.
//!
//! The logs are captured by this binary's global subscriber, and the tests run one at a time
//! (a lock), so that each counts only its own lines.
//!
//! Needs the services (`eval "$(scripts/services.sh up)"`): `EVENTBUS_TEST_TLS_DIR`, the
//! `EVENTBUS_TEST_KAFKA_*` listeners and users, and `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL`.

#[path = "support/captured.rs"]
mod captured;
#[path = "support/kafka.rs"]
mod kafka_support;
#[path = "support/secured.rs"]
mod secured;

use captured::{capture_logs, Captured};
use eventbus_runtime::kafka::{KafkaAdmin, KafkaConsumer, KafkaProducer, TopicSpec};
use eventbus_runtime::settings::{names, KafkaSettings};
use kafka_support::{descriptor, send_example_logins, unique, Collector, Running, LOGIN};
use secured::{env, pki, pki_text};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// A password no test service knows; it must appear in no error and no log line.
const MARKER: &str = "MARKER-s3cret-7f3a9c";
/// The produce timeout of the mistake tests: each must fail within it.
const PRODUCE_TIMEOUT: Duration = Duration::from_secs(6);
/// The most log lines one mistake may write (librdkafka suppresses repeats of one error).
const MAX_LOG_LINES: usize = 12;
/// Events sent and received on each listener.
const EVENTS: usize = 3;

/// The environment of a client of one listener: `EVENT_BUS_KAFKA_*` variables.
#[derive(Clone, Debug)]
struct Client {
    vars: BTreeMap<String, String>,
}

impl Client {
    /// A client of the listener whose servers are in the variable `servers_var`.
    fn of(servers_var: &str) -> Self {
        let mut vars = BTreeMap::new();
        vars.insert(names::BOOTSTRAP_SERVERS.to_owned(), env(servers_var));
        Client { vars }
    }

    /// Set `EVENT_BUS_KAFKA_{name}` to `value`.
    fn set(mut self, name: &str, value: impl Into<String>) -> Self {
        self.vars
            .insert(format!("EVENT_BUS_KAFKA_{name}"), value.into());
        self
    }

    /// Trust the test CA (a PEM file).
    fn test_ca(self) -> Self {
        self.set("SSL_CA_LOCATION", pki("ca.pem"))
    }

    /// The bootstrap servers.
    fn servers(&self) -> &str {
        &self.vars[names::BOOTSTRAP_SERVERS]
    }

    /// The settings these variables make, for topics with `prefix`, with the test's usual
    /// consumer options (from the environment too: `EVENT_BUS_KAFKA_OPTION_*`).
    fn settings(&self, prefix: &str, produce_timeout: Duration) -> KafkaSettings {
        let mut vars = self.vars.clone();
        for (name, value) in [
            (names::SCHEMA_REGISTRY_URL, env(names::SCHEMA_REGISTRY_URL)),
            (names::TOPIC_PREFIX, prefix.to_owned()),
            (names::SERVICE_NAME, "rust-security-tests".to_owned()),
            (
                names::PRODUCE_TIMEOUT,
                produce_timeout.as_secs().to_string(),
            ),
            (names::CONSUMER_POLL_TIMEOUT, "0.2".to_owned()),
            (names::CONSUMER_POLL_FAILURE_SLEEP, "0.2".to_owned()),
            (
                "EVENT_BUS_KAFKA_OPTION_AUTO_OFFSET_RESET",
                "earliest".to_owned(),
            ),
            (
                "EVENT_BUS_KAFKA_OPTION_SESSION_TIMEOUT_MS",
                "6000".to_owned(),
            ),
            ("EVENT_BUS_KAFKA_OPTION_LINGER_MS", "5".to_owned()),
        ] {
            vars.entry(name.to_owned()).or_insert(value);
        }
        KafkaSettings::from_vars(vars)
            .unwrap_or_else(|e| panic!("settings from {:?}: {e}", self.redacted()))
    }

    /// The variables with every secret replaced, for messages.
    fn redacted(&self) -> BTreeMap<&str, &str> {
        self.vars
            .iter()
            .map(|(k, v)| {
                let secret = ["SECRET", "PASSWORD", "_PEM"].iter().any(|s| k.contains(s));
                (k.as_str(), if secret { "***" } else { v.as_str() })
            })
            .collect()
    }
}

/// SASL_SSL + PLAIN as Python sets it: only the API key and secret (and the test CA).
fn sasl_plain(user: &str, password: &str) -> Client {
    Client::of("EVENTBUS_TEST_KAFKA_SASL_PLAIN_SERVERS")
        .set("API_KEY", user)
        .set("API_SECRET", password)
        .test_ca()
}

/// SASL_SSL + SCRAM-SHA-`bits`.
fn scram(bits: u16, user: &str, password: &str) -> Client {
    Client::of("EVENTBUS_TEST_KAFKA_SCRAM_SERVERS")
        .set("SECURITY_PROTOCOL", "SASL_SSL")
        .set("SASL_MECHANISM", format!("SCRAM-SHA-{bits}"))
        .set("API_KEY", user)
        .set("API_SECRET", password)
        .test_ca()
}

/// SSL with the client certificate `name`.pem and its key (the protocol left to its default:
/// SSL, since only TLS files are set).
fn mtls(name: &str) -> Client {
    Client::of("EVENTBUS_TEST_KAFKA_MTLS_SERVERS")
        .test_ca()
        .set("SSL_CERTIFICATE_LOCATION", pki(&format!("{name}.pem")))
        .set("SSL_KEY_LOCATION", pki(&format!("{name}.key")))
}

/// SASL_SSL + OAUTHBEARER with OIDC client credentials.
fn oauth(secret: &str) -> Client {
    Client::of("EVENTBUS_TEST_KAFKA_OAUTH_SERVERS")
        .set("SECURITY_PROTOCOL", "SASL_SSL")
        .set("SASL_MECHANISM", "OAUTHBEARER")
        .set(
            "OAUTH_TOKEN_ENDPOINT_URL",
            env("EVENTBUS_TEST_KAFKA_OAUTH_TOKEN_ENDPOINT_URL"),
        )
        .set(
            "OAUTH_CLIENT_ID",
            env("EVENTBUS_TEST_KAFKA_OAUTH_CLIENT_ID"),
        )
        .set("OAUTH_CLIENT_SECRET", secret)
        .set("OAUTH_SCOPE", "kafka")
        .test_ca()
}

/// The logs of this process (every level down to DEBUG, so that a secret in any line is
/// seen), and the lock that makes the tests run one at a time.
async fn logs() -> (&'static Captured, tokio::sync::MutexGuard<'static, ()>) {
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let captured = capture_logs("info,eventbus_runtime=debug");
    (captured, ONE_AT_A_TIME.lock().await)
}

/// Create the topic, send [`EVENTS`] logins and consume them back, all through `client`'s
/// listener; asserts the exact count received and processed.
async fn round_trip(client: Client, base: &str) {
    let (captured, _one) = logs().await;
    let from = captured.len();
    let prefix = unique(base);
    let settings = client.settings(&prefix, Duration::from_secs(30));
    let topic = "security";
    let full = settings.full_topic(topic);
    KafkaAdmin::new(&settings)
        .expect("admin client")
        .create_topics(&[TopicSpec::new(&full, 1)])
        .await
        .unwrap_or_else(|e| panic!("create {full} on {}: {e}", client.servers()));

    let collector = Collector::connect([descriptor(LOGIN)]);
    let producer = KafkaProducer::new(&settings).expect("producer");
    for metadata in send_example_logins(&producer, topic, EVENTS).await {
        collector.expect(metadata.id);
    }
    let group = unique("security-group");
    let consumer = KafkaConsumer::new(&settings, topic, &group).expect("consumer");
    let running = Running::start(consumer);
    collector.wait_for(EVENTS, Duration::from_secs(60)).await;
    let summary = running.stop().await.expect("the consumer stops cleanly");
    assert_eq!(summary.processed, EVENTS as u64, "{summary:?}");
    assert_eq!(summary.dead_lettered, 0, "{summary:?}");
    assert_eq!(collector.received().len(), EVENTS);
    let logged = captured.since(from);
    for secret in client
        .vars
        .iter()
        .filter(|(k, _)| k.contains("SECRET") || k.contains("PASSWORD"))
        .map(|(_, v)| v)
    {
        assert!(
            !logged.contains(secret.as_str()),
            "a secret is logged:\n{logged}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sasl_plain_with_the_python_api_key_settings() {
    round_trip(
        sasl_plain(
            &env("EVENTBUS_TEST_KAFKA_SASL_USER"),
            &env("EVENTBUS_TEST_KAFKA_SASL_PASSWORD"),
        ),
        "sec-plain",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sasl_plain_second_user() {
    round_trip(
        sasl_plain(
            &env("EVENTBUS_TEST_KAFKA_SASL_USER2"),
            &env("EVENTBUS_TEST_KAFKA_SASL_PASSWORD2"),
        ),
        "sec-plain2",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sasl_scram_sha_512() {
    round_trip(
        scram(
            512,
            &env("EVENTBUS_TEST_KAFKA_SASL_USER"),
            &env("EVENTBUS_TEST_KAFKA_SASL_PASSWORD"),
        ),
        "sec-scram512",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sasl_scram_sha_256() {
    round_trip(
        scram(
            256,
            &env("EVENTBUS_TEST_KAFKA_SASL_USER2"),
            &env("EVENTBUS_TEST_KAFKA_SASL_PASSWORD2"),
        ),
        "sec-scram256",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_with_key_files() {
    round_trip(mtls("client"), "sec-mtls").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_with_an_encrypted_key() {
    let client = mtls("client")
        .set("SSL_KEY_LOCATION", pki("client-encrypted.key"))
        .set(
            "SSL_KEY_PASSWORD",
            pki_text("client-key-password.txt").trim(),
        )
        .set("SECURITY_PROTOCOL", "SSL");
    round_trip(client, "sec-mtls-enc").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_with_inline_pem() {
    let client = Client::of("EVENTBUS_TEST_KAFKA_MTLS_SERVERS")
        .set("SECURITY_PROTOCOL", "SSL")
        .set("SSL_CA_PEM", pki_text("ca.pem"))
        .set("SSL_CERTIFICATE_PEM", pki_text("client.pem"))
        .set("SSL_KEY_PEM", pki_text("client.key"));
    round_trip(client, "sec-mtls-pem").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_name_mismatch_is_accepted_only_with_verification_off() {
    let client = Client::of("EVENTBUS_TEST_KAFKA_WRONG_HOST_SERVERS")
        .set("SECURITY_PROTOCOL", "SSL")
        .test_ca()
        .set("SSL_VERIFY_HOSTNAME", "false");
    round_trip(client, "sec-nohost").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauthbearer_with_oidc_client_credentials() {
    round_trip(
        oauth(&env("EVENTBUS_TEST_KAFKA_OAUTH_CLIENT_SECRET")),
        "sec-oauth",
    )
    .await;
}

/// The whole chain of an error, outermost first.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

/// Send one login through `client`: it must fail within [`PRODUCE_TIMEOUT`] (plus the time to
/// give up a connection), with an error that names the servers and contains every one of
/// `causes` (case-insensitive), and neither the error nor the logs may hold [`MARKER`]; at most
/// [`MAX_LOG_LINES`] lines are logged.
async fn refused(client: Client, causes: &[&str]) {
    let (captured, _one) = logs().await;
    let from = captured.len();
    let settings = client.settings(&unique("sec-refused"), PRODUCE_TIMEOUT);
    let producer = KafkaProducer::new(&settings).expect("a producer is created lazily");
    let start = Instant::now();
    let error = producer
        .send_event(
            "refused",
            "user.pii.username",
            kafka_support::login_for("refused-user"),
            &kafka_support::metadata_for(descriptor(LOGIN)),
        )
        .await
        .expect_err("the broker refuses this client");
    let elapsed = start.elapsed();
    drop(producer);
    let text = chain(&error);
    assert!(
        elapsed <= PRODUCE_TIMEOUT + Duration::from_secs(2),
        "failed after {elapsed:?}, more than the produce timeout {PRODUCE_TIMEOUT:?}: {text}"
    );
    assert!(
        text.contains(client.servers()),
        "the error names the servers {}: {text}",
        client.servers()
    );
    let lower = text.to_lowercase();
    for cause in causes {
        assert!(
            lower.contains(&cause.to_lowercase()),
            "the error says {cause:?}: {text}"
        );
    }
    assert!(!text.contains(MARKER), "the secret is in the error: {text}");
    let logged = captured.since(from);
    assert!(!logged.contains(MARKER), "the secret is logged:\n{logged}");
    let lines = logged.lines().count();
    assert!(
        lines <= MAX_LOG_LINES,
        "{lines} log lines (at most {MAX_LOG_LINES}):\n{logged}"
    );
    assert!(
        !format!("{settings:?}").contains(MARKER),
        "the secret is in the settings' Debug"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_plain_password_is_refused_by_name() {
    refused(
        sasl_plain(&env("EVENTBUS_TEST_KAFKA_SASL_USER"), MARKER),
        &["authentication"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_scram_password_is_refused_by_name() {
    refused(
        scram(512, &env("EVENTBUS_TEST_KAFKA_SASL_USER"), MARKER),
        &["authentication", "SCRAM-SHA-512"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_user_is_refused_by_name() {
    refused(
        sasl_plain("nobody-of-this-broker", MARKER),
        &["authentication"],
    )
    .await;
    refused(
        scram(256, "nobody-of-this-broker", MARKER),
        &["authentication"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_mechanism_is_refused_by_name() {
    // SCRAM on the listener that only offers PLAIN.
    let client = sasl_plain(&env("EVENTBUS_TEST_KAFKA_SASL_USER"), MARKER)
        .set("SECURITY_PROTOCOL", "SASL_SSL")
        .set("SASL_MECHANISM", "SCRAM-SHA-512");
    refused(client, &["unsupported sasl mechanism", "PLAIN"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_broker_certificate_is_refused_by_name() {
    // No CA given: the system's CAs do not know the test CA.
    let client = Client::of("EVENTBUS_TEST_KAFKA_SASL_PLAIN_SERVERS")
        .set("API_KEY", env("EVENTBUS_TEST_KAFKA_SASL_USER"))
        .set("API_SECRET", MARKER);
    refused(client, &["certificate verify failed"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_name_mismatch_is_refused_by_name() {
    // The certificate is signed by the trusted CA, but for wrong-host.invalid only.
    let client = Client::of("EVENTBUS_TEST_KAFKA_WRONG_HOST_SERVERS")
        .set("SECURITY_PROTOCOL", "SSL")
        .test_ca();
    refused(client, &["certificate verify failed"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_client_certificate_is_refused_by_name() {
    refused(mtls("client-expired"), &["certificate"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_oauth_client_secret_is_refused_by_name() {
    refused(oauth(MARKER), &["token"]).await;
}
