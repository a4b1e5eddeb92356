//! TLS of the schema registry client: a CA to trust instead of the system's, and a client
//! certificate for registries that ask for one (mutual TLS).
//!
//! | Variable | Default | Meaning |
//! | --- | --- | --- |
//! | `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_SSL_CA_LOCATION` | the system's CAs | PEM file of the CA(s) the registry's certificate must chain to; only these are trusted |
//! | `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_SSL_CERTIFICATE_LOCATION` | none | PEM file of the client certificate (and its chain) |
//! | `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_SSL_KEY_LOCATION` | none | PEM file of its private key (unencrypted: PKCS#8, PKCS#1 or SEC1) |
//!
//! The names follow confluent-kafka's `SchemaRegistryClient` configuration (`ssl.ca.location`,
//! `ssl.certificate.location`, `ssl.key.location`) in the Django style of the other settings.
//! Python's `edx-event-bus-kafka` has no setting for them. Basic auth is
//! `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_KEY` / `_SECRET` (see [`crate::settings`]).
//!
//! [`RegistryTls::from_lookup`] refuses a certificate without its key (and a key without its
//! certificate), a file that cannot be read or holds no PEM block of the expected kind, and TLS
//! files with an `http://` (or `memory://`) registry URL. Paths are not secrets: `Debug` and
//! [`RegistryTls::security_lines`] show them; no file content is ever shown.

use super::SettingsError;
use std::path::{Path, PathBuf};

/// The TLS files of the schema registry client. `Default`: the system's CAs, no client
/// certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistryTls {
    ca_location: Option<PathBuf>,
    certificate_location: Option<PathBuf>,
    key_location: Option<PathBuf>,
}

/// What a PEM file must hold (the Redis TLS settings check their files so too).
#[derive(Clone, Copy)]
pub(super) enum PemKind {
    /// One or more certificates.
    Certificate,
    /// A private key.
    PrivateKey,
}

impl PemKind {
    fn describe(self) -> &'static str {
        match self {
            PemKind::Certificate => "a PEM certificate (-----BEGIN CERTIFICATE-----)",
            PemKind::PrivateKey => "a PEM private key (-----BEGIN ... PRIVATE KEY-----)",
        }
    }

    fn found_in(self, text: &str) -> bool {
        match self {
            PemKind::Certificate => text.contains("-----BEGIN CERTIFICATE-----"),
            PemKind::PrivateKey => text.lines().any(|line| {
                line.starts_with("-----BEGIN ") && line.trim_end().ends_with("PRIVATE KEY-----")
            }),
        }
    }
}

impl RegistryTls {
    /// The CA file of the registry's certificate (PEM).
    pub const CA_LOCATION: &'static str = "EVENT_BUS_KAFKA_SCHEMA_REGISTRY_SSL_CA_LOCATION";
    /// The client certificate file (PEM), for mutual TLS.
    pub const CERTIFICATE_LOCATION: &'static str =
        "EVENT_BUS_KAFKA_SCHEMA_REGISTRY_SSL_CERTIFICATE_LOCATION";
    /// The client certificate's private key file (PEM, unencrypted).
    pub const KEY_LOCATION: &'static str = "EVENT_BUS_KAFKA_SCHEMA_REGISTRY_SSL_KEY_LOCATION";
    /// The three names, as a worker file or a settings listing wants them.
    pub const NAMES: [&'static str; 3] = [
        RegistryTls::CA_LOCATION,
        RegistryTls::CERTIFICATE_LOCATION,
        RegistryTls::KEY_LOCATION,
    ];

    /// TLS files given in code: an optional CA file and an optional client certificate with
    /// its key. The files are checked as [`RegistryTls::from_lookup`] checks them.
    pub fn new(
        ca_location: Option<PathBuf>,
        client: Option<(PathBuf, PathBuf)>,
    ) -> Result<Self, SettingsError> {
        let (certificate_location, key_location) = client.unzip();
        let tls = RegistryTls {
            ca_location,
            certificate_location,
            key_location,
        };
        tls.check_files()?;
        Ok(tls)
    }

    /// Read the three settings through `get(name)` (an empty value counts as unset) and check
    /// them: a certificate needs its key and a key its certificate, each file must be readable
    /// and hold a PEM block of its kind, and with TLS files the registry URL
    /// (`EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL`, when `get` knows it) must be `https://`.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let get = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let path = |name: &str| get(name).map(|v| PathBuf::from(v.trim()));
        let tls = RegistryTls {
            ca_location: path(Self::CA_LOCATION),
            certificate_location: path(Self::CERTIFICATE_LOCATION),
            key_location: path(Self::KEY_LOCATION),
        };
        match (&tls.certificate_location, &tls.key_location) {
            (Some(_), None) => {
                return Err(SettingsError::Incomplete {
                    set: Self::CERTIFICATE_LOCATION,
                    missing: Self::KEY_LOCATION,
                })
            }
            (None, Some(_)) => {
                return Err(SettingsError::Incomplete {
                    set: Self::KEY_LOCATION,
                    missing: Self::CERTIFICATE_LOCATION,
                })
            }
            _ => {}
        }
        if let (Some(url), Some(setting)) =
            (get(super::names::SCHEMA_REGISTRY_URL), tls.first_setting())
        {
            let url = url.trim().to_ascii_lowercase();
            if !url.starts_with("https://") {
                return Err(SettingsError::Conflict {
                    first: setting,
                    second: super::names::SCHEMA_REGISTRY_URL,
                    reason: "TLS files need an https:// schema registry URL".into(),
                });
            }
        }
        tls.check_files()?;
        Ok(tls)
    }

    /// Whether nothing is set: the system's CAs, no client certificate.
    pub fn is_empty(&self) -> bool {
        self.ca_location.is_none() && self.certificate_location.is_none()
    }

    /// `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_SSL_CA_LOCATION`, if set.
    pub fn ca_location(&self) -> Option<&Path> {
        self.ca_location.as_deref()
    }

    /// `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_SSL_CERTIFICATE_LOCATION`, if set (then the key is too).
    pub fn certificate_location(&self) -> Option<&Path> {
        self.certificate_location.as_deref()
    }

    /// `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_SSL_KEY_LOCATION`, if set (then the certificate is too).
    pub fn key_location(&self) -> Option<&Path> {
        self.key_location.as_deref()
    }

    /// The effective TLS of the registry client, for `eventbus config check --env`: which CAs
    /// are trusted and which client certificate is sent. Paths only, never file contents.
    pub fn security_lines(&self) -> Vec<String> {
        let mut lines = vec![match &self.ca_location {
            Some(ca) => format!(
                "schema registry TLS: trusts only the CA(s) of {} ({})",
                ca.display(),
                Self::CA_LOCATION
            ),
            None => "schema registry TLS: trusts the system's CAs".to_owned(),
        }];
        lines.push(match (&self.certificate_location, &self.key_location) {
            (Some(certificate), Some(key)) => format!(
                "schema registry TLS: client certificate {}, key {}",
                certificate.display(),
                key.display()
            ),
            _ => "schema registry TLS: no client certificate".to_owned(),
        });
        lines
    }

    /// The name of the first TLS setting given, if any.
    fn first_setting(&self) -> Option<&'static str> {
        [
            (Self::CA_LOCATION, &self.ca_location),
            (Self::CERTIFICATE_LOCATION, &self.certificate_location),
            (Self::KEY_LOCATION, &self.key_location),
        ]
        .into_iter()
        .find_map(|(name, value)| value.as_ref().map(|_| name))
    }

    /// Each file set is readable and holds a PEM block of its kind.
    fn check_files(&self) -> Result<(), SettingsError> {
        check_tls_files([
            (Self::CA_LOCATION, self.ca_location.as_deref()),
            (
                Self::CERTIFICATE_LOCATION,
                self.certificate_location.as_deref(),
            ),
            (Self::KEY_LOCATION, self.key_location.as_deref()),
        ])
    }
}

/// The TLS files of a connection, each with the setting that names it: the CA, the client
/// certificate and its key. Each set is readable and holds a PEM block of its kind (certificates
/// for the first two, a private key for the last); the error names the setting and the path,
/// never the content.
pub(super) fn check_tls_files(
    [ca, certificate, key]: [(&'static str, Option<&Path>); 3],
) -> Result<(), SettingsError> {
    for ((setting, path), kind) in [
        (ca, PemKind::Certificate),
        (certificate, PemKind::Certificate),
        (key, PemKind::PrivateKey),
    ] {
        if let Some(path) = path {
            check_pem_file(setting, path, kind)?;
        }
    }
    Ok(())
}

/// `path` can be read and holds a PEM block of `kind`; the error names the setting and the path,
/// never the content.
fn check_pem_file(setting: &'static str, path: &Path, kind: PemKind) -> Result<(), SettingsError> {
    let invalid = |reason: String| SettingsError::Invalid {
        setting,
        value: path.display().to_string(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|e| invalid(format!("cannot read the file: {e}")))?;
    if !kind.found_in(&String::from_utf8_lossy(&bytes)) {
        return Err(invalid(format!("the file holds no {}", kind.describe())));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const KEY: &str = "-----BEGIN PRIVATE KEY-----\nMARKER-key-s3cret\n-----END PRIVATE KEY-----\n";

    /// A scratch folder with a CA, a certificate, a key and a file of another kind.
    struct Files {
        dir: PathBuf,
    }

    impl Files {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!(
                "eventbus-registry-tls-{name}-{}",
                std::process::id()
            ));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("ca.pem"), CERT).unwrap();
            std::fs::write(dir.join("client.pem"), CERT).unwrap();
            std::fs::write(dir.join("client.key"), KEY).unwrap();
            std::fs::write(dir.join("text.txt"), "MARKER-not-pem").unwrap();
            Files { dir }
        }

        fn path(&self, name: &str) -> String {
            self.dir.join(name).display().to_string()
        }
    }

    impl Drop for Files {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn from(vars: &[(&str, String)]) -> Result<RegistryTls, SettingsError> {
        let vars: HashMap<&str, String> = vars.iter().cloned().collect();
        RegistryTls::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn nothing_set_is_the_system_store() {
        let tls = from(&[]).unwrap();
        assert_eq!(tls, RegistryTls::default());
        assert!(tls.is_empty());
        assert_eq!(
            tls.security_lines(),
            [
                "schema registry TLS: trusts the system's CAs",
                "schema registry TLS: no client certificate"
            ]
        );
        // Empty values count as unset.
        let empty = from(&[(RegistryTls::CA_LOCATION, " ".into())]).unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn reads_the_three_files() {
        let files = Files::new("read");
        let tls = from(&[
            (RegistryTls::CA_LOCATION, files.path("ca.pem")),
            (RegistryTls::CERTIFICATE_LOCATION, files.path("client.pem")),
            (RegistryTls::KEY_LOCATION, files.path("client.key")),
            (
                super::super::names::SCHEMA_REGISTRY_URL,
                "HTTPS://registry:8081".into(),
            ),
        ])
        .unwrap();
        assert_eq!(tls.ca_location(), Some(files.dir.join("ca.pem").as_path()));
        assert_eq!(
            tls.certificate_location(),
            Some(files.dir.join("client.pem").as_path())
        );
        assert_eq!(
            tls.key_location(),
            Some(files.dir.join("client.key").as_path())
        );
        assert!(!tls.is_empty());
        let lines = tls.security_lines().join("\n");
        assert!(lines.contains(&files.path("ca.pem")), "{lines}");
        assert!(lines.contains(RegistryTls::CA_LOCATION), "{lines}");
        assert!(lines.contains(&files.path("client.key")), "{lines}");
        assert!(!lines.contains("MARKER"), "{lines}");
        assert!(!format!("{tls:?}").contains("MARKER"));
        // In code, the same checks.
        let same = RegistryTls::new(
            Some(files.dir.join("ca.pem")),
            Some((files.dir.join("client.pem"), files.dir.join("client.key"))),
        )
        .unwrap();
        assert_eq!(same, tls);
    }

    #[test]
    fn a_certificate_needs_its_key_and_a_key_its_certificate() {
        let files = Files::new("pair");
        assert_eq!(
            from(&[(RegistryTls::CERTIFICATE_LOCATION, files.path("client.pem"))]).unwrap_err(),
            SettingsError::Incomplete {
                set: RegistryTls::CERTIFICATE_LOCATION,
                missing: RegistryTls::KEY_LOCATION
            }
        );
        assert_eq!(
            from(&[(RegistryTls::KEY_LOCATION, files.path("client.key"))]).unwrap_err(),
            SettingsError::Incomplete {
                set: RegistryTls::KEY_LOCATION,
                missing: RegistryTls::CERTIFICATE_LOCATION
            }
        );
    }

    #[test]
    fn unreadable_or_wrong_files_name_the_setting_and_never_the_content() {
        let files = Files::new("bad");
        for (vars, setting) in [
            (
                vec![(RegistryTls::CA_LOCATION, files.path("missing.pem"))],
                RegistryTls::CA_LOCATION,
            ),
            (
                vec![(RegistryTls::CA_LOCATION, files.path("text.txt"))],
                RegistryTls::CA_LOCATION,
            ),
            (
                vec![(RegistryTls::CA_LOCATION, files.path("client.key"))],
                RegistryTls::CA_LOCATION,
            ),
            (
                vec![
                    (RegistryTls::CERTIFICATE_LOCATION, files.path("client.key")),
                    (RegistryTls::KEY_LOCATION, files.path("client.key")),
                ],
                RegistryTls::CERTIFICATE_LOCATION,
            ),
            (
                vec![
                    (RegistryTls::CERTIFICATE_LOCATION, files.path("client.pem")),
                    (RegistryTls::KEY_LOCATION, files.path("client.pem")),
                ],
                RegistryTls::KEY_LOCATION,
            ),
        ] {
            let error = from(&vars).unwrap_err();
            assert!(
                matches!(&error, SettingsError::Invalid { setting: s, .. } if *s == setting),
                "{setting}: {error}"
            );
            let text = error.to_string();
            assert!(text.contains(setting), "{text}");
            assert!(!text.contains("MARKER"), "{text}");
        }
        let error = RegistryTls::new(Some(files.dir.join("missing.pem")), None).unwrap_err();
        assert!(
            error.to_string().contains(RegistryTls::CA_LOCATION),
            "{error}"
        );
    }

    #[test]
    fn tls_files_need_an_https_url() {
        let files = Files::new("url");
        for url in ["http://registry:8081", "memory://default"] {
            let error = from(&[
                (RegistryTls::CA_LOCATION, files.path("ca.pem")),
                (super::super::names::SCHEMA_REGISTRY_URL, url.into()),
            ])
            .unwrap_err();
            assert_eq!(
                error,
                SettingsError::Conflict {
                    first: RegistryTls::CA_LOCATION,
                    second: super::super::names::SCHEMA_REGISTRY_URL,
                    reason: "TLS files need an https:// schema registry URL".into()
                }
            );
        }
        // Without TLS files any URL goes.
        from(&[(
            super::super::names::SCHEMA_REGISTRY_URL,
            "http://registry:8081".into(),
        )])
        .unwrap();
    }
}
