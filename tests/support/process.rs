//! `consult serve` as a child process, for the tests that must kill it (a crash) or read what
//! it logs.
//!
//! The child is owned by a guard from the moment it is spawned, in a process group of its
//! own: whatever panics afterwards (the wait for it included), dropping the guard kills the
//! group, so a failing test leaves nothing running. Readiness is awaited, not timed: the wait
//! ends when `/healthz` answers or the child exits; only a hang (minutes) ends it otherwise.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The folder where every test's servers keep compressed widget files: compressed once per
/// build, not once per test.
pub fn shared_asset_cache() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("asset-cache")
}

/// A free loopback port (free when picked; the caller binds it soon after).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// SIGKILL to the process group a child leads (it was spawned with `process_group(0)`), then
/// reap the child: nothing it started lives on.
pub fn kill_group(child: &mut Child) {
    let group = format!("-{}", child.id());
    // The group may be gone already (its leader exited): nothing to say about that.
    let _ = Command::new("kill")
        .args(["-s", "KILL", "--", &group])
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
    let _ = child.wait();
}

/// Only a server that hangs, neither answering nor exiting, is given up on after this.
const HANG: Duration = Duration::from_secs(300);

/// A running `consult serve`; killed (SIGKILL, the whole group) when dropped.
pub struct ConsultProcess {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Its port.
    pub port: u16,
    logs: tempfile::TempDir,
    /// Killed and reaped already: its pid may belong to someone else now, never signal it again.
    killed: bool,
}

impl ConsultProcess {
    /// `consult serve` on `port` with `data`, the widget build and the shared asset cache;
    /// add flags and environment before [`ConsultProcess::start`].
    pub fn command(data: &Path, port: u16) -> Command {
        Self::command_with_cache(data, port, &shared_asset_cache())
    }

    /// The same with compressed files kept in `cache`.
    pub fn command_with_cache(data: &Path, port: u16, cache: &Path) -> Command {
        Self::subcommand("serve", data, port, cache)
    }

    /// `consult demo` on `port` with `data`, its host page on `host_port` (the agent's login
    /// link is on its standard output: [`ConsultProcess::demo_login_link`]).
    pub fn demo_command(data: &Path, port: u16, host_port: u16) -> Command {
        let mut cmd = Self::subcommand("demo", data, port, &shared_asset_cache());
        cmd.arg("--host-listen")
            .arg(format!("127.0.0.1:{host_port}"));
        cmd
    }

    fn subcommand(name: &str, data: &Path, port: u16, cache: &Path) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_consult"));
        cmd.args([name, "--listen", &format!("127.0.0.1:{port}"), "--data"])
            .arg(data)
            .arg("--dist")
            .arg(consult::server::config::default_dist_dir())
            .arg("--asset-cache")
            .arg(cache)
            .env("RUST_LOG", "info");
        super::db::apply(&mut cmd, data);
        cmd
    }

    /// Spawn `cmd` (from [`ConsultProcess::command`]) and wait until it answers.
    pub async fn start(cmd: Command, port: u16) -> ConsultProcess {
        let mut process = Self::spawn(cmd, port);
        if let Err(status) = process.answers().await {
            panic!(
                "consult serve exited ({status}) before answering:\n{}",
                process.stderr()
            );
        }
        process
    }

    /// Spawn `cmd` expecting it to refuse to start: returns its exit status and log once it
    /// exits; panics if it serves instead.
    pub async fn refused(cmd: Command, port: u16) -> (std::process::ExitStatus, String) {
        let mut process = Self::spawn(cmd, port);
        match process.answers().await {
            Ok(()) => panic!("it served:\n{}", process.stderr()),
            Err(status) => {
                process.killed = true;
                (status, process.stderr())
            }
        }
    }

    /// Spawn `cmd` in a process group of its own, its output kept in files.
    fn spawn(mut cmd: Command, port: u16) -> ConsultProcess {
        use std::os::unix::process::CommandExt;
        let logs = tempfile::tempdir().unwrap();
        let out = std::fs::File::create(logs.path().join("stdout")).unwrap();
        let err = std::fs::File::create(logs.path().join("stderr")).unwrap();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0)
            .spawn()
            .expect("consult serve starts");
        // Owned before anything else can fail.
        ConsultProcess {
            child,
            url: format!("http://127.0.0.1:{port}"),
            port,
            logs,
            killed: false,
        }
    }

    /// Wait until it answers on `/healthz` (`Ok`) or exits (`Err` with its status).
    async fn answers(&mut self) -> Result<(), std::process::ExitStatus> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let since = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(status);
            }
            if let Ok(r) = client.get(format!("{}/healthz", self.url)).send().await {
                if r.status().is_success() {
                    return Ok(());
                }
            }
            assert!(
                since.elapsed() < HANG,
                "consult serve neither answered nor exited in {HANG:?}:\n{}",
                self.stderr()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// What it wrote to standard error so far (its log).
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.logs.path().join("stderr")).unwrap_or_default()
    }

    /// What it wrote to standard output so far.
    pub fn stdout(&self) -> String {
        std::fs::read_to_string(self.logs.path().join("stdout")).unwrap_or_default()
    }

    /// The single-use console login link `consult demo` printed for its agent.
    pub fn demo_login_link(&self) -> String {
        let out = self.stdout();
        out.lines()
            .find_map(|l| l.trim().strip_prefix("Agent console (single-use login):"))
            .map(|l| l.trim().to_string())
            .unwrap_or_else(|| panic!("no login link in the demo's output:\n{out}"))
    }

    /// SIGKILL to the whole group: no goodbye to anyone, as in a crash.
    pub fn kill(&mut self) {
        if !std::mem::replace(&mut self.killed, true) {
            kill_group(&mut self.child);
        }
    }

    /// Ask it to stop (SIGTERM, as a service manager does) and wait until it exits: its exit
    /// status, or none if it is still running after [`HANG`] (it is then killed).
    pub fn terminate(&mut self) -> Option<std::process::ExitStatus> {
        if self.killed {
            return None;
        }
        let _ = Command::new("kill")
            .args(["-s", "TERM", &self.child.id().to_string()])
            .stderr(Stdio::null())
            .status();
        let deadline = std::time::Instant::now() + HANG;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                self.killed = true;
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill();
        None
    }

    /// Its process id (and process group id).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Is it still running?
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for ConsultProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
