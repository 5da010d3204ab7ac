//! A node of a cluster: `consult serve --bus …` as a child process, and what its log says
//! about the hub's owner.

use super::process::{free_port, ConsultProcess};
use std::time::{Duration, Instant};

/// Waits longer than this are failures, not slowness.
const PATIENCE: Duration = Duration::from_secs(60);

/// A running node and its id on the bus.
pub struct Node {
    /// The process (killed when dropped).
    pub process: ConsultProcess,
    /// Its node id.
    pub id: String,
}

impl Node {
    /// A node on the data folder `data` (and its database) and the bus `bus`, with `flags`.
    pub async fn start(data: &std::path::Path, bus: &str, flags: &[&str]) -> Node {
        let port = free_port();
        let mut cmd = ConsultProcess::command(data, port);
        cmd.args(["--bus", bus]).args(flags);
        if let Ok(filter) = std::env::var("CONSULT_NODE_LOG_FILTER") {
            cmd.env("RUST_LOG", filter);
        }
        let process = ConsultProcess::start(cmd, port).await;
        let line = wait_log(&process, "on the bus node=").await;
        let id = line
            .split("node=")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .expect("a node id")
            .to_string();
        Node { process, id }
    }

    /// The owner it last logged, and how many owners it has logged.
    pub fn owner(&self) -> (Option<String>, usize) {
        let log = self.process.stderr();
        let owners: Vec<&str> = log
            .lines()
            .filter_map(|l| l.split("hub owner owner=").nth(1))
            .filter_map(|s| s.split_whitespace().next())
            .collect();
        (owners.last().map(|s| s.to_string()), owners.len())
    }

    /// Wait until it knows `owner` owns the hub.
    pub async fn knows_owner(&self, owner: &str) {
        let since = Instant::now();
        while self.owner().0.as_deref() != Some(owner) {
            assert!(
                since.elapsed() < PATIENCE,
                "never learned the owner:\n{}",
                self.process.stderr()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Node {
    /// With `CONSULT_NODE_LOGS=DIR`, each node's log is kept there (`{node}.log`), also when
    /// a test or benchmark fails.
    fn drop(&mut self) {
        if let Some(dir) = std::env::var_os("CONSULT_NODE_LOGS") {
            let path = std::path::Path::new(&dir).join(format!("{}.log", self.id));
            let _ = std::fs::write(path, self.process.stderr());
        }
    }
}

/// Wait until every node names the same owner, one of them; its index.
pub async fn agreed_owner(nodes: &[Node]) -> usize {
    let since = Instant::now();
    loop {
        let owners: Vec<Option<String>> = nodes.iter().map(|n| n.owner().0).collect();
        if let Some(Some(first)) = owners.first() {
            if owners.iter().all(|o| o.as_ref() == Some(first)) {
                if let Some(i) = nodes.iter().position(|n| &n.id == first) {
                    return i;
                }
            }
        }
        assert!(
            since.elapsed() < PATIENCE,
            "the nodes never agreed on an owner"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The first line of the process's log containing `needle`, waiting for it.
pub async fn wait_log(p: &ConsultProcess, needle: &str) -> String {
    let since = Instant::now();
    loop {
        if let Some(line) = p.stderr().lines().find(|l| l.contains(needle)) {
            return line.to_string();
        }
        assert!(
            since.elapsed() < PATIENCE,
            "never logged {needle:?}:\n{}",
            p.stderr()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
