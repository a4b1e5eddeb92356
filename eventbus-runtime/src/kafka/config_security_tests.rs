//! The security settings (`crate::settings::KafkaSecurity`) as they reach librdkafka: read from
//! variables, checked for contradictions, turned into client properties.

use crate::settings::{names, KafkaSettings, SaslMechanism, SecurityProtocol, SettingsError};
use std::collections::HashMap;

fn from(vars: &[(&str, &str)]) -> Result<KafkaSettings, SettingsError> {
    let mut map: HashMap<String, String> = [
        (names::BOOTSTRAP_SERVERS, "127.0.0.1:19094"),
        (names::SCHEMA_REGISTRY_URL, "http://127.0.0.1:18081"),
    ]
    .iter()
    .chain(vars)
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    map.retain(|_, v| !v.is_empty());
    KafkaSettings::from_vars(map)
}

fn property(settings: &KafkaSettings, name: &str) -> Option<String> {
    let config = super::common_config(settings);
    config.get(name).map(str::to_owned)
}

/// A readable file for the `*_LOCATION` settings.
fn pem_file() -> String {
    let path = std::env::temp_dir().join(format!("kafka-security-{}.pem", std::process::id()));
    std::fs::write(&path, "-----BEGIN CERTIFICATE-----\n").unwrap();
    path.display().to_string()
}

#[test]
fn the_api_key_alone_means_sasl_ssl_with_plain_as_in_python() {
    let s = from(&[(names::API_KEY, "key"), (names::API_SECRET, "MARKER-pw")]).unwrap();
    assert_eq!(s.security().protocol(), SecurityProtocol::SaslSsl);
    assert_eq!(
        s.security().sasl().unwrap().mechanism(),
        SaslMechanism::Plain
    );
    assert_eq!(property(&s, "security.protocol").unwrap(), "SASL_SSL");
    assert_eq!(property(&s, "sasl.mechanism").unwrap(), "PLAIN");
    assert_eq!(property(&s, "sasl.username").unwrap(), "key");
    assert_eq!(property(&s, "sasl.password").unwrap(), "MARKER-pw");
    // No CA given: the system's CAs, found by probing.
    assert_eq!(property(&s, "ssl.ca.location").unwrap(), "probe");
    assert_eq!(
        property(&s, "ssl.endpoint.identification.algorithm").unwrap(),
        "https"
    );
    assert_eq!(
        s.describe_security()[0],
        "kafka 127.0.0.1:19094: SASL_SSL, PLAIN as user \"key\" (password ***), TLS with \
         the system's CAs, hostname verified"
    );
}

#[test]
fn scram_over_tls_with_a_ca_and_mutual_tls() {
    let pem = pem_file();
    let s = from(&[
        (names::SASL_MECHANISM, "scram-sha-512"),
        (names::API_KEY, "eventbus"),
        (names::API_SECRET, "MARKER-pw"),
        (names::SSL_CA_LOCATION, &pem),
        (names::SSL_CERTIFICATE_LOCATION, &pem),
        (names::SSL_KEY_LOCATION, &pem),
        (names::SSL_KEY_PASSWORD, "MARKER-kp"),
    ])
    .unwrap();
    assert_eq!(property(&s, "sasl.mechanism").unwrap(), "SCRAM-SHA-512");
    assert_eq!(property(&s, "ssl.ca.location").unwrap(), pem);
    assert_eq!(property(&s, "ssl.certificate.location").unwrap(), pem);
    assert_eq!(property(&s, "ssl.key.location").unwrap(), pem);
    assert_eq!(property(&s, "ssl.key.password").unwrap(), "MARKER-kp");
    let described = s.describe_security().join("\n");
    assert!(!described.contains("MARKER"), "{described}");
    assert!(
        described.contains(&format!(
            "client certificate {pem} (key {pem}, key password ***)"
        )),
        "{described}"
    );
    assert!(!format!("{s:?}").contains("MARKER"));

    // Mutual TLS alone means SSL.
    let s = from(&[
        (names::SSL_CA_PEM, "-----BEGIN CERTIFICATE-----\nMARKER\n"),
        (names::SSL_CERTIFICATE_LOCATION, &pem),
        (names::SSL_KEY_PEM, "-----BEGIN PRIVATE KEY-----\nMARKER\n"),
        (names::SSL_VERIFY_HOSTNAME, "false"),
    ])
    .unwrap();
    assert_eq!(s.security().protocol(), SecurityProtocol::Ssl);
    assert!(property(&s, "ssl.ca.pem").unwrap().contains("MARKER"));
    assert!(property(&s, "ssl.key.pem").unwrap().contains("MARKER"));
    assert_eq!(
        property(&s, "ssl.endpoint.identification.algorithm").unwrap(),
        "none"
    );
    assert_eq!(property(&s, "sasl.mechanism"), None);
    let described = s.describe_security().join("\n");
    assert!(!described.contains("MARKER"), "{described}");
    assert!(described.contains("hostname NOT verified"), "{described}");
    assert!(!format!("{s:?}").contains("MARKER"));
}

#[test]
fn oauthbearer_uses_oidc_client_credentials() {
    let pem = pem_file();
    let s = from(&[
        (
            names::OAUTH_TOKEN_ENDPOINT_URL,
            "https://127.0.0.1:9443/token",
        ),
        (names::OAUTH_CLIENT_ID, "eventbus"),
        (names::OAUTH_CLIENT_SECRET, "MARKER-cs"),
        (names::OAUTH_SCOPE, "kafka"),
        (names::SSL_CA_LOCATION, &pem),
    ])
    .unwrap();
    assert_eq!(s.security().protocol(), SecurityProtocol::SaslSsl);
    assert_eq!(property(&s, "sasl.mechanism").unwrap(), "OAUTHBEARER");
    assert_eq!(property(&s, "sasl.oauthbearer.method").unwrap(), "oidc");
    assert_eq!(
        property(&s, "sasl.oauthbearer.token.endpoint.url").unwrap(),
        "https://127.0.0.1:9443/token"
    );
    assert_eq!(
        property(&s, "sasl.oauthbearer.client.id").unwrap(),
        "eventbus"
    );
    assert_eq!(
        property(&s, "sasl.oauthbearer.client.secret").unwrap(),
        "MARKER-cs"
    );
    assert_eq!(property(&s, "sasl.oauthbearer.scope").unwrap(), "kafka");
    assert_eq!(property(&s, "https.ca.location").unwrap(), pem);
    let described = s.describe_security().join("\n");
    assert!(!described.contains("MARKER"), "{described}");
    assert!(
        described.contains(
            "OAUTHBEARER from https://127.0.0.1:9443/token as client \"eventbus\" (secret ***)"
        ),
        "{described}"
    );
}

#[test]
fn contradictions_are_refused_by_name() {
    let pem = pem_file();
    let cases: Vec<(Vec<(&str, &str)>, SettingsError)> = vec![
        (
            vec![
                (names::SASL_MECHANISM, "SCRAM-SHA-512"),
                (names::API_KEY, "u"),
            ],
            SettingsError::Incomplete {
                set: names::API_KEY,
                missing: names::API_SECRET,
            },
        ),
        (
            vec![
                (names::SECURITY_PROTOCOL, "SASL_PLAINTEXT"),
                (names::SASL_MECHANISM, "SCRAM-SHA-256"),
            ],
            SettingsError::Needs {
                setting: names::SASL_MECHANISM,
                needs: names::API_KEY,
                reason: "SASL_PLAINTEXT with SCRAM-SHA-256 authenticates with a user and \
                         password"
                    .into(),
            },
        ),
        (
            vec![
                (names::SASL_MECHANISM, "OAUTHBEARER"),
                (names::OAUTH_CLIENT_ID, "c"),
                (names::OAUTH_CLIENT_SECRET, "s"),
            ],
            SettingsError::Needs {
                setting: names::SASL_MECHANISM,
                needs: names::OAUTH_TOKEN_ENDPOINT_URL,
                reason: "OAUTHBEARER gets its tokens from an OIDC token endpoint with \
                         client credentials"
                    .into(),
            },
        ),
        (
            vec![(names::SSL_CERTIFICATE_LOCATION, &pem)],
            SettingsError::Needs {
                setting: names::SSL_CERTIFICATE_LOCATION,
                needs: names::SSL_KEY_LOCATION,
                reason: "a client certificate is used with its private key".into(),
            },
        ),
        (
            vec![(names::SSL_KEY_PASSWORD, "p")],
            SettingsError::Needs {
                setting: names::SSL_KEY_PASSWORD,
                needs: names::SSL_KEY_LOCATION,
                reason: "the password decrypts a private key".into(),
            },
        ),
        (
            vec![
                (names::SECURITY_PROTOCOL, "PLAINTEXT"),
                (names::SSL_CA_LOCATION, &pem),
            ],
            SettingsError::Conflict {
                first: names::SSL_CA_LOCATION,
                second: names::SECURITY_PROTOCOL,
                reason: "PLAINTEXT has no TLS; use SSL or SASL_SSL".into(),
            },
        ),
        (
            vec![
                (names::SECURITY_PROTOCOL, "SSL"),
                (names::API_KEY, "u"),
                (names::API_SECRET, "p"),
            ],
            SettingsError::Conflict {
                first: names::API_KEY,
                second: names::SECURITY_PROTOCOL,
                reason: "SSL does not authenticate with SASL; use SASL_SSL".into(),
            },
        ),
        (
            vec![
                (names::SASL_MECHANISM, "OAUTHBEARER"),
                (names::API_KEY, "u"),
                (names::API_SECRET, "p"),
            ],
            SettingsError::Conflict {
                first: names::API_KEY,
                second: names::SASL_MECHANISM,
                reason: format!(
                    "OAUTHBEARER authenticates with {} and {}, not a user and password",
                    names::OAUTH_CLIENT_ID,
                    names::OAUTH_CLIENT_SECRET
                ),
            },
        ),
        (
            vec![
                (names::SSL_CA_LOCATION, &pem),
                (names::SSL_CA_PEM, "-----BEGIN X"),
            ],
            SettingsError::Conflict {
                first: names::SSL_CA_LOCATION,
                second: names::SSL_CA_PEM,
                reason: "give the PEM as a file or as text, not both".into(),
            },
        ),
        (
            vec![
                (names::API_KEY, "u"),
                (names::API_SECRET, "p"),
                ("EVENT_BUS_KAFKA_OPTION_SASL_MECHANISM", "SCRAM-SHA-256"),
            ],
            SettingsError::OptionConflict {
                property: "sasl.mechanism".into(),
            },
        ),
    ];
    for (vars, expected) in cases {
        assert_eq!(from(&vars).unwrap_err(), expected, "{vars:?}");
    }
    let e = from(&[(names::SSL_CA_LOCATION, "/nonexistent/ca.pem")]).unwrap_err();
    assert!(
        e.to_string().starts_with(
            "setting EVENT_BUS_KAFKA_SSL_CA_LOCATION: invalid value \"/nonexistent/ca.pem\": \
             cannot read it"
        ),
        "{e}"
    );
    let e = from(&[(names::SECURITY_PROTOCOL, "TLS")]).unwrap_err();
    assert!(e.to_string().contains(names::SECURITY_PROTOCOL), "{e}");
    let e = from(&[(names::SASL_MECHANISM, "GSSAPI")]).unwrap_err();
    assert!(e.to_string().contains("GSSAPI is not built in"), "{e}");
    // A PEM setting that holds no PEM is refused without being shown.
    let e = from(&[
        (names::SSL_KEY_PEM, "MARKER-not-pem"),
        (names::SSL_CERTIFICATE_LOCATION, &pem),
    ])
    .unwrap_err();
    assert!(!e.to_string().contains("MARKER"), "{e}");
    assert_eq!(
        SettingsError::OptionConflict {
            property: "sasl.mechanism".into()
        }
        .to_string(),
        "librdkafka option sasl.mechanism (EVENT_BUS_KAFKA_OPTION_SASL_MECHANISM) \
         contradicts the value the named Kafka settings give it; keep one of them"
    );
}

#[test]
fn options_come_from_the_environment_and_override_defaults() {
    let s = from(&[
        (names::API_KEY, "u"),
        (names::API_SECRET, "p"),
        ("EVENT_BUS_KAFKA_OPTION_SSL_CA_LOCATION", "/etc/ssl/certs"),
        ("EVENT_BUS_KAFKA_OPTION_SESSION_TIMEOUT_MS", "10000"),
        // The same value as the named setting's is no contradiction.
        ("EVENT_BUS_KAFKA_OPTION_SASL_MECHANISM", "PLAIN"),
        (
            "EVENT_BUS_KAFKA_OPTION_SASL_OAUTHBEARER_CLIENT_SECRET",
            "MARKER-x",
        ),
    ])
    .unwrap();
    let consumer = super::consumer_config(&s, "g");
    assert_eq!(consumer.get("ssl.ca.location"), Some("/etc/ssl/certs"));
    assert_eq!(consumer.get("session.timeout.ms"), Some("10000"));
    let described = s.describe_security().join("\n");
    assert!(described.contains("kafka options: sasl.mechanism=PLAIN, sasl.oauthbearer.client.secret=***, session.timeout.ms=10000, ssl.ca.location=/etc/ssl/certs"), "{described}");
    assert!(!format!("{s:?}").contains("MARKER"));
}
