//! Cloud recordings over HTTP against the real server: the host page's chunk uploads (resumed
//! after a connection cut mid-body, out of order, a wrong ticket, a local recording, the
//! storage limit), the seal that writes the WebM duration (checked with ffprobe), the rooms
//! API's list, get, access links (ranges, expiry, tampering), deletes and tenancy, the
//! sweeper at a time the test decides, and an appointment's answer listing its recordings.
//! The recordings' rows are written as the hub writes them ([`Store::recording_started`]).

use crate::support;

use chrono::{DateTime, Duration, Utc};
use consult::server::store::{NewRecording, Told};
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::TestServer;
use tokio::io::AsyncWriteExt;

/// A real WebM file as Chrome's MediaRecorder writes one: made by ffmpeg's live mode (a
/// Segment and Clusters of unknown size, no Duration), with the SeekHead and Void ffmpeg
/// puts before the Info taken out (MediaRecorder writes neither).
pub(crate) fn recorder_file(seconds: u32) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("live.webm");
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("testsrc=duration={seconds}:size=160x120:rate=15"))
        .args(["-f", "lavfi", "-i"])
        .arg(format!("sine=duration={seconds}"))
        .args([
            "-c:v", "libvpx", "-c:a", "libopus", "-f", "webm", "-live", "1",
        ])
        .arg(&out)
        .status()
        .expect("ffmpeg runs (scripts/setup.sh installs it)");
    assert!(status.success());
    let file = std::fs::read(&out).unwrap();
    // EBML: an element is an id (its length in its first byte's leading zeros), a size (the
    // same), then its content.
    let vint = |at: usize| -> (u64, usize) {
        let len = file[at].leading_zeros() as usize + 1;
        let mut v = (file[at] as u64) & (0xFF >> len);
        for b in &file[at + 1..at + len] {
            v = (v << 8) | *b as u64;
        }
        (v, len)
    };
    let element = |at: usize| -> (Vec<u8>, usize, u64) {
        let id_len = file[at].leading_zeros() as usize + 1;
        let (size, size_len) = vint(at + id_len);
        (file[at..at + id_len].to_vec(), id_len + size_len, size)
    };
    let (_, header, size) = element(0);
    let segment = header + size as usize;
    let (id, header, _) = element(segment);
    assert_eq!(id, [0x18, 0x53, 0x80, 0x67], "a Segment");
    let mut out = file[..segment + header].to_vec();
    let mut at = segment + header;
    loop {
        let (id, header, size) = element(at);
        if id == [0x1F, 0x43, 0xB6, 0x75] {
            out.extend_from_slice(&file[at..]);
            return out;
        }
        let end = at + header + size as usize;
        if id != [0x11, 0x4D, 0x9B, 0x74] && id != [0xEC] {
            out.extend_from_slice(&file[at..end]);
        }
        at = end;
    }
}

/// What ffprobe finds in a file: its streams' kinds and its duration (`None`: N/A).
pub(crate) fn probe(bytes: &[u8]) -> (Vec<String>, Option<f64>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.webm");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration:stream=codec_type",
            "-of",
            "default=nw=1",
        ])
        .arg(&path)
        .output()
        .expect("ffprobe runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let kinds = text
        .lines()
        .filter_map(|l| l.strip_prefix("codec_type="))
        .map(String::from)
        .collect();
    let duration = text
        .lines()
        .find_map(|l| l.strip_prefix("duration="))
        .and_then(|d| d.parse().ok());
    (kinds, duration)
}

/// The host page's side: uploads with the recording's ticket.
pub(crate) struct Host {
    base: String,
    id: String,
    ticket: String,
    http: reqwest::Client,
}

impl Host {
    pub(crate) fn new(server: &TestServer, id: &str) -> Host {
        Host {
            base: server.url.clone(),
            id: id.to_string(),
            ticket: server.state.signer.upload_ticket(id),
            http: reqwest::Client::new(),
        }
    }

    async fn put_with(
        &self,
        ticket: &str,
        seq: &str,
        chunk: Vec<u8>,
        last: bool,
    ) -> (StatusCode, Value) {
        let url = format!(
            "{}/recordings/{}/chunks/{seq}{}",
            self.base,
            self.id,
            if last { "?last=true" } else { "" }
        );
        let res = self
            .http
            .put(url)
            .header("x-upload-ticket", ticket)
            .body(chunk)
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub(crate) async fn put(&self, seq: u32, chunk: &[u8], last: bool) -> (StatusCode, Value) {
        self.put_with(&self.ticket, &seq.to_string(), chunk.to_vec(), last)
            .await
    }

    async fn next(&self) -> (StatusCode, Value) {
        let res = self
            .http
            .get(format!("{}/recordings/{}/chunks", self.base, self.id))
            .header("x-upload-ticket", &self.ticket)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let retry = res.headers().get("retry-after").cloned();
        let body = res.json().await.unwrap_or(Value::Null);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(retry.unwrap(), "1");
        }
        (status, body)
    }
}

/// A recording's row as the hub writes it once everyone present was told.
pub(crate) async fn started(
    server: &TestServer,
    company: &str,
    room: &str,
    mode: &'static str,
    at: DateTime<Utc>,
) -> String {
    let id = consult::server::tokens::new_id();
    server
        .state
        .store
        .recording_started(&NewRecording {
            id: id.clone(),
            company: company.to_string(),
            room_id: format!("room-{}", room.trim_start_matches('/')),
            room_name: room.to_string(),
            session: Some("session-1".into()),
            mode,
            started_at: at,
            told: vec![Told {
                peer: "p1".into(),
                name: "Host".into(),
                role: "host",
                at,
            }],
        })
        .await
        .unwrap();
    id
}

/// A recording of `room` started at `at`, uploaded in one chunk and sealed.
async fn ready(
    server: &TestServer,
    company: &str,
    room: &str,
    at: DateTime<Utc>,
    bytes: &[u8],
) -> String {
    let id = started(server, company, room, "cloud", at).await;
    let (status, body) = Host::new(server, &id).put(0, bytes, true).await;
    assert_eq!(status, 204, "{body}");
    id
}

pub(crate) async fn row_state(server: &TestServer, id: &str) -> String {
    server
        .state
        .store
        .recording(id)
        .await
        .unwrap()
        .unwrap()
        .state
}

pub(crate) fn files(
    server: &TestServer,
    company: &str,
    id: &str,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = server.data_dir().join("recordings").join(company);
    (
        dir.join(format!("{id}.part")),
        dir.join(format!("{id}.webm")),
    )
}

/// Send a chunk's head and half its body, then hang up: an upload cut by a lost connection.
async fn cut_upload(server: &TestServer, host: &Host, seq: u32, chunk: &[u8]) {
    let addr = server.url.trim_start_matches("http://");
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "PUT /recordings/{}/chunks/{seq} HTTP/1.1\r\nHost: {addr}\r\nX-Upload-Ticket: {}\r\n\
         Content-Length: {}\r\n\r\n",
        host.id,
        host.ticket,
        chunk.len()
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(&chunk[..chunk.len() / 2]).await.unwrap();
    tcp.flush().await.unwrap();
    tcp.shutdown().await.unwrap();
    drop(tcp);
}

#[tokio::test]
async fn chunks_are_uploaded_resumed_and_sealed_into_a_file_that_plays() {
    let server = TestServer::start().await;
    let company = server.company().await;
    let file = recorder_file(4);
    assert_eq!(
        probe(&file).1,
        None,
        "ffprobe finds no duration in a recorder's file"
    );
    let third = file.len() / 3;
    let chunks = [&file[..third], &file[third..2 * third], &file[2 * third..]];

    // The page's first chunk may beat the hub's row: come back in a second.
    let id = consult::server::tokens::new_id();
    let host = Host::new(&server, &id);
    let (status, _) = host.put(0, chunks[0], false).await;
    assert_eq!(status, 503);
    assert_eq!(host.next().await.0, 503);
    // Without the ticket, or with another's, or a made-up id: the same 404, whether the
    // recording exists or not.
    let elsewhere = server
        .state
        .signer
        .upload_ticket("0123456789abcdef01234567");
    for ticket in ["", "nope", elsewhere.as_str()] {
        let (status, body) = host.put_with(ticket, "0", chunks[0].to_vec(), false).await;
        assert_eq!(status, 404, "{body}");
    }

    let id = started(&server, &company, "/clinic-a", "cloud", Utc::now()).await;
    let host = Host::new(&server, &id);
    assert_eq!(host.next().await, (StatusCode::OK, json!({ "next": 0 })));
    let (status, body) = host.put_with("", "0", chunks[0].to_vec(), false).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("no such recording"))
    );
    let other = Host::new(&server, &consult::server::tokens::new_id());
    let (status, _) = host
        .put_with(&other.ticket, "0", chunks[0].to_vec(), false)
        .await;
    assert_eq!(status, 404, "another recording's ticket opens nothing");
    let (status, body) = host
        .put_with(&host.ticket, "x", chunks[0].to_vec(), false)
        .await;
    assert_eq!(status, 400, "{body}");

    // Ahead of the one expected: 409 says where to go on from.
    let (status, body) = host.put(1, chunks[1], false).await;
    assert_eq!(status, 409);
    assert_eq!(body["next"], 0);
    assert!(body["error"].is_string());
    // The same chunk three times at once (a retry racing the first send): each answered
    // 204, stored once.
    let (x, y, z) = tokio::join!(
        host.put(0, chunks[0], false),
        host.put(0, chunks[0], false),
        host.put(0, chunks[0], false)
    );
    assert_eq!([x.0, y.0, z.0], [StatusCode::NO_CONTENT; 3]);
    // A retry of a chunk stored (its answer was lost): the same answer, stored once.
    assert_eq!(host.put(0, chunks[0], false).await.0, 204);
    assert_eq!(host.next().await.1, json!({ "next": 1 }));

    // Cut mid-body: nothing of it is kept, and the page goes on from the same chunk.
    cut_upload(&server, &host, 1, chunks[1]).await;
    assert_eq!(host.next().await.1, json!({ "next": 1 }));
    let (part, sealed) = files(&server, &company, &id);
    assert_eq!(std::fs::read(&part).unwrap(), chunks[0]);
    assert_eq!(host.put(1, chunks[1], false).await.0, 204);
    assert_eq!(row_state(&server, &id).await, "recording");
    // The host stops; the last chunk comes after.
    server
        .state
        .store
        .recording_stopped(&id, Utc::now())
        .await
        .unwrap();
    assert_eq!(host.put(2, chunks[2], true).await.0, 204);
    assert_eq!(row_state(&server, &id).await, "ready");
    assert!(!part.exists(), "the part file is gone once sealed");

    // The sealed file is the chunks one after the other, with the Info's Duration: the
    // same bytes but for the Info's size and the 11 bytes of the Duration element.
    let out = std::fs::read(&sealed).unwrap();
    assert_eq!(out.len(), file.len() + 11);
    let info = file
        .windows(4)
        .position(|w| w == [0x15, 0x49, 0xA9, 0x66])
        .unwrap();
    let info_size = (file[info + 4] & 0x7F) as usize;
    let info_end = info + 5 + info_size;
    assert_eq!(out[..info + 4], file[..info + 4]);
    assert_eq!(
        out[info + 4],
        file[info + 4] + 11,
        "the Info grew by the Duration"
    );
    assert_eq!(out[info + 5..info_end], file[info + 5..info_end]);
    assert_eq!(
        out[info_end..info_end + 3],
        [0x44, 0x89, 0x88],
        "Duration, 8-byte float"
    );
    assert_eq!(out[info_end + 11..], file[info_end..]);
    let (kinds, duration) = probe(&out);
    assert_eq!(kinds, ["video", "audio"]);
    let duration = duration.expect("ffprobe reads the duration");
    assert!((duration - 4.0).abs() < 0.15, "{duration}");
    let row = server.state.store.recording(&id).await.unwrap().unwrap();
    assert_eq!(row.bytes as usize, out.len());

    // Sealed: nothing more is taken, and a retry of the last chunk is told so.
    let (status, body) = host.put(3, b"more", false).await;
    assert_eq!(status, 410, "{body}");
    assert_eq!(host.next().await.0, 410);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&sealed), 0o600);
        assert_eq!(mode(sealed.parent().unwrap()), 0o700);
    }
}

#[tokio::test]
async fn local_recordings_big_chunks_and_the_storage_limit_are_refused() {
    let server = TestServer::start().await;
    let company = server.company().await;
    let local = started(&server, &company, "/clinic-b", "local", Utc::now()).await;
    let (status, body) = Host::new(&server, &local).put(0, b"x", false).await;
    assert_eq!(status, 403, "{body}");

    // The operator sets the company's limit to 1 MiB.
    let out = server.cli(&[
        "companies",
        "set-recording-limit",
        "--company",
        &company,
        "--mb",
        "1",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v, json!({ "company": company, "recording_limit_mb": 1 }));
    let id = started(&server, &company, "/clinic-b", "cloud", Utc::now()).await;
    let host = Host::new(&server, &id);
    let kb600 = vec![7u8; 600 * 1024];
    assert_eq!(host.put(0, &kb600, false).await.0, 204);
    // A second recording of the company counts against the same limit.
    let second = started(&server, &company, "/clinic-c", "cloud", Utc::now()).await;
    let (status, body) = Host::new(&server, &second).put(0, &kb600, false).await;
    assert_eq!(status, 413);
    assert_eq!(body, json!({ "error": "storage limit reached" }));
    let (status, body) = host.put(1, &kb600, false).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            json!({ "error": "storage limit reached" })
        )
    );
    assert_eq!(host.next().await.1, json!({ "next": 1 }), "nothing stored");
    let (part, _) = files(&server, &company, &id);
    assert_eq!(std::fs::metadata(&part).unwrap().len(), 600 * 1024);
    // Small enough still fits.
    assert_eq!(host.put(1, &[1u8; 1024], false).await.0, 204);

    // Raised: a chunk over 16 MiB is refused all the same, before it is stored.
    server.cli(&[
        "companies",
        "set-recording-limit",
        "--company",
        &company,
        "--mb",
        "100",
    ]);
    // (Refused from its Content-Length, before its body is read: the client may see the
    // connection close while it still sends, instead of the answer.)
    let sent = host
        .http
        .put(format!("{}/recordings/{id}/chunks/2", server.url))
        .header("x-upload-ticket", &host.ticket)
        .body(vec![0u8; 16 * 1024 * 1024 + 1])
        .send()
        .await;
    if let Ok(res) = sent {
        assert_eq!(res.status(), 413);
    }
    assert_eq!(host.next().await.1, json!({ "next": 2 }));
    assert_eq!(
        host.put(2, &vec![0u8; 16 * 1024 * 1024], false).await.0,
        204
    );
    // An unknown company is an error of the command.
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_consult"));
    support::db::apply(&mut cmd, server.data_dir());
    let failed = cmd
        .args([
            "companies",
            "set-recording-limit",
            "--company",
            "nope",
            "--mb",
            "1",
            "--data",
        ])
        .arg(server.data_dir())
        .output()
        .unwrap();
    assert!(!failed.status.success());
}

/// A caller of the rooms API with a company's key.
pub(crate) struct Rooms {
    base: String,
    key: String,
    http: reqwest::Client,
}

impl Rooms {
    pub(crate) async fn new(server: &TestServer, company: &str) -> Rooms {
        let api = server.api("recordings").await;
        let a = api
            .post(
                "/api/v2/management/api-keys",
                json!({ "name": "Integration", "company": company }),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        Rooms {
            base: server.url.clone(),
            key: a.result()["key"].as_str().unwrap().to_string(),
            http: reqwest::Client::new(),
        }
    }

    pub(crate) async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}/whereby/v1{path}", self.base))
            .bearer_auth(&self.key);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub(crate) async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }
}

fn ids(page: &Value) -> Vec<String> {
    page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["recordingId"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_rooms_api_lists_links_and_deletes_recordings() {
    let server = TestServer::start().await;
    let company = server.company().await;
    let rooms = Rooms::new(&server, &company).await;
    let file = recorder_file(2);
    let t0 = Utc::now() - Duration::hours(3);
    let a = ready(&server, &company, "/clinic-a", t0, &file).await;
    let b = ready(
        &server,
        &company,
        "/clinic-b",
        t0 + Duration::hours(1),
        &file,
    )
    .await;
    let c = ready(
        &server,
        &company,
        "/clinic-a",
        t0 + Duration::hours(2),
        &file,
    )
    .await;
    // Still being made, and local: not listed.
    let running = started(&server, &company, "/clinic-a", "cloud", Utc::now()).await;
    let local = started(&server, &company, "/clinic-a", "local", Utc::now()).await;

    // Newest first by default; pages follow their cursor.
    let (status, page) = rooms.get("/recordings?limit=2").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(ids(&page), [c.as_str(), b.as_str()]);
    let cursor = page["cursor"].as_str().unwrap().to_string();
    let (_, page) = rooms
        .get(&format!("/recordings?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(ids(&page), [a.as_str()]);
    assert_eq!(page["cursor"], Value::Null);
    let (_, page) = rooms.get("/recordings?sortBy=startDate:asc").await;
    assert_eq!(ids(&page), [a.as_str(), b.as_str(), c.as_str()]);
    let (_, page) = rooms.get("/recordings?sortBy=startDate:asc&limit=1").await;
    let cursor = page["cursor"].as_str().unwrap().to_string();
    let (_, page) = rooms
        .get(&format!(
            "/recordings?sortBy=startDate:asc&limit=1&cursor={cursor}"
        ))
        .await;
    assert_eq!(ids(&page), [b.as_str()]);
    let (_, page) = rooms.get("/recordings?roomName=/clinic-a").await;
    assert_eq!(ids(&page), [c.as_str(), a.as_str()]);
    for bad in [
        "limit=0",
        "limit=101",
        "sortBy=endDate:asc",
        "cursor=zz",
        "colour=red",
    ] {
        let (status, body) = rooms.get(&format!("/recordings?{bad}")).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body["error"].is_string());
    }

    // One recording, in Whereby's fields.
    let (status, r) = rooms.get(&format!("/recordings/{a}")).await;
    assert_eq!(status, 200, "{r}");
    let keys: Vec<&String> = r.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "endDate",
            "filename",
            "recordingId",
            "roomSessionId",
            "sizeInMegaBytes",
            "startDate"
        ]
    );
    assert_eq!(r["recordingId"], a.as_str());
    assert_eq!(r["roomSessionId"], "session-1");
    let start = t0.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    assert_eq!(r["startDate"], start.as_str());
    assert!(r["endDate"].as_str().unwrap() >= start.as_str());
    assert_eq!(
        r["filename"],
        format!("clinic-a-{}.webm", t0.format("%Y-%m-%dT%H-%M-%SZ")).as_str()
    );
    let sealed = std::fs::read(files(&server, &company, &a).1).unwrap();
    let mib = (sealed.len() as f64 / 1_048_576.0 * 100.0).round() / 100.0;
    assert_eq!(r["sizeInMegaBytes"].as_f64().unwrap(), mib);
    for id in [
        &running,
        &local,
        &"0123456789abcdef01234567".to_string(),
        &"../x".to_string(),
    ] {
        assert_eq!(rooms.get(&format!("/recordings/{id}")).await.0, 404, "{id}");
    }

    // An access link: the whole file, a range of it, no caching.
    let (status, link) = rooms.get(&format!("/recordings/{a}/access-link")).await;
    assert_eq!(status, 200, "{link}");
    let url = link["accessLink"].as_str().unwrap().to_string();
    let expires = link["expires"].as_i64().unwrap();
    let in_an_hour = Utc::now().timestamp_millis() + 3_600_000;
    assert!((expires - in_an_hour).abs() < 5_000, "{expires}");
    assert!(url.starts_with(&format!(
        "{}/recordings/{a}/file?expires={expires}&signature=",
        server.url
    )));
    let http = reqwest::Client::new();
    let res = http.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "video/webm");
    assert_eq!(h["accept-ranges"], "bytes");
    assert_eq!(h["cache-control"], "private, no-store");
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("media-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(
        h["content-disposition"].to_str().unwrap(),
        format!("inline; filename=\"{}\"", r["filename"].as_str().unwrap())
    );
    assert_eq!(res.bytes().await.unwrap(), sealed);
    let res = http
        .get(&url)
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(
        res.headers()["content-range"].to_str().unwrap(),
        format!("bytes 100-199/{}", sealed.len())
    );
    assert_eq!(res.bytes().await.unwrap(), sealed[100..200]);
    // A signature changed, or another recording's: no such file.
    let tampered = format!("{}A", &url[..url.len() - 1]);
    let tampered = if tampered == url {
        format!("{}B", &url[..url.len() - 1])
    } else {
        tampered
    };
    assert_eq!(http.get(&tampered).send().await.unwrap().status(), 404);
    let moved = url.replace(&a, &b);
    assert_eq!(http.get(&moved).send().await.unwrap().status(), 404);
    let later = url.replace(
        &format!("expires={expires}"),
        &format!("expires={}", expires + 1),
    );
    assert_eq!(http.get(&later).send().await.unwrap().status(), 404);
    for bad in ["0", "43201", "x", "-1"] {
        let (status, body) = rooms
            .get(&format!(
                "/recordings/{a}/access-link?validForSeconds={bad}"
            ))
            .await;
        assert_eq!(status, 400, "{bad}");
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .starts_with("validForSeconds"),
            "{body}"
        );
    }
    // A link valid for a second: refused, saying so, once that second has passed.
    let (_, short) = rooms
        .get(&format!("/recordings/{a}/access-link?validForSeconds=1"))
        .await;
    let short_expires = short["expires"].as_i64().unwrap();
    while Utc::now().timestamp_millis() <= short_expires {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let res = http
        .get(short["accessLink"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 410);
    assert!(res.text().await.unwrap().contains("expired"));

    // Another organisation finds nothing, and its deletes touch nothing.
    let api = server.api("other").await;
    let made = api
        .post(
            "/api/v2/management/companies",
            json!({
                "name": "Company other",
                "contact": { "first_name": "Ann", "last_name": "Other", "email": "other@example.com", "phone": "+31201234567", "language": "en" },
                "package": "594a5befcc9d4f9e2f1da19a",
            }),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let other = Rooms::new(&server, made.result()["id"].as_str().unwrap()).await;
    assert_eq!(other.get(&format!("/recordings/{a}")).await.0, 404);
    assert_eq!(
        other.get(&format!("/recordings/{a}/access-link")).await.0,
        404
    );
    assert_eq!(ids(&other.get("/recordings").await.1), Vec::<String>::new());
    let (status, _) = other
        .call(reqwest::Method::DELETE, &format!("/recordings/{a}"), None)
        .await;
    assert_eq!(status, 204);
    let (status, _) = other
        .call(
            reqwest::Method::POST,
            "/recordings/bulk-delete",
            Some(json!({ "recordingIds": [b] })),
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(rooms.get(&format!("/recordings/{a}")).await.0, 200);
    assert_eq!(rooms.get(&format!("/recordings/{b}")).await.0, 200);

    // Delete: the file goes at once, the link dies, a second delete answers the same.
    let (status, _) = rooms
        .call(reqwest::Method::DELETE, &format!("/recordings/{a}"), None)
        .await;
    assert_eq!(status, 204);
    assert!(!files(&server, &company, &a).1.exists());
    assert_eq!(rooms.get(&format!("/recordings/{a}")).await.0, 404);
    assert_eq!(
        rooms.get(&format!("/recordings/{a}/access-link")).await.0,
        404
    );
    assert_eq!(http.get(&url).send().await.unwrap().status(), 404);
    assert_eq!(row_state(&server, &a).await, "deleted");
    let (status, _) = rooms
        .call(reqwest::Method::DELETE, &format!("/recordings/{a}"), None)
        .await;
    assert_eq!(status, 204);
    assert_eq!(
        server
            .state
            .store
            .recording_consents(&a)
            .await
            .unwrap()
            .len(),
        1,
        "consents stay"
    );

    // Bulk delete: checked first, then each deleted.
    let too_many: Vec<String> = (0..101).map(|i| format!("{i:024x}")).collect();
    for bad in [
        json!({}),
        json!({ "recordingIds": [] }),
        json!({ "recordingIds": too_many }),
        json!({ "recordingIds": [1] }),
        json!({ "recordingIds": [b], "x": 1 }),
    ] {
        let (status, body) = rooms
            .call(
                reqwest::Method::POST,
                "/recordings/bulk-delete",
                Some(bad.clone()),
            )
            .await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body["error"].is_string());
    }
    let (status, _) = rooms
        .call(
            reqwest::Method::POST,
            "/recordings/bulk-delete",
            Some(json!({ "recordingIds": [b, c, a, "nope"] })),
        )
        .await;
    assert_eq!(status, 204);
    for id in [&b, &c] {
        assert!(!files(&server, &company, id).1.exists());
        assert_eq!(row_state(&server, id).await, "deleted");
    }
    assert_eq!(ids(&rooms.get("/recordings").await.1), Vec::<String>::new());
}

#[tokio::test]
async fn the_sweeper_seals_uploads_that_stopped_and_removes_what_a_delete_left() {
    let server = TestServer::start().await;
    let company = server.company().await;
    let file = recorder_file(2);
    let now = Utc::now();
    let sweep = |at: DateTime<Utc>| consult::server::recordings::sweep(&server.state, at);

    // Stopped, its last chunk never sent (the page closed): sealed 30 s after its last chunk.
    let stopped = started(&server, &company, "/clinic-a", "cloud", now).await;
    assert_eq!(
        Host::new(&server, &stopped).put(0, &file, false).await.0,
        204
    );
    server
        .state
        .store
        .recording_stopped(&stopped, now)
        .await
        .unwrap();
    // Still recording, the page gone: sealed 10 minutes after its last chunk.
    let running = started(&server, &company, "/clinic-b", "cloud", now).await;
    assert_eq!(
        Host::new(&server, &running).put(0, &file, false).await.0,
        204
    );
    // Stopped before any chunk came: nothing to keep.
    let empty = started(&server, &company, "/clinic-c", "cloud", now).await;
    server
        .state
        .store
        .recording_stopped(&empty, now)
        .await
        .unwrap();
    // Stopped, its part file removed by hand: nothing left to seal, closed all the same.
    let lost = started(&server, &company, "/clinic-e", "cloud", now).await;
    assert_eq!(
        Host::new(&server, &lost).put(0, b"bytes", false).await.0,
        204
    );
    server
        .state
        .store
        .recording_stopped(&lost, now)
        .await
        .unwrap();
    std::fs::remove_file(files(&server, &company, &lost).0).unwrap();
    // Local: nothing of it is the sweeper's.
    let local = started(&server, &company, "/clinic-d", "local", now).await;
    server
        .state
        .store
        .recording_stopped(&local, now)
        .await
        .unwrap();

    sweep(now + Duration::seconds(20)).await.unwrap();
    assert_eq!(row_state(&server, &stopped).await, "stopped");
    sweep(now + Duration::seconds(31)).await.unwrap();
    assert_eq!(row_state(&server, &stopped).await, "ready");
    let (part, sealed) = files(&server, &company, &stopped);
    assert!(!part.exists());
    let (_, duration) = probe(&std::fs::read(&sealed).unwrap());
    assert!((duration.unwrap() - 2.0).abs() < 0.15, "{duration:?}");
    assert_eq!(row_state(&server, &running).await, "recording");
    assert_eq!(row_state(&server, &empty).await, "deleted");
    assert_eq!(row_state(&server, &lost).await, "deleted");
    assert_eq!(row_state(&server, &local).await, "stopped");
    sweep(now + Duration::minutes(9)).await.unwrap();
    assert_eq!(row_state(&server, &running).await, "recording");
    sweep(now + Duration::minutes(11)).await.unwrap();
    assert_eq!(row_state(&server, &running).await, "ready");
    assert!(files(&server, &company, &running).1.exists());

    // A deleted recording whose file stayed (a delete that failed halfway): removed.
    sqlx::query("UPDATE recordings SET state = 'deleted', deleted_at = 1 WHERE id = $1")
        .bind(&running)
        .execute(server.state.store.pool())
        .await
        .unwrap();
    sweep(now + Duration::minutes(12)).await.unwrap();
    assert!(!files(&server, &company, &running).1.exists());
    let purged: Option<i64> = sqlx::query_scalar("SELECT purged_at FROM recordings WHERE id = $1")
        .bind(&running)
        .fetch_one(server.state.store.pool())
        .await
        .unwrap();
    assert!(purged.is_some());
}

#[tokio::test]
async fn an_appointments_answer_lists_its_calls_recordings() {
    let server = TestServer::start().await;
    let company = server.company().await;
    let api = crate::appointments_api::company_api(&server, &company).await;
    let at = Utc::now() + Duration::days(1);
    let made = api
        .post(
            "/api/v1/appointments",
            crate::appointments_api::appointment_json("REC-1", at, json!({})),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let appointment = made.body["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(made.body["data"]["recordings"], json!([]));
    let room_id = made.body["data"]["meeting"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let room_name = made.body["data"]["meeting"]["room_name"]
        .as_str()
        .unwrap()
        .to_string();

    let file = recorder_file(2);
    let id = consult::server::tokens::new_id();
    let t0 = Utc::now() - Duration::minutes(5);
    server
        .state
        .store
        .recording_started(&NewRecording {
            id: id.clone(),
            company: company.clone(),
            room_id: room_id.clone(),
            room_name,
            session: None,
            mode: "cloud",
            started_at: t0,
            told: Vec::new(),
        })
        .await
        .unwrap();
    assert_eq!(Host::new(&server, &id).put(0, &file, true).await.0, 204);
    // Another room's recording is not this appointment's.
    ready(&server, &company, "/clinic-z", t0, &file).await;

    let one = api
        .get(&format!("/api/v1/appointments/{appointment}"))
        .await;
    assert_eq!(one.status, 200, "{}", one.body);
    let recs = one.body["data"]["recordings"].as_array().unwrap().clone();
    assert_eq!(recs.len(), 1, "{}", one.body);
    let keys: Vec<&String> = recs[0].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["endDate", "recordingId", "sizeInMegaBytes", "startDate"]
    );
    assert_eq!(recs[0]["recordingId"], id.as_str());
    assert_eq!(
        recs[0]["startDate"],
        t0.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            .as_str()
    );
    let list = api.get("/api/v1/appointments").await;
    let listed = list.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == appointment.as_str())
        .unwrap();
    assert_eq!(listed["recordings"], one.body["data"]["recordings"]);
}

#[tokio::test]
async fn a_browser_opened_on_an_access_link_plays_the_recording_and_knows_its_length() {
    let server = TestServer::start().await;
    let company = server.company().await;
    let rooms = Rooms::new(&server, &company).await;
    let id = ready(
        &server,
        &company,
        "/clinic-a",
        Utc::now(),
        &recorder_file(2),
    )
    .await;
    let (status, link) = rooms.get(&format!("/recordings/{id}/access-link")).await;
    assert_eq!(status, 200, "{link}");
    let driver = support::browser::Driver::start();
    let browser = driver.session().await;
    browser.goto(link["accessLink"].as_str().unwrap()).await;
    // The page the browser makes for a video: its policy lets the video load, and the
    // Duration written at the seal gives it its length (a recorder's file alone has none:
    // the browser would say Infinity).
    let duration = browser
        .wait_js(
            "the video's metadata",
            30,
            "const v = document.querySelector('video'); \
             return v && v.readyState >= 1 && v.error === null ? v.duration : null;",
        )
        .await;
    let duration = duration.as_f64().expect("a finite duration");
    assert!((duration - 2.0).abs() < 0.15, "{duration}");
    browser.close().await;
}

/// A site's meetings may be recorded once the site says so (`PATCH … {"recording": "cloud"}`):
/// the agent's room then offers it; an unknown value is refused, saying which field.
#[tokio::test]
async fn a_sites_meetings_may_be_recorded_once_the_site_says_so() {
    use consult::model::signal::{RecordingMode, RecordingTrigger};
    use consult::server::signaling::hub::RoomSpec;
    let server = TestServer::start().await;
    let api = server.api("recording").await;
    let path = format!("/api/v2/management/sites/{}", server.site.as_str());
    assert_eq!(api.get(&path).await.result()["recording"], "none");
    let booked = server.book("Ada Lovelace").await;
    let spec = |m| RoomSpec::of_meeting(&m);
    let before = server
        .state
        .store
        .meeting(&booked.meeting)
        .await
        .unwrap()
        .unwrap();
    assert!(spec(before).recording.is_none());
    let bad = api
        .patch(&path, serde_json::json!({ "recording": "tape" }))
        .await;
    assert!(bad.status.is_client_error(), "{}", bad.body);
    assert!(bad.body.to_string().contains("recording"), "{}", bad.body);
    let set = api
        .patch(&path, serde_json::json!({ "recording": "cloud" }))
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(set.result()["recording"], "cloud");
    let after = server
        .state
        .store
        .meeting(&booked.meeting)
        .await
        .unwrap()
        .unwrap();
    let policy = spec(after).recording.expect("recorded now");
    assert_eq!(policy.offer.mode, RecordingMode::Cloud);
    assert_eq!(policy.offer.trigger, RecordingTrigger::Manual);
    assert_eq!(policy.company, server.company().await);
    assert_eq!(policy.room_name, booked.meeting.to_string());
}
