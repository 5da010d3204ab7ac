//! Debian's nginx on a free loopback port, as the reverse proxy in front of Consult; its
//! process group is killed when dropped.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running nginx.
pub struct Nginx {
    child: Child,
    /// Its port.
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Nginx {
    /// Start nginx with `server(port)` inside its `http` block (what to proxy where; the
    /// port is the one to listen on) and wait until it takes connections.
    pub fn start(server: impl FnOnce(u16) -> String) -> Nginx {
        Self::start_on(super::process::free_port(), server)
    }

    /// The same on `port` (picked before, when others must know it first).
    pub fn start_on(port: u16, server: impl FnOnce(u16) -> String) -> Nginx {
        use std::os::unix::process::CommandExt;
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display();
        let conf = format!(
            "daemon off; master_process off; worker_processes 1;
             pid {d}/nginx.pid; error_log {d}/error.log;
             events {{ worker_connections 256; }}
             http {{
               access_log off;
               client_body_temp_path {d}/body; proxy_temp_path {d}/proxy;
               fastcgi_temp_path {d}/fastcgi; uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
               {}
             }}",
            server(port)
        );
        std::fs::write(dir.path().join("nginx.conf"), conf).unwrap();
        let child = Command::new(std::env::var("NGINX").unwrap_or("/usr/sbin/nginx".into()))
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("nginx runs (Debian package nginx-light; scripts/setup.sh installs it)");
        let mut nginx = Nginx {
            child,
            port,
            _dir: dir,
        };
        let since = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                matches!(nginx.child.try_wait(), Ok(None)),
                "nginx exited at start: {}",
                std::fs::read_to_string(nginx._dir.path().join("error.log")).unwrap_or_default()
            );
            assert!(
                since.elapsed() < Duration::from_secs(300),
                "nginx did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        nginx
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        super::process::kill_group(&mut self.child);
    }
}
