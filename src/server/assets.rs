//! The widget's files (Trunk's `dist/`), held in memory with brotli and gzip copies made once
//! at start-up, so every visitor gets the smallest encoding their browser accepts.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Response, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// One file with its encodings.
#[derive(Debug)]
pub struct Asset {
    content_type: &'static str,
    raw: Vec<u8>,
    br: Vec<u8>,
    gzip: Vec<u8>,
    etag: String,
    cache_control: &'static str,
}

/// All files of the widget build.
#[derive(Debug, Default)]
pub struct Assets {
    files: HashMap<String, Arc<Asset>>,
    /// `'sha256-…'` sources of index.html's inline scripts, for the pages' CSP.
    pub inline_script_hashes: Vec<String>,
    /// Where they were loaded from.
    pub dir: PathBuf,
}

impl Assets {
    /// Load every file under `dir`. A missing build is not fatal (the API still works); pages
    /// then answer 503 saying how to build it.
    pub fn load(dir: &Path) -> std::io::Result<Assets> {
        let mut assets = Assets {
            dir: dir.to_path_buf(),
            ..Assets::default()
        };
        if !dir.join("index.html").is_file() {
            tracing::warn!(dir = %dir.display(), "widget not built (no index.html): run `trunk build --release`");
            return Ok(assets);
        }
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
                assets.files.insert(format!("/{rel}"), cached(&path)?);
            }
        }
        if let Some(index) = assets.files.get("/index.html") {
            assets.inline_script_hashes =
                inline_script_hashes(&String::from_utf8_lossy(&index.raw));
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
}

impl Asset {
    /// The file as a response in the best encoding the request accepts.
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
        let accept = request
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let accepts = |name: &str| {
            accept.split(',').any(|part| {
                let mut it = part.trim().split(';');
                it.next() == Some(name) && !it.any(|p| p.trim().replace(' ', "") == "q=0")
            })
        };
        let (body, encoding) = if accepts("br") && self.br.len() < self.raw.len() {
            (&self.br, Some("br"))
        } else if accepts("gzip") && self.gzip.len() < self.raw.len() {
            (&self.gzip, Some("gzip"))
        } else {
            (&self.raw, None)
        };
        let mut builder = Response::builder()
            .header(header::CONTENT_TYPE, self.content_type)
            .header(header::CACHE_CONTROL, self.cache_control)
            .header(header::ETAG, &self.etag)
            .header(header::VARY, "accept-encoding")
            .header(header::CONTENT_LENGTH, body.len());
        if let Some(enc) = encoding {
            builder = builder.header(header::CONTENT_ENCODING, HeaderValue::from_static(enc));
        }
        builder.body(Body::from(body.clone())).unwrap_or_default()
    }
}

/// Compressing the wasm at brotli's best level takes a moment; tests start many servers in
/// one process, so each file is compressed once per content.
fn cached(path: &Path) -> std::io::Result<Arc<Asset>> {
    type Cache = Mutex<HashMap<(PathBuf, [u8; 32]), Arc<Asset>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let raw = std::fs::read(path)?;
    let digest: [u8; 32] = Sha256::digest(&raw).into();
    let key = (path.to_path_buf(), digest);
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Ok(hit.clone());
    }
    let asset = Arc::new(compress(path, raw, &digest)?);
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, asset.clone());
    Ok(asset)
}

fn compress(path: &Path, raw: Vec<u8>, digest: &[u8; 32]) -> std::io::Result<Asset> {
    let mut br = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut br, 4096, 11, 22);
        w.write_all(&raw)?;
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&raw)?;
    let gzip = gz.finish()?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    Ok(Asset {
        content_type: content_type(name),
        etag: format!("\"{}\"", crate::server::tokens::hex(&digest[..12])),
        cache_control: cache_control(name),
        raw,
        br,
        gzip,
    })
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

    #[test]
    fn serves_the_best_accepted_encoding() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "<p>".repeat(500)).unwrap();
        let assets = Assets::load(dir.path()).unwrap();
        let index = assets.get("/index.html").unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            "gzip, deflate, br".parse().unwrap(),
        );
        let r = index.respond(&h);
        assert_eq!(r.headers()[header::CONTENT_ENCODING], "br");
        h.insert(header::ACCEPT_ENCODING, "gzip, br;q=0".parse().unwrap());
        assert_eq!(
            index.respond(&h).headers()[header::CONTENT_ENCODING],
            "gzip"
        );
        let r = index.respond(&HeaderMap::new());
        assert!(r.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(r.headers()[header::CONTENT_LENGTH], "1500");
    }
}
