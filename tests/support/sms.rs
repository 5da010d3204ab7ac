//! A text-message provider on loopback: takes `POST /messages` with `{"from", "to", "text"}`
//! (what the server's SMS sender posts) and keeps each body.

use serde_json::Value;
use std::sync::{Arc, Mutex};

/// A running provider; serves until the test's runtime ends.
pub struct SmsSink {
    /// The endpoint to give the server (`--sms-url`).
    pub url: String,
    seen: Arc<Mutex<Vec<Value>>>,
}

impl SmsSink {
    /// Start it on a free loopback port.
    pub async fn start() -> SmsSink {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let store = seen.clone();
        let app = axum::Router::new().route(
            "/messages",
            axum::routing::post(move |body: axum::Json<Value>| {
                let store = store.clone();
                async move {
                    store.lock().unwrap().push(body.0);
                    axum::http::StatusCode::ACCEPTED
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/messages", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        SmsSink { url, seen }
    }

    /// The messages received so far, in order.
    pub fn messages(&self) -> Vec<Value> {
        self.seen.lock().unwrap().clone()
    }
}
