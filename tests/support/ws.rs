//! A signaling WebSocket as the widget opens one: to `/signal`, from the server's own origin.

use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// An open client WebSocket.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A connection to `{address}/signal` (`http://…` or `ws://…`, a proxy's too) carrying the page
/// origin `origin` and, when given, a cookie.
pub async fn signal(address: &str, origin: &str, cookie: Option<&str>) -> Socket {
    let url = format!("{}/signal", address.replacen("http", "ws", 1));
    let mut req = url.into_client_request().expect("a WebSocket address");
    req.headers_mut()
        .insert("origin", origin.parse().expect("an origin"));
    if let Some(c) = cookie {
        req.headers_mut()
            .insert("cookie", c.parse().expect("a cookie"));
    }
    tokio_tungstenite::connect_async(req)
        .await
        .expect("the signaling WebSocket opens")
        .0
}

/// The join hash at the end of a personal link (`…/join/{hash}`), as a `knock` carries it.
pub fn hash_of(url: &str) -> String {
    url.rsplit('/').next().unwrap_or_default().to_string()
}

/// A minimal SDP offer to relay.
pub fn offer() -> consult::model::signal::Signal {
    consult::model::signal::Signal::Description {
        sdp_type: consult::model::signal::SdpType::Offer,
        sdp: "v=0\r\n".into(),
    }
}
