//! A NATS server of the test's own: Debian's `nats-server` with JetStream, on a free loopback
//! port, its files in a temporary folder; killed (with its process group) when dropped.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `nats-server`.
pub struct NatsServer {
    child: Child,
    /// `nats://127.0.0.1:PORT`.
    pub url: String,
    _dir: tempfile::TempDir,
}

impl NatsServer {
    /// Start one and wait until it takes connections.
    pub async fn start() -> NatsServer {
        use std::os::unix::process::CommandExt;
        let dir = tempfile::tempdir().unwrap();
        let port = super::process::free_port();
        // Debian installs it in /usr/sbin, which not every PATH holds.
        let bin = std::env::var("NATS_SERVER").unwrap_or_else(|_| {
            let debian = "/usr/sbin/nats-server";
            if std::path::Path::new(debian).exists() {
                debian.into()
            } else {
                "nats-server".into()
            }
        });
        let child = Command::new(bin)
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("nats-server (Debian's nats-server package; scripts/setup.sh installs it)");
        let mut server = NatsServer {
            child,
            url: format!("nats://127.0.0.1:{port}"),
            _dir: dir,
        };
        let since = Instant::now();
        // Readiness awaited, not timed: until it takes a connection, or exits.
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("nats-server exited ({status})");
            }
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return server;
            }
            assert!(
                since.elapsed() < Duration::from_secs(120),
                "nats-server never answered"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl NatsServer {
    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        super::process::kill_group(&mut self.child);
    }
}
