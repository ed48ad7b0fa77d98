//! The HTTP seam between pure connectors and the network.
//!
//! Connectors build an [`HttpRequest`] (method, path below the account's base URL, query, headers, body)
//! and parse an [`HttpResponse`] (status, headers, bytes) without doing any I/O; [`HttpTransport`] sends one
//! over reqwest and says whether a failure happened before or after the request left.

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};
use url::Url;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Delete,
}

/// A header value; secret ones (authorization) are redacted from `Debug` and serialization.
#[derive(Clone)]
pub enum HeaderValue {
    Plain(String),
    Secret(SecretString),
}

impl HeaderValue {
    /// The value to put on the wire.
    pub fn expose(&self) -> &str {
        match self {
            HeaderValue::Plain(value) => value,
            HeaderValue::Secret(value) => value.expose_secret(),
        }
    }

    fn shown(&self) -> &str {
        match self {
            HeaderValue::Plain(value) => value,
            HeaderValue::Secret(_) => "[redacted]",
        }
    }
}

impl fmt::Debug for HeaderValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.shown())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "content", rename_all = "snake_case")]
pub enum Body {
    Empty,
    Json(serde_json::Value),
    /// `application/x-www-form-urlencoded` pairs.
    Form(Vec<(String, String)>),
}

/// A request, relative to a carrier account's base URL.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: Method,
    /// Path segments below the base URL, not yet percent-encoded (`["api", "track", "v1", "details", n]`).
    pub path: Vec<String>,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, HeaderValue)>,
    pub body: Body,
}

impl HttpRequest {
    pub fn new(method: Method, path: &[&str]) -> Self {
        HttpRequest {
            method,
            path: path.iter().map(|s| (*s).to_owned()).collect(),
            query: Vec::new(),
            headers: Vec::new(),
            body: Body::Empty,
        }
    }

    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Body::Json(body);
        self
    }

    pub fn form(mut self, pairs: &[(&str, &str)]) -> Self {
        self.body = Body::Form(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect());
        self
    }

    pub fn query(mut self, name: &str, value: impl Into<String>) -> Self {
        self.query.push((name.to_owned(), value.into()));
        self
    }

    /// Sets a header, replacing any header of the same name (case-insensitive).
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.set_header(name, HeaderValue::Plain(value.into()));
        self
    }

    pub fn secret_header(mut self, name: &str, value: SecretString) -> Self {
        self.set_header(name, HeaderValue::Secret(value));
        self
    }

    pub fn set_header(&mut self, name: &str, value: HeaderValue) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value));
    }

    pub fn header_value(&self, name: &str) -> Option<&HeaderValue> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }

    /// The percent-encoded path, starting with `/`, as it follows the base URL's own path.
    pub fn path_string(&self) -> String {
        let mut url = Url::parse("http://wharf.invalid/").expect("static URL parses");
        url.path_segments_mut().expect("http URLs have a path").pop_if_empty().extend(&self.path);
        url.path().to_owned()
    }

    /// The full URL below `base` (whose own path, if any, is kept as a prefix).
    pub fn url(&self, base: &Url) -> Url {
        let mut url = base.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().extend(&self.path);
        }
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&self.query);
        }
        url
    }

    /// The JSON body, if any.
    pub fn json_body(&self) -> Option<&serde_json::Value> {
        match &self.body {
            Body::Json(value) => Some(value),
            Body::Empty | Body::Form(_) => None,
        }
    }
}

/// Serialized for golden files: secrets redacted, headers as a map in insertion order.
impl Serialize for HttpRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Headers<'a>(&'a [(String, HeaderValue)]);
        impl Serialize for Headers<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(self.0.len()))?;
                for (name, value) in self.0 {
                    map.serialize_entry(name, value.shown())?;
                }
                map.end()
            }
        }
        let mut s = serializer.serialize_struct("HttpRequest", 5)?;
        s.serialize_field("method", &self.method)?;
        s.serialize_field("path", &self.path_string())?;
        s.serialize_field("query", &self.query)?;
        s.serialize_field("headers", &Headers(&self.headers))?;
        s.serialize_field("body", &self.body)?;
        s.end()
    }
}

/// A response as the connector's parser sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        HttpResponse { status, headers: Vec::new(), body: body.into() }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// `Retry-After` in seconds (the HTTP-date form is not used by the carriers Wharf talks to).
    pub fn retry_after(&self) -> Option<Duration> {
        self.header("retry-after")?.trim().parse::<u64>().ok().map(Duration::from_secs)
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Why a request got no HTTP response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The request never left (DNS, connection refused, TLS, connect timeout): safe to send again.
    #[error("{0}")]
    NotSent(String),
    /// The request was sent and no complete answer came (timeout, dropped connection): it may have been
    /// applied.
    #[error("{0}")]
    NoAnswer(String),
}

/// How long to wait for a carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    /// The whole request, from sending to the last byte of the answer.
    pub request: Duration,
}

impl Default for Timeouts {
    /// UPS label requests for many packages can take tens of seconds; a minute leaves room.
    fn default() -> Self {
        Timeouts { connect: Duration::from_secs(10), request: Duration::from_secs(60) }
    }
}

/// Sends [`HttpRequest`]s over HTTP(S). Cheap to clone (shares one connection pool).
#[derive(Debug, Clone)]
pub struct HttpTransport {
    client: reqwest::Client,
    timeouts: Timeouts,
}

/// The HTTP client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TransportSetupError {
    #[error(
        "no TLS crypto provider is installed: install rustls's ring provider once at start-up \
         (rustls::crypto::ring::default_provider().install_default()) before creating carrier connections"
    )]
    NoCryptoProvider,
    #[error("could not set up the HTTP client for carriers: {0}")]
    Client(String),
}

impl HttpTransport {
    /// A transport with its own connection pool. The process must have installed a rustls crypto provider
    /// (Wharf's binary installs ring at start-up).
    pub fn new(timeouts: Timeouts) -> Result<Self, TransportSetupError> {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            return Err(TransportSetupError::NoCryptoProvider);
        }
        let client = reqwest::Client::builder()
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.request)
            .user_agent(concat!("wharf/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TransportSetupError::Client(e.to_string()))?;
        Ok(HttpTransport { client, timeouts })
    }

    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    pub async fn send(&self, base: &Url, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut builder = self.client.request(method, request.url(base)).header("Accept", "application/json");
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.expose());
        }
        builder = match &request.body {
            Body::Empty => builder,
            Body::Json(value) => builder.json(value),
            // reqwest's `form` needs a feature the workspace does not enable; url encodes forms already.
            Body::Form(pairs) => builder
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()),
        };
        let response = builder.send().await.map_err(|e| self.classify(&e))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
            .collect();
        // A failure while reading the body means the carrier did answer: the request was applied or refused,
        // and we cannot tell which.
        let body = response.bytes().await.map_err(|e| self.classify(&e))?.to_vec();
        Ok(HttpResponse { status, headers, body })
    }

    fn classify(&self, error: &reqwest::Error) -> TransportError {
        if error.is_connect() || error.is_builder() {
            TransportError::NotSent(describe(error))
        } else if error.is_timeout() {
            TransportError::NoAnswer(format!("no answer within {}s", self.timeouts.request.as_secs()))
        } else {
            TransportError::NoAnswer(describe(error))
        }
    }
}

/// The error's causes on one line. reqwest's own message names the URL; the causes say what happened.
fn describe(error: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(error);
    while let Some(cause) = source {
        parts.push(cause.to_string());
        source = cause.source();
    }
    if parts.is_empty() {
        parts.push(if error.is_connect() { "connection failed".into() } else { "request failed".into() });
    }
    parts.dedup();
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_percent_encoded_below_the_base_path() {
        let request = HttpRequest::new(Method::Get, &["api", "track", "v1", "reference", "details", "ord 12/3"])
            .query("locale", "en_US");
        assert_eq!(request.path_string(), "/api/track/v1/reference/details/ord%2012%2F3");
        let base = Url::parse("http://127.0.0.1:8080/ups/").unwrap();
        assert_eq!(
            request.url(&base).as_str(),
            "http://127.0.0.1:8080/ups/api/track/v1/reference/details/ord%2012%2F3?locale=en_US"
        );
        let bare = Url::parse("https://onlinetools.ups.com").unwrap();
        assert_eq!(
            request.url(&bare).as_str(),
            "https://onlinetools.ups.com/api/track/v1/reference/details/ord%2012%2F3?locale=en_US"
        );
    }

    #[test]
    fn secret_headers_are_redacted_when_shown() {
        let request = HttpRequest::new(Method::Post, &["x"])
            .header("transId", "abc")
            .secret_header("Authorization", SecretString::from("Bearer s3cr3t"));
        let json = serde_json::to_string(&request).unwrap();
        assert!(!json.contains("s3cr3t"), "{json}");
        assert!(json.contains("\"Authorization\":\"[redacted]\""), "{json}");
        assert!(!format!("{request:?}").contains("s3cr3t"));
        assert_eq!(request.header_value("authorization").unwrap().expose(), "Bearer s3cr3t");
    }

    /// The library's unit tests never install a crypto provider, so this is the state of a process that
    /// forgot to: a clear error instead of reqwest's panic.
    #[test]
    fn a_missing_crypto_provider_is_an_error_not_a_panic() {
        let err = HttpTransport::new(Timeouts::default()).unwrap_err();
        assert!(err.to_string().contains("install rustls's ring provider"), "{err}");
    }

    #[test]
    fn retry_after_is_read_in_seconds() {
        let mut response = HttpResponse::new(429, "");
        response.headers.push(("Retry-After".into(), "12".into()));
        assert_eq!(response.retry_after(), Some(Duration::from_secs(12)));
    }
}
