//! An S3-compatible server of the test's own: moto's (`moto[server]` from PyPI, in the tests'
//! venv; scripts/setup.sh installs it) on a free loopback port, in memory; killed (with its
//! process group) when dropped. It may be stopped and started again on the same port (a
//! store that was down: what it held is gone then, its buckets too).

use consult::server::config::RecordingsStore;
use object_store::aws::AmazonS3Builder;
use object_store::ObjectStore;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running (or stopped) moto server.
pub struct S3Server {
    child: Option<Child>,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl S3Server {
    /// Start one on a free port and wait until it answers.
    pub async fn start() -> S3Server {
        let port = super::process::free_port();
        let mut server = S3Server {
            child: None,
            port,
            url: format!("http://127.0.0.1:{port}"),
        };
        server.run().await;
        server
    }

    /// Start it again on its port (after [`S3Server::stop`]), empty.
    pub async fn run(&mut self) {
        use std::os::unix::process::CommandExt;
        assert!(self.child.is_none(), "it runs already");
        let child = Command::new(super::smtp::python())
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p"])
            .arg(self.port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("python with moto[server] (scripts/setup.sh installs it)");
        // Owned before waiting, so a failure below still stops it.
        self.child = Some(child);
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let since = Instant::now();
        // Readiness awaited, not timed: until it answers, or exits.
        loop {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
                panic!("moto_server exited ({status})");
            }
            if let Ok(res) = http.get(&self.url).send().await {
                if res.status().is_success() {
                    return;
                }
            }
            assert!(
                since.elapsed() < Duration::from_secs(120),
                "moto_server never answered"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Kill it (its whole process group): the store is down until [`S3Server::run`].
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            super::process::kill_group(&mut child);
        }
    }

    /// Make a bucket (moto takes requests unsigned).
    pub async fn create_bucket(&self, name: &str) {
        let res = reqwest::Client::new()
            .put(format!("{}/{name}", self.url))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{}", res.status());
    }

    /// The server's configuration for `bucket` here (moto takes any credentials).
    pub fn store(&self, bucket: &str) -> RecordingsStore {
        RecordingsStore {
            bucket: bucket.into(),
            endpoint: Some(self.url.clone()),
            region: Some("us-east-1".into()),
            credentials: Some(("testing".into(), "testing".into())),
        }
    }

    /// A client of `bucket` here, to read what the server stored.
    pub fn client(&self, bucket: &str) -> impl ObjectStore {
        AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_endpoint(&self.url)
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_access_key_id("testing")
            .with_secret_access_key("testing")
            .build()
            .unwrap()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}
