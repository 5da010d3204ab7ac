//! Starting `consult serve` on any machine: it answers at once (health checks too) while the
//! widget's files are compressed in the background, keeps the compressed files for the next
//! start of the same build, and a test that fails while a server runs leaves none behind.

use crate::support;

use std::time::Duration;
use support::process::{free_port, ConsultProcess};

async fn status(url: &str) -> u16 {
    reqwest::get(url).await.unwrap().status().as_u16()
}

#[tokio::test]
async fn compressed_files_are_kept_for_the_next_start_of_the_same_build() {
    let dist = consult::server::config::default_dist_dir();
    assert!(
        dist.join("index.html").exists(),
        "the widget is built (scripts/test.sh builds it)"
    );
    let data = tempfile::tempdir().unwrap();
    // A cache of its own: empty, so this start has everything to compress.
    let cache = tempfile::tempdir().unwrap();
    let port = free_port();
    let command = || ConsultProcess::command_with_cache(data.path(), port, cache.path());
    let mut first = ConsultProcess::start(command(), port).await;
    // Serving already; ready (compressed) once the background thread is done.
    assert_eq!(status(&format!("{}/healthz", first.url)).await, 200);
    let index = reqwest::get(format!("{}/console", first.url))
        .await
        .unwrap();
    assert_eq!(index.status(), 200);
    loop {
        match status(&format!("{}/readyz", first.url)).await {
            200 => break,
            503 => tokio::time::sleep(Duration::from_millis(100)).await,
            other => panic!("/readyz answered {other}"),
        }
    }
    // Every file of the build, in its folders too (the API reference's files, each page's
    // own build); kept by content, so a file two builds share (the stylesheet) is one copy.
    let mut contents = std::collections::HashSet::new();
    let mut dirs = vec![dist.clone()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                use sha2::Digest;
                contents.insert(sha2::Sha256::digest(std::fs::read(&path).unwrap()).to_vec());
            }
        }
    }
    let files = contents.len();
    let cached = std::fs::read_dir(cache.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "br")
        })
        .count();
    assert_eq!(cached, files, "one brotli copy per content of the build");
    first.kill();

    // The next start reads them: ready from its first answer.
    let second = ConsultProcess::start(command(), port).await;
    assert_eq!(status(&format!("{}/readyz", second.url)).await, 200);
    let wasm = std::fs::read_dir(dist.as_path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with(".wasm"))
        .expect("a wasm file");
    let res = reqwest::Client::builder()
        .no_brotli()
        .build()
        .unwrap()
        .get(format!("{}/{wasm}", second.url))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-encoding"], "br");
}

#[tokio::test]
async fn a_test_that_fails_while_a_server_runs_leaves_no_process_behind() {
    let data = tempfile::tempdir().unwrap();
    let path = data.path().to_path_buf();
    let (pid_tx, pid_rx) = tokio::sync::oneshot::channel();
    let failing = tokio::spawn(async move {
        let port = free_port();
        let server = ConsultProcess::start(ConsultProcess::command(&path, port), port).await;
        pid_tx.send(server.pid()).unwrap();
        panic!("a test fails here, with the server running");
    });
    assert!(failing.await.unwrap_err().is_panic());
    let pid = pid_rx.await.unwrap();
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "consult serve {pid} outlived its test"
    );

    // A server that cannot start (its port taken) is reported with what it said, at once.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let path = data.path().to_path_buf();
    let refused = tokio::spawn(async move {
        ConsultProcess::start(ConsultProcess::command(&path, port), port).await;
    })
    .await
    .unwrap_err();
    let message = refused
        .into_panic()
        .downcast::<String>()
        .map(|s| *s)
        .unwrap_or_default();
    assert!(message.contains("exited"), "{message}");
}
