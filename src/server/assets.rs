//! The widget's files (Trunk's `dist/`), held in memory, served in the smallest encoding the
//! browser accepts.
//!
//! Compressing the wasm at brotli's best level takes seconds (13 s on a slow machine in a
//! debug build), so it never happens on the way to answering: the server starts at once and
//! serves the plain files, while one background thread compresses each file the first time
//! its content is seen and keeps the result in a cache folder under the content's SHA-256
//! (by default `{data}/cache/assets`). The next start on the same build reads the cache and
//! serves compressed files from its first answer. [`Assets::compressed`] tells whether every
//! file is ready (`/readyz`).

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, Response, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// The brotli and gzip copies of one file's content (empty when they could not be made: the
/// plain file is then what everyone gets).
#[derive(Debug, Default)]
struct Encoded {
    br: Bytes,
    gzip: Bytes,
}

/// One file with its encodings (once they are made).
#[derive(Debug)]
pub struct Asset {
    content_type: &'static str,
    /// The content (shared with the compressing thread and every answer, never copied).
    raw: Bytes,
    /// Shared by every server in the process that serves the same content.
    encoded: Arc<OnceLock<Encoded>>,
    etag: String,
    cache_control: &'static str,
}

/// All files of the widget build.
#[derive(Debug, Default)]
pub struct Assets {
    files: HashMap<String, Arc<Asset>>,
    /// `'sha256-…'` sources of every page's inline scripts (each `index.html`), for the
    /// pages' CSP.
    pub inline_script_hashes: Vec<String>,
    /// Where they were loaded from.
    pub dir: PathBuf,
}

impl Assets {
    /// Load every file under `dir`; compressed copies come from `cache` (made in the background
    /// when missing, and written there). A missing build is not fatal (the API still works);
    /// pages then answer 503 saying how to build it.
    pub fn load(dir: &Path, cache: Option<&Path>) -> std::io::Result<Assets> {
        let mut assets = Assets {
            dir: dir.to_path_buf(),
            ..Assets::default()
        };
        if !dir.join("index.html").is_file() {
            tracing::warn!(dir = %dir.display(), "widget not built (no index.html): run `trunk build --release`");
            return Ok(assets);
        }
        if let Some(cache) = cache {
            if let Err(e) = super::private_fs::ensure_dir(cache) {
                // Not fatal: the files are then compressed in memory only.
                tracing::warn!(dir = %cache.display(), error = %e, "asset cache folder not usable");
            }
        }
        let mut pending = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d)? {
                let path = entry?.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let rel = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                let (asset, job) = load_one(&path, cache)?;
                pending.extend(job);
                assets.files.insert(format!("/{rel}"), asset);
            }
        }
        // Every page's inline scripts (the full app's and each page's own build).
        let mut pages: Vec<_> = assets
            .files
            .iter()
            .filter(|(path, _)| path.ends_with("/index.html"))
            .collect();
        pages.sort_by(|a, b| a.0.cmp(b.0));
        for (_, page) in pages {
            for hash in inline_script_hashes(&String::from_utf8_lossy(&page.raw)) {
                if !assets.inline_script_hashes.contains(&hash) {
                    assets.inline_script_hashes.push(hash);
                }
            }
        }
        if !pending.is_empty() {
            // Small files first: the page and its script are ready long before the wasm.
            pending.sort_by_key(|j: &Job| j.raw.len());
            let slots: Vec<_> = pending.iter().map(|j| j.slot.clone()).collect();
            let spawned = std::thread::Builder::new()
                .name("compress-assets".into())
                .spawn(move || pending.into_iter().for_each(Job::run));
            if let Err(e) = spawned {
                tracing::warn!(error = %e, "no thread to compress the widget: served uncompressed");
                // Settled as plain, so the server still says it is ready.
                slots.iter().for_each(|s| {
                    let _ = s.set(Encoded::default());
                });
            }
        }
        Ok(assets)
    }

    /// Is the widget built?
    pub fn has_index(&self) -> bool {
        self.files.contains_key("/index.html")
    }

    /// A file by URL path.
    pub fn get(&self, path: &str) -> Option<&Arc<Asset>> {
        self.files.get(path)
    }

    /// Are the compressed copies of every file ready (or given up)?
    pub fn compressed(&self) -> bool {
        self.files.values().all(|a| a.encoded.get().is_some())
    }

    /// Wait until every file is compressed (benchmarks measure the bytes a visitor gets).
    pub async fn wait_compressed(&self) {
        while !self.compressed() {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

impl Asset {
    /// The file as a response in the best encoding the request accepts (and is ready).
    pub fn respond(&self, request: &HeaderMap) -> Response<Body> {
        if request
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            == Some(self.etag.as_str())
        {
            return Response::builder()
                .status(StatusCode::NOT_MODIFIED)
                .header(header::ETAG, &self.etag)
                .body(Body::empty())
                .unwrap_or_default();
        }
        let accepts = |name: &str| accepts_encoding(request, name);
        let encoded = self.encoded.get();
        let (body, encoding) = match encoded {
            Some(e) if accepts("br") && smaller(&e.br, &self.raw) => (&e.br, Some("br")),
            Some(e) if accepts("gzip") && smaller(&e.gzip, &self.raw) => (&e.gzip, Some("gzip")),
            _ => (&self.raw, None),
        };
        // While the compressed copies are being made the plain file carries no validator and
        // may not be kept, so no cache holds it in place of the compressed one that follows.
        let cache_control = if encoded.is_some() {
            self.cache_control
        } else {
            "no-cache"
        };
        let mut builder = Response::builder()
            .header(header::CONTENT_TYPE, self.content_type)
            .header(header::CACHE_CONTROL, cache_control)
            .header(header::VARY, "accept-encoding")
            .header(header::CONTENT_LENGTH, body.len());
        if encoded.is_some() {
            builder = builder.header(header::ETAG, &self.etag);
        }
        if let Some(enc) = encoding {
            builder = builder.header(header::CONTENT_ENCODING, HeaderValue::from_static(enc));
        }
        builder.body(Body::from(body.clone())).unwrap_or_default()
    }
}

impl Asset {
    /// The page with `insert` placed right after `marker` (a page made for this one request:
    /// never cached, compressed on the spot). The plain page when the marker is missing.
    pub fn respond_spliced(
        &self,
        request: &HeaderMap,
        marker: &str,
        insert: &str,
    ) -> Response<Body> {
        let raw = String::from_utf8_lossy(&self.raw);
        let Some(at) = raw.find(marker).map(|i| i + marker.len()) else {
            return self.respond(request);
        };
        let page = format!("{}{insert}{}", &raw[..at], &raw[at..]);
        let mut builder = Response::builder()
            .header(header::CONTENT_TYPE, self.content_type)
            .header(header::CACHE_CONTROL, "no-store")
            .header(header::VARY, "accept-encoding");
        let compressed = accepts_encoding(request, "br")
            .then(|| {
                // Quality 5: a few kilobytes in well under a millisecond, most of 11's gain.
                let mut w = brotli::CompressorWriter::new(Vec::new(), 4096, 5, 22);
                w.write_all(page.as_bytes()).ok()?;
                // Ends the stream (a flush alone would leave it unfinished).
                Some(w.into_inner())
            })
            .flatten();
        let body = match compressed {
            Some(br) => {
                builder = builder.header(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
                br
            }
            None => page.into_bytes(),
        };
        builder
            .header(header::CONTENT_LENGTH, body.len())
            .body(Body::from(body))
            .unwrap_or_default()
    }
}

/// Does the request accept this content encoding (named, and not with `q=0`)?
fn accepts_encoding(request: &HeaderMap, name: &str) -> bool {
    request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(',')
        .any(|part| {
            let mut it = part.trim().split(';');
            it.next() == Some(name) && !it.any(|p| p.trim().replace(' ', "") == "q=0")
        })
}

/// A copy made and smaller than the plain file.
fn smaller(encoded: &Bytes, raw: &Bytes) -> bool {
    !encoded.is_empty() && encoded.len() < raw.len()
}

/// Compressing one file's content, in the background.
struct Job {
    raw: Bytes,
    slot: Arc<OnceLock<Encoded>>,
    cache: Option<(PathBuf, PathBuf)>,
}

impl Job {
    fn run(self) {
        // Whatever happens, the slot is settled: a file that could not be compressed is
        // served plain, and the server still becomes ready.
        let compressed = std::panic::catch_unwind(|| compress(&self.raw));
        let encoded = match compressed {
            Ok(Ok(e)) => e,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "a widget file could not be compressed");
                let _ = self.slot.set(Encoded::default());
                return;
            }
            Err(_) => {
                tracing::error!("compressing a widget file panicked");
                let _ = self.slot.set(Encoded::default());
                return;
            }
        };
        if let Some((br, gz)) = &self.cache {
            // Written aside and renamed into place: a reader never sees half a file.
            let stored =
                write_atomically(br, &encoded.br).and_then(|_| write_atomically(gz, &encoded.gzip));
            if let Err(e) = stored {
                tracing::warn!(error = %e, "compressed widget file not cached");
            }
        }
        let _ = self.slot.set(encoded);
    }
}

/// One file: read, hashed, its encodings from the process or the cache folder when someone
/// made them already, else a job to make them.
fn load_one(path: &Path, cache: Option<&Path>) -> std::io::Result<(Arc<Asset>, Option<Job>)> {
    // Every server in this process that serves the same content shares one slot, so tests
    // starting many servers compress each file once.
    type Slots = Mutex<HashMap<[u8; 32], Arc<OnceLock<Encoded>>>>;
    static SLOTS: OnceLock<Slots> = OnceLock::new();
    let raw = Bytes::from(std::fs::read(path)?);
    let digest: [u8; 32] = Sha256::digest(&raw).into();
    let hex = crate::server::tokens::hex(&digest);
    let (slot, first) = {
        let mut slots = SLOTS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        match slots.get(&digest) {
            Some(s) => (s.clone(), false),
            None => {
                let s = Arc::new(OnceLock::new());
                slots.insert(digest, s.clone());
                (s, true)
            }
        }
    };
    let files = cache.map(|c| (c.join(format!("{hex}.br")), c.join(format!("{hex}.gz"))));
    let mut job = None;
    if first {
        let cached = files.as_ref().and_then(|(br, gz)| {
            Some(Encoded {
                br: std::fs::read(br).ok()?.into(),
                gzip: std::fs::read(gz).ok()?.into(),
            })
        });
        match cached {
            Some(encoded) => {
                let _ = slot.set(encoded);
            }
            None => {
                job = Some(Job {
                    raw: raw.clone(),
                    slot: slot.clone(),
                    cache: files,
                })
            }
        }
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let asset = Asset {
        content_type: content_type(name),
        etag: format!("\"{}\"", &hex[..24]),
        cache_control: cache_control(name),
        raw,
        encoded: slot,
    };
    Ok((Arc::new(asset), job))
}

fn compress(raw: &[u8]) -> std::io::Result<Encoded> {
    let mut br = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut br, 4096, 11, 22);
        w.write_all(raw)?;
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(raw)?;
    let gzip = gz.finish()?;
    Ok(Encoded {
        br: br.into(),
        gzip: gzip.into(),
    })
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    super::private_fs::write_file(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" => "application/json",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Trunk puts a content hash in the names of what it builds (`consult-1a2b3c4d5e6f7a8b.js`):
/// those never change and are cached for a year. `embed.js` keeps its URL across releases
/// (it is pasted into customers' pages), so it is cached briefly.
fn cache_control(name: &str) -> &'static str {
    let stem = name.split('.').next().unwrap_or("").trim_end_matches("_bg");
    let hashed = match stem.rsplit_once('-') {
        Some((_, h)) => h.len() >= 8 && h.bytes().all(|b| b.is_ascii_hexdigit()),
        None => false,
    };
    if hashed {
        "public, max-age=31536000, immutable"
    } else if name.ends_with(".html") {
        "no-cache"
    } else {
        "public, max-age=300"
    }
}

/// CSP `'sha256-…'` sources for each inline `<script>` of an HTML page.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        rest = &rest[start..];
        let Some(tag_end) = rest.find('>') else { break };
        let tag = &rest[..tag_end];
        let body_start = tag_end + 1;
        let Some(close) = rest[body_start..].find("</script>") else {
            break;
        };
        let body = &rest[body_start..body_start + close];
        if !tag.contains(" src=") && !body.trim().is_empty() {
            out.push(format!(
                "'sha256-{}'",
                STANDARD.encode(Sha256::digest(body.as_bytes()))
            ));
        }
        rest = &rest[body_start + close..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_inline_scripts_only() {
        let html = r#"<script src="/a.js"></script><script type="module">init()</script>"#;
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 1);
        let expected = STANDARD.encode(Sha256::digest(b"init()"));
        assert_eq!(hashes[0], format!("'sha256-{expected}'"));
    }

    #[test]
    fn cache_policy_by_name() {
        assert_eq!(
            cache_control("consult-7d2f1a0b9c8e7d6f.js"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(
            cache_control("consult-7d2f1a0b9c8e7d6f_bg.wasm"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(cache_control("consult-demo.js"), "public, max-age=300");
        assert_eq!(cache_control("embed.js"), "public, max-age=300");
        assert_eq!(cache_control("index.html"), "no-cache");
    }

    /// Until the background thread is done the plain file is served (without an ETag), then
    /// the smallest encoding the browser takes.
    #[test]
    fn serves_plain_at_once_then_the_best_accepted_encoding() {
        let dir = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        // A folder the server makes itself (an operator's existing one keeps its mode).
        let cache = root.path().join("cache");
        // Content of its own, so no other test of this process compressed it already.
        let page = format!("<p>{}</p>", "<p>".repeat(500)) + &crate::server::tokens::new_id();
        std::fs::write(dir.path().join("index.html"), &page).unwrap();
        let assets = Assets::load(dir.path(), Some(&cache)).unwrap();
        let index = assets.get("/index.html").unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            "gzip, deflate, br".parse().unwrap(),
        );
        let r = index.respond(&h);
        if !assets.compressed() {
            assert!(r.headers().get(header::CONTENT_ENCODING).is_none());
            assert!(r.headers().get(header::ETAG).is_none());
        }
        while !assets.compressed() {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let r = index.respond(&h);
        assert_eq!(r.headers()[header::CONTENT_ENCODING], "br");
        assert!(r.headers().get(header::ETAG).is_some());
        h.insert(header::ACCEPT_ENCODING, "gzip, br;q=0".parse().unwrap());
        assert_eq!(
            index.respond(&h).headers()[header::CONTENT_ENCODING],
            "gzip"
        );
        let r = index.respond(&HeaderMap::new());
        assert!(r.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(r.headers()[header::CONTENT_LENGTH], page.len().to_string());
        // The cache folder holds both copies under the content's hash, private to us.
        let digest = crate::server::tokens::hex(&Sha256::digest(page.as_bytes()));
        while !cache.join(format!("{digest}.gz")).exists() {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let br = std::fs::read(cache.join(format!("{digest}.br"))).unwrap();
        let mut plain = Vec::new();
        brotli::BrotliDecompress(&mut br.as_slice(), &mut plain).unwrap();
        assert_eq!(plain, page.as_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&cache), 0o700);
            assert_eq!(mode(&cache.join(format!("{digest}.br"))), 0o600);
        }
    }

    /// A second start on the same build (another process: nothing in memory) reads the cache
    /// folder and needs no background work.
    #[test]
    fn a_warm_cache_is_read_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let cache = tempfile::tempdir().unwrap();
        let page = format!("<b>{}</b>", crate::server::tokens::new_id()).repeat(50);
        std::fs::write(dir.path().join("index.html"), &page).unwrap();
        let raw = page.as_bytes().to_vec();
        let encoded = compress(&raw).unwrap();
        let digest = crate::server::tokens::hex(&Sha256::digest(&raw));
        std::fs::write(cache.path().join(format!("{digest}.br")), &encoded.br).unwrap();
        std::fs::write(cache.path().join(format!("{digest}.gz")), &encoded.gzip).unwrap();
        let assets = Assets::load(dir.path(), Some(cache.path())).unwrap();
        assert!(assets.compressed(), "ready from the cache at once");
    }
}
