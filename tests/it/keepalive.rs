//! Behind a reverse proxy that closes idle connections (nginx from Debian, on loopback, with a
//! short `proxy_read_timeout`), a customer who waits quietly keeps their signaling connection:
//! the server pings it. A control without pings shows the proxy really cuts.

use crate::support;
use futures::{SinkExt, StreamExt};
use std::time::Duration;
use support::nginx::Nginx;
use support::ws::Socket;
use support::TestServer;
use tokio_tungstenite::tungstenite::Message;

/// The proxy's idle timeout.
const IDLE: Duration = Duration::from_secs(3);

/// nginx proxying everything (WebSocket upgrades too) to `upstream`, cutting connections
/// idle for [`IDLE`].
fn behind_nginx(upstream: &str) -> Nginx {
    let upstream = upstream.trim_start_matches("http://").to_string();
    let idle = IDLE.as_secs();
    Nginx::start(|port| {
        format!(
            "server {{
               listen 127.0.0.1:{port};
               location / {{
                 proxy_pass http://{upstream};
                 proxy_http_version 1.1;
                 proxy_set_header Upgrade $http_upgrade;
                 proxy_set_header Connection \"upgrade\";
                 proxy_set_header Host $host;
                 proxy_read_timeout {idle}s;
                 proxy_send_timeout {idle}s;
               }}
             }}"
        )
    })
}

/// A signaling connection through the proxy, as the widget (on the server's origin) opens it.
async fn connect(server: &TestServer, proxy: &Nginx) -> Socket {
    let address = format!("http://127.0.0.1:{}", proxy.port);
    support::ws::signal(&address, &server.url, None).await
}

/// Listen quietly for `span` (the client library answers pings by itself); how many pings
/// came, and whether the connection is still open.
async fn wait_quietly(ws: &mut Socket, span: Duration) -> (usize, bool) {
    let until = tokio::time::Instant::now() + span;
    let mut pings = 0;
    loop {
        match tokio::time::timeout_at(until, ws.next()).await {
            Err(_) => return (pings, true),
            Ok(Some(Ok(Message::Ping(_)))) => pings += 1,
            Ok(Some(Ok(Message::Close(_)))) | Ok(Some(Err(_))) | Ok(None) => return (pings, false),
            Ok(Some(Ok(_))) => {}
        }
    }
}

#[tokio::test]
async fn a_quiet_customer_keeps_the_connection_through_a_proxy_that_cuts_idle_ones() {
    let server = TestServer::start_with(|c| c.ws_ping = Some(Duration::from_secs(1))).await;
    let proxy = behind_nginx(&server.url);
    let mut ws = connect(&server, &proxy).await;
    let (pings, open) = wait_quietly(&mut ws, IDLE * 3).await;
    assert!(open, "cut after {pings} pings");
    assert!(pings >= 3, "{pings} pings in {:?}", IDLE * 3);
    // And it still carries messages.
    ws.send(Message::Text(r#"{"type":"ping"}"#.into()))
        .await
        .unwrap();
    let answer = loop {
        match tokio::time::timeout(Duration::from_secs(30), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => break t.to_string(),
            Ok(Some(Ok(_))) => continue,
            other => panic!("no answer: {other:?}"),
        }
    };
    assert_eq!(answer, r#"{"type":"pong"}"#);

    // Control: without the server's pings the same proxy cuts the same quiet connection.
    let silent = TestServer::start_with(|c| c.ws_ping = None).await;
    let proxy = behind_nginx(&silent.url);
    let mut ws = connect(&silent, &proxy).await;
    let (pings, open) = wait_quietly(&mut ws, IDLE * 3).await;
    assert_eq!(pings, 0);
    assert!(
        !open,
        "the proxy did not cut an idle connection: the test proves nothing"
    );
}
