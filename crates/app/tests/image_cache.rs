//! The packing slips' image cache against a real HTTP server on 127.0.0.1: images are fetched once and then
//! read from `DATA_DIR/images/`, failures are remembered for a few minutes, and wrong types, oversized bodies,
//! error statuses and slow servers never produce an image.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use wharf_app::printing::images::{ImageCache, ImageError, ImageLimits};

type Hits = Arc<Mutex<HashMap<String, u32>>>;

fn png() -> Vec<u8> {
    // A real PNG: the first thumbnail of the documents crate's sample slip.
    wharf_documents::sample_slip_data().items[0].thumbnail.clone().unwrap().as_bytes().to_vec()
}

async fn serve(State(hits): State<Hits>, Path(name): Path<String>) -> Response {
    *hits.lock().unwrap().entry(name.clone()).or_default() += 1;
    let image = |body: Vec<u8>| ([(header::CONTENT_TYPE, "image/png")], body).into_response();
    match name.as_str() {
        "ok.png" | "other.png" => image(png()),
        "lying.png" => image(b"<html>not an image</html>".to_vec()),
        "page" => ([(header::CONTENT_TYPE, "text/html")], "<html></html>").into_response(),
        "big.png" => image([png(), vec![0u8; 4096]].concat()),
        "slow.png" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            image(png())
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

struct Server {
    base: String,
    hits: Hits,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn start() -> Server {
        let hits: Hits = Arc::default();
        let app = Router::new().route("/{name}", axum::routing::get(serve)).with_state(hits.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Server { base, hits, task }
    }

    fn url(&self, name: &str) -> String {
        format!("{}/{name}", self.base)
    }

    fn hits(&self, name: &str) -> u32 {
        self.hits.lock().unwrap().get(name).copied().unwrap_or(0)
    }
}

fn cache(dir: &std::path::Path) -> ImageCache {
    let _ = rustls::crypto::ring::default_provider().install_default();
    ImageCache::new(
        dir.join("images"),
        ImageLimits {
            max_bytes: png().len() as u64 + 1024,
            timeout: Duration::from_millis(700),
            ..ImageLimits::default()
        },
    )
}

fn t0() -> Timestamp {
    "2026-11-27T12:00:00Z".parse().unwrap()
}

#[tokio::test]
async fn an_image_is_fetched_once_then_read_from_disk_until_it_is_old() {
    let server = Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cache = cache(dir.path());
    let url = server.url("ok.png");
    assert_eq!(cache.get(&url, t0()).await.unwrap().as_bytes(), png());
    assert_eq!(cache.get(&url, t0() + SignedDuration::from_hours(24)).await.unwrap().as_bytes(), png());
    assert_eq!(server.hits("ok.png"), 1);
    // The files are named by the URL's SHA-256.
    let names: Vec<String> = std::fs::read_dir(dir.path().join("images"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.iter().all(|n| n.len() == 64 + 4 || n.len() == 64 + 5), "{names:?}");

    // A week later it is fetched again.
    cache.get(&url, t0() + SignedDuration::from_hours(7 * 24 + 1)).await.unwrap();
    assert_eq!(server.hits("ok.png"), 2);

    // With the server gone, a fresh cached image still prints.
    server.task.abort();
    let again = cache.get(&url, t0() + SignedDuration::from_hours(7 * 24 + 2)).await.unwrap();
    assert_eq!(again.as_bytes(), png());
}

/// Whether an error is the one a case expects.
type IsExpected = fn(&ImageError) -> bool;

#[tokio::test]
async fn what_is_not_a_usable_image_is_refused_and_remembered_for_a_while() {
    let server = Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cache = cache(dir.path());
    let cases: [(&str, IsExpected); 5] = [
        ("missing.png", |e| matches!(e, ImageError::Status(404))),
        ("page", |e| matches!(e, ImageError::NotAnImage(t) if t == "text/html")),
        ("lying.png", |e| matches!(e, ImageError::NotAnImage(_))),
        ("big.png", |e| matches!(e, ImageError::TooLarge(_))),
        ("slow.png", |e| matches!(e, ImageError::Fetch(_))),
    ];
    for (name, expected) in cases {
        let error = cache.get(&server.url(name), t0()).await.unwrap_err();
        assert!(expected(&error), "{name}: {error:?}");
        // Asked again within five minutes: no new request.
        let again = cache.get(&server.url(name), t0() + SignedDuration::from_mins(4)).await.unwrap_err();
        assert!(again.to_string().contains("failed recently"), "{name}: {again}");
        assert_eq!(server.hits(name), 1, "{name}");
        // After that it is tried again.
        cache.get(&server.url(name), t0() + SignedDuration::from_mins(6)).await.unwrap_err();
        assert_eq!(server.hits(name), 2, "{name}");
    }
    let error = cache.get("ftp://127.0.0.1/x.png", t0()).await.unwrap_err();
    assert_eq!(error, ImageError::NotHttp);
}

#[tokio::test]
async fn a_batch_of_urls_is_fetched_once_each_and_failures_are_left_out() {
    let server = Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cache = cache(dir.path());
    let (ok, other, missing) = (server.url("ok.png"), server.url("other.png"), server.url("missing.png"));
    let urls = [ok.as_str(), missing.as_str(), ok.as_str(), other.as_str(), "", ok.as_str()];
    let found = cache.get_all(urls, t0()).await;
    assert_eq!(found.len(), 2);
    assert!(found.contains_key(&ok) && found.contains_key(&other));
    assert_eq!((server.hits("ok.png"), server.hits("other.png"), server.hits("missing.png")), (1, 1, 1));
}
