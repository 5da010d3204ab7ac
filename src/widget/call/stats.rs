//! One `getStats()` sample of a peer connection, reduced to what the call shows: how loud the
//! peer is, the round trip, and the packet counters the loss is computed from.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::RtcPeerConnection;

/// What one sample says about one peer.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sample {
    /// Audio level of what we receive from them (0..1).
    pub audio_level: f64,
    /// Current round trip of the active candidate pair, in seconds.
    pub rtt: Option<f64>,
    /// Packets lost and received so far, over all inbound streams.
    pub packets: (f64, f64),
    /// Bytes received and sent so far, over all streams.
    pub bytes: (f64, f64),
    /// Packets the other side reports lost of ours, and packets we sent, so far.
    pub sent: (f64, f64),
}

fn num(o: &JsValue, key: &str) -> Option<f64> {
    js_sys::Reflect::get(o, &key.into()).ok()?.as_f64()
}

fn text(o: &JsValue, key: &str) -> Option<String> {
    js_sys::Reflect::get(o, &key.into()).ok()?.as_string()
}

/// Take a sample (fails only if the connection is gone).
pub async fn sample(pc: &RtcPeerConnection) -> Result<Sample, JsValue> {
    let report = JsFuture::from(pc.get_stats()).await?;
    // RTCStatsReport is map-like: its forEach has Map's shape.
    let report: js_sys::Map = report.unchecked_into();
    let mut s = Sample::default();
    report.for_each(&mut |stat, _| match text(&stat, "type").as_deref() {
        Some("inbound-rtp") => {
            if text(&stat, "kind").as_deref() == Some("audio") {
                s.audio_level = s.audio_level.max(num(&stat, "audioLevel").unwrap_or(0.0));
            }
            s.packets.0 += num(&stat, "packetsLost").unwrap_or(0.0);
            s.packets.1 += num(&stat, "packetsReceived").unwrap_or(0.0);
            s.bytes.0 += num(&stat, "bytesReceived").unwrap_or(0.0);
        }
        Some("outbound-rtp") => {
            s.bytes.1 += num(&stat, "bytesSent").unwrap_or(0.0);
            s.sent.1 += num(&stat, "packetsSent").unwrap_or(0.0);
        }
        Some("remote-inbound-rtp") => {
            s.sent.0 += num(&stat, "packetsLost").unwrap_or(0.0).max(0.0);
        }
        Some("candidate-pair")
            if js_sys::Reflect::get(&stat, &"nominated".into())
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(false)
                && text(&stat, "state").as_deref() == Some("succeeded") =>
        {
            if let Some(rtt) = num(&stat, "currentRoundTripTime") {
                s.rtt = Some(rtt);
            }
        }
        _ => {}
    });
    Ok(s)
}
