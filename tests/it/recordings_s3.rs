//! Cloud recordings kept in an S3-compatible bucket (moto's server on loopback, see
//! [`crate::support::s3`]): the sealed file (its duration written) is in the bucket and off
//! the disk; access links serve it from there (whole, a range, HEAD, 416, expired); a large
//! file goes up in parts; deletes and bulk deletes remove the object; a store that is down
//! at the seal loses nothing (the sweeper uploads it later), and one down at a delete leaves
//! the object to the sweeper. A file sealed before the bucket was configured is still served
//! from disk; `consult serve` takes the store from its flags and never repeats a secret; the
//! operator's `consult personal-data erase` removes a person's recordings from the bucket.

use crate::recordings_api::{files, probe, recorder_file, row_state, started, Host, Rooms};
use crate::support;

use chrono::{Duration, Utc};
use object_store::path::Path as Key;
use object_store::ObjectStore;
use reqwest::{Method, StatusCode};
use serde_json::json;
use support::s3::S3Server;
use support::TestServer;

const BUCKET: &str = "consult-recordings";

fn key(company: &str, id: &str) -> Key {
    Key::from(format!("recordings/{company}/{id}.webm"))
}

/// The object's bytes, `None` when there is none.
async fn object(s3: &impl ObjectStore, company: &str, id: &str) -> Option<Vec<u8>> {
    match s3.get(&key(company, id)).await {
        Ok(got) => Some(got.bytes().await.unwrap().to_vec()),
        Err(object_store::Error::NotFound { .. }) => None,
        Err(e) => panic!("{e}"),
    }
}

/// Neither the part file nor a sealed file of the recording is on the server's disk.
fn off_disk(server: &TestServer, company: &str, id: &str) -> bool {
    let (part, sealed) = files(server, company, id);
    !part.exists() && !sealed.exists()
}

async fn access_link(rooms: &Rooms, id: &str, query: &str) -> String {
    let (status, link) = rooms
        .get(&format!("/recordings/{id}/access-link{query}"))
        .await;
    assert_eq!(status, 200, "{link}");
    link["accessLink"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn sealed_recordings_go_to_the_bucket_and_are_served_and_deleted_from_it() {
    let moto = S3Server::start().await;
    moto.create_bucket(BUCKET).await;
    let server = TestServer::start_with(|c| c.recordings_store = Some(moto.store(BUCKET))).await;
    let s3 = moto.client(BUCKET);
    let company = server.company().await;
    let rooms = Rooms::new(&server, &company).await;
    let http = reqwest::Client::new();

    // A real recording in three chunks: sealed at the last, into the bucket, off the disk.
    let file = recorder_file(2);
    let id = started(&server, &company, "/clinic-a", "cloud", Utc::now()).await;
    let host = Host::new(&server, &id);
    let third = file.len() / 3;
    for (seq, chunk) in [&file[..third], &file[third..2 * third], &file[2 * third..]]
        .into_iter()
        .enumerate()
    {
        let (status, body) = host.put(seq as u32, chunk, seq == 2).await;
        assert_eq!(status, 204, "{body}");
    }
    assert_eq!(row_state(&server, &id).await, "ready");
    let stored = object(&s3, &company, &id).await.expect("the object");
    let (kinds, duration) = probe(&stored);
    assert_eq!(kinds, ["video", "audio"]);
    assert!((duration.unwrap() - 2.0).abs() < 0.15, "{duration:?}");
    let row = server.state.store.recording(&id).await.unwrap().unwrap();
    assert_eq!(row.bytes, stored.len() as i64);
    assert!(off_disk(&server, &company, &id));

    // The access link: the whole file, a range, HEAD, a range past the end.
    let url = access_link(&rooms, &id, "").await;
    let res = http.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "video/webm");
    assert_eq!(h["accept-ranges"], "bytes");
    assert_eq!(h["cache-control"], "private, no-store");
    assert_eq!(h["content-length"], stored.len().to_string().as_str());
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("media-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(
        h["content-disposition"].to_str().unwrap(),
        format!(
            "inline; filename=\"{}\"",
            consult::server::recordings::filename(&row)
        )
    );
    assert_eq!(res.bytes().await.unwrap(), stored);
    let res = http
        .get(&url)
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(
        res.headers()["content-range"].to_str().unwrap(),
        format!("bytes 100-199/{}", stored.len())
    );
    assert_eq!(res.headers()["content-type"], "video/webm");
    assert_eq!(res.bytes().await.unwrap(), stored[100..200]);
    let res = http
        .get(&url)
        .header("range", "bytes=-10")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.bytes().await.unwrap(), stored[stored.len() - 10..]);
    let res = http.head(&url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-length"],
        stored.len().to_string().as_str()
    );
    let res = http
        .get(&url)
        .header("range", format!("bytes={}-", stored.len()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 416);
    assert_eq!(
        res.headers()["content-range"].to_str().unwrap(),
        format!("bytes */{}", stored.len())
    );
    // Tampered: 404; expired: 410.
    let tampered = url.replace("signature=", "signature=A");
    assert_eq!(http.get(&tampered).send().await.unwrap().status(), 404);
    let short = access_link(&rooms, &id, "?validForSeconds=1").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let res = http.get(&short).send().await.unwrap();
    assert_eq!(res.status(), 410);

    // A file larger than one part (not a WebM file: sealed unchanged) goes up in parts.
    let big: Vec<u8> = (0..10 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let large = started(&server, &company, "/clinic-b", "cloud", Utc::now()).await;
    let host = Host::new(&server, &large);
    assert_eq!(host.put(0, &big[..6 << 20], false).await.0, 204);
    assert_eq!(host.put(1, &big[6 << 20..], true).await.0, 204);
    assert_eq!(row_state(&server, &large).await, "ready");
    assert!(object(&s3, &company, &large).await.unwrap() == big);
    assert!(off_disk(&server, &company, &large));
    let large_url = access_link(&rooms, &large, "").await;
    let boundary = 8 * 1024 * 1024;
    let res = http
        .get(&large_url)
        .header(
            "range",
            format!("bytes={}-{}", boundary - 100, boundary + 99),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert!(res.bytes().await.unwrap() == big[boundary - 100..boundary + 100]);

    // Delete: the object goes at once, the link dies; a second delete answers the same.
    let (status, _) = rooms
        .call(Method::DELETE, &format!("/recordings/{id}"), None)
        .await;
    assert_eq!(status, 204);
    assert_eq!(object(&s3, &company, &id).await, None);
    assert_eq!(http.get(&url).send().await.unwrap().status(), 404);
    assert_eq!(row_state(&server, &id).await, "deleted");
    let (status, _) = rooms
        .call(Method::DELETE, &format!("/recordings/{id}"), None)
        .await;
    assert_eq!(status, 204);
    // Bulk delete, too.
    let (status, _) = rooms
        .call(
            Method::POST,
            "/recordings/bulk-delete",
            Some(json!({ "recordingIds": [large] })),
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(object(&s3, &company, &large).await, None);
    assert_eq!(
        http.get(&large_url).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_store_that_is_down_loses_nothing_and_the_sweeper_catches_up() {
    let mut moto = S3Server::start().await;
    moto.create_bucket(BUCKET).await;
    let server = TestServer::start_with(|c| c.recordings_store = Some(moto.store(BUCKET))).await;
    let company = server.company().await;
    let rooms = Rooms::new(&server, &company).await;
    let sweep = |at| consult::server::recordings::sweep(&server.state, at);
    let file = recorder_file(2);

    // The store is down as the last chunk comes: the chunk is stored all the same (the page
    // has nothing to send again), the recording waits on disk, stopped.
    moto.stop();
    let id = started(&server, &company, "/clinic-a", "cloud", Utc::now()).await;
    let host = Host::new(&server, &id);
    let half = file.len() / 2;
    assert_eq!(host.put(0, &file[..half], false).await.0, 204);
    let (status, body) = host.put(1, &file[half..], true).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(row_state(&server, &id).await, "stopped");
    let (part, _) = files(&server, &company, &id);
    assert_eq!(std::fs::read(&part).unwrap(), file);
    assert_eq!(rooms.get(&format!("/recordings/{id}")).await.0, 404);
    // The sweeper, the store still down: nothing changes, nothing is lost.
    sweep(Utc::now() + Duration::seconds(31)).await.unwrap();
    assert_eq!(row_state(&server, &id).await, "stopped");
    assert_eq!(std::fs::read(&part).unwrap(), file);

    // The store is back: the next sweep uploads it.
    moto.run().await;
    moto.create_bucket(BUCKET).await;
    sweep(Utc::now() + Duration::seconds(31)).await.unwrap();
    assert_eq!(row_state(&server, &id).await, "ready");
    let s3 = moto.client(BUCKET);
    let stored = object(&s3, &company, &id).await.expect("the object");
    let (_, duration) = probe(&stored);
    assert!((duration.unwrap() - 2.0).abs() < 0.15, "{duration:?}");
    assert!(off_disk(&server, &company, &id));
    let url = access_link(&rooms, &id, "").await;
    let res = reqwest::get(&url).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap(), stored);

    // Down again: a link answers 503 (try again), a delete is done all the same (the row),
    // the object is left to the sweeper, which removes it once the store is back.
    moto.stop();
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 503);
    let (status, _) = rooms
        .call(Method::DELETE, &format!("/recordings/{id}"), None)
        .await;
    assert_eq!(status, 204);
    assert_eq!(row_state(&server, &id).await, "deleted");
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 404);
    let purged = || async {
        sqlx::query_scalar::<_, Option<i64>>("SELECT purged_at FROM recordings WHERE id = $1")
            .bind(&id)
            .fetch_one(server.state.store.pool())
            .await
            .unwrap()
    };
    assert_eq!(purged().await, None);
    sweep(Utc::now()).await.unwrap();
    assert_eq!(purged().await, None);
    moto.run().await;
    moto.create_bucket(BUCKET).await;
    sweep(Utc::now()).await.unwrap();
    assert!(purged().await.is_some());
}

#[tokio::test]
async fn consult_serve_takes_the_store_from_its_flags_and_never_repeats_a_secret() {
    use support::process::{free_port, ConsultProcess};
    let moto = S3Server::start().await;
    moto.create_bucket(BUCKET).await;
    let data = tempfile::tempdir().unwrap();
    // Credentials from the standard AWS environment: started, the bucket named in its log,
    // the secret nowhere.
    let port = free_port();
    let mut cmd = ConsultProcess::command(data.path(), port);
    cmd.args(["--recordings-store", &format!("s3://{BUCKET}")])
        .env("CONSULT_RECORDINGS_ENDPOINT", &moto.url)
        .env("CONSULT_RECORDINGS_REGION", "eu-central-1")
        .env("AWS_ACCESS_KEY_ID", "AKIATESTKEY")
        .env("AWS_SECRET_ACCESS_KEY", "s3cret-value");
    let mut served = ConsultProcess::start(cmd, port).await;
    let log = served.stderr();
    assert!(log.contains(BUCKET), "{log}");
    assert!(
        !log.contains("s3cret-value") && !log.contains("AKIATESTKEY"),
        "{log}"
    );
    served.kill();

    // Credentials in the URL, or a URL that is not a bucket's: refused, the value not repeated.
    for (flag, value) in [
        ("--recordings-store", "s3://AKIATESTKEY:s3cret-value@bucket"),
        ("--recordings-store", "https://s3cret-value.example/bucket"),
    ] {
        let port = free_port();
        let mut cmd = ConsultProcess::command(data.path(), port);
        cmd.args([flag, value]);
        let (status, log) = ConsultProcess::refused(cmd, port).await;
        assert!(!status.success());
        assert!(log.contains("--recordings-store"), "{log}");
        assert!(
            !log.contains("s3cret-value") && !log.contains("AKIATESTKEY"),
            "{log}"
        );
    }
    let port = free_port();
    let mut cmd = ConsultProcess::command(data.path(), port);
    cmd.args(["--recordings-store", &format!("s3://{BUCKET}")])
        .args([
            "--recordings-endpoint",
            "http://AKIATESTKEY:s3cret-value@127.0.0.1:9",
        ]);
    let (status, log) = ConsultProcess::refused(cmd, port).await;
    assert!(!status.success());
    assert!(log.contains("--recordings-endpoint"), "{log}");
    assert!(
        !log.contains("s3cret-value") && !log.contains("AKIATESTKEY"),
        "{log}"
    );
}

#[tokio::test]
async fn a_file_sealed_before_the_bucket_was_configured_is_served_and_deleted_from_disk() {
    let moto = S3Server::start().await;
    moto.create_bucket(BUCKET).await;
    let server = TestServer::start_with(|c| c.recordings_store = Some(moto.store(BUCKET))).await;
    let company = server.company().await;
    let rooms = Rooms::new(&server, &company).await;
    // Sealed on disk as a server without a bucket seals: `{id}.webm`, its row ready.
    let id = started(&server, &company, "/clinic-a", "cloud", Utc::now()).await;
    let bytes: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
    assert_eq!(Host::new(&server, &id).put(0, &bytes, false).await.0, 204);
    let (part, sealed) = files(&server, &company, &id);
    std::fs::rename(&part, &sealed).unwrap();
    sqlx::query("UPDATE recordings SET state = 'ready', sealed_at = 1 WHERE id = $1")
        .bind(&id)
        .execute(server.state.store.pool())
        .await
        .unwrap();
    let url = access_link(&rooms, &id, "").await;
    let http = reqwest::Client::new();
    let res = http
        .get(&url)
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.headers()["content-type"], "video/webm");
    assert_eq!(res.bytes().await.unwrap(), bytes[100..200]);
    let (status, _) = rooms
        .call(Method::DELETE, &format!("/recordings/{id}"), None)
        .await;
    assert_eq!(status, 204);
    assert!(off_disk(&server, &company, &id));
    assert_eq!(http.get(&url).send().await.unwrap().status(), 404);
}

/// The operator's `consult personal-data erase` deletes the person's cloud recordings from
/// the server's bucket: at once when given the bucket (the same flags as `serve`), else
/// through the server's sweeper (never marked gone while the object is still there).
#[tokio::test]
async fn the_operators_erase_removes_the_persons_recordings_from_the_bucket() {
    let moto = S3Server::start().await;
    moto.create_bucket(BUCKET).await;
    let server = TestServer::start_with(|c| c.recordings_store = Some(moto.store(BUCKET))).await;
    let s3 = moto.client(BUCKET);
    let company = server.company().await;
    // Two customers (guest@… and guest1@…), each with a sealed recording of their call.
    let mut recorded = Vec::new();
    for name in ["Ada Lovelace", "Grace Hopper"] {
        let meeting = server.book(name).await.meeting;
        let id = started(&server, &company, "/clinic-a", "cloud", Utc::now()).await;
        sqlx::query("UPDATE recordings SET room_id = $1 WHERE id = $2")
            .bind(meeting.as_str())
            .bind(&id)
            .execute(server.state.store.pool())
            .await
            .unwrap();
        let (status, body) = Host::new(&server, &id)
            .put(0, &recorder_file(1), true)
            .await;
        assert_eq!(status, 204, "{body}");
        assert!(object(&s3, &company, &id).await.is_some());
        recorded.push(id);
    }
    let purged = |id: String| {
        let pool = server.state.store.pool().clone();
        async move {
            sqlx::query_scalar::<_, Option<i64>>("SELECT purged_at FROM recordings WHERE id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let erase = |email: &str, with_bucket: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_consult"));
        support::db::apply(&mut cmd, server.data_dir());
        cmd.args(["personal-data", "erase", "--email", email, "--data"])
            .arg(server.data_dir())
            .env_remove("CONSULT_RECORDINGS_STORE")
            .env_remove("CONSULT_RECORDINGS_ENDPOINT");
        if with_bucket {
            cmd.args(["--recordings-store", &format!("s3://{BUCKET}")])
                .args(["--recordings-endpoint", &moto.url])
                .args(["--recordings-region", "eu-central-1"])
                .env("AWS_ACCESS_KEY_ID", "AKIATESTKEY")
                .env("AWS_SECRET_ACCESS_KEY", "s3cret-value");
        }
        let out = cmd.output().expect("the consult binary runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let done: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (done, String::from_utf8_lossy(&out.stderr).to_string())
    };

    // The server said which bucket it keeps them in (its name only) for such commands.
    assert_eq!(
        server
            .state
            .store
            .setting(consult::server::app::RECORDINGS_BUCKET_SETTING)
            .await
            .unwrap()
            .as_deref(),
        Some(BUCKET)
    );
    // Without the bucket: deleted (no link serves it), its object left to the server, never
    // marked gone while it is there (the server's own sweeper may have come by already).
    let (done, said) = erase("guest@example.com", false);
    assert_eq!(done["recordings_deleted"], 1, "{done}");
    assert!(said.contains("--recordings-store"), "{said}");
    let first = recorded[0].clone();
    assert_eq!(row_state(&server, &first).await, "deleted");
    assert_eq!(
        object(&s3, &company, &first).await.is_some(),
        purged(first.clone()).await.is_none(),
        "an object in the bucket is not purged, and a purged one is not there"
    );
    consult::server::recordings::sweep(&server.state, Utc::now())
        .await
        .unwrap();
    assert_eq!(object(&s3, &company, &first).await, None);
    assert!(purged(first).await.is_some());

    // With it: the object is gone when the command ends; the other's stayed until then.
    let second = recorded[1].clone();
    assert!(object(&s3, &company, &second).await.is_some());
    let (done, said) = erase("guest1@example.com", true);
    assert_eq!(done["recordings_deleted"], 1, "{done}");
    assert!(!said.contains("s3cret-value"), "{said}");
    assert_eq!(object(&s3, &company, &second).await, None);
    assert!(purged(second).await.is_some());
}
