//! A real SMTP server on loopback (aiosmtpd, from PyPI; scripts/setup.sh installs it), which
//! stores each message it receives as a file. It may require STARTTLS or speak implicit TLS
//! with a certificate of a throwaway CA made for the test (rcgen), and require a login.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// A running SMTP sink.
pub struct SmtpSink {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    dir: TempDir,
    options: SinkOptions,
}

/// How a sink secures its connections.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SinkTls {
    /// Plain SMTP.
    #[default]
    Plain,
    /// STARTTLS offered, and required before anything else.
    Starttls,
    /// TLS from the first byte (SMTPS).
    Implicit,
}

/// What a sink asks of its clients.
#[derive(Clone, Debug, Default)]
pub struct SinkOptions {
    /// Refuse recipients whose address contains this (when not empty).
    pub refuse: String,
    /// How connections are secured.
    pub tls: SinkTls,
    /// The one account it accepts, `(user, password)`; with it, a login is required.
    pub login: Option<(String, String)>,
}

/// A throwaway CA, and a certificate it signed for 127.0.0.1 and localhost: the CA's PEM,
/// the certificate's PEM, its key's PEM.
fn throwaway_ca() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, SanType};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "Consult test CA");
    let ca = ca.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    leaf.subject_alt_names
        .push(SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()));
    let leaf = leaf.signed_by(&key, &ca, &ca_key).unwrap();
    (ca.pem(), leaf.pem(), key.serialize_pem())
}

/// The Python with aiosmtpd: `$CONSULT_PYTHON`, else the setup script's venv, else python3.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("CONSULT_PYTHON") {
        return p.into();
    }
    let cache = std::env::var_os("CONSULT_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/consult")
        });
    let venv = cache.join("venv/bin/python");
    if venv.exists() {
        venv
    } else {
        "python3".into()
    }
}

impl SmtpSink {
    /// The server's configuration to send through this sink: its mode, its CA, its account.
    pub fn config(&self) -> Option<consult::server::notify::SmtpConfig> {
        use consult::server::notify::{SmtpConfig, SmtpCredentials, SmtpSecurity};
        let security = match self.options.tls {
            SinkTls::Plain => SmtpSecurity::None,
            SinkTls::Starttls => SmtpSecurity::Starttls,
            SinkTls::Implicit => SmtpSecurity::Tls,
        };
        Some(SmtpConfig {
            security,
            ca_file: (security != SmtpSecurity::None).then(|| self.ca_file()),
            credentials: self
                .options
                .login
                .clone()
                .map(|(user, password)| SmtpCredentials { user, password }),
            ..SmtpConfig::new(
                "127.0.0.1",
                Some(self.port),
                "Consult <noreply@consult.test>",
            )
        })
    }

    /// The PEM file of the CA that signed its certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The logins it accepted so far, `MECHANISM user` each.
    pub fn logins(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("logins"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Start it on a free port.
    pub fn start() -> SmtpSink {
        Self::start_refusing("")
    }

    /// Start it on a free port, refusing every recipient whose address contains `refuse`
    /// (when not empty) as a real relay does: `550 5.1.1 <address>: Recipient address
    /// rejected: User unknown`, the address quoted in the answer.
    pub fn start_refusing(refuse: &str) -> SmtpSink {
        Self::start_with(SinkOptions {
            refuse: refuse.into(),
            ..SinkOptions::default()
        })
    }

    /// Start it on a free port with these options.
    pub fn start_with(options: SinkOptions) -> SmtpSink {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let script = consult::server::config::source_dir().join("tests/support/smtp_sink.py");
        let mut cmd = Command::new(python());
        cmd.arg(script)
            .arg(port.to_string())
            .arg(dir.path())
            .arg(&options.refuse);
        if options.tls != SinkTls::Plain {
            let (ca, cert, key) = throwaway_ca();
            let (cert_file, key_file) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
            std::fs::write(dir.path().join("ca.pem"), ca).unwrap();
            std::fs::write(&cert_file, cert).unwrap();
            std::fs::write(&key_file, key).unwrap();
            let mode = match options.tls {
                SinkTls::Implicit => "implicit",
                _ => "starttls",
            };
            cmd.args(["--tls", mode, "--cert"])
                .arg(cert_file)
                .arg("--key")
                .arg(key_file);
        }
        if let Some((user, password)) = &options.login {
            cmd.args(["--user", user, "--password", password]);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python with aiosmtpd (scripts/setup.sh installs it)");
        let stdout = child.stdout.take();
        // Owned before waiting, so a failure below still stops it.
        let sink = SmtpSink {
            child,
            port,
            dir,
            options,
        };
        let mut line = String::new();
        if let Some(out) = stdout {
            let _ = BufReader::new(out).read_line(&mut line);
        }
        assert_eq!(
            line.trim(),
            "ready",
            "the SMTP sink did not start (is aiosmtpd installed?)"
        );
        sink
    }

    /// The message files received so far, in order.
    fn files(&self) -> Vec<PathBuf> {
        let mut files: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        files
    }

    /// The raw messages received so far, in order.
    pub fn messages(&self) -> Vec<String> {
        self.files()
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }

    /// The messages received so far as independent readers see them: `{"to", "subject",
    /// "text", "calendars": [{"filename", "method", "uid", "summary", "description", "url",
    /// "status", "sequence", "start", "end"}]}` (Python's MIME parser and the icalendar package, in the sink).
    pub fn parsed(&self) -> Vec<serde_json::Value> {
        self.files()
            .iter()
            .map(|p| {
                let json = std::fs::read_to_string(p.with_extension("eml.json")).unwrap();
                serde_json::from_str(&json).unwrap()
            })
            .collect()
    }

    /// The messages received so far, as a mail client shows them (quoted-printable decoded).
    pub fn decoded(&self) -> Vec<String> {
        self.messages()
            .iter()
            .map(|m| decode_quoted_printable(m))
            .collect()
    }

    /// Wait until at least `n` messages arrived (up to `secs`).
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<String> {
        let deadline = Instant::now() + super::patience(secs);
        loop {
            let m = self.decoded();
            if m.len() >= n {
                return m;
            }
            assert!(
                Instant::now() < deadline,
                "expected {n} e-mails within {:?}, got {}",
                super::patience(secs),
                m.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Undo quoted-printable: soft line breaks and `=XX` escapes (enough for the text parts).
pub fn decode_quoted_printable(raw: &str) -> String {
    let unfolded = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = unfolded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&unfolded[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
