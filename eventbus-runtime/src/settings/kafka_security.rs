//! The security of the Kafka connections: the protocol, SASL (PLAIN, SCRAM, OAUTHBEARER with
//! OIDC client credentials) and TLS (a CA, a client certificate for mutual TLS, hostname
//! verification), read from `EVENT_BUS_KAFKA_*` variables or set with the builder, checked for
//! contradictions, and turned into librdkafka properties.
//!
//! Python's settings keep their meaning: `EVENT_BUS_KAFKA_API_KEY` and `_SECRET` alone mean
//! SASL_SSL with PLAIN, as edx-event-bus-kafka hard-codes.

use super::{names, parse_bool, Credentials, Secret, SettingsError};
use std::fmt;
use std::path::PathBuf;

/// How the clients talk to the brokers (librdkafka's `security.protocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityProtocol {
    /// No TLS, no authentication.
    Plaintext,
    /// TLS, authenticated by a client certificate if one is given.
    Ssl,
    /// SASL authentication without TLS.
    SaslPlaintext,
    /// SASL authentication over TLS.
    SaslSsl,
}

impl SecurityProtocol {
    /// librdkafka's name: `PLAINTEXT`, `SSL`, `SASL_PLAINTEXT` or `SASL_SSL`.
    pub fn as_str(self) -> &'static str {
        match self {
            SecurityProtocol::Plaintext => "PLAINTEXT",
            SecurityProtocol::Ssl => "SSL",
            SecurityProtocol::SaslPlaintext => "SASL_PLAINTEXT",
            SecurityProtocol::SaslSsl => "SASL_SSL",
        }
    }

    /// Whether the connections use TLS.
    pub fn tls(self) -> bool {
        matches!(self, SecurityProtocol::Ssl | SecurityProtocol::SaslSsl)
    }

    /// Whether the clients authenticate with SASL.
    pub fn sasl(self) -> bool {
        matches!(
            self,
            SecurityProtocol::SaslPlaintext | SecurityProtocol::SaslSsl
        )
    }

    fn parse(value: &str) -> Result<Self, SettingsError> {
        match value.trim().to_ascii_uppercase().as_str() {
            "PLAINTEXT" => Ok(SecurityProtocol::Plaintext),
            "SSL" => Ok(SecurityProtocol::Ssl),
            "SASL_PLAINTEXT" => Ok(SecurityProtocol::SaslPlaintext),
            "SASL_SSL" => Ok(SecurityProtocol::SaslSsl),
            _ => Err(SettingsError::Invalid {
                setting: names::SECURITY_PROTOCOL,
                value: value.to_owned(),
                reason: "expected PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL".into(),
            }),
        }
    }
}

impl fmt::Display for SecurityProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The SASL mechanism (librdkafka's `sasl.mechanism`). GSSAPI (Kerberos) is not built in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaslMechanism {
    /// A user name and password in clear (over TLS): Confluent Cloud's API keys.
    Plain,
    /// Salted challenge-response with SHA-256.
    ScramSha256,
    /// Salted challenge-response with SHA-512 (Amazon MSK, Aiven, Strimzi).
    ScramSha512,
    /// OAuth 2 bearer tokens, fetched from an OIDC token endpoint with client credentials.
    OAuthBearer,
}

impl SaslMechanism {
    /// librdkafka's name: `PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512` or `OAUTHBEARER`.
    pub fn as_str(self) -> &'static str {
        match self {
            SaslMechanism::Plain => "PLAIN",
            SaslMechanism::ScramSha256 => "SCRAM-SHA-256",
            SaslMechanism::ScramSha512 => "SCRAM-SHA-512",
            SaslMechanism::OAuthBearer => "OAUTHBEARER",
        }
    }

    fn parse(value: &str) -> Result<Self, SettingsError> {
        match value.trim().to_ascii_uppercase().replace('_', "-").as_str() {
            "PLAIN" => Ok(SaslMechanism::Plain),
            "SCRAM-SHA-256" => Ok(SaslMechanism::ScramSha256),
            "SCRAM-SHA-512" => Ok(SaslMechanism::ScramSha512),
            "OAUTHBEARER" => Ok(SaslMechanism::OAuthBearer),
            _ => Err(SettingsError::Invalid {
                setting: names::SASL_MECHANISM,
                value: value.to_owned(),
                reason: "expected PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER (GSSAPI is \
                         not built in)"
                    .into(),
            }),
        }
    }
}

impl fmt::Display for SaslMechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// OIDC client credentials for OAUTHBEARER (librdkafka's `sasl.oauthbearer.method=oidc`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcClient {
    /// The token endpoint, `http://` or `https://`.
    pub token_endpoint_url: String,
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: Secret,
    /// The scope asked for, if any.
    pub scope: Option<String>,
}

/// How the clients authenticate with SASL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaslAuth {
    /// PLAIN or SCRAM with a user name and password.
    Password {
        /// PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.
        mechanism: SaslMechanism,
        /// The user and password (`EVENT_BUS_KAFKA_API_KEY` / `_SECRET`).
        credentials: Credentials,
    },
    /// OAUTHBEARER with tokens from an OIDC token endpoint.
    Oidc(OidcClient),
}

impl SaslAuth {
    /// The mechanism.
    pub fn mechanism(&self) -> SaslMechanism {
        match self {
            SaslAuth::Password { mechanism, .. } => *mechanism,
            SaslAuth::Oidc(_) => SaslMechanism::OAuthBearer,
        }
    }
}

/// A PEM file, or PEM text given in the setting itself. Text is held as a [`Secret`] (a private
/// key is one), and never shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pem {
    /// A file holding PEM.
    Location(PathBuf),
    /// The PEM text.
    Text(Secret),
}

impl fmt::Display for Pem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pem::Location(path) => write!(f, "{}", path.display()),
            Pem::Text(_) => f.write_str("(PEM text)"),
        }
    }
}

/// The TLS settings of the Kafka connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// The CA the brokers' certificates must chain to; `None`: the system's CA store.
    pub ca: Option<Pem>,
    /// The client certificate, for mutual TLS.
    pub certificate: Option<Pem>,
    /// The client certificate's private key.
    pub key: Option<Pem>,
    /// The private key's password, if it is encrypted.
    pub key_password: Option<Secret>,
    /// Whether a broker's certificate must name the host connected to (default: yes).
    pub verify_hostname: bool,
}

impl Default for TlsSettings {
    fn default() -> Self {
        TlsSettings {
            ca: None,
            certificate: None,
            key: None,
            key_password: None,
            verify_hostname: true,
        }
    }
}

/// The checked security of the Kafka connections: see [`super::KafkaSettings::security`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaSecurity {
    protocol: SecurityProtocol,
    sasl: Option<SaslAuth>,
    tls: TlsSettings,
}

impl Default for KafkaSecurity {
    fn default() -> Self {
        KafkaSecurity {
            protocol: SecurityProtocol::Plaintext,
            sasl: None,
            tls: TlsSettings::default(),
        }
    }
}

impl KafkaSecurity {
    /// The protocol.
    pub fn protocol(&self) -> SecurityProtocol {
        self.protocol
    }

    /// The SASL authentication, with a SASL protocol.
    pub fn sasl(&self) -> Option<&SaslAuth> {
        self.sasl.as_ref()
    }

    /// The TLS settings (used with a TLS protocol).
    pub fn tls(&self) -> &TlsSettings {
        &self.tls
    }

    /// The librdkafka properties these settings set, secrets included: what an operator chose.
    pub(crate) fn properties(&self) -> Vec<(&'static str, String)> {
        let mut properties = vec![("security.protocol", self.protocol.as_str().to_owned())];
        match &self.sasl {
            Some(SaslAuth::Password {
                mechanism,
                credentials,
            }) => properties.extend([
                ("sasl.mechanism", mechanism.as_str().to_owned()),
                ("sasl.username", credentials.key.clone()),
                ("sasl.password", credentials.secret.expose().to_owned()),
            ]),
            Some(SaslAuth::Oidc(client)) => {
                properties.extend([
                    (
                        "sasl.mechanism",
                        SaslMechanism::OAuthBearer.as_str().to_owned(),
                    ),
                    ("sasl.oauthbearer.method", "oidc".to_owned()),
                    (
                        "sasl.oauthbearer.token.endpoint.url",
                        client.token_endpoint_url.clone(),
                    ),
                    ("sasl.oauthbearer.client.id", client.client_id.clone()),
                    (
                        "sasl.oauthbearer.client.secret",
                        client.client_secret.expose().to_owned(),
                    ),
                ]);
                if let Some(scope) = &client.scope {
                    properties.push(("sasl.oauthbearer.scope", scope.clone()));
                }
                // The token endpoint is trusted with the brokers' CA when one is given.
                if client.token_endpoint_url.starts_with("https://") {
                    match &self.tls.ca {
                        Some(Pem::Location(path)) => properties
                            .push(("https.ca.location", path.to_string_lossy().into_owned())),
                        Some(Pem::Text(pem)) => {
                            properties.push(("https.ca.pem", pem.expose().to_owned()))
                        }
                        None => {}
                    }
                }
            }
            None => {}
        }
        if self.protocol.tls() {
            let tls = &self.tls;
            let pem = |location: &'static str, text: &'static str, pem: &Pem| match pem {
                Pem::Location(path) => (location, path.to_string_lossy().into_owned()),
                Pem::Text(value) => (text, value.expose().to_owned()),
            };
            properties.extend(
                tls.ca
                    .as_ref()
                    .map(|ca| pem("ssl.ca.location", "ssl.ca.pem", ca)),
            );
            properties.extend(
                tls.certificate
                    .as_ref()
                    .map(|c| pem("ssl.certificate.location", "ssl.certificate.pem", c)),
            );
            properties.extend(
                tls.key
                    .as_ref()
                    .map(|k| pem("ssl.key.location", "ssl.key.pem", k)),
            );
            if let Some(password) = &tls.key_password {
                properties.push(("ssl.key.password", password.expose().to_owned()));
            }
            properties.push((
                "ssl.endpoint.identification.algorithm",
                if tls.verify_hostname { "https" } else { "none" }.to_owned(),
            ));
        }
        properties
    }

    /// The defaults these settings leave to librdkafka, set unless an option overrides them:
    /// with TLS and no CA, the system's CA store found by probing its usual places (OpenSSL is
    /// built into this crate's librdkafka, so its own default folder is not the system's).
    #[cfg_attr(not(feature = "kafka"), allow(dead_code))]
    pub(crate) fn default_properties(&self) -> Vec<(&'static str, String)> {
        if self.protocol.tls() && self.tls.ca.is_none() {
            vec![("ssl.ca.location", "probe".to_owned())]
        } else {
            Vec::new()
        }
    }

    /// The effective security as words, every secret masked: `SASL_SSL, SCRAM-SHA-512 as user
    /// "eventbus" (password ***), TLS with CA /etc/ca.pem, hostname verified`.
    pub fn describe(&self) -> String {
        let mut text = self.protocol.as_str().to_owned();
        match &self.sasl {
            Some(SaslAuth::Password {
                mechanism,
                credentials,
            }) => text.push_str(&format!(
                ", {mechanism} as user {:?} (password ***)",
                credentials.key
            )),
            Some(SaslAuth::Oidc(client)) => {
                text.push_str(&format!(
                    ", OAUTHBEARER from {} as client {:?} (secret ***)",
                    client.token_endpoint_url, client.client_id
                ));
                if let Some(scope) = &client.scope {
                    text.push_str(&format!(", scope {scope:?}"));
                }
            }
            None => {}
        }
        if self.protocol.tls() {
            let tls = &self.tls;
            match &tls.ca {
                Some(ca) => text.push_str(&format!(", TLS with CA {ca}")),
                None => text.push_str(", TLS with the system's CAs"),
            }
            if let (Some(certificate), Some(key)) = (&tls.certificate, &tls.key) {
                text.push_str(&format!(", client certificate {certificate} (key {key}"));
                if tls.key_password.is_some() {
                    text.push_str(", key password ***");
                }
                text.push(')');
            }
            text.push_str(if tls.verify_hostname {
                ", hostname verified"
            } else {
                ", hostname NOT verified"
            });
        }
        text
    }
}

/// The security settings as given, before they are checked ([`SecurityInput::resolve`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct SecurityInput {
    pub protocol: Option<SecurityProtocol>,
    pub mechanism: Option<SaslMechanism>,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub oauth_token_endpoint_url: Option<String>,
    pub oauth_client_id: Option<String>,
    pub oauth_client_secret: Option<Secret>,
    pub oauth_scope: Option<String>,
    pub ca_location: Option<PathBuf>,
    pub ca_pem: Option<Secret>,
    pub certificate_location: Option<PathBuf>,
    pub certificate_pem: Option<Secret>,
    pub key_location: Option<PathBuf>,
    pub key_pem: Option<Secret>,
    pub key_password: Option<Secret>,
    pub verify_hostname: Option<bool>,
}

impl SecurityInput {
    /// Read the settings through `get` (which treats blank values as unset).
    pub fn read(get: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        Ok(SecurityInput {
            protocol: get(names::SECURITY_PROTOCOL)
                .map(|v| SecurityProtocol::parse(&v))
                .transpose()?,
            mechanism: get(names::SASL_MECHANISM)
                .map(|v| SaslMechanism::parse(&v))
                .transpose()?,
            username: get(names::API_KEY),
            password: get(names::API_SECRET).map(Secret::new),
            oauth_token_endpoint_url: get(names::OAUTH_TOKEN_ENDPOINT_URL),
            oauth_client_id: get(names::OAUTH_CLIENT_ID),
            oauth_client_secret: get(names::OAUTH_CLIENT_SECRET).map(Secret::new),
            oauth_scope: get(names::OAUTH_SCOPE),
            ca_location: get(names::SSL_CA_LOCATION).map(PathBuf::from),
            ca_pem: get(names::SSL_CA_PEM).map(Secret::new),
            certificate_location: get(names::SSL_CERTIFICATE_LOCATION).map(PathBuf::from),
            certificate_pem: get(names::SSL_CERTIFICATE_PEM).map(Secret::new),
            key_location: get(names::SSL_KEY_LOCATION).map(PathBuf::from),
            key_pem: get(names::SSL_KEY_PEM).map(Secret::new),
            key_password: get(names::SSL_KEY_PASSWORD).map(Secret::new),
            verify_hostname: get(names::SSL_VERIFY_HOSTNAME)
                .map(|v| parse_bool(names::SSL_VERIFY_HOSTNAME, &v))
                .transpose()?,
        })
    }

    /// The OAUTHBEARER settings that are set, by name.
    fn oauth_given(&self) -> Option<&'static str> {
        [
            (
                self.oauth_token_endpoint_url.is_some(),
                names::OAUTH_TOKEN_ENDPOINT_URL,
            ),
            (self.oauth_client_id.is_some(), names::OAUTH_CLIENT_ID),
            (
                self.oauth_client_secret.is_some(),
                names::OAUTH_CLIENT_SECRET,
            ),
            (self.oauth_scope.is_some(), names::OAUTH_SCOPE),
        ]
        .into_iter()
        .find_map(|(given, name)| given.then_some(name))
    }

    /// The password-SASL settings that are set, by name.
    fn password_given(&self) -> Option<&'static str> {
        match (&self.username, &self.password) {
            (Some(_), _) => Some(names::API_KEY),
            (None, Some(_)) => Some(names::API_SECRET),
            (None, None) => None,
        }
    }

    /// The TLS settings that are set, by name.
    fn tls_given(&self) -> Option<&'static str> {
        [
            (self.ca_location.is_some(), names::SSL_CA_LOCATION),
            (self.ca_pem.is_some(), names::SSL_CA_PEM),
            (
                self.certificate_location.is_some(),
                names::SSL_CERTIFICATE_LOCATION,
            ),
            (self.certificate_pem.is_some(), names::SSL_CERTIFICATE_PEM),
            (self.key_location.is_some(), names::SSL_KEY_LOCATION),
            (self.key_pem.is_some(), names::SSL_KEY_PEM),
            (self.key_password.is_some(), names::SSL_KEY_PASSWORD),
            (self.verify_hostname.is_some(), names::SSL_VERIFY_HOSTNAME),
        ]
        .into_iter()
        .find_map(|(given, name)| given.then_some(name))
    }

    /// Check the settings against each other and return the security they give.
    pub fn resolve(self) -> Result<KafkaSecurity, SettingsError> {
        let sasl_given = self.mechanism.is_some()
            || self.password_given().is_some()
            || self.oauth_given().is_some();
        let protocol = self.protocol.unwrap_or(if sasl_given {
            SecurityProtocol::SaslSsl
        } else if self.tls_given().is_some() {
            SecurityProtocol::Ssl
        } else {
            SecurityProtocol::Plaintext
        });
        let conflict = |first: &'static str, reason: String| SettingsError::Conflict {
            first,
            second: names::SECURITY_PROTOCOL,
            reason,
        };
        let sasl = if protocol.sasl() {
            Some(self.sasl(protocol)?)
        } else {
            let given = self
                .mechanism
                .map(|_| names::SASL_MECHANISM)
                .or(self.password_given())
                .or(self.oauth_given());
            if let Some(name) = given {
                return Err(conflict(
                    name,
                    format!("{protocol} does not authenticate with SASL; use SASL_SSL"),
                ));
            }
            None
        };
        if !protocol.tls() {
            if let Some(name) = self.tls_given() {
                return Err(conflict(
                    name,
                    format!("{protocol} has no TLS; use SSL or SASL_SSL"),
                ));
            }
        }
        let tls = self.tls()?;
        Ok(KafkaSecurity {
            protocol,
            sasl,
            tls,
        })
    }

    fn sasl(&self, protocol: SecurityProtocol) -> Result<SaslAuth, SettingsError> {
        let mechanism = self.mechanism.unwrap_or(if self.oauth_given().is_some() {
            SaslMechanism::OAuthBearer
        } else {
            SaslMechanism::Plain
        });
        if mechanism == SaslMechanism::OAuthBearer {
            if let Some(name) = self.password_given() {
                return Err(SettingsError::Conflict {
                    first: name,
                    second: names::SASL_MECHANISM,
                    reason: format!(
                        "OAUTHBEARER authenticates with {} and {}, not a user and password",
                        names::OAUTH_CLIENT_ID,
                        names::OAUTH_CLIENT_SECRET
                    ),
                });
            }
            let needs = |needs: &'static str| SettingsError::Needs {
                setting: names::SASL_MECHANISM,
                needs,
                reason: "OAUTHBEARER gets its tokens from an OIDC token endpoint with client \
                         credentials"
                    .into(),
            };
            let url = self
                .oauth_token_endpoint_url
                .clone()
                .ok_or_else(|| needs(names::OAUTH_TOKEN_ENDPOINT_URL))?;
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(SettingsError::Invalid {
                    setting: names::OAUTH_TOKEN_ENDPOINT_URL,
                    value: url,
                    reason: "expected an http:// or https:// URL".into(),
                });
            }
            return Ok(SaslAuth::Oidc(OidcClient {
                token_endpoint_url: url,
                client_id: self
                    .oauth_client_id
                    .clone()
                    .ok_or_else(|| needs(names::OAUTH_CLIENT_ID))?,
                client_secret: self
                    .oauth_client_secret
                    .clone()
                    .ok_or_else(|| needs(names::OAUTH_CLIENT_SECRET))?,
                scope: self.oauth_scope.clone(),
            }));
        }
        if let Some(name) = self.oauth_given() {
            return Err(SettingsError::Conflict {
                first: name,
                second: names::SASL_MECHANISM,
                reason: format!("{mechanism} does not use OAUTHBEARER's settings"),
            });
        }
        match (&self.username, &self.password) {
            (Some(_), None) => {
                return Err(SettingsError::Incomplete {
                    set: names::API_KEY,
                    missing: names::API_SECRET,
                })
            }
            (None, Some(_)) => {
                return Err(SettingsError::Incomplete {
                    set: names::API_SECRET,
                    missing: names::API_KEY,
                })
            }
            _ => {}
        }
        let needs = |needs: &'static str| SettingsError::Needs {
            setting: names::SASL_MECHANISM,
            needs,
            reason: format!("{protocol} with {mechanism} authenticates with a user and password"),
        };
        Ok(SaslAuth::Password {
            mechanism,
            credentials: Credentials {
                key: self.username.clone().ok_or_else(|| needs(names::API_KEY))?,
                secret: self
                    .password
                    .clone()
                    .ok_or_else(|| needs(names::API_SECRET))?,
            },
        })
    }

    fn tls(&self) -> Result<TlsSettings, SettingsError> {
        let ca = one_pem(
            (&self.ca_location, names::SSL_CA_LOCATION),
            (&self.ca_pem, names::SSL_CA_PEM),
        )?;
        let certificate = one_pem(
            (&self.certificate_location, names::SSL_CERTIFICATE_LOCATION),
            (&self.certificate_pem, names::SSL_CERTIFICATE_PEM),
        )?;
        let key = one_pem(
            (&self.key_location, names::SSL_KEY_LOCATION),
            (&self.key_pem, names::SSL_KEY_PEM),
        )?;
        let needs = |setting: &'static str, needs: &'static str, reason: &str| {
            Err(SettingsError::Needs {
                setting,
                needs,
                reason: reason.into(),
            })
        };
        match (&certificate, &key) {
            (Some(_), None) => needs(
                names::SSL_CERTIFICATE_LOCATION,
                names::SSL_KEY_LOCATION,
                "a client certificate is used with its private key",
            )?,
            (None, Some(_)) => needs(
                names::SSL_KEY_LOCATION,
                names::SSL_CERTIFICATE_LOCATION,
                "a private key is used with its client certificate",
            )?,
            _ => {}
        }
        if self.key_password.is_some() && key.is_none() {
            needs(
                names::SSL_KEY_PASSWORD,
                names::SSL_KEY_LOCATION,
                "the password decrypts a private key",
            )?;
        }
        Ok(TlsSettings {
            ca,
            certificate,
            key,
            key_password: self.key_password.clone(),
            verify_hostname: self.verify_hostname.unwrap_or(true),
        })
    }
}

/// The PEM of a file setting or of a text setting, not both; a file must be readable.
fn one_pem(
    (location, location_name): (&Option<PathBuf>, &'static str),
    (text, text_name): (&Option<Secret>, &'static str),
) -> Result<Option<Pem>, SettingsError> {
    match (location, text) {
        (Some(_), Some(_)) => Err(SettingsError::Conflict {
            first: location_name,
            second: text_name,
            reason: "give the PEM as a file or as text, not both".into(),
        }),
        (Some(path), None) => match std::fs::metadata(path) {
            Ok(_) => Ok(Some(Pem::Location(path.clone()))),
            Err(e) => Err(SettingsError::Invalid {
                setting: location_name,
                value: path.display().to_string(),
                reason: format!("cannot read it: {e}"),
            }),
        },
        (None, Some(pem)) => {
            if pem.expose().contains("-----BEGIN ") {
                Ok(Some(Pem::Text(pem.clone())))
            } else {
                Err(SettingsError::Invalid {
                    setting: text_name,
                    value: "***".into(),
                    reason: "not PEM text (no -----BEGIN line)".into(),
                })
            }
        }
        (None, None) => Ok(None),
    }
}
