//! The Redis backend on a secured Redis: TLS (`rediss://`, the test CA, a client certificate) and
//! an ACL user, against the real server of `scripts/services.sh` (its TLS port and its
//! `eventbus-acl` user); and each usual mistake, which must fail fast with an error naming the
//! server and the cause, and show the password nowhere: not in the error, not in `Debug`, not in
//! the logs (captured by this binary's global `tracing` subscriber, at DEBUG).
//!
//! Needs `eval "$(scripts/services.sh up)"`: `EVENTBUS_TEST_REDIS_TLS_URL`,
//! `EVENTBUS_TEST_REDIS_ACL_USER` / `_PASSWORD`, `EVENTBUS_TEST_TLS_DIR` and
//! `EVENT_BUS_REDIS_CONNECTION_URL` (the plain port, to look at the streams as `default`).

#[path = "support/captured.rs"]
mod captured;
#[path = "support/collector.rs"]
mod collector;
#[path = "support/logins.rs"]
mod logins;
#[path = "support/secured.rs"]
mod secured;

use captured::{capture_logs, Captured};
use collector::Collector;
use eventbus_runtime::consume::CancellationToken;
use eventbus_runtime::redis::{RedisConsumer, RedisError, RedisProducer, RedisStreams, StartFrom};
use eventbus_runtime::registry;
use eventbus_runtime::settings::{redis_names as rn, RedisSettings, Secret, SettingsError};
use logins::{send_example_logins, LOGIN};
use secured::{env, pki_path as tls_file};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// A password that must never show: the wrong one of the mistakes.
const MARKER: &str = "MARKER-redis-pw-5f1c2e";

/// How long a mistake may take to be reported (the connection timeout is 5 s, with retries).
const FAIL_WITHIN: Duration = Duration::from_secs(20);

/// `rediss://127.0.0.1:PORT/`.
fn tls_url() -> String {
    env("EVENTBUS_TEST_REDIS_TLS_URL")
}

/// `127.0.0.1:PORT` of the TLS port, as errors name it.
fn tls_server() -> String {
    let url = tls_url();
    url.trim_start_matches("rediss://")
        .trim_end_matches('/')
        .to_owned()
}

fn user() -> String {
    env("EVENTBUS_TEST_REDIS_ACL_USER")
}

fn password() -> String {
    env("EVENTBUS_TEST_REDIS_ACL_PASSWORD")
}

/// A file of the TLS directory as a setting's value.
fn tls_setting(name: &str) -> String {
    tls_file(name).display().to_string()
}

/// The settings of a connection to the TLS port as `user` with `password`, trusting the CA of
/// the TLS directory's file `ca` if given (else the system's CAs).
fn as_user(user: String, password: String, ca: Option<&str>) -> Vec<(&'static str, String)> {
    let mut vars = vec![
        (rn::CONNECTION_URL, tls_url()),
        (rn::USERNAME, user),
        (rn::PASSWORD, password),
    ];
    vars.extend(ca.map(|ca| (rn::SSL_CA_LOCATION, tls_setting(ca))));
    vars
}

fn unique(base: &str) -> String {
    format!("{base}-{}", &Uuid::new_v4().simple().to_string()[..8])
}

/// The logs of this process at DEBUG, from the first call on (global: a thread-local subscriber misses
/// events of other threads).
fn logs() -> &'static Captured {
    capture_logs("debug")
}

/// Settings read as an operator gives them: the Django-style names, plus test-friendly polls.
fn settings(vars: &[(&str, String)], prefix: &str) -> Result<RedisSettings, SettingsError> {
    let mut vars: HashMap<&str, String> = vars.iter().cloned().collect();
    vars.insert("EVENT_BUS_TOPIC_PREFIX", prefix.to_owned());
    vars.insert("EVENTS_SERVICE_NAME", "rust-tests".into());
    vars.insert(rn::CONSUMER_POLL_TIMEOUT, "0.3".into());
    vars.insert(rn::CONSUMER_RECEIVER_RETRIES, "0".into());
    RedisSettings::from_lookup(|name| vars.get(name).cloned())
}

/// Produce `n` logins through the bus, consume them back as group `g`, and check the counts:
/// exactly `n` dispatched, `n` processed, none dead-lettered, the stream `n` long, none pending.
async fn round_trip(settings: &RedisSettings, n: usize) {
    openedx_events::link();
    let login = registry::find(LOGIN).unwrap();
    let topic = "secured";
    let producer = RedisProducer::new(settings).await.unwrap();
    let sent = send_example_logins(&producer, topic, n).await;
    assert_eq!(sent.len(), n);

    let collector = Collector::connect([login]);
    for metadata in &sent {
        collector.expect(metadata.id);
    }
    let consumer = RedisConsumer::new(settings, topic, &unique("g"), "c1")
        .await
        .unwrap()
        .start_from(StartFrom::Beginning);
    let token = CancellationToken::new();
    let handle = tokio::spawn(consumer.consume(token.clone()));
    let received = collector.wait_for(n, Duration::from_secs(30)).await;
    token.cancel();
    let summary = tokio::time::timeout(Duration::from_secs(30), handle)
        .await
        .expect("the consumer stops")
        .unwrap()
        .unwrap();
    assert_eq!(received.len(), n);
    assert_eq!(summary.processed as usize, n);
    assert_eq!(summary.dead_lettered, 0);

    // What the CLI's `topics` and `dead-letters` use: the streams, as the same user.
    let streams = RedisStreams::connect(settings).await.unwrap();
    let stream = settings.full_topic(topic);
    let info = streams
        .describe(&stream)
        .await
        .unwrap()
        .expect("the stream");
    assert_eq!(info.length, n as u64);
    assert_eq!(info.groups.len(), 1);
    assert_eq!(info.groups[0].pending, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn produce_and_consume_over_tls_as_the_acl_user() {
    let captured = logs();
    let ca = tls_setting("ca.pem");
    // The user and password as settings of their own.
    let separate = settings(
        &as_user(user(), password(), Some("ca.pem")),
        &unique("tls-acl"),
    )
    .unwrap();
    assert_eq!(
        separate.security_lines(),
        [format!(
            "redis: rediss://{}:***@{}/ TLS, CA {ca} ({} only), no client certificate; user {}, \
             password *** ({} / {})",
            user(),
            tls_server(),
            rn::SSL_CA_LOCATION,
            user(),
            rn::USERNAME,
            rn::PASSWORD
        )]
    );
    round_trip(&separate, 25).await;

    // In the URL, as Python's settings have them; and with a client certificate of the test CA.
    let in_url = tls_url().replace("rediss://", &format!("rediss://{}:{}@", user(), password()));
    let with_certificate = settings(
        &[
            (rn::CONNECTION_URL, in_url),
            (rn::SSL_CA_LOCATION, ca),
            (rn::SSL_CERTIFICATE_LOCATION, tls_setting("client.pem")),
            (rn::SSL_KEY_LOCATION, tls_setting("client.key")),
        ],
        &unique("tls-mtls"),
    )
    .unwrap();
    round_trip(&with_certificate, 7).await;

    let logs = captured.text();
    assert!(!logs.contains(&password()), "the password is in the logs");
    assert!(!format!("{separate:?}{with_certificate:?}").contains(&password()));
}

/// Connect with `vars`; the error, within [`FAIL_WITHIN`], checked for the server, the cause and
/// the absence of the marker password; returns its text.
async fn refused(vars: &[(&str, String)], causes: &[&str]) -> String {
    let captured = logs();
    let settings = settings(vars, &unique("refused")).unwrap();
    let start = Instant::now();
    let error = match RedisProducer::new(&settings).await {
        Ok(_) => panic!("connected with {settings:?}"),
        Err(error) => error,
    };
    let took = start.elapsed();
    let text = error.to_string();
    eprintln!("{took:?}: {text}");
    assert!(took < FAIL_WITHIN, "{took:?}: {text}");
    assert!(matches!(error, RedisError::Connect { .. }), "{text}");
    let server = vars
        .iter()
        .find(|(name, _)| *name == rn::CONNECTION_URL)
        .map(|(_, url)| {
            url.split_once("://")
                .unwrap()
                .1
                .rsplit('@')
                .next()
                .unwrap()
                .trim_end_matches('/')
                .to_owned()
        })
        .unwrap();
    assert!(text.contains(&server), "the server is not named: {text}");
    assert!(
        causes.iter().any(|cause| text.contains(cause)),
        "none of {causes:?} in: {text}"
    );
    for shown in [
        text.clone(),
        format!("{error:?}"),
        format!("{settings:?}"),
        settings.security_lines().concat(),
        captured.text(),
    ] {
        assert!(!shown.contains(MARKER), "the password shows: {shown}");
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_wrongpass() {
    let text = refused(
        &as_user(user(), MARKER.to_owned(), Some("ca.pem")),
        &["WRONGPASS"],
    )
    .await;
    assert!(text.contains(rn::PASSWORD), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_user_is_wrongpass() {
    // Redis does not say whether the user or the password is wrong.
    refused(
        &as_user("no-such-user".into(), MARKER.to_owned(), Some("ca.pem")),
        &["WRONGPASS"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_names_the_tls_cause() {
    // No CA given: the system's CAs do not know the test CA.
    let text = refused(
        &as_user(user(), MARKER.to_owned(), None),
        &["UnknownIssuer"],
    )
    .await;
    assert!(text.contains(rn::SSL_CA_LOCATION), "{text}");
    // Another CA given: the same.
    refused(
        &as_user(user(), MARKER.to_owned(), Some("other-ca.pem")),
        &["UnknownIssuer"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_tcp_to_the_tls_port_says_to_use_rediss() {
    let text = refused(
        &[
            (
                rn::CONNECTION_URL,
                tls_url().replace("rediss://", "redis://"),
            ),
            (rn::USERNAME, user()),
            (rn::PASSWORD, MARKER.into()),
        ],
        &["rediss://"],
    )
    .await;
    assert!(text.contains(rn::CONNECTION_URL), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_certificate_of_another_ca_is_refused() {
    let mut vars = as_user(user(), MARKER.to_owned(), Some("ca.pem"));
    vars.extend([
        (
            rn::SSL_CERTIFICATE_LOCATION,
            tls_setting("other-client.pem"),
        ),
        (rn::SSL_KEY_LOCATION, tls_setting("other-client.key")),
    ]);
    let text = refused(&vars, &["UnknownCA"]).await;
    assert!(text.contains(rn::SSL_CERTIFICATE_LOCATION), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_acl_user_may_not_run_other_commands() {
    // The ACL user is limited to what the bus runs: a plain SET is refused.
    let settings = settings(&as_user(user(), password(), Some("ca.pem")), &unique("acl")).unwrap();
    let info = redis::IntoConnectionInfo::into_connection_info(tls_url().as_str()).unwrap();
    let acl = info
        .redis_settings()
        .clone()
        .set_username(user())
        .set_password(settings.password().map(Secret::expose).unwrap());
    let info = info.set_redis_settings(acl);
    let client = redis::Client::build_with_tls(
        info,
        redis::TlsCertificates {
            client_tls: None,
            root_cert: Some(std::fs::read(tls_file("ca.pem")).unwrap()),
        },
    )
    .unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let error = redis::cmd("SET")
        .arg(unique("k"))
        .arg("v")
        .query_async::<()>(&mut connection)
        .await
        .unwrap_err();
    assert!(
        error.to_string().to_uppercase().contains("NOPERM"),
        "{error}"
    );
}
