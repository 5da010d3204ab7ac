//! A call across nodes in real browsers, and the nodes killed under it: three `consult serve`
//! nodes on one PostgreSQL database and one `nats-server`, behind nginx as the load balancer
//! (sticky by a cookie the test sets, falling back to the other nodes when a node is down,
//! as an operator's balancer does).
//!
//! The customer's page is served by node A and the agent's by node B; node C owns the hub, so
//! the waiting room, admission and negotiation all cross the bus. C is killed while the
//! customer waits: her page knocks again by itself and is back in the agent's lobby, the
//! agent's page resumes; she is admitted through the new owner. Then the new owner is killed
//! mid-call, and it held one of the pages' sockets: that page reconnects through nginx to the
//! last node, both resume, and the media between the browsers never stops. (PostgreSQL only: SQLite serves one process.)

use crate::support;

use support::browser::Driver;
use support::cluster::{agreed_owner, Node};
use support::nats::NatsServer;
use support::nginx::Nginx;
use support::TestServer;

/// nginx in front of `a`, `b`, `c`: a page whose `consult_node` cookie says `a` or `b` is
/// served by that node while it is up, by another otherwise; other requests go to any.
fn balancer(port: u16, nodes: [&Node; 3]) -> Nginx {
    let [a, b, c] = nodes.map(|n| n.process.port);
    Nginx::start_on(port, |port| {
        format!(
            "map $cookie_consult_node $pool {{ a node_a; b node_b; default any; }}
             map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
             upstream node_a {{ server 127.0.0.1:{a}; server 127.0.0.1:{b} backup; server 127.0.0.1:{c} backup; }}
             upstream node_b {{ server 127.0.0.1:{b}; server 127.0.0.1:{a} backup; server 127.0.0.1:{c} backup; }}
             upstream any {{ server 127.0.0.1:{a}; server 127.0.0.1:{b}; server 127.0.0.1:{c}; }}
             server {{
               listen 127.0.0.1:{port};
               location / {{
                 proxy_pass http://$pool;
                 proxy_http_version 1.1;
                 proxy_set_header Upgrade $http_upgrade;
                 proxy_set_header Connection $connection_upgrade;
                 proxy_set_header Host $host;
                 proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                 proxy_read_timeout 1h;
                 proxy_connect_timeout 2s;
               }}
             }}"
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (SQLite serves one process): scripts/test.sh runs it in its PostgreSQL pass"]
async fn a_call_across_nodes_in_browsers_outlives_two_nodes() {
    assert!(
        support::db::on_postgres(),
        "CONSULT_TEST_POSTGRES: a PostgreSQL server for the nodes"
    );
    let seed = TestServer::start().await;
    let room = seed.room(&["Ada"], 2).await;
    let nats = NatsServer::start().await;
    // The balancer's address is every node's public URL (pages and their WebSockets come
    // from there); nginx needs the nodes' ports first, so it starts after them, on a port
    // picked now.
    let front_port = support::process::free_port();
    let front = format!("http://127.0.0.1:{front_port}");
    let flags = [
        "--public-url",
        front.as_str(),
        "--trusted-proxies",
        "127.0.0.1",
    ];
    let c = Node::start(seed.data_dir(), &nats.url, &flags).await;
    c.knows_owner(&c.id.clone()).await;
    let a = Node::start(seed.data_dir(), &nats.url, &flags).await;
    let b = Node::start(seed.data_dir(), &nats.url, &flags).await;
    let mut nodes = vec![a, b, c];
    assert_eq!(agreed_owner(&nodes).await, 2, "C owns the hub");
    let _nginx = balancer(front_port, [&nodes[0], &nodes[1], &nodes[2]]);
    let on_front = |link: &str| link.replacen(&seed.url, &front, 1);

    let driver = Driver::start();
    let ada = driver.session().await;
    let agent = driver.session().await;
    for (b, node) in [(&ada, "a"), (&agent, "b")] {
        b.goto(&format!("{front}/healthz")).await;
        b.js(&format!(
            "document.cookie = 'consult_node={node}; path=/'; return true"
        ))
        .await;
    }
    // Ada waits (her page on A); the agent opens the call (on B) and sees her knock.
    ada.wait_in_room(&on_front(&room.guests[0])).await;
    agent.goto(&on_front(&room.host)).await;
    agent
        .find("[data-action=admit][aria-label='Admit Ada']")
        .await;
    // Each page's signaling went to its own node (the hub's owner served neither).
    for (i, n) in nodes.iter().enumerate().take(2) {
        assert!(
            n.process
                .stderr()
                .lines()
                .any(|l| l.contains("route=\"/signal\"") && l.contains("status=101")),
            "node {i} served no signaling socket"
        );
    }

    // The owner dies while Ada waits: her page knocks again by itself, the agent's resumes,
    // and Ada is in the agent's lobby again without anyone doing anything.
    nodes[2].process.kill();
    agent.wait_resumed("the agent", 2).await;
    ada.wait_js(
        "Ada's page to knock again on a new connection",
        60,
        "const ws = window.__consultTest.ws;
         return ws.length >= 2 && ws[ws.length - 1].map(m => JSON.parse(m))
             .some(m => m.type === 'waiting')",
    )
    .await;
    ada.find("main[data-status=waiting]").await;
    let survivors = &nodes[..2];
    let owner = agreed_owner(survivors).await;
    agent.admit("Ada").await;
    for (who, b) in [("agent", &agent), ("Ada", &ada)] {
        b.assert_decoding_videos(who, 1).await;
        assert_eq!(b.peer_connections().await, (1, 1), "{who}");
    }
    ada.find("#chat-input")
        .await
        .send_keys("Still there?\u{E007}")
        .await
        .unwrap();
    agent
        .wait_js(
            "the chat line through the new owner",
            30,
            "return document.querySelector('[data-chat-line]')?.textContent === 'Ada: Still there?'",
        )
        .await;

    // The new owner dies too, and it held a page's socket: that page reconnects through
    // nginx to the last node; both resume there.
    let (held, other) = if owner == 0 {
        (&ada, &agent)
    } else {
        (&agent, &ada)
    };
    nodes[owner].process.kill();
    held.wait_resumed("the page whose node died", 3).await;
    other.wait_resumed("the other page", 3).await;
    for (who, b) in [("agent", &agent), ("Ada", &ada)] {
        assert_eq!(
            b.peer_connections().await,
            (1, 1),
            "{who}: still the same call"
        );
        b.assert_decoding_videos(who, 1).await;
    }
    agent
        .find("[data-action=end-for-all]")
        .await
        .click()
        .await
        .unwrap();
    ada.find("main[data-status=ended]").await;
    ada.close().await;
    agent.close().await;
}
