//! A client of a Confluent-compatible schema registry (Confluent Schema Registry, Apicurio's
//! `ccompat` API, Redpanda...), as much of it as the event bus needs.
//!
//! - [`SchemaRegistryClient::register`]: `POST /subjects/{subject}/versions` with the schema text,
//!   as confluent-kafka's `AvroSerializer` does on its first use of a subject. The id is cached per
//!   (subject, schema text); concurrent first uses wait for one registration.
//! - [`SchemaRegistryClient::schema_by_id`]: `GET /schemas/ids/{id}`, parsed as an Avro schema and
//!   cached by id (ids are immutable).
//! - [`SchemaRegistryClient::versions`]: `GET /subjects/{subject}/versions`.
//!
//! The texts registered are Python's, byte for byte (`json.dumps(schema, sort_keys=True)` for
//! values, and for keys the key field's definition, e.g. `{"name": "usage_key", "type":
//! "string"}`), so a registry that compares texts rather than parsed schemas holds one version
//! per subject whichever side registered first.
//!
//! The caches belong to the registry (its URL), not to one client: every HTTP client of a registry
//! in the process shares them, so a schema is registered and fetched once per process however many
//! producers and consumers there are. Each client keeps its own HTTP connections (they belong to
//! the async runtime that made them).
//!
//! A registry URL `memory://NAME` selects an in-process registry ([`MemoryRegistry`]) shared by
//! the clients of this process: the embedded default and tests need no server.
//!
//! Security: basic auth (`EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_KEY` / `_SECRET`) and, over
//! `https://`, a CA to trust instead of the system's and a client certificate
//! ([`RegistryTls`]). A refusal of the credentials is [`RegistryError::Unauthorized`], naming the
//! settings to check; a certificate that cannot be verified is [`RegistryError::Http`] with the
//! TLS cause (and a hint when the issuer is unknown). No error shows a secret.

mod memory;

pub use memory::MemoryRegistry;

use crate::avro::schema::parse_schema_str;
use crate::settings::{names, Credentials, KafkaSettings, RegistryTls, MEMORY_SCHEME};
use crate::sync::LockUnpoisoned;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::OnceCell;

/// The media type the registry speaks.
const CONTENT_TYPE: &str = "application/vnd.schemaregistry.v1+json";
const ACCEPT: &str =
    "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json";

/// Confluent error code of an unknown schema id.
pub const SCHEMA_NOT_FOUND: i64 = 40403;

/// A failed registry request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The request did not get an answer (connection refused, timeout, a certificate that
    /// cannot be verified...). The message holds the whole chain of causes.
    #[error(
        "schema registry request {method} {url} failed: {}",
        cause_chain(source)
    )]
    Http {
        /// The HTTP method.
        method: &'static str,
        /// The URL (no credentials).
        url: String,
        /// What failed.
        #[source]
        source: reqwest::Error,
    },
    /// The registry refused the request's credentials (401 Unauthorized) or their rights
    /// (403 Forbidden).
    #[error(
        "schema registry answered {} to {method} {url}: {}",
        status_text(*status),
        auth_hint(*status, *credentials_sent)
    )]
    Unauthorized {
        /// The HTTP method.
        method: &'static str,
        /// The URL (no credentials).
        url: String,
        /// 401 or 403.
        status: u16,
        /// Whether basic-auth credentials were sent.
        credentials_sent: bool,
    },
    /// A TLS file of the registry client cannot be used (read when the client is built).
    #[error("schema registry TLS setting {setting} ({path}): {reason}")]
    TlsFile {
        /// The setting naming the file.
        setting: &'static str,
        /// The file.
        path: String,
        /// What is wrong with it (never its content).
        reason: String,
    },
    /// TLS files are set for a registry that is not reached over `https://`.
    #[error("{setting} is set but the schema registry URL {url} is not https://")]
    TlsNeedsHttps {
        /// The first TLS setting given.
        setting: &'static str,
        /// The registry URL.
        url: String,
    },
    /// The registry answered with a Confluent error.
    #[error("schema registry answered {status} to {method} {url}: error {error_code}: {message}")]
    Api {
        /// The HTTP method.
        method: &'static str,
        /// The URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The Confluent `error_code` (e.g. 40403: schema not found, 409xx: incompatible).
        error_code: i64,
        /// The registry's `message`.
        message: String,
    },
    /// The registry refused a schema as invalid (error 42201) and the schema breaks the Avro
    /// naming rules, which is why.
    #[error("{source}; the cause: {cause}")]
    InvalidNames {
        /// The subject the schema was registered under.
        subject: String,
        /// What breaks the rules ([`crate::avro::schema::name_problems`]).
        cause: String,
        /// The registry's answer.
        #[source]
        source: Box<RegistryError>,
    },
    /// The registry answered something this client cannot read.
    #[error("schema registry answered {status} to {method} {url} with an unexpected body: {body}")]
    UnexpectedResponse {
        /// The HTTP method.
        method: &'static str,
        /// The URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// The schema stored under an id is not a valid Avro schema.
    #[error("schema {id} from the registry is not a valid Avro schema: {source}")]
    InvalidSchema {
        /// The schema id.
        id: u32,
        /// The parse error.
        #[source]
        source: apache_avro::Error,
    },
    /// The HTTP client could not be built.
    #[error("cannot build the schema registry HTTP client: {}", cause_chain(.0))]
    Client(#[source] reqwest::Error),
}

impl RegistryError {
    /// Whether the registry said the schema id does not exist (error 40403 or a 404).
    pub fn is_not_found(&self) -> bool {
        match self {
            RegistryError::Api {
                error_code, status, ..
            } => *error_code == SCHEMA_NOT_FOUND || (*status == 404 && *error_code / 100 == 404),
            _ => false,
        }
    }

    /// Whether retrying later may succeed (no answer, or a server error).
    pub fn is_transient(&self) -> bool {
        match self {
            RegistryError::Http { .. } => true,
            RegistryError::Api { status, .. }
            | RegistryError::UnexpectedResponse { status, .. } => {
                *status >= 500 || *status == 429 || *status == 408
            }
            _ => false,
        }
    }
}

#[derive(Deserialize)]
struct ConfluentError {
    error_code: i64,
    message: String,
}

#[derive(Deserialize)]
struct IdResponse {
    id: u32,
}

#[derive(Deserialize)]
struct SchemaResponse {
    schema: String,
    #[serde(rename = "schemaType")]
    schema_type: Option<String>,
}

/// A schema fetched by id: its text and its parsed form.
#[derive(Debug)]
pub struct RegisteredSchema {
    /// The schema id.
    pub id: u32,
    /// The schema text as the registry returned it.
    pub text: String,
    /// The parsed schema.
    pub parsed: apache_avro::Schema,
}

type Cell<T> = Arc<OnceCell<T>>;

/// Where the registry is.
enum Backend {
    /// A registry server.
    Http {
        http: reqwest::Client,
        credentials: Option<Credentials>,
        tls: RegistryTls,
    },
    /// An in-process registry.
    Memory(Arc<MemoryRegistry>),
}

/// A schema registry client with caches; share one per process (`Arc`).
pub struct SchemaRegistryClient {
    backend: Backend,
    base_url: String,
    caches: Arc<Caches>,
}

/// The ids and schemas learnt from one registry.
#[derive(Default)]
struct Caches {
    ids: Mutex<HashMap<(String, String), Cell<u32>>>,
    schemas: Mutex<HashMap<u32, Cell<Arc<RegisteredSchema>>>>,
}

impl Caches {
    /// The process's caches of the registry at `base_url`.
    fn of(base_url: &str) -> Arc<Caches> {
        static BY_URL: std::sync::OnceLock<Mutex<HashMap<String, Arc<Caches>>>> =
            std::sync::OnceLock::new();
        BY_URL
            .get_or_init(Mutex::default)
            .locked()
            .entry(base_url.to_owned())
            .or_default()
            .clone()
    }
}

impl std::fmt::Debug for SchemaRegistryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (credentials, tls) = match &self.backend {
            Backend::Http {
                credentials, tls, ..
            } => (credentials.as_ref(), Some(tls)),
            Backend::Memory(_) => (None, None),
        };
        f.debug_struct("SchemaRegistryClient")
            .field("base_url", &self.base_url)
            .field("credentials", &credentials)
            .field("tls", &tls)
            .finish_non_exhaustive()
    }
}

impl SchemaRegistryClient {
    /// A client of the registry at `base_url` (e.g. `http://host:8081`, Apicurio's
    /// `http://host:8080/apis/ccompat/v7` or `https://registry.example.org`), with optional
    /// basic auth and, over `https://`, the TLS files of `tls` (`RegistryTls::default()`: the
    /// system's CAs, no client certificate); `memory://NAME` is the process's in-process
    /// registry of that name. The TLS files are read here: an unreadable or invalid one is
    /// [`RegistryError::TlsFile`], TLS files with a URL that is not `https://`
    /// [`RegistryError::TlsNeedsHttps`].
    pub fn new(
        base_url: &str,
        credentials: Option<Credentials>,
        tls: &RegistryTls,
    ) -> Result<Self, RegistryError> {
        let https = base_url
            .get(..8)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"));
        if !tls.is_empty() && !https {
            return Err(RegistryError::TlsNeedsHttps {
                setting: if tls.ca_location().is_some() {
                    RegistryTls::CA_LOCATION
                } else {
                    RegistryTls::CERTIFICATE_LOCATION
                },
                url: base_url.to_owned(),
            });
        }
        if let Some(name) = base_url.strip_prefix(MEMORY_SCHEME) {
            return Ok(SchemaRegistryClient::in_memory(MemoryRegistry::named(name)));
        }
        let builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30));
        let http = with_tls(builder, tls)?.build().map_err(|e| {
            match (tls.certificate_location(), tls.key_location()) {
                // The CA was tried alone: the client certificate or its key is the cause.
                (Some(certificate), Some(key)) => RegistryError::TlsFile {
                    setting: RegistryTls::CERTIFICATE_LOCATION,
                    path: certificate.display().to_string(),
                    reason: format!(
                        "this certificate and the key of {} ({}) cannot be used: {}",
                        RegistryTls::KEY_LOCATION,
                        key.display(),
                        cause_chain(&e)
                    ),
                },
                _ => RegistryError::Client(e),
            }
        })?;
        Ok(SchemaRegistryClient::with_backend(
            Backend::Http {
                http,
                credentials,
                tls: tls.clone(),
            },
            base_url.trim_end_matches('/').to_owned(),
        ))
    }

    /// A client of an in-process registry.
    pub fn in_memory(registry: Arc<MemoryRegistry>) -> Self {
        let url = registry.url();
        SchemaRegistryClient::with_backend(Backend::Memory(registry), url)
    }

    fn with_backend(backend: Backend, base_url: String) -> Self {
        // An in-process registry answers at once and may be unnamed: no shared caches.
        let caches = match backend {
            Backend::Http { .. } => Caches::of(&base_url),
            Backend::Memory(_) => Arc::default(),
        };
        SchemaRegistryClient {
            caches,
            backend,
            base_url,
        }
    }

    /// A client of the registry named in the settings, with their credentials and TLS files.
    pub fn from_settings(settings: &KafkaSettings) -> Result<Self, RegistryError> {
        SchemaRegistryClient::new(
            settings.schema_registry_url(),
            settings.schema_registry_credentials().cloned(),
            settings.schema_registry_tls(),
        )
    }

    /// The registry's base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Register `schema` (the exact text) under `subject` and return its id; the id is cached, so
    /// each (subject, text) pair is registered once per process.
    pub async fn register(&self, subject: &str, schema: &str) -> Result<u32, RegistryError> {
        let cell = {
            let mut ids = self.caches.ids.locked();
            ids.entry((subject.to_owned(), schema.to_owned()))
                .or_default()
                .clone()
        };
        cell.get_or_try_init(|| self.post_schema(subject, schema))
            .await
            .copied()
    }

    async fn post_schema(&self, subject: &str, schema: &str) -> Result<u32, RegistryError> {
        let http = match &self.backend {
            Backend::Http { http, .. } => http,
            Backend::Memory(registry) => return registry.register(subject, schema),
        };
        let url = format!(
            "{}/subjects/{}/versions",
            self.base_url,
            encode_path_segment(subject)
        );
        let body = serde_json::json!({"schema": schema, "schemaType": "AVRO", "references": []});
        let request = http
            .post(&url)
            .header("Content-Type", CONTENT_TYPE)
            .body(body.to_string());
        let response: IdResponse = match self.send("POST", &url, request).await {
            Ok(response) => response,
            Err(error) => return Err(explain_refusal(subject, schema, error)),
        };
        tracing::info!(subject, schema_id = response.id, "schema registered");
        Ok(response.id)
    }

    /// The version numbers a subject holds (`GET /subjects/{subject}/versions`), oldest first: a
    /// registry that compares schema texts makes a new version for every distinct text.
    pub async fn versions(&self, subject: &str) -> Result<Vec<u32>, RegistryError> {
        let http = match &self.backend {
            Backend::Http { http, .. } => http,
            Backend::Memory(registry) => {
                let count = registry.versions(subject).len() as u32;
                return Ok((1..=count).collect());
            }
        };
        let url = format!(
            "{}/subjects/{}/versions",
            self.base_url,
            encode_path_segment(subject)
        );
        self.send("GET", &url, http.get(&url)).await
    }

    /// The latest version of a subject (`GET /subjects/{subject}/versions/latest`), parsed; a
    /// subject the registry does not hold is an error for which
    /// [`RegistryError::is_not_found`] is true.
    pub async fn latest(&self, subject: &str) -> Result<Arc<RegisteredSchema>, RegistryError> {
        #[derive(Deserialize)]
        struct Latest {
            id: u32,
        }
        let http = match &self.backend {
            Backend::Http { http, .. } => http,
            Backend::Memory(registry) => {
                return match registry.versions(subject).last() {
                    Some(&id) => self.schema_by_id(id).await,
                    None => Err(RegistryError::Api {
                        method: "GET",
                        url: format!("{}/subjects/{subject}/versions/latest", self.base_url),
                        status: 404,
                        error_code: 40401,
                        message: format!("Subject '{subject}' not found."),
                    }),
                };
            }
        };
        let url = format!(
            "{}/subjects/{}/versions/latest",
            self.base_url,
            encode_path_segment(subject)
        );
        let latest: Latest = self.send("GET", &url, http.get(&url)).await?;
        self.schema_by_id(latest.id).await
    }

    /// The schema with this id, parsed; cached.
    pub async fn schema_by_id(&self, id: u32) -> Result<Arc<RegisteredSchema>, RegistryError> {
        let cell = {
            let mut schemas = self.caches.schemas.locked();
            schemas.entry(id).or_default().clone()
        };
        if let Some(schema) = cell.get() {
            return Ok(schema.clone());
        }
        // Boxed: the fetch's future (an HTTP request) would otherwise make every caller's future
        // kilobytes larger, and a consumer moves one such future per message.
        cell.get_or_try_init(|| Box::pin(self.get_schema(id)))
            .await
            .cloned()
    }

    async fn get_schema(&self, id: u32) -> Result<Arc<RegisteredSchema>, RegistryError> {
        let url = format!("{}/schemas/ids/{id}", self.base_url);
        let response = match &self.backend {
            Backend::Http { http, .. } => {
                let request = http.get(&url);
                self.send::<SchemaResponse>("GET", &url, request).await?
            }
            Backend::Memory(registry) => SchemaResponse {
                schema: registry.schema_text(id)?,
                schema_type: None,
            },
        };
        if let Some(kind) = response.schema_type.as_deref().filter(|t| *t != "AVRO") {
            return Err(RegistryError::UnexpectedResponse {
                method: "GET",
                url,
                status: 200,
                body: format!("schema {id} is a {kind} schema, not Avro"),
            });
        }
        let parsed = parse_schema_str(&response.schema)
            .map_err(|source| RegistryError::InvalidSchema { id, source })?;
        tracing::debug!(schema_id = id, "schema fetched from the registry");
        Ok(Arc::new(RegisteredSchema {
            id,
            text: response.schema,
            parsed,
        }))
    }

    async fn send<T: for<'de> Deserialize<'de>>(
        &self,
        method: &'static str,
        url: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<T, RegistryError> {
        let mut request = request.header("Accept", ACCEPT);
        let mut credentials_sent = false;
        if let Backend::Http {
            credentials: Some(credentials),
            ..
        } = &self.backend
        {
            request = request.basic_auth(&credentials.key, Some(credentials.secret.expose()));
            credentials_sent = true;
        }
        // The URL as errors show it: a password in it (`https://user:password@host`) masked.
        let shown = crate::settings::redact_url(url);
        let http_error = |source| RegistryError::Http {
            method,
            url: shown.clone(),
            source,
        };
        let response = request.send().await.map_err(http_error)?;
        let status = response.status();
        if matches!(status.as_u16(), 401 | 403) {
            return Err(RegistryError::Unauthorized {
                method,
                url: shown.clone(),
                status: status.as_u16(),
                credentials_sent,
            });
        }
        let body = response.bytes().await.map_err(http_error)?;
        let unexpected = || RegistryError::UnexpectedResponse {
            method,
            url: shown.clone(),
            status: status.as_u16(),
            body: String::from_utf8_lossy(&body[..body.len().min(500)]).into_owned(),
        };
        if status.is_success() {
            serde_json::from_slice(&body).map_err(|_| unexpected())
        } else {
            match serde_json::from_slice::<ConfluentError>(&body) {
                Ok(error) => Err(RegistryError::Api {
                    method,
                    url: shown.clone(),
                    status: status.as_u16(),
                    error_code: error.error_code,
                    message: error.message,
                }),
                Err(_) => Err(unexpected()),
            }
        }
    }
}

/// A registry's refusal of an invalid schema (HTTP 422, error 42201) with the cause added when
/// the schema breaks the Avro naming rules; other errors as they are.
fn explain_refusal(subject: &str, schema: &str, error: RegistryError) -> RegistryError {
    let refused = matches!(error, RegistryError::Api { status: 422, .. })
        || matches!(error, RegistryError::Api { error_code, .. } if error_code / 100 == 422);
    let problems = serde_json::from_str(schema)
        .map(|json| crate::avro::schema::name_problems(&json))
        .unwrap_or_default();
    if !refused || problems.is_empty() {
        return error;
    }
    RegistryError::InvalidNames {
        subject: subject.to_owned(),
        cause: problems.join("; "),
        source: Box::new(error),
    }
}

/// `builder` with the TLS files of `tls`: the CA file's certificates as the only trusted roots,
/// the client certificate and key as the identity.
fn with_tls(
    mut builder: reqwest::ClientBuilder,
    tls: &RegistryTls,
) -> Result<reqwest::ClientBuilder, RegistryError> {
    let file_error =
        |setting: &'static str, path: &std::path::Path, reason: String| RegistryError::TlsFile {
            setting,
            path: path.display().to_string(),
            reason,
        };
    let read = |setting: &'static str, path: &std::path::Path| {
        std::fs::read(path).map_err(|e| file_error(setting, path, format!("cannot read it: {e}")))
    };
    if let Some(ca) = tls.ca_location() {
        let setting = RegistryTls::CA_LOCATION;
        let certificates = reqwest::Certificate::from_pem_bundle(&read(setting, ca)?)
            .map_err(|e| file_error(setting, ca, format!("not PEM certificates: {e}")))?;
        if certificates.is_empty() {
            return Err(file_error(setting, ca, "no PEM certificate in it".into()));
        }
        // The certificates are decoded when a client is built: try them alone, so that a bad
        // one is reported against this setting.
        reqwest::Client::builder()
            .tls_certs_only(certificates.clone())
            .build()
            .map_err(|e| {
                file_error(setting, ca, format!("not a usable CA: {}", cause_chain(&e)))
            })?;
        builder = builder.tls_certs_only(certificates);
    }
    if let (Some(certificate), Some(key)) = (tls.certificate_location(), tls.key_location()) {
        let mut pem = read(RegistryTls::CERTIFICATE_LOCATION, certificate)?;
        pem.push(b'\n');
        pem.extend(read(RegistryTls::KEY_LOCATION, key)?);
        let identity = reqwest::Identity::from_pem(&pem).map_err(|e| {
            file_error(
                RegistryTls::CERTIFICATE_LOCATION,
                certificate,
                format!(
                    "this certificate and the key of {} ({}) are not a usable PEM pair: {}",
                    RegistryTls::KEY_LOCATION,
                    key.display(),
                    cause_chain(&e)
                ),
            )
        })?;
        builder = builder.identity(identity);
    }
    Ok(builder)
}

/// An error and its causes, `: `-separated (a cause already in the text is skipped), with a
/// hint when the registry's certificate has an unknown issuer.
fn cause_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = crate::causes::joined_causes(error);
    if text.contains("UnknownIssuer") {
        text.push_str(&format!(
            " (the registry's certificate is not signed by a trusted CA: set {} to its CA file)",
            RegistryTls::CA_LOCATION
        ));
    }
    text
}

/// `401 Unauthorized` or `403 Forbidden`.
fn status_text(status: u16) -> String {
    match status {
        401 => "401 Unauthorized".into(),
        403 => "403 Forbidden".into(),
        other => other.to_string(),
    }
}

/// What to check after a 401 or 403.
fn auth_hint(status: u16, credentials_sent: bool) -> String {
    let (key, secret) = (
        names::SCHEMA_REGISTRY_API_KEY,
        names::SCHEMA_REGISTRY_API_SECRET,
    );
    match (status, credentials_sent) {
        (403, _) => format!("the credentials of {key} may not do this"),
        (_, true) => format!("the credentials were refused; check {key} and {secret}"),
        (_, false) => format!("the registry wants credentials; set {key} and {secret}"),
    }
}

/// Percent-encode a subject for a URL path (subjects hold `.` and `-`, which stay as they are).
fn encode_path_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Secret;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A one-thread HTTP server answering each request with `respond(request_text)`.
    fn serve(
        respond: impl Fn(&str) -> (u16, String) + Send + 'static,
    ) -> (String, Arc<AtomicUsize>, Arc<Mutex<Vec<String>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let count = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (count2, seen2) = (count.clone(), seen.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                // Read headers, then the body by Content-Length.
                loop {
                    let n = stream.read(&mut chunk).unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length: ")
                                    .map(|v| v.trim().parse::<usize>().unwrap())
                            })
                            .unwrap_or(0);
                        if buf.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                let text = String::from_utf8_lossy(&buf).to_string();
                count2.fetch_add(1, Ordering::SeqCst);
                seen2.lock().unwrap().push(text.clone());
                let (status, body) = respond(&text);
                let reply = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(reply.as_bytes());
            }
        });
        (url, count, seen)
    }

    #[tokio::test]
    async fn registers_once_per_subject_and_text() {
        let (url, count, seen) = serve(|_| (200, r#"{"id": 7}"#.into()));
        let client = SchemaRegistryClient::new(
            &format!("{url}/apis/ccompat/v7/"),
            Some(Credentials {
                key: "user".into(),
                secret: Secret::new("pw"),
            }),
            &RegistryTls::default(),
        )
        .unwrap();
        let (a, b) = tokio::join!(
            client.register("t-org.x.v1.CloudEvent", "{\"type\": \"string\"}"),
            client.register("t-org.x.v1.CloudEvent", "{\"type\": \"string\"}")
        );
        assert_eq!((a.unwrap(), b.unwrap()), (7, 7));
        assert_eq!(
            client
                .register("t-org.x.v1.CloudEvent", "{\"type\": \"string\"}")
                .await
                .unwrap(),
            7
        );
        assert_eq!(count.load(Ordering::SeqCst), 1);
        let request = seen.lock().unwrap()[0].clone();
        assert!(
            request.starts_with(
                "POST /apis/ccompat/v7/subjects/t-org.x.v1.CloudEvent/versions HTTP/1.1"
            ),
            "{request}"
        );
        // user:pw
        assert!(
            request.contains("authorization: Basic dXNlcjpwdw=="),
            "{request}"
        );
        let body = &request[request.find("\r\n\r\n").unwrap() + 4..];
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["schema"], "{\"type\": \"string\"}");
        // Another text under the same subject is another registration.
        client
            .register("t-org.x.v1.CloudEvent", "{\"type\": \"long\"}")
            .await
            .unwrap();
        assert_eq!(count.load(Ordering::SeqCst), 2);
        assert!(!format!("{client:?}").contains("pw\""));
    }

    #[tokio::test]
    async fn fetches_and_caches_schemas_by_id() {
        let (url, count, _) = serve(|request| {
            if request.starts_with("GET /schemas/ids/1 ") {
                (200, r#"{"schema": "{\"type\": \"record\", \"name\": \"CloudEvent\", \"namespace\": \"org.openedx.x.redemption-reversed.v1\", \"fields\": [{\"name\": \"a\", \"type\": \"long\"}]}"}"#.into())
            } else if request.starts_with("GET /schemas/ids/2 ") {
                (200, r#"{"schema": "{not json"}"#.into())
            } else {
                (
                    404,
                    r#"{"error_code": 40403, "message": "Schema not found"}"#.into(),
                )
            }
        });
        let client = SchemaRegistryClient::new(&url, None, &RegistryTls::default()).unwrap();
        let schema = client.schema_by_id(1).await.unwrap();
        assert!(matches!(schema.parsed, apache_avro::Schema::Record(_)));
        client.schema_by_id(1).await.unwrap();
        assert_eq!(count.load(Ordering::SeqCst), 1);
        let err = client.schema_by_id(2).await.unwrap_err();
        assert!(
            matches!(err, RegistryError::InvalidSchema { id: 2, .. }),
            "{err}"
        );
        let err = client.schema_by_id(99).await.unwrap_err();
        assert!(err.is_not_found());
        assert!(!err.is_transient());
        assert!(
            err.to_string().contains("error 40403: Schema not found"),
            "{err}"
        );
        // Failures are not cached.
        client.schema_by_id(99).await.unwrap_err();
        assert_eq!(count.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn the_latest_version_of_a_subject() {
        let registry = Arc::new(MemoryRegistry::new());
        let client = SchemaRegistryClient::in_memory(Arc::clone(&registry));
        registry.register("s", "\"int\"").unwrap();
        let second = registry.register("s", "\"long\"").unwrap();
        let latest = client.latest("s").await.unwrap();
        assert_eq!(latest.id, second);
        let missing = client.latest("nope").await.unwrap_err();
        assert!(missing.is_not_found(), "{missing}");
        // Over HTTP: the id of the answer, then its schema.
        let (url, _, _) = serve(|path| match path {
            p if p.contains("/subjects/s/versions/latest ") => {
                (200, r#"{"id": 5, "version": 2}"#.into())
            }
            p if p.contains("/schemas/ids/5 ") => (200, r#"{"schema": "\"int\""}"#.into()),
            _ => (
                404,
                r#"{"error_code": 40401, "message": "Subject not found."}"#.into(),
            ),
        });
        let client = SchemaRegistryClient::new(&url, None, &RegistryTls::default()).unwrap();
        assert_eq!(client.latest("s").await.unwrap().id, 5);
        assert!(client.latest("other").await.unwrap_err().is_not_found());
    }

    #[tokio::test]
    async fn a_password_in_the_url_is_masked_in_errors() {
        let client = SchemaRegistryClient::new(
            "http://user:marker-secret@127.0.0.1:1",
            None,
            &RegistryTls::default(),
        )
        .unwrap();
        let error = client.versions("s").await.unwrap_err().to_string();
        assert!(!error.contains("marker-secret"), "{error}");
        assert!(error.contains("user:***@127.0.0.1:1"), "{error}");
    }

    /// Clients of the same registry share what they learnt, even from different async runtimes.
    #[test]
    fn clients_of_one_registry_share_their_caches() {
        let (url, count, _) = serve(|_| (200, r#"{"id": 9}"#.into()));
        for _ in 0..2 {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let client = SchemaRegistryClient::new(&url, None, &RegistryTls::default()).unwrap();
            assert_eq!(
                runtime
                    .block_on(client.register("s", "\"string\""))
                    .unwrap(),
                9
            );
        }
        assert_eq!(count.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn unreachable_registry_is_transient() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let client = SchemaRegistryClient::new(&url, None, &RegistryTls::default()).unwrap();
        let err = client.register("s", "\"string\"").await.unwrap_err();
        assert!(err.is_transient(), "{err}");
        assert!(matches!(err, RegistryError::Http { method: "POST", .. }));
    }

    #[tokio::test]
    async fn unexpected_bodies_are_reported() {
        let (url, _, _) = serve(|_| (500, "<html>oops</html>".into()));
        let client = SchemaRegistryClient::new(&url, None, &RegistryTls::default()).unwrap();
        let err = client.register("s", "\"string\"").await.unwrap_err();
        assert!(
            matches!(err, RegistryError::UnexpectedResponse { status: 500, .. }),
            "{err}"
        );
        assert!(err.is_transient());
    }

    #[tokio::test]
    async fn a_refusal_of_the_credentials_names_the_settings_and_no_secret() {
        let (url, _, _) = serve(|_| {
            (
                401,
                r#"{"error_code": 401, "message": "Unauthorized"}"#.into(),
            )
        });
        let credentials = Credentials {
            key: "user".into(),
            secret: Secret::new("MARKER-pw"),
        };
        let client =
            SchemaRegistryClient::new(&url, Some(credentials), &RegistryTls::default()).unwrap();
        let error = client.register("s", "\"string\"").await.unwrap_err();
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
        assert!(
            text.contains(&format!("{url}/subjects/s/versions")),
            "{text}"
        );
        assert!(text.contains(names::SCHEMA_REGISTRY_API_KEY), "{text}");
        assert!(!text.contains("MARKER"), "{text}");
        assert!(!format!("{error:?}").contains("MARKER"));
        assert!(!error.is_transient());
        let anonymous = SchemaRegistryClient::new(&url, None, &RegistryTls::default()).unwrap();
        let text = anonymous.schema_by_id(1).await.unwrap_err().to_string();
        assert!(text.contains("wants credentials"), "{text}");
    }

    #[test]
    fn tls_files_need_https() {
        let dir =
            std::env::temp_dir().join(format!("eventbus-registry-client-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ca = dir.join("ca.pem");
        std::fs::write(
            &ca,
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let tls = RegistryTls::new(Some(ca.clone()), None).unwrap();
        let error = SchemaRegistryClient::new("http://127.0.0.1:1", None, &tls).unwrap_err();
        assert!(
            matches!(error, RegistryError::TlsNeedsHttps { .. }),
            "{error}"
        );
        assert!(
            error.to_string().contains(RegistryTls::CA_LOCATION),
            "{error}"
        );
        // A CA file that is PEM-shaped but not a certificate is refused when the client is built.
        let error = SchemaRegistryClient::new("https://127.0.0.1:1", None, &tls).unwrap_err();
        assert!(
            matches!(&error, RegistryError::TlsFile { setting, .. } if *setting == RegistryTls::CA_LOCATION),
            "{error:?} {error}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn subjects_are_encoded() {
        assert_eq!(encode_path_segment("a-b.c_d"), "a-b.c_d");
        assert_eq!(encode_path_segment("a/b c"), "a%2Fb%20c");
    }
}
