//! Sealed recordings in an S3-compatible bucket, where one is configured
//! ([`crate::server::config::RecordingsStore`]), through the `object_store` crate. The key of
//! a recording is `recordings/{company}/{id}.webm`, both ids checked to be hex digits.
//!
//! Chunks still arrive on this node's disk (a bucket cannot append); at the seal the sealed
//! file is uploaded whole ([`Bucket::upload`]), and only once the store has confirmed it is
//! the row marked ready and the local copy removed (see [`super::seal`]). Every operation is
//! idempotent: an upload again writes the same bytes, a removal of an object already gone
//! succeeds.
//!
//! Errors are logged here with the ids taken out of the store's text (it names the URL, and
//! the key holds the company's and the recording's ids), and the credentials too.

use super::files::valid_id;
use crate::server::config::RecordingsStore;
use bytes::Bytes;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{
    BackoffConfig, ClientOptions, GetOptions, GetRange, GetResult, ObjectStore, PutPayload,
    RetryConfig,
};
use std::ops::Range;
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// Files up to this size go in one `PUT`; larger ones in parts of (at least) this size.
/// (S3 takes parts from 5 MiB, and at most 10,000 of them.)
const PART: u64 = 8 * 1024 * 1024;

/// The most parts one upload is cut into.
const MAX_PARTS: u64 = 10_000;

/// The recordings' bucket.
#[derive(Clone)]
pub struct Bucket {
    store: std::sync::Arc<AmazonS3>,
    name: String,
    /// Taken out of every error text: the access key's id (a store's refusal may quote it,
    /// `<AWSAccessKeyId>`) and, for good measure, its secret (never sent, so never quoted).
    hide: Vec<String>,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bucket({})", self.name)
    }
}

/// A store's failure, its ids taken out.
#[derive(Debug)]
pub struct StoreError(String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Bucket {
    /// The client for `config` (nothing is sent yet: a store that is down does not keep the
    /// server from starting; each seal tries it). An error names what is wrong with the
    /// configuration, never a credential.
    pub fn connect(config: &RecordingsStore) -> Result<Bucket, String> {
        let mut builder = match &config.credentials {
            Some((key, secret)) => AmazonS3Builder::new()
                .with_access_key_id(key)
                .with_secret_access_key(secret),
            None => AmazonS3Builder::from_env(),
        }
        .with_bucket_name(&config.bucket)
        // A store that does not answer is tried again a few times within seconds, not
        // minutes: the seal that waits holds the host's last upload, and the sweeper tries
        // again later anyway.
        .with_retry(RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(2),
                base: 2.0,
            },
            max_retries: 3,
            retry_timeout: Duration::from_secs(20),
        })
        .with_client_options(
            ClientOptions::new()
                .with_connect_timeout(Duration::from_secs(5))
                .with_timeout(Duration::from_secs(120)),
        );
        if let Some(region) = &config.region {
            builder = builder.with_region(region);
        }
        if let Some(endpoint) = &config.endpoint {
            // Path-style requests (`{endpoint}/{bucket}/{key}`), as S3-compatible stores take
            // them; plain HTTP only when the operator's URL says so.
            builder = builder
                .with_endpoint(endpoint)
                .with_virtual_hosted_style_request(false)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        let store = builder.build().map_err(|e| {
            // The builder's text names settings, not their values; still, only its kind.
            let kind = match e {
                object_store::Error::Generic { .. } => "its settings are incomplete or invalid",
                _ => "it cannot be configured",
            };
            format!("the recordings store {}: {kind}", config.bucket)
        })?;
        let hide = match &config.credentials {
            Some((key, secret)) => vec![key.clone(), secret.clone()],
            None => ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
                .iter()
                .filter_map(|v| std::env::var(v).ok())
                .collect(),
        };
        Ok(Bucket {
            store: std::sync::Arc::new(store),
            name: config.bucket.clone(),
            hide: hide.into_iter().filter(|h| h.len() >= 4).collect(),
        })
    }

    /// The bucket's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key of a recording's file; `None` when an id is not of our shape.
    fn key(company: &str, id: &str) -> Option<Path> {
        (valid_id(company) && valid_id(id))
            .then(|| Path::from(format!("recordings/{company}/{id}.webm")))
    }

    /// Upload the sealed file at `file` (`size` bytes) as the recording's object: one `PUT`
    /// when small, a multipart upload otherwise (aborted when a part fails, so no parts are
    /// left behind). Returns once the store has confirmed the whole object, of that size.
    pub async fn upload(
        &self,
        company: &str,
        id: &str,
        file: &std::path::Path,
        size: u64,
    ) -> Result<(), StoreError> {
        let key = self.key_or_err(company, id)?;
        let mut f = tokio::fs::File::open(file)
            .await
            .map_err(|e| self.fail("reading a sealed file", company, id, e))?;
        if size <= PART {
            let mut all = Vec::with_capacity(size as usize);
            f.read_to_end(&mut all)
                .await
                .map_err(|e| self.fail("reading a sealed file", company, id, e))?;
            self.store
                .put(&key, PutPayload::from(all))
                .await
                .map_err(|e| self.fail("uploading a recording", company, id, e))?;
        } else {
            let part = PART.max(size.div_ceil(MAX_PARTS));
            let mut upload = self
                .store
                .put_multipart(&key)
                .await
                .map_err(|e| self.fail("starting a recording's upload", company, id, e))?;
            // One part at a time: memory stays one part, and a failure stops at once.
            let sent: Result<(), StoreError> =
                async {
                    loop {
                        let mut buf = Vec::with_capacity(part as usize);
                        (&mut f)
                            .take(part)
                            .read_to_end(&mut buf)
                            .await
                            .map_err(|e| self.fail("reading a sealed file", company, id, e))?;
                        if buf.is_empty() {
                            break;
                        }
                        upload.put_part(PutPayload::from(buf)).await.map_err(|e| {
                            self.fail("uploading a recording's part", company, id, e)
                        })?;
                    }
                    upload.complete().await.map_err(|e| {
                        self.fail("completing a recording's upload", company, id, e)
                    })?;
                    Ok(())
                }
                .await;
            if let Err(e) = sent {
                // Parts already sent would stay (and be paid for) until a lifecycle rule
                // removed them.
                if let Err(abort) = upload.abort().await {
                    let _ = self.fail("aborting a recording's upload", company, id, abort);
                }
                return Err(e);
            }
        }
        match self.size(company, id).await? {
            Some(stored) if stored == size => Ok(()),
            _ => Err(self.fail(
                "checking a recording's upload",
                company,
                id,
                "the store holds another size than was sent",
            )),
        }
    }

    /// The size of the recording's object; `None` when there is none.
    pub async fn size(&self, company: &str, id: &str) -> Result<Option<u64>, StoreError> {
        let key = self.key_or_err(company, id)?;
        match self.store.head(&key).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.fail("reading a recording's size", company, id, e)),
        }
    }

    /// The recording's object, or `range` of it (`None`: there is none).
    pub async fn get(
        &self,
        company: &str,
        id: &str,
        range: Option<Range<u64>>,
    ) -> Result<Option<GetResult>, StoreError> {
        let key = self.key_or_err(company, id)?;
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..Default::default()
        };
        match self.store.get_opts(&key, options).await {
            Ok(got) => Ok(Some(got)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.fail("reading a recording", company, id, e)),
        }
    }

    /// Remove the recording's object; one already gone is no error.
    pub async fn remove(&self, company: &str, id: &str) -> Result<(), StoreError> {
        let Some(key) = Self::key(company, id) else {
            // Ids not of our shape name no object: there is nothing to remove.
            return Ok(());
        };
        match self.store.delete(&key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.fail("removing a recording", company, id, e)),
        }
    }

    /// The store's bytes as a body's stream (its errors end the body).
    pub fn stream(
        got: GetResult,
    ) -> impl futures::Stream<Item = Result<Bytes, object_store::Error>> + Send {
        got.into_stream()
    }

    fn key_or_err(&self, company: &str, id: &str) -> Result<Path, StoreError> {
        Self::key(company, id).ok_or_else(|| {
            tracing::error!("a recording row whose ids cannot name an object");
            StoreError("a recording's ids cannot name an object".into())
        })
    }

    /// Log a failure (the ids and the credentials taken out of its text) and make it an
    /// error.
    fn fail(
        &self,
        what: &'static str,
        company: &str,
        id: &str,
        e: impl std::fmt::Display,
    ) -> StoreError {
        let mut words: Vec<&str> = self.hide.iter().map(String::as_str).collect();
        words.extend([company, id]);
        let text = redact(&e.to_string(), &words);
        tracing::error!(error = %text, bucket = %self.name, "recordings store: {what} failed");
        tracing::debug!(recording = %id, "recordings store: {what} failed");
        StoreError(format!("{what} failed: {text}"))
    }
}

/// `text` with each of `ids` (when not empty) replaced by `…`.
fn redact(text: &str, ids: &[&str]) -> String {
    ids.iter()
        .filter(|id| !id.is_empty())
        .fold(text.to_string(), |t, id| t.replace(id, "…"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_made_of_our_ids_only_and_errors_name_neither() {
        let id = "0123456789abcdef01234567";
        let company = "89abcdef0123456789abcdef";
        assert_eq!(
            Bucket::key(company, id).unwrap().as_ref(),
            format!("recordings/{company}/{id}.webm")
        );
        assert!(Bucket::key(company, "../x").is_none());
        assert!(Bucket::key("a/b", id).is_none());
        let text = format!("Error performing PUT http://s3/b/recordings/{company}/{id}.webm");
        let shown = redact(&text, &[company, id]);
        assert!(!shown.contains(id) && !shown.contains(company), "{shown}");
        assert_eq!(
            shown,
            "Error performing PUT http://s3/b/recordings/…/….webm"
        );
    }

    #[test]
    fn a_bucket_shows_its_name_and_no_credential() {
        let config = RecordingsStore {
            bucket: "rec".into(),
            endpoint: Some("http://127.0.0.1:9".into()),
            region: Some("eu-central-1".into()),
            credentials: Some(("AKIAEXAMPLE".into(), "s3cret".into())),
        };
        let bucket = Bucket::connect(&config).unwrap();
        let shown = format!("{bucket:?}");
        assert_eq!(shown, "Bucket(rec)");
        assert_eq!(bucket.name(), "rec");
        let id = "0123456789abcdef01234567";
        let e = bucket.fail(
            "uploading a recording",
            id,
            id,
            "403 <AWSAccessKeyId>AKIAEXAMPLE</AWSAccessKeyId> for recordings/0123456789abcdef01234567",
        );
        let shown = e.to_string();
        assert!(
            !shown.contains("AKIAEXAMPLE") && !shown.contains(id),
            "{shown}"
        );
    }
}
