//! The `eventbus` command on the test broker's secured listeners (`scripts/lib/kafka.sh`), with
//! the security settings in the environment (`EVENT_BUS_KAFKA_*`) or in the worker file's
//! `[kafka]` table: `topics create`, `topics list`, `produce` and `consume` on each listener,
//! exact counts; `worker` on each listener; and `consume --metrics` with a wrong password: its
//! `/readyz` stays not ready and says why, without the password.
//!
//! Needs the services (`eval "$(scripts/services.sh up)"`): `EVENTBUS_TEST_TLS_DIR`, the
//! `EVENTBUS_TEST_KAFKA_*` listeners and users, and `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL`.

mod support;

use eventbus_runtime::settings::names;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use support::{env, get, stdout_lines, terminate, wait};

/// A password no test service knows; it must appear nowhere in what the command prints.
const MARKER: &str = "MARKER-s3cret-cli-41d2";
/// A time before every test topic: a new group given it reads its topic from the start.
const BEGINNING: &str = "2000-01-01T00:00:00Z";
/// Events produced and consumed on each listener.
const EVENTS: usize = 3;

/// A file of the test PKI.
fn pki(file: &str) -> String {
    format!("{}/{file}", env("EVENTBUS_TEST_TLS_DIR"))
}

/// One secured listener: its servers and the settings of a client, as `(name, value)` pairs
/// of `EVENT_BUS_KAFKA_{name}`.
struct Listener {
    name: &'static str,
    servers: String,
    settings: Vec<(&'static str, String)>,
}

/// Every listener, with a client that it accepts.
fn listeners() -> Vec<Listener> {
    let user = env("EVENTBUS_TEST_KAFKA_SASL_USER");
    let password = env("EVENTBUS_TEST_KAFKA_SASL_PASSWORD");
    vec![
        Listener {
            name: "sasl-plain",
            servers: env("EVENTBUS_TEST_KAFKA_SASL_PLAIN_SERVERS"),
            settings: vec![
                ("API_KEY", user.clone()),
                ("API_SECRET", password.clone()),
                ("SSL_CA_LOCATION", pki("ca.pem")),
            ],
        },
        Listener {
            name: "scram",
            servers: env("EVENTBUS_TEST_KAFKA_SCRAM_SERVERS"),
            settings: vec![
                ("SECURITY_PROTOCOL", "SASL_SSL".into()),
                ("SASL_MECHANISM", "SCRAM-SHA-512".into()),
                ("API_KEY", user),
                ("API_SECRET", password),
                ("SSL_CA_LOCATION", pki("ca.pem")),
            ],
        },
        Listener {
            name: "mtls",
            servers: env("EVENTBUS_TEST_KAFKA_MTLS_SERVERS"),
            settings: vec![
                ("SECURITY_PROTOCOL", "SSL".into()),
                ("SSL_CA_LOCATION", pki("ca.pem")),
                ("SSL_CERTIFICATE_LOCATION", pki("client.pem")),
                ("SSL_KEY_LOCATION", pki("client.key")),
            ],
        },
        Listener {
            name: "wrong-host",
            servers: env("EVENTBUS_TEST_KAFKA_WRONG_HOST_SERVERS"),
            settings: vec![
                ("SECURITY_PROTOCOL", "SSL".into()),
                ("SSL_CA_LOCATION", pki("ca.pem")),
                ("SSL_VERIFY_HOSTNAME", "false".into()),
            ],
        },
        Listener {
            name: "oauth",
            servers: env("EVENTBUS_TEST_KAFKA_OAUTH_SERVERS"),
            settings: vec![
                ("SECURITY_PROTOCOL", "SASL_SSL".into()),
                ("SASL_MECHANISM", "OAUTHBEARER".into()),
                (
                    "OAUTH_TOKEN_ENDPOINT_URL",
                    env("EVENTBUS_TEST_KAFKA_OAUTH_TOKEN_ENDPOINT_URL"),
                ),
                (
                    "OAUTH_CLIENT_ID",
                    env("EVENTBUS_TEST_KAFKA_OAUTH_CLIENT_ID"),
                ),
                (
                    "OAUTH_CLIENT_SECRET",
                    env("EVENTBUS_TEST_KAFKA_OAUTH_CLIENT_SECRET"),
                ),
                ("SSL_CA_LOCATION", pki("ca.pem")),
            ],
        },
    ]
}

/// The command on the test registry, with none of the caller's bus settings.
fn eventbus() -> Command {
    let mut command = support::eventbus_std();
    command
        .env(names::SCHEMA_REGISTRY_URL, env(names::SCHEMA_REGISTRY_URL))
        .env(names::SERVICE_NAME, "eventbus-security-test")
        .env("EVENT_BUS_KAFKA_PRODUCE_TIMEOUT", "20");
    for (name, _) in std::env::vars() {
        if name.starts_with("EVENT_BUS_KAFKA_OPTION_") {
            command.env_remove(name);
        }
    }
    command
}

/// The command with `listener`'s servers and client settings in the environment.
fn eventbus_on(listener: &Listener) -> Command {
    let mut command = eventbus();
    command.env(names::BOOTSTRAP_SERVERS, &listener.servers);
    for (name, value) in &listener.settings {
        command.env(format!("EVENT_BUS_KAFKA_{name}"), value);
    }
    command
}

/// Run `command` to its end within 120 s; its exit code, stdout and stderr.
fn run(command: &mut Command) -> (i32, String, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (stdout, stdout_reader) = read_all(child.stdout.take().unwrap());
    let (stderr, stderr_reader) = read_all(child.stderr.take().unwrap());
    let code = wait(&mut child, Duration::from_secs(120));
    stdout_reader.join().unwrap();
    stderr_reader.join().unwrap();
    (code, stdout.recv().unwrap(), stderr.recv().unwrap())
}

/// Everything `pipe` gives, read by a thread of its own.
fn read_all(
    mut pipe: impl std::io::Read + Send + 'static,
) -> (mpsc::Receiver<String>, std::thread::JoinHandle<()>) {
    let (sender, receiver) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        let _ = sender.send(text);
    });
    (receiver, reader)
}

/// A unique name.
fn unique(base: &str) -> String {
    format!("{base}-{}", &uuid::Uuid::new_v4().simple().to_string()[..8])
}

/// `eventbus produce` of the XBlock event to `topic` through `listener`; asserts success.
fn produce(listener: &Listener, topic: &str) {
    let (code, _, stderr) = run(eventbus_on(listener)
        .args(["produce", "--event-type", support::XBLOCK_PUBLISHED])
        .args(["--topic", topic, "--data", support::XBLOCK_DATA]));
    assert_eq!(code, 0, "produce on {}: {stderr}", listener.name);
}

#[test]
fn topics_produce_and_consume_on_every_listener() {
    for listener in listeners() {
        let topic = unique(&format!("cli-{}", listener.name));
        let (code, stdout, stderr) = run(eventbus_on(&listener).args(["topics", "create", &topic]));
        assert_eq!(
            code, 0,
            "topics create on {}: {stdout}{stderr}",
            listener.name
        );
        let (code, stdout, stderr) = run(eventbus_on(&listener).args(["topics", "list"]));
        assert_eq!(code, 0, "topics list on {}: {stderr}", listener.name);
        assert!(
            stdout.lines().any(|l| l.contains(&topic)),
            "{topic} listed on {}: {stdout}",
            listener.name
        );
        for _ in 0..EVENTS {
            produce(&listener, &topic);
        }
        let (code, stdout, stderr) = run(eventbus_on(&listener)
            .args(["consume", "-t", &topic, "-g", &unique("cli-group")])
            .args(["--offset-time", BEGINNING])
            .args(["--max-messages", &EVENTS.to_string()]));
        assert_eq!(code, 0, "consume on {}: {stderr}", listener.name);
        let printed = stdout
            .lines()
            .filter(|l| l.contains(support::XBLOCK_PUBLISHED))
            .count();
        assert_eq!(printed, EVENTS, "consume on {}: {stdout}", listener.name);
    }
}

/// The worker file's `[kafka]` table for `listener`: its servers and settings in lower case.
fn kafka_table(listener: &Listener) -> String {
    let mut table = format!(
        "[kafka]\nbootstrap_servers = {:?}\nschema_registry_url = {:?}\n",
        listener.servers,
        env(names::SCHEMA_REGISTRY_URL)
    );
    for (name, value) in &listener.settings {
        table.push_str(&format!("{} = {value:?}\n", name.to_lowercase()));
    }
    table.push_str("[kafka.options]\n\"session.timeout.ms\" = \"6000\"\n");
    table
}

/// The first `n` lines `child` prints, within 60 s.
fn first_lines(child: &mut Child, n: usize, log: impl Fn() -> String) -> Vec<String> {
    let (lines, _reader) = stdout_lines(child);
    let mut printed = Vec::new();
    while printed.len() < n {
        match lines.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => printed.push(line),
            Err(e) => panic!(
                "{} of {n} lines printed: {e}; log: {}",
                printed.len(),
                log()
            ),
        }
    }
    printed
}

#[test]
fn the_worker_consumes_on_every_listener_with_the_file_s_kafka_table() {
    for listener in listeners() {
        let id = unique(&format!("worker-{}", listener.name));
        let topic = format!("{id}-topic");
        let (code, _, stderr) = run(eventbus_on(&listener).args(["topics", "create", &topic]));
        assert_eq!(code, 0, "{stderr}");
        let dir = std::env::temp_dir().join(&id);
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("worker.toml");
        std::fs::write(
            &config,
            format!(
                "{}\n[[consumers]]\ntransport = \"kafka\"\ntopic = \"{topic}\"\n\
                 group = \"g-{id}\"\noffset_time = \"{BEGINNING}\"\n",
                kafka_table(&listener)
            ),
        )
        .unwrap();
        let stderr = std::fs::File::create(dir.join("stderr")).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // Only the file has the Kafka settings.
        let mut child = eventbus()
            .env_remove(names::BOOTSTRAP_SERVERS)
            .env_remove(names::SCHEMA_REGISTRY_URL)
            .args(["worker", "--config"])
            .arg(&config)
            .arg("--metrics")
            .arg(format!("127.0.0.1:{port}"))
            .env("EVENTBUS_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        for _ in 0..EVENTS {
            produce(&listener, &topic);
        }
        let log = || std::fs::read_to_string(dir.join("stderr")).unwrap_or_default();
        let printed = first_lines(&mut child, EVENTS, log);
        assert!(
            printed
                .iter()
                .all(|l| l.contains(support::XBLOCK_PUBLISHED)),
            "{printed:?}"
        );
        let (status, metrics) = get(&format!("http://127.0.0.1:{port}/metrics"))
            .expect("/metrics answers while the worker runs");
        let code = terminate(&mut child);
        let log = log();
        assert_eq!(code, 0, "worker on {}: {log}", listener.name);
        // The secrets of the listener (passwords, client secrets) are in no log line and no
        // metric, while the metrics count the events.
        assert_eq!(status, 200, "{metrics}");
        assert!(
            metrics.contains(&format!("topic=\"{topic}\"")),
            "the worker's metrics name its topic: {metrics}"
        );
        for (name, secret) in &listener.settings {
            if name.contains("SECRET") || name.contains("PASSWORD") {
                assert!(!log.contains(secret.as_str()), "{name} is logged: {log}");
                assert!(!metrics.contains(secret.as_str()), "{name} is in /metrics");
            }
        }
        let summary = format!("kafka:{topic}/g-{id}: {EVENTS} event(s) processed, 0 dead-lettered");
        assert!(log.contains(&summary), "{summary}: {log}");
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn with_a_wrong_password_readyz_stays_not_ready_and_says_why() {
    let listeners = listeners();
    let good = &listeners[0];
    let topic = unique("readyz-wrong-password");
    let (code, _, stderr) = run(eventbus_on(good).args(["topics", "create", &topic]));
    assert_eq!(code, 0, "{stderr}");
    let wrong = Listener {
        name: "sasl-plain, wrong password",
        servers: good.servers.clone(),
        settings: vec![
            ("API_KEY", env("EVENTBUS_TEST_KAFKA_SASL_USER")),
            ("API_SECRET", MARKER.to_owned()),
            ("SSL_CA_LOCATION", pki("ca.pem")),
        ],
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = std::env::temp_dir().join(unique("readyz"));
    std::fs::create_dir_all(&dir).unwrap();
    let stderr = std::fs::File::create(dir.join("stderr")).unwrap();
    let mut child = eventbus_on(&wrong)
        .args(["consume", "-t", &topic, "-g", &unique("readyz-group")])
        .args(["--offset-time", BEGINNING])
        .arg("--metrics")
        .arg(format!("127.0.0.1:{port}"))
        .env("EVENTBUS_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let readyz = format!("http://127.0.0.1:{port}/readyz");
    // Asked 30 times over about 15 s: never ready; once the first connection failed, the
    // answer says why (the servers and the authentication failure).
    let mut answers = Vec::new();
    for _ in 0..30 {
        std::thread::sleep(Duration::from_millis(500));
        if let Some(answer) = get(&readyz) {
            answers.push(answer);
        }
    }
    let still_running = child.try_wait().unwrap().is_none();
    let code = if still_running {
        terminate(&mut child)
    } else {
        wait(&mut child, Duration::from_secs(1))
    };
    let log = std::fs::read_to_string(dir.join("stderr")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        answers.len() >= 20,
        "/readyz answered {} times of 30 (exit {code}): {log}",
        answers.len()
    );
    for (status, body) in &answers {
        assert_eq!(*status, 503, "{body}");
        assert!(body.starts_with("not ready"), "{body}");
        assert!(!body.contains(MARKER), "the password is in /readyz: {body}");
    }
    let (_, last) = answers.last().unwrap();
    assert!(
        last.contains(&good.servers),
        "/readyz names the servers: {last}"
    );
    assert!(
        last.to_lowercase().contains("authentication"),
        "/readyz says the authentication failed: {last}"
    );
    assert!(!log.contains(MARKER), "the password is logged: {log}");
    let lines = log.lines().count();
    assert!(lines <= 40, "{lines} log lines in 15 s: {log}");
}
