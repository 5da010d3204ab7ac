//! Real Chromium with fake camera and microphone, driven through chromedriver.
//!
//! Each [`Driver`] runs chromedriver in a process group of its own; dropping it kills the
//! whole group, Chromium included, so a failing test leaves nothing running.
//!
//! Pages get a small recorder injected before any of their scripts (CDP
//! `Page.addScriptToEvaluateOnNewDocument`): it keeps every `RTCPeerConnection` and every
//! WebSocket message the page creates or receives, so tests read raw `getStats()` and the
//! signaling a page saw, without any test hooks in the product.

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// The recorder injected into every page and frame.
pub const RECORDER: &str = r#"
(() => {
  if (window.__consultTest) return;
  const rec = { pcs: [], ws: [], sockets: [], events: [], logs: [], audio: [], notifications: [], csp: [], marks: [] };
  // A timeline of the call's set-up steps ([what, Date.now()]), for the journey bench.
  const mark = (what) => rec.marks.push([what, Date.now()]);
  const kind = (data) => { try { return JSON.parse(data).type || '?'; } catch (_) { return '?'; } };
  Object.defineProperty(window, '__consultTest', { value: rec });
  document.addEventListener('securitypolicyviolation',
    (e) => rec.csp.push(e.violatedDirective + ' ' + e.blockedURI), true);
  // A promise refused with no one to handle it, an exception no one caught: a defect.
  window.addEventListener('unhandledrejection',
    (e) => rec.logs.push('unhandled: ' + String((e.reason && e.reason.message) || e.reason)));
  window.addEventListener('error', (e) => rec.logs.push('uncaught: ' + e.message));
  for (const level of ['warn', 'error']) {
    const original = console[level].bind(console);
    console[level] = (...args) => { rec.logs.push(level + ': ' + args.map(String).join(' ')); original(...args); };
  }
  for (const t of ['ready', 'booked', 'rescheduled', 'cancelled', 'waiting', 'admitted', 'joined', 'left', 'error',
      'knock', 'participant_join', 'participant_leave', 'camera_toggle', 'microphone_toggle',
      'screenshare_toggle', 'connection_status_change', 'precall_check_completed'])
    window.addEventListener('consult:' + t, (e) => rec.events.push(e.detail), true);
  // Streams that came from a peer, to tell their <video> apart from the page's own.
  const remote = new WeakSet();
  const src = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'srcObject');
  if (src && src.set) Object.defineProperty(HTMLMediaElement.prototype, 'srcObject', {
    configurable: true,
    get() { return src.get.call(this); },
    set(v) { if (v) mark(remote.has(v) ? 'peer video shown' : 'own video shown'); src.set.call(this, v); },
  });
  const PC = window.RTCPeerConnection;
  if (PC) window.RTCPeerConnection = class extends PC {
    constructor(...args) {
      super(...args);
      rec.pcs.push(this);
      mark('pc');
      this.addEventListener('connectionstatechange', () => mark('pc ' + this.connectionState));
      this.addEventListener('track', (e) => { mark('track ' + e.track.kind); e.streams.forEach((s) => remote.add(s)); });
    }
    async setLocalDescription(d) { const r = await super.setLocalDescription(d); mark('local ' + (this.localDescription && this.localDescription.type)); return r; }
    async setRemoteDescription(d) { mark('remote ' + (d && d.type)); return super.setRemoteDescription(d); }
  };
  const md = navigator.mediaDevices;
  if (md && md.getUserMedia) {
    const gum = md.getUserMedia.bind(md);
    md.getUserMedia = async (c) => { mark('camera asked'); const s = await gum(c); mark('camera open'); return s; };
  }
  const AC = window.AudioContext;
  if (AC) window.AudioContext = class extends AC {
    constructor(...args) { super(...args); rec.audio.push(this); }
  };
  const N = window.Notification;
  if (N) {
    window.Notification = class extends N {
      constructor(title, options) { super(title, options); rec.notifications.push({ title, body: options && options.body }); }
    };
    Object.defineProperty(window.Notification, 'permission', { get: () => N.permission });
    window.Notification.requestPermission = (...a) => N.requestPermission(...a);
  }
  const WS = window.WebSocket;
  window.WebSocket = class extends WS {
    constructor(...args) {
      super(...args);
      const log = [];
      rec.ws.push(log);
      rec.sockets.push(this);
      this.addEventListener('message', (e) => { log.push(String(e.data)); mark('got ' + kind(e.data)); });
    }
    send(data) { mark('sent ' + kind(data)); return super.send(data); }
  };
})();
"#;

/// Which camera and microphone a session has.
#[derive(Clone, Copy, Debug)]
pub enum Media {
    /// Chromium's fake devices, access granted without asking.
    Fake,
    /// No devices at all.
    None,
    /// Fake devices, but every permission prompt is refused.
    Denied,
}

/// A chromedriver process (and the browsers it starts).
pub struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    /// Start chromedriver on a free loopback port.
    pub fn start() -> Driver {
        use std::os::unix::process::CommandExt;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(chromedriver())
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect(
                "chromedriver runs (Debian package chromium-driver; scripts/test.sh installs it)",
            );
        // Owned before waiting, so a failure below still stops it.
        let mut driver = Driver { child, port };
        // Until it listens or exits; only a hang is given up on.
        let since = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                matches!(driver.child.try_wait(), Ok(None)),
                "chromedriver exited at start"
            );
            assert!(
                since.elapsed() < Duration::from_secs(300),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }

    /// A new browser session with a fresh profile, fake camera and microphone (allowed without
    /// a prompt) and the recorder.
    pub async fn session(&self) -> Browser {
        self.session_with(Media::Fake).await
    }

    /// A new browser session with the given media devices.
    pub async fn session_with(&self, media: Media) -> Browser {
        self.session_in(media, None).await
    }

    /// A new browser session (fake media) whose person reads `language` (`nl`, `en-GB`): the
    /// languages it tells pages (`navigator.languages`, `Accept-Language`).
    pub async fn session_in_language(&self, language: &str) -> Browser {
        self.session_in(Media::Fake, Some(language)).await
    }

    async fn session_in(&self, media: Media, language: Option<&str>) -> Browser {
        let profile = tempfile::tempdir().expect("profile dir");
        let media_args: &[&str] = match media {
            Media::Fake => &[
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
            ],
            // This machine has no camera or microphone.
            Media::None => &["--use-fake-ui-for-media-stream"],
            Media::Denied => &[
                "--use-fake-device-for-media-stream",
                "--deny-permission-prompts",
            ],
        };
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium(),
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--disable-quic",
                    "--allow-loopback-in-peer-connection",
                    "--window-size=1200,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }),
        );
        // chromedriver speaks plain HTTP on loopback: no TLS stack needed.
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        if let Some(args) = caps["goog:chromeOptions"]["args"].as_array_mut() {
            args.extend(media_args.iter().map(|a| json!(a)));
            if let Some(language) = language {
                args.push(json!(format!("--lang={language}")));
                args.push(json!(format!("--accept-lang={language}")));
            }
        }
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a Chromium session");
        // Scripts that await a promise (a WebSocket's answer, say) get the same patience as
        // every other wait here, not chromedriver's fixed 30 s.
        client
            .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
                Some(super::patience(30)),
                Some(super::patience(75)),
                Some(Duration::ZERO),
            ))
            .await
            .expect("session timeouts");
        let browser = Browser {
            client,
            _profile: profile,
        };
        browser.cdp("Page.enable", json!({})).await;
        browser
            .cdp(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": RECORDER }),
            )
            .await;
        browser
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Kill chromedriver's whole process group: the Chromium processes it started too.
        super::process::kill_group(&mut self.child);
    }
}

fn chromedriver() -> String {
    std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into())
}

fn chromium() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

/// One browser session.
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    _profile: TempDir,
}

#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()),
        )
    }
}

impl Browser {
    /// Run a Chrome DevTools Protocol command in this session.
    pub async fn cdp(&self, cmd: &'static str, params: Value) -> Value {
        self.client
            .issue_cmd(Cdp { cmd, params })
            .await
            .unwrap_or_else(|e| panic!("CDP {cmd}: {e}"))
    }

    /// Run JavaScript (a returned promise is awaited) and return its result.
    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Wait until `script` returns something truthy; panics with `what` after `secs`.
    pub async fn wait_js(&self, what: &str, secs: u64, script: &str) -> Value {
        let deadline = Instant::now() + super::patience(secs);
        loop {
            let v = self.js(script).await;
            if !(v.is_null() || v == json!(false) || v == json!(0) || v == json!("")) {
                return v;
            }
            if Instant::now() > deadline {
                panic!(
                    "timed out after {:?} waiting for {what}",
                    super::patience(secs)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// In a list of times by day (the booking form, change-or-cancel), show the day after the
    /// one chosen (the next month's first, at the end of one): late in a day, the first day
    /// offered has only its last quarter-hour left, and a test wanting a choice of times
    /// would depend on the hour it runs at.
    pub async fn choose_a_later_day(&self) {
        self.find("td[aria-selected=true]").await;
        let moved_on = self
            .js("const free = [...document.querySelectorAll('td.free')];
                 const sel = document.querySelector('td[aria-selected=true]');
                 const later = free.slice(free.indexOf(sel) + 1);
                 if (later.length) { later[0].click(); return 'day'; }
                 document.querySelectorAll('button.month-nav')[1].click();
                 return 'month';")
            .await;
        if moved_on == "month" {
            self.wait_js(
                "the next month's free days",
                20,
                "const d = document.querySelector('td.free'); if (d) d.click(); return !!d;",
            )
            .await;
        }
    }

    /// Wait for an element (30 s of patience).
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(super::patience(30))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    /// Go to a page (the call returns once it has loaded).
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    /// Find an element and click it. An element replaced between the two (a list that
    /// re-rendered as new data arrived) is found again and clicked: what a person clicks is
    /// what is on the page then.
    pub async fn click(&self, css: &str) {
        for _ in 0..20 {
            match self.find(css).await.click().await {
                Ok(()) => return,
                Err(fantoccini::error::CmdError::Standard(e))
                    if e.error == fantoccini::error::ErrorStatus::StaleElementReference =>
                {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("click {css}: {e}"),
            }
        }
        panic!("{css} kept being replaced");
    }

    /// Open a host page and wait until `embed.js` has defined its elements.
    pub async fn open_host_page(&self, url: &str) {
        self.goto(url).await;
        self.wait_js(
            "embed.js",
            10,
            "return !!customElements.get('consult-booking') && !!customElements.get('consult-call')",
        )
        .await;
    }

    /// In a booking form (this frame): take the first time offered, fill in name and e-mail,
    /// consent, book; returns the personal join link of the confirmation.
    pub async fn book_in_form(&self, name: &str, email: &str) -> String {
        self.book_in_form_with_phone(name, email, "").await
    }

    /// [`Browser::book_in_form`] with a phone number too (none when empty).
    ///
    /// The first time offered starts at the next quarter-hour (the demo site takes bookings
    /// up to the last moment): when the quarter-hour turns while the form is being filled in,
    /// the server refuses the time as passed and the form shows fresh times, as a customer
    /// would see. Then the new first time is taken, once; any other refusal fails the test
    /// with what the form said.
    pub async fn book_in_form_with_phone(&self, name: &str, email: &str, phone: &str) -> String {
        self.click("label.slot").await;
        self.find("#name").await.send_keys(name).await.unwrap();
        self.find("#email").await.send_keys(email).await.unwrap();
        if !phone.is_empty() {
            self.find("#phone").await.send_keys(phone).await.unwrap();
        }
        self.click("#consent").await;
        for attempt in 0..2 {
            self.click("button[type=submit]").await;
            let outcome = self
                .wait_js(
                    "the confirmation or a refusal",
                    30,
                    "if (document.querySelector('[data-join-link]')) return 'booked';
                     const time = document.getElementById('starts_at-error');
                     if (time && time.textContent.trim()) return 'time: ' + time.textContent;
                     const form = document.getElementById('form-error');
                     return form && form.textContent.trim() ? 'form: ' + form.textContent : null;",
                )
                .await;
            let outcome = outcome.as_str().unwrap_or_default();
            if outcome == "booked" {
                break;
            }
            assert!(
                attempt == 0 && outcome.starts_with("time: "),
                "the booking was refused: {outcome}"
            );
            // The refused time is no longer chosen; the fresh list's first is taken.
            self.wait_js(
                "fresh times",
                30,
                "return !document.querySelector('input[name=slot]:checked') \
                   && !!document.querySelector('label.slot')",
            )
            .await;
            self.click("label.slot").await;
        }
        self.find("[data-join-link]")
            .await
            .attr("href")
            .await
            .unwrap()
            .expect("join link href")
    }

    /// Book through the `<consult-booking>` embed of the demo host page at `host_url`; returns
    /// the join link. The host page hears `consult:ready` and `consult:booked` (the recorder
    /// listens on its window from the start, as an integrator's listener would), without the
    /// join hash.
    pub async fn book_on_host_page(
        &self,
        host_url: &str,
        name: &str,
        email: &str,
        phone: &str,
    ) -> String {
        self.goto(&format!("{host_url}/")).await;
        self.enter_embed("consult-booking").await;
        let href = self.book_in_form_with_phone(name, email, phone).await;
        self.client.enter_parent_frame().await.unwrap();
        let events = self
            .wait_js("consult:booked on the host page", 10, "const ev = window.__consultTest.events; return ev.some(e => e.type === 'consult:booked') && ev")
            .await;
        let booked = events
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["type"] == "consult:booked")
            .unwrap();
        assert_eq!(booked["version"], 1);
        assert!(booked["meeting"].as_str().is_some_and(|m| m.len() == 24));
        let hash = href.rsplit('/').next().unwrap();
        assert!(
            !events.to_string().contains(hash),
            "a join hash leaked into host page events"
        );
        assert!(events
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "consult:ready"));
        href
    }

    /// Open a customer's personal link and wait until they are in its waiting room.
    pub async fn wait_in_room(&self, link: &str) {
        self.goto(link).await;
        self.find("main[data-status=waiting]").await;
    }

    /// As the room's host: admit the person waiting under `name`.
    pub async fn admit(&self, name: &str) {
        self.click(&format!("[data-action=admit][aria-label='Admit {name}']"))
            .await;
    }

    /// Open the agent's own link (into the room at once) and admit `name`.
    pub async fn admit_from_host_link(&self, host_link: &str, name: &str) {
        self.goto(host_link).await;
        self.admit(name).await;
    }

    /// Switch into the iframe of an embed element (`consult-booking`, `consult-call`) on the
    /// host page, after checking it may use camera and microphone.
    pub async fn enter_embed(&self, tag: &str) {
        self.wait_js(
            "the embed iframe",
            30,
            &format!(
                "return !!document.querySelector('{tag}')?.shadowRoot?.querySelector('iframe')"
            ),
        )
        .await;
        let element = self.find(tag).await;
        let root = element
            .shadow_root()
            .await
            .expect("the element has a shadow root");
        let frame = root
            .find(Locator::Css("iframe"))
            .await
            .expect("an iframe in the shadow root");
        assert_eq!(
            frame.attr("allow").await.unwrap().as_deref(),
            Some("camera; microphone; display-capture; autoplay; fullscreen"),
            "the iframe must be allowed camera and microphone"
        );
        frame.enter_frame().await.expect("enter the embed iframe");
    }

    /// Inbound video statistics of every open peer connection of this page:
    /// `(framesDecoded, bytesReceived)`, straight from `getStats()`.
    pub async fn inbound_video(&self) -> Vec<(u64, u64)> {
        self.inbound("video", "framesDecoded").await
    }

    /// Inbound audio statistics: `(packetsReceived, bytesReceived)`.
    pub async fn inbound_audio(&self) -> Vec<(u64, u64)> {
        self.inbound("audio", "packetsReceived").await
    }

    async fn inbound(&self, kind: &str, counter: &str) -> Vec<(u64, u64)> {
        let v = self
            .js(&format!(
                "return (async () => {{
                   const out = [];
                   for (const pc of window.__consultTest.pcs) {{
                     if (pc.connectionState === 'closed') continue;
                     (await pc.getStats()).forEach((s) => {{
                       if (s.type === 'inbound-rtp' && s.kind === '{kind}')
                         out.push([s.{counter} || 0, s.bytesReceived || 0]);
                     }});
                   }}
                   return out;
                 }})()"
            ))
            .await;
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|p| (p[0].as_u64().unwrap_or(0), p[1].as_u64().unwrap_or(0)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Wait until `sample` shows a first count above zero, then check both numbers keep rising.
    async fn assert_rising(
        &self,
        who: &str,
        what: &str,
        secs: u64,
        stats: impl AsyncFn() -> Vec<(u64, u64)>,
    ) {
        let deadline = Instant::now() + super::patience(secs);
        let first = loop {
            let now = stats().await;
            if let Some(&first) = now.iter().find(|(count, _)| *count > 0) {
                break first;
            }
            assert!(
                Instant::now() < deadline,
                "{who}: no remote {what} within {:?}: {now:?}",
                super::patience(secs)
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        // Still rising: polled until it has (not a fixed wait), for at most 10 s.
        let rose = Instant::now() + super::patience(10);
        let (count, bytes) = loop {
            let (count, bytes) = stats()
                .await
                .into_iter()
                .max_by_key(|(_, b)| *b)
                .unwrap_or_default();
            if (bytes > first.1 && count > first.0) || Instant::now() > rose {
                break (count, bytes);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert!(
            bytes > first.1,
            "{who}: {what} bytesReceived stopped rising ({} -> {bytes})",
            first.1
        );
        assert!(
            count > first.0,
            "{who}: {what} count stopped rising ({} -> {count})",
            first.0
        );
    }

    /// Wait until this page decodes `n` remote videos (one per other person in a mesh call),
    /// then check every one of them keeps decoding frames.
    pub async fn assert_decoding_videos(&self, who: &str, n: usize) {
        let deadline = Instant::now() + super::patience(30);
        let first = loop {
            let now = self.inbound_video().await;
            if now.iter().filter(|(frames, _)| *frames > 0).count() >= n {
                break now;
            }
            if Instant::now() > deadline {
                panic!(
                    "{who}: fewer than {n} remote videos decoding within {:?}: {}",
                    super::patience(30),
                    self.diagnose().await
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        // Each keeps decoding: polled until all have, for at most 10 s.
        let rose = Instant::now() + super::patience(10);
        let (later, rising) = loop {
            let later = self.inbound_video().await;
            let rising = first
                .iter()
                .zip(&later)
                .filter(|((f0, _), (f1, _))| *f0 > 0 && f1 > f0)
                .count();
            if rising >= n || Instant::now() > rose {
                break (later, rising);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert!(
            rising >= n,
            "{who}: {rising} of {n} remote videos still decoding ({first:?} -> {later:?})"
        );
    }

    /// Wait until this page decodes remote video and keeps receiving it.
    pub async fn assert_receiving_video(&self, who: &str) {
        self.assert_rising(who, "video frames", 30, || self.inbound_video())
            .await;
    }

    /// Wait until this page receives the other side's sound and plays it: audio packets keep
    /// arriving and the remote `<video>` element plays an audio track, not muted.
    pub async fn assert_receiving_audio(&self, who: &str) {
        self.assert_rising(who, "audio packets", 30, || self.inbound_audio())
            .await;
        let playing = self
            .js("const v = document.querySelector('[data-remote-video]');
                 return !!v && !v.muted && !v.paused && v.srcObject.getAudioTracks().length > 0")
            .await;
        assert_eq!(
            playing,
            json!(true),
            "{who}: the remote video element does not play sound"
        );
    }

    /// Open (not closed) peer connections of the page, and all it ever made.
    pub async fn peer_connections(&self) -> (u64, u64) {
        let v = self
            .js("const p = window.__consultTest.pcs; return [p.filter(x => x.connectionState !== 'closed').length, p.length]")
            .await;
        (v[0].as_u64().unwrap(), v[1].as_u64().unwrap())
    }

    /// Wait until the page's newest signaling connection, at least its `n`th, has resumed
    /// the call.
    pub async fn wait_resumed(&self, who: &str, n: usize) {
        self.wait_js(
            &format!("{who} to resume on signaling connection {n}"),
            60,
            &format!(
                "const ws = window.__consultTest.ws;
                 return ws.length >= {n} && ws[ws.length - 1].map(m => JSON.parse(m))
                     .some(m => m.type === 'joined' && m.resumed === true)"
            ),
        )
        .await;
    }

    /// All signaling messages this page has received, parsed.
    pub async fn signaling_received(&self) -> Vec<Value> {
        let v = self.js("return window.__consultTest.ws.flat()").await;
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.as_str().and_then(|s| serde_json::from_str(s).ok()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A barrier on the page's newest signaling connection: send a `ping` on it and wait for
    /// the `pong`. The server answers each connection in order, so whatever it sent this page
    /// before the ping has arrived once the pong has (no waiting a fixed time to prove that
    /// nothing came).
    pub async fn signaling_barrier(&self) {
        let before = self
            .js("const w = window.__consultTest.ws; return w[w.length - 1].filter(m => JSON.parse(m).type === 'pong').length")
            .await
            .as_u64()
            .expect("a signaling connection");
        self.js("const s = window.__consultTest.sockets; s[s.length - 1].send(JSON.stringify({type: 'ping'})); return true")
            .await;
        self.wait_js(
            "the pong of the barrier",
            30,
            &format!("const w = window.__consultTest.ws; return w[w.length - 1].filter(m => JSON.parse(m).type === 'pong').length > {before}"),
        )
        .await;
    }

    /// What the page logged with console.warn / console.error.
    pub async fn logs(&self) -> Vec<String> {
        let v = self.js("return window.__consultTest.logs").await;
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A summary of the page's calls and signaling, for failure messages.
    pub async fn diagnose(&self) -> String {
        let pcs = self
            .js("return window.__consultTest.pcs.map(p => p.connectionState + '/' + p.signalingState + '/' + p.iceConnectionState).join(', ')")
            .await;
        let msgs: Vec<String> = self
            .signaling_received()
            .await
            .iter()
            .map(|m| match (m.get("error"), m.get("signal")) {
                (Some(e), _) => format!("error({})", e["message"]),
                (_, Some(s)) => match s["kind"].as_str() {
                    Some("description") => format!("sdp:{}", s["sdp_type"].as_str().unwrap_or("?")),
                    _ => "ice".to_string(),
                },
                _ => m["type"].as_str().unwrap_or("?").to_string(),
            })
            .collect();
        format!(
            "url {}; peer connections [{pcs}]; inbound video {:?}; signaling {msgs:?}; logs {:?}",
            self.js("return location.href").await,
            self.inbound_video().await,
            self.logs().await
        )
    }

    /// Run axe-core on the current document and fail on any violation.
    pub async fn axe(&self, step: &str) {
        self.axe_with(step, "{ resultTypes: ['violations'] }").await;
    }

    /// Run axe-core on a host page, leaving out its (cross-origin) frames.
    pub async fn axe_host_page(&self, step: &str) {
        self.axe_with(step, "{ resultTypes: ['violations'], iframes: false }")
            .await;
    }

    async fn axe_with(&self, step: &str, options: &str) {
        let loaded = self.js("return typeof window.axe === 'object'").await;
        if loaded != Value::Bool(true) {
            let path = std::env::var("CONSULT_AXE").expect(
                "CONSULT_AXE names axe.min.js (scripts/test.sh installs axe-core and sets it)",
            );
            let source = std::fs::read_to_string(&path).expect("axe.min.js is readable");
            self.js(&format!("{source}\n;return true;")).await;
        }
        let violations = self
            .js(&format!(
                "return axe.run(document, {options}).then(r => r.violations.map(v => \
                 ({{ id: v.id, impact: v.impact, help: v.help, \
                    nodes: v.nodes.map(n => n.target.join(' ') + ' — ' + n.failureSummary) }})))"
            ))
            .await;
        assert_eq!(
            violations,
            Value::Array(vec![]),
            "axe-core found accessibility violations at step '{step}':\n{violations:#}"
        );
    }

    /// End the session.
    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}
