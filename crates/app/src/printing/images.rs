//! Product thumbnails and store logos for packing slips: fetched over HTTP with timeouts and a size limit,
//! checked to be an image the documents crate can draw (PNG, JPEG, GIF), and cached on disk in
//! `DATA_DIR/images/`, keyed by a hash of the URL. A failed fetch is remembered for a short while (a negative
//! cache), so a batch of 500 slips with one dead URL does not wait for it 500 times.
//!
//! A missing or broken image never stops printing: the caller gets `None` and the slip shows a placeholder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use wharf_documents::SharedBytes;

/// How images are fetched and kept.
#[derive(Debug, Clone, Copy)]
pub struct ImageLimits {
    /// Larger images are refused (and remembered as failed).
    pub max_bytes: u64,
    pub connect_timeout: Duration,
    /// For the whole request, body included.
    pub timeout: Duration,
    /// How long a fetched image is used before it is fetched again.
    pub keep_for: SignedDuration,
    /// How long a failed URL is not tried again.
    pub retry_failed_after: SignedDuration,
    /// Images fetched at once.
    pub concurrency: usize,
}

impl Default for ImageLimits {
    fn default() -> Self {
        ImageLimits {
            max_bytes: 5 * 1024 * 1024,
            connect_timeout: Duration::from_secs(3),
            timeout: Duration::from_secs(10),
            keep_for: SignedDuration::from_hours(7 * 24),
            retry_failed_after: SignedDuration::from_mins(5),
            concurrency: 8,
        }
    }
}

/// Why an image could not be had (logged, and kept in the negative cache).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("not an http(s) URL")]
    NotHttp,
    #[error("the image server answered HTTP {0}")]
    Status(u16),
    #[error("the image is larger than {0} bytes")]
    TooLarge(u64),
    #[error("the server sent {0:?}, not a PNG, JPEG or GIF image")]
    NotAnImage(String),
    #[error("the image could not be fetched: {0}")]
    Fetch(String),
    #[error("no TLS crypto provider is installed, so no image can be fetched")]
    NoCryptoProvider,
}

#[derive(Debug, Serialize, Deserialize)]
struct CachedMeta {
    url: String,
    content_type: String,
    fetched_at: Timestamp,
}

#[derive(Debug, Serialize, Deserialize)]
struct FailedMeta {
    url: String,
    reason: String,
    failed_at: Timestamp,
}

/// Fetches and caches images. Cheap to clone.
#[derive(Clone)]
pub struct ImageCache {
    dir: PathBuf,
    limits: ImageLimits,
    client: Result<reqwest::Client, ImageError>,
}

impl std::fmt::Debug for ImageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageCache").field("dir", &self.dir).field("limits", &self.limits).finish()
    }
}

/// The formats the documents crate draws, by their first bytes (a server's content type can be wrong).
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else {
        None
    }
}

fn key(url: &str) -> String {
    hex::encode(Sha256::digest(url.as_bytes()))
}

/// Writes through a temporary file and a rename, so a reader never sees half a file.
async fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    tokio::fs::write(&tmp, bytes).await?;
    tokio::fs::rename(&tmp, path).await
}

impl ImageCache {
    /// A cache in `dir` (created when first written). The HTTP client needs the process's TLS provider
    /// (Wharf's binary installs it at start-up); without one every fetch fails as `NoCryptoProvider`.
    pub fn new(dir: impl Into<PathBuf>, limits: ImageLimits) -> ImageCache {
        let client = if rustls::crypto::CryptoProvider::get_default().is_none() {
            Err(ImageError::NoCryptoProvider)
        } else {
            reqwest::Client::builder()
                .connect_timeout(limits.connect_timeout)
                .timeout(limits.timeout)
                .user_agent(concat!("wharf/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| ImageError::Fetch(e.to_string()))
        };
        ImageCache { dir: dir.into(), limits, client }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn paths(&self, url: &str) -> (PathBuf, PathBuf, PathBuf) {
        let key = key(url);
        (
            self.dir.join(format!("{key}.img")),
            self.dir.join(format!("{key}.json")),
            self.dir.join(format!("{key}.failed")),
        )
    }

    /// The image at `url`: from the cache while it is fresh, else fetched (and cached). `Err` says why there
    /// is none; a failure is remembered for `retry_failed_after`.
    pub async fn get(&self, url: &str, now: Timestamp) -> Result<SharedBytes, ImageError> {
        let (image_path, meta_path, failed_path) = self.paths(url);
        if let Ok(text) = tokio::fs::read(&failed_path).await
            && let Ok(failed) = serde_json::from_slice::<FailedMeta>(&text)
            && failed.url == url
            && now < failed.failed_at + self.limits.retry_failed_after
        {
            return Err(ImageError::Fetch(format!("{} (failed recently; retried after a few minutes)", failed.reason)));
        }
        if let Ok(text) = tokio::fs::read(&meta_path).await
            && let Ok(meta) = serde_json::from_slice::<CachedMeta>(&text)
            && meta.url == url
            && now < meta.fetched_at + self.limits.keep_for
            && let Ok(bytes) = tokio::fs::read(&image_path).await
            && sniff(&bytes).is_some()
        {
            return Ok(SharedBytes::from(bytes));
        }
        match self.fetch(url).await {
            Ok((bytes, content_type)) => {
                // A cache that cannot be written only costs a fetch next time.
                if tokio::fs::create_dir_all(&self.dir).await.is_ok() {
                    let meta = CachedMeta { url: url.to_owned(), content_type, fetched_at: now };
                    let written = write_atomically(&image_path, &bytes).await;
                    if written.is_ok() {
                        let meta = serde_json::to_vec(&meta).expect("metadata serializes");
                        let _ = write_atomically(&meta_path, &meta).await;
                    }
                    let _ = tokio::fs::remove_file(&failed_path).await;
                }
                Ok(SharedBytes::from(bytes))
            }
            Err(error) => {
                tracing::warn!(url, %error, "image not available; the packing slip shows a placeholder");
                if tokio::fs::create_dir_all(&self.dir).await.is_ok() {
                    let failed = FailedMeta { url: url.to_owned(), reason: error.to_string(), failed_at: now };
                    let _ = write_atomically(&failed_path, &serde_json::to_vec(&failed).expect("serializes")).await;
                }
                Err(error)
            }
        }
    }

    async fn fetch(&self, url: &str) -> Result<(Vec<u8>, String), ImageError> {
        let client = self.client.as_ref().map_err(Clone::clone)?;
        let parsed = url::Url::parse(url).map_err(|_| ImageError::NotHttp)?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ImageError::NotHttp);
        }
        let mut response = client.get(parsed).send().await.map_err(|e| ImageError::Fetch(e.to_string()))?;
        if !response.status().is_success() {
            return Err(ImageError::Status(response.status().as_u16()));
        }
        let declared = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
            .unwrap_or_default();
        if !declared.starts_with("image/") && declared != "application/octet-stream" {
            return Err(ImageError::NotAnImage(declared));
        }
        if response.content_length().is_some_and(|n| n > self.limits.max_bytes) {
            return Err(ImageError::TooLarge(self.limits.max_bytes));
        }
        // Read by chunks so a server that lied about (or left out) its length cannot make us hold more.
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| ImageError::Fetch(e.to_string()))? {
            if (bytes.len() + chunk.len()) as u64 > self.limits.max_bytes {
                return Err(ImageError::TooLarge(self.limits.max_bytes));
            }
            bytes.extend_from_slice(&chunk);
        }
        let sniffed = sniff(&bytes).ok_or_else(|| ImageError::NotAnImage(declared.clone()))?;
        Ok((bytes, sniffed.to_owned()))
    }

    /// Every distinct URL of `urls`, fetched `concurrency` at a time; the map holds the ones that worked.
    pub async fn get_all<'a>(
        &self,
        urls: impl IntoIterator<Item = &'a str>,
        now: Timestamp,
    ) -> HashMap<String, SharedBytes> {
        let mut distinct: Vec<&str> = urls.into_iter().filter(|u| !u.trim().is_empty()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let permits = Arc::new(Semaphore::new(self.limits.concurrency.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for url in distinct {
            let (cache, url, permits) = (self.clone(), url.to_owned(), permits.clone());
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await.expect("the semaphore is never closed");
                let image = cache.get(&url, now).await.ok();
                (url, image)
            });
        }
        let mut found = HashMap::new();
        while let Some(joined) = tasks.join_next().await {
            if let Ok((url, Some(image))) = joined {
                found.insert(url, image);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_known_by_their_first_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(&[0xff, 0xd8, 0xff, 0xe0]), Some("image/jpeg"));
        assert_eq!(sniff(b"GIF89a..."), Some("image/gif"));
        assert_eq!(sniff(b"<html>not found</html>"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn keys_are_the_urls_sha256() {
        // sha256("https://example.com/a.png"), computed with `printf %s URL | sha256sum`.
        assert_eq!(
            key("https://example.com/a.png"),
            "494a30704d4f32ac0b81739d18a66d3638d440cbc6f5669f6af66f840edee5ab"
        );
    }
}
