//! `/metrics` for Prometheus on a listener of its own: requests by route template (never a
//! raw path), sockets, rooms and people waiting, the outbox's depth and failures, the
//! database pool; never on the public port; stopping with the server.

use crate::support;
use consult::model::signal::{ClientMsg, ServerMsg};
use futures::{SinkExt, StreamExt};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use support::process::{free_port, ConsultProcess};
use support::smtp::SmtpSink;
use support::ws::{hash_of, Socket};
use support::TestServer;
use tokio_tungstenite::tungstenite::Message;

/// One sample of a scrape: name, labels, value.
type Sample = (String, BTreeMap<String, String>, f64);

/// A scrape, parsed as Prometheus reads the text format.
struct Scrape {
    text: String,
    samples: Vec<Sample>,
    /// Family name → its `# TYPE`.
    types: BTreeMap<String, String>,
    helps: Vec<String>,
}

impl Scrape {
    /// The value of the sample `name` with exactly these labels; none if there is none.
    fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let want: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.samples
            .iter()
            .find(|(n, l, _)| n == name && *l == want)
            .map(|s| s.2)
    }

    /// The same, 0 when absent (a counter not counted yet).
    fn count(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.get(name, labels).unwrap_or(0.0)
    }

    /// A gauge without labels, which must be there.
    fn gauge(&self, name: &str) -> f64 {
        self.get(name, &[])
            .unwrap_or_else(|| panic!("{name} missing in\n{}", self.text))
    }

    /// Every value of label `label` among samples of `name`.
    fn label_values(&self, name: &str, label: &str) -> Vec<String> {
        self.samples
            .iter()
            .filter(|(n, _, _)| n == name)
            .filter_map(|(_, l, _)| l.get(label).cloned())
            .collect()
    }
}

/// Parse the text exposition format, strictly: every line a comment or a sample.
fn parse(text: &str) -> Scrape {
    let mut scrape = Scrape {
        text: text.to_string(),
        samples: Vec::new(),
        types: BTreeMap::new(),
        helps: Vec::new(),
    };
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("# TYPE name kind");
            assert!(
                scrape
                    .types
                    .insert(name.to_string(), kind.to_string())
                    .is_none(),
                "{name} typed twice"
            );
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').expect("# HELP name text");
            assert!(!help.is_empty(), "{name} has an empty help");
            scrape.helps.push(name.to_string());
            continue;
        }
        assert!(
            !line.starts_with('#') && !line.is_empty(),
            "odd line {line:?}"
        );
        let name_end = line.find(['{', ' ']).expect("a sample");
        let name = &line[..name_end];
        assert!(
            name.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':'),
            "metric name {name:?}"
        );
        let mut rest = &line[name_end..];
        let mut labels = BTreeMap::new();
        if let Some(inner) = rest.strip_prefix('{') {
            let mut chars = inner.char_indices().peekable();
            loop {
                let (start, c) = chars.next().expect("a label or }");
                if c == '}' {
                    rest = &inner[start + 1..];
                    break;
                }
                if c == ',' {
                    continue;
                }
                let eq = inner[start..].find('=').expect("label=") + start;
                let label = inner[start..eq].to_string();
                while chars.peek().is_some_and(|(i, _)| *i <= eq) {
                    chars.next();
                }
                assert_eq!(chars.next().map(|c| c.1), Some('"'), "{line}");
                let mut value = String::new();
                loop {
                    match chars.next().expect("a closing quote").1 {
                        '"' => break,
                        '\\' => match chars.next().expect("an escape").1 {
                            'n' => value.push('\n'),
                            c => value.push(c),
                        },
                        c => value.push(c),
                    }
                }
                labels.insert(label, value);
            }
        }
        let value = rest.trim();
        let value = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v
                .parse::<f64>()
                .unwrap_or_else(|_| panic!("value of {line:?}")),
        };
        scrape.samples.push((name.to_string(), labels, value));
    }
    // Every sample belongs to a family with a type and a help, declared once.
    for (name, _, _) in &scrape.samples {
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| scrape.types.get(*f).map(String::as_str) == Some("histogram"))
            })
            .unwrap_or(name);
        assert!(
            scrape.types.contains_key(family),
            "{name} has no # TYPE in\n{text}"
        );
        assert!(family.starts_with("consult_"), "{name}");
    }
    for family in scrape.types.keys() {
        assert_eq!(
            scrape.helps.iter().filter(|h| *h == family).count(),
            1,
            "{family}: one # HELP"
        );
    }
    scrape
}

/// `GET /metrics`: answered 200 in the text format.
async fn scrape(metrics: &str) -> Scrape {
    let res = reqwest::get(format!("{metrics}/metrics"))
        .await
        .expect("the metrics listener answers");
    assert_eq!(res.status(), 200);
    let ct = res.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
    parse(&res.text().await.unwrap())
}

/// Scrape until `done` holds of a scrape (generous deadline: what is awaited happens in the
/// background, at its own pace).
async fn scrape_until(metrics: &str, what: &str, done: impl Fn(&Scrape) -> bool) -> Scrape {
    let since = Instant::now();
    loop {
        let s = scrape(metrics).await;
        if done(&s) {
            return s;
        }
        assert!(
            since.elapsed() < Duration::from_secs(60),
            "never {what}:\n{}",
            s.text
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn with_metrics(
    configure: impl FnOnce(&mut consult::server::Config),
) -> (TestServer, String) {
    let server = TestServer::start_with(|c| {
        c.metrics_listen = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
        configure(c);
    })
    .await;
    let metrics = server.metrics_url.clone().expect("a metrics listener");
    assert_ne!(metrics, server.url);
    (server, metrics)
}

async fn recv(ws: &mut Socket) -> ServerMsg {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message within 10 s")
            .expect("open")
            .expect("a frame");
        if let Message::Text(t) = frame {
            return serde_json::from_str(&t).expect("a server message");
        }
    }
}

async fn send(ws: &mut Socket, msg: &ClientMsg) {
    ws.send(Message::Text(serde_json::to_string(msg).unwrap().into()))
        .await
        .unwrap();
}

/// The count of waiting outbox rows of `channel`, straight from the database.
async fn waiting_in_db(server: &TestServer, channel: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND channel = $1",
    )
    .bind(channel)
    .fetch_one(server.state.store.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn requests_are_counted_by_route_template_and_rooms_sockets_outbox_and_pool_are_seen() {
    let (server, metrics) = with_metrics(|_| {}).await;
    let http = reqwest::Client::new();

    // Never on the public port.
    let public = http
        .get(format!("{}/metrics", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), 404);
    // And the metrics listener serves nothing else.
    let other = http.get(format!("{metrics}/healthz")).send().await.unwrap();
    assert_eq!(other.status(), 404);

    let api = server.api("Metrics").await;
    let appointments = crate::appointments_api::company_api(&server, &server.company().await).await;
    let id = consult::server::tokens::new_id();
    let before = scrape(&metrics).await;
    let list = |s: &Scrape, method: &str, status: &str| {
        s.count(
            "consult_http_requests_total",
            &[
                ("route", "/api/v2/management/companies"),
                ("method", method),
                ("status", status),
            ],
        )
    };
    assert_eq!(api.get("/api/v2/management/companies").await.status, 200);
    let missing = api.get(&format!("/api/v2/management/companies/{id}")).await;
    assert_eq!(missing.status, 404, "{}", missing.body);
    let bad = api
        .post("/api/v2/management/companies", serde_json::json!({}))
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    let invalid = appointments.get("/api/v1/appointments?status=done").await;
    assert_eq!(invalid.status, 422, "{}", invalid.body);
    let nowhere = api.get(&format!("/api/v2/no-such-thing/{id}")).await;
    assert_eq!(nowhere.status, 404, "{}", nowhere.body);
    let no_file = http
        .get(format!("{}/no-such-file-{id}.js", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(no_file.status(), 404);

    let after = scrape(&metrics).await;
    assert_eq!(
        list(&after, "GET", "200"),
        list(&before, "GET", "200") + 1.0
    );
    assert_eq!(
        list(&after, "POST", "400"),
        list(&before, "POST", "400") + 1.0
    );
    assert_eq!(
        after.count(
            "consult_http_requests_total",
            &[
                ("route", "/api/v1/appointments"),
                ("method", "GET"),
                ("status", "422")
            ]
        ),
        1.0,
        "{}",
        after.text
    );
    let one = [("route", "/api/v2/management/companies/{id}")];
    assert_eq!(
        after.count(
            "consult_http_requests_total",
            &[one[0], ("method", "GET"), ("status", "404")]
        ),
        1.0,
        "{}",
        after.text
    );
    // Paths no route template matched: one fixed label (the public /metrics, the API's
    // fallback, a file that is not there).
    assert_eq!(
        after.count(
            "consult_http_requests_total",
            &[("route", "unmatched"), ("method", "GET"), ("status", "404")]
        ) - before.count(
            "consult_http_requests_total",
            &[("route", "unmatched"), ("method", "GET"), ("status", "404")]
        ),
        2.0,
        "{}",
        after.text
    );
    // The latency histogram of the template: cumulative buckets ending in +Inf = count.
    assert_eq!(
        after.get("consult_http_request_duration_seconds_count", &one),
        Some(1.0)
    );
    assert_eq!(
        after.get(
            "consult_http_request_duration_seconds_bucket",
            &[one[0], ("le", "+Inf")]
        ),
        Some(1.0)
    );
    let buckets: Vec<f64> = after
        .samples
        .iter()
        .filter(|(n, l, _)| {
            n == "consult_http_request_duration_seconds_bucket"
                && l.get("route").map(String::as_str) == Some(one[0].1)
        })
        .map(|s| s.2)
        .collect();
    assert!(buckets.len() > 5 && buckets.windows(2).all(|w| w[0] <= w[1]));
    assert!(
        after
            .get("consult_http_request_duration_seconds_sum", &one)
            .unwrap()
            > 0.0
    );
    // No raw path, id or token anywhere: every route label is a template or `unmatched`.
    assert!(!after.text.contains(&id), "{}", after.text);
    assert!(!after.text.contains(api.token.as_deref().unwrap()));
    assert!(!after.text.contains("status=done"));
    for route in after.label_values("consult_http_requests_total", "route") {
        assert!(
            route == "unmatched" || route.starts_with('/') && !route.contains("no-such"),
            "{route}"
        );
    }

    // A booking queues e-mail; with no SMTP relay it waits in the outbox, due.
    assert!(server.state.config.smtp.is_none());
    let booked = server.book("Ada Lovelace").await;
    let queued = waiting_in_db(&server, "email").await;
    assert!(queued > 0);
    let s = scrape(&metrics).await;
    assert_eq!(
        s.get("consult_outbox_queued", &[("channel", "email")]),
        Some(queued as f64),
        "{}",
        s.text
    );
    assert_eq!(
        s.get("consult_outbox_due", &[("channel", "email")]),
        Some(queued as f64)
    );
    assert_eq!(
        s.get("consult_outbox_queued", &[("channel", "sms")]),
        Some(0.0)
    );
    assert_eq!(
        s.get("consult_outbox_sent_total", &[("channel", "email")]),
        Some(0.0)
    );

    // Database pool: open connections, some idle, within the maximum.
    let (size, idle, max) = (
        s.gauge("consult_db_pool_connections"),
        s.gauge("consult_db_pool_idle_connections"),
        s.gauge("consult_db_pool_max_connections"),
    );
    assert!(
        size >= 1.0 && idle <= size && size <= max,
        "{size} {idle} {max}"
    );

    // A guest knocks: one socket, one room, one person waiting, no call.
    assert_eq!(s.gauge("consult_websocket_connections"), 0.0);
    assert_eq!(s.gauge("consult_people_waiting"), 0.0);
    let mut guest = support::ws::signal(&server.url, &server.url, None).await;
    send(
        &mut guest,
        &ClientMsg::Knock {
            hash: hash_of(&booked.join_url),
        },
    )
    .await;
    while !matches!(recv(&mut guest).await, ServerMsg::Waiting { .. }) {}
    let s = scrape(&metrics).await;
    assert_eq!(s.gauge("consult_websocket_connections"), 1.0);
    assert_eq!(s.gauge("consult_rooms"), 1.0);
    assert_eq!(s.gauge("consult_people_waiting"), 1.0);
    assert_eq!(s.gauge("consult_calls"), 0.0);
    assert_eq!(s.gauge("consult_people_in_calls"), 0.0);
    assert!(
        s.count(
            "consult_http_requests_total",
            &[("route", "/signal"), ("method", "GET"), ("status", "101")]
        ) >= 1.0,
        "{}",
        s.text
    );

    // The host comes in: a call, one person in it, the guest still waiting.
    let session = server
        .state
        .store
        .create_session(&server.agent, chrono::Duration::hours(1))
        .await
        .unwrap();
    let mut host = support::ws::signal(
        &server.url,
        &server.url,
        Some(&format!("consult_session={session}")),
    )
    .await;
    send(
        &mut host,
        &ClientMsg::Host {
            meeting: booked.meeting.clone(),
        },
    )
    .await;
    while !matches!(recv(&mut host).await, ServerMsg::Joined { .. }) {}
    let s = scrape(&metrics).await;
    assert_eq!(s.gauge("consult_websocket_connections"), 2.0);
    assert_eq!(s.gauge("consult_rooms"), 1.0);
    assert_eq!(s.gauge("consult_calls"), 1.0);
    assert_eq!(s.gauge("consult_people_in_calls"), 1.0);
    assert_eq!(s.gauge("consult_people_waiting"), 1.0);
    // No names, ids or links of anyone in there.
    for secret in [
        "Ada",
        "guest@example.com",
        booked.meeting.as_str(),
        &hash_of(&booked.join_url),
        &session,
    ] {
        assert!(!s.text.contains(secret), "{secret} in\n{}", s.text);
    }

    // The guest leaves: the socket closes, no one waits.
    guest.close(None).await.unwrap();
    scrape_until(&metrics, "the guest's socket closed", |s| {
        s.gauge("consult_websocket_connections") == 1.0 && s.gauge("consult_people_waiting") == 0.0
    })
    .await;
}

#[tokio::test]
async fn a_refused_message_counts_as_a_permanent_failure_and_a_sent_one_as_sent() {
    let sink = SmtpSink::start_refusing("refuse");
    let (server, metrics) = with_metrics(|c| c.smtp = sink.config()).await;
    let slots = server.slot_list().await;
    for (i, email) in ["refuse-me@example.com", "welcome@example.com"]
        .iter()
        .enumerate()
    {
        let request = server.booking_request(slots.slots[i].starts_at, "Grace", email);
        consult::server::services::booking::book(&server.state, request, None)
            .await
            .expect("booking");
    }
    // Once the outbox is settled, the metrics say what the database says.
    server.outbox_settled().await;
    let in_db = |sql: &'static str| {
        let pool = server.state.store.pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .unwrap() as f64
        }
    };
    let failed =
        in_db("SELECT COUNT(*) FROM outbox WHERE channel = 'email' AND failed_at IS NOT NULL")
            .await;
    let sent =
        in_db("SELECT COUNT(*) FROM outbox WHERE channel = 'email' AND sent_at IS NOT NULL").await;
    assert!(failed >= 1.0 && sent >= 1.0, "{failed} failed, {sent} sent");
    let s = scrape(&metrics).await;
    let email = ("channel", "email");
    assert_eq!(
        s.get(
            "consult_outbox_failures_total",
            &[email, ("class", "permanent")]
        ),
        Some(failed),
        "{}",
        s.text
    );
    assert_eq!(
        s.get(
            "consult_outbox_failures_total",
            &[email, ("class", "transient")]
        ),
        Some(0.0)
    );
    assert_eq!(
        s.get("consult_outbox_given_up_total", &[email]),
        Some(failed)
    );
    assert_eq!(s.get("consult_outbox_sent_total", &[email]), Some(sent));
    assert_eq!(s.get("consult_outbox_queued", &[email]), Some(0.0));
    assert!(!s.text.contains("refuse-me"), "{}", s.text);
}

#[tokio::test]
async fn the_metrics_listener_is_off_by_default_and_stops_with_the_server() {
    let off = TestServer::start().await;
    assert!(off.metrics_url.is_none());

    // `consult serve` with the address in the environment, as a service file would give it.
    let data = tempfile::tempdir().unwrap();
    let (port, metrics_port) = (free_port(), free_port());
    let mut cmd = ConsultProcess::command(data.path(), port);
    cmd.env(
        "CONSULT_METRICS_LISTEN",
        format!("127.0.0.1:{metrics_port}"),
    );
    let mut server = ConsultProcess::start(cmd, port).await;
    let metrics = format!("http://127.0.0.1:{metrics_port}");
    assert!(
        server.stdout().contains(&format!("{metrics}/metrics")),
        "{}",
        server.stdout()
    );
    let s = scrape(&metrics).await;
    assert!(s.types.contains_key("consult_http_requests_total"));
    let public = reqwest::get(format!("{}/metrics", server.url))
        .await
        .unwrap();
    assert_eq!(public.status(), 404);

    let status = server.terminate().expect("it stops");
    assert!(status.success(), "{status}\n{}", server.stderr());
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", metrics_port))
            .await
            .is_err(),
        "the metrics listener is gone with the server"
    );
}
