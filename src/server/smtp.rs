//! The SMTP relay e-mail goes out through: how the connection is secured (plain, STARTTLS or
//! implicit TLS, certificates always verified), and the account it logs in with. Everything
//! that can be wrong in this configuration is found when the server starts, not at the first
//! message.

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use std::path::PathBuf;
use std::time::Duration;

/// How the connection to the relay is secured (`--smtp-tls`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SmtpSecurity {
    /// Plain SMTP: for a relay on this machine (the local MTA).
    None,
    /// STARTTLS, required: a relay that does not offer it gets nothing.
    Starttls,
    /// Implicit TLS from the first byte (SMTPS, RFC 8314), usually port 465.
    Tls,
}

impl SmtpSecurity {
    /// The default for a relay: plain when it is on this machine (today's local-MTA setup
    /// keeps working), STARTTLS required anywhere else.
    pub fn default_for(host: &str) -> SmtpSecurity {
        if is_loopback(host) {
            SmtpSecurity::None
        } else {
            SmtpSecurity::Starttls
        }
    }

    /// The usual port of the mode: 25 (relay), 587 (submission), 465 (submissions).
    pub fn default_port(self) -> u16 {
        match self {
            SmtpSecurity::None => 25,
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
        }
    }

    /// As the flag spells it.
    pub fn name(self) -> &'static str {
        match self {
            SmtpSecurity::None => "none",
            SmtpSecurity::Starttls => "starttls",
            SmtpSecurity::Tls => "tls",
        }
    }
}

/// Is `host` this machine: `localhost` or a loopback address (`127.0.0.0/8`, `::1`)?
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The relay account (`--smtp-user`, `--smtp-password`). Never printed: its `Debug` shows
/// neither part.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpCredentials {
    /// The user name.
    pub user: String,
    /// The password.
    pub password: String,
}

impl std::fmt::Debug for SmtpCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SmtpCredentials(hidden)")
    }
}

/// Where e-mail goes: an SMTP relay.
#[derive(Clone, Debug)]
pub struct SmtpConfig {
    /// Relay host (a name, or an IP address; the relay's certificate must name it).
    pub host: String,
    /// Relay port.
    pub port: u16,
    /// Sender address, `Name <address>` or an address.
    pub from: String,
    /// How the connection is secured.
    pub security: SmtpSecurity,
    /// A PEM file of CA certificates the relay's certificate may chain to, besides the
    /// built-in web roots (a private CA, an in-house relay).
    pub ca_file: Option<PathBuf>,
    /// The account to log in with (AUTH), if the relay asks for one.
    pub credentials: Option<SmtpCredentials>,
}

impl SmtpConfig {
    /// A relay with the defaults of its host: plain SMTP on port 25 for one on this machine,
    /// STARTTLS on 587 elsewhere; no extra CA, no login.
    pub fn new(host: impl Into<String>, port: Option<u16>, from: impl Into<String>) -> Self {
        let host = host.into();
        let security = SmtpSecurity::default_for(&host);
        SmtpConfig {
            port: port.unwrap_or(security.default_port()),
            host,
            from: from.into(),
            security,
            ca_file: None,
            credentials: None,
        }
    }

    /// The transport to the relay, or why this configuration cannot be used: a password that
    /// would cross the network in plain text, a CA file that cannot be read or holds no
    /// certificate, a CA file where nothing is verified.
    pub fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
        if self.credentials.is_some()
            && self.security == SmtpSecurity::None
            && !is_loopback(&self.host)
        {
            return Err(format!(
                "--smtp-user: the password would go to {} in plain text; use --smtp-tls \
                 starttls or --smtp-tls tls (AUTH without TLS only to a relay on this machine)",
                self.host
            ));
        }
        let tls = match self.security {
            SmtpSecurity::None => {
                if let Some(path) = &self.ca_file {
                    return Err(format!(
                        "--smtp-ca-file {}: with --smtp-tls none no certificate is verified; \
                         use --smtp-tls starttls or tls",
                        path.display()
                    ));
                }
                Tls::None
            }
            SmtpSecurity::Starttls => Tls::Required(self.tls_parameters()?),
            SmtpSecurity::Tls => Tls::Wrapper(self.tls_parameters()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host)
            .port(self.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(20)));
        if let Some(c) = &self.credentials {
            builder = builder.credentials(Credentials::new(c.user.clone(), c.password.clone()));
        }
        Ok(builder.build())
    }

    /// Certificates verified against Mozilla's roots (built in, the same on every machine)
    /// and the CA file's, for the relay's host name.
    fn tls_parameters(&self) -> Result<TlsParameters, String> {
        let mut builder = TlsParameters::builder(self.host.clone())
            .certificate_store(CertificateStore::WebpkiRoots);
        if let Some(path) = &self.ca_file {
            let shown = path.display();
            let pem = std::fs::read(path)
                .map_err(|e| format!("--smtp-ca-file {shown} cannot be read: {e}"))?;
            if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
                return Err(format!(
                    "--smtp-ca-file {shown} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
                ));
            }
            let certificates = Certificate::from_pem(&pem)
                .map_err(|e| format!("--smtp-ca-file {shown} is not valid PEM: {e}"))?;
            builder = builder.add_root_certificate(certificates);
        }
        // Adding each root parses it: a file of broken certificates fails here, at start.
        builder
            .build_rustls()
            .map_err(|e| format!("SMTP TLS settings for {}: {e}", self.host))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(host: &str, security: SmtpSecurity) -> SmtpConfig {
        SmtpConfig {
            security,
            ..SmtpConfig::new(host, None, "Consult <noreply@consult.test>")
        }
    }

    #[test]
    fn the_default_is_plain_only_on_this_machine() {
        for host in [
            "localhost",
            "LOCALHOST",
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "[::1]",
        ] {
            assert_eq!(
                SmtpSecurity::default_for(host),
                SmtpSecurity::None,
                "{host}"
            );
        }
        for host in [
            "smtp.example.com",
            "10.0.0.5",
            "localhost.example.com",
            "::2",
        ] {
            assert_eq!(
                SmtpSecurity::default_for(host),
                SmtpSecurity::Starttls,
                "{host}"
            );
        }
        let local = SmtpConfig::new("127.0.0.1", None, "a@b.test");
        assert_eq!((local.security, local.port), (SmtpSecurity::None, 25));
        let remote = SmtpConfig::new("smtp.example.com", None, "a@b.test");
        assert_eq!(
            (remote.security, remote.port),
            (SmtpSecurity::Starttls, 587)
        );
        assert_eq!(SmtpSecurity::Tls.default_port(), 465);
    }

    #[tokio::test]
    async fn a_password_never_goes_in_plain_text_to_another_machine() {
        let credentials = Some(SmtpCredentials {
            user: "mailer".into(),
            password: "s3cret-pa55".into(),
        });
        let plain_remote = SmtpConfig {
            credentials: credentials.clone(),
            ..config("smtp.example.com", SmtpSecurity::None)
        };
        let e = plain_remote.transport().expect_err("refused");
        assert!(e.contains("plain text") && e.contains("--smtp-tls"), "{e}");
        assert!(!e.contains("s3cret"), "{e}");
        assert!(!format!("{plain_remote:?}").contains("s3cret"));
        assert!(!format!("{plain_remote:?}").contains("mailer"));
        // Over TLS, or to the local MTA, it may.
        for ok in [
            config("smtp.example.com", SmtpSecurity::Starttls),
            config("smtp.example.com", SmtpSecurity::Tls),
            config("localhost", SmtpSecurity::None),
        ] {
            let ok = SmtpConfig {
                credentials: credentials.clone(),
                ..ok
            };
            assert!(ok.transport().is_ok(), "{ok:?}");
        }
    }

    #[tokio::test]
    async fn a_ca_file_that_cannot_serve_is_an_error_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let missing = SmtpConfig {
            ca_file: Some(dir.path().join("missing.pem")),
            ..config("smtp.example.com", SmtpSecurity::Starttls)
        };
        let e = missing.transport().expect_err("refused");
        assert!(
            e.contains("missing.pem") && e.contains("cannot be read"),
            "{e}"
        );
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not a certificate").unwrap();
        let e = SmtpConfig {
            ca_file: Some(junk.clone()),
            ..config("smtp.example.com", SmtpSecurity::Tls)
        }
        .transport()
        .expect_err("refused");
        assert!(e.contains("no PEM certificate"), "{e}");
        let broken = dir.path().join("broken.pem");
        std::fs::write(
            &broken,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let e = SmtpConfig {
            ca_file: Some(broken),
            ..config("smtp.example.com", SmtpSecurity::Starttls)
        }
        .transport()
        .expect_err("refused");
        assert!(e.contains("SMTP TLS settings"), "{e}");
        // A CA file where nothing is verified is a mistake, not a silent no-op.
        let e = SmtpConfig {
            ca_file: Some(junk),
            ..config("127.0.0.1", SmtpSecurity::None)
        }
        .transport()
        .expect_err("refused");
        assert!(e.contains("--smtp-tls none"), "{e}");
    }
}
