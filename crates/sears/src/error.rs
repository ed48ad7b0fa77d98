//! Errors: reading a Sears document ([`DecodeError`]), building a feed ([`FeedError`]) and talking to
//! Sears ([`SearsError`]). Every message says what happened and what to do about it.

use std::fmt;
use std::time::Duration;

use jiff::Timestamp;

use crate::client::Endpoint;
use crate::limits::RateLimitReason;

/// A Sears document could not be read. Names the line and column (1-based; the column counts characters)
/// and, when it applies, the element that is wrong, e.g.
/// `line 14, column 9: <selling-price-each> is not a decimal: '12,50'`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DecodeError {
    pub line: usize,
    pub column: usize,
    /// Local name of the element at fault, when there is one.
    pub element: Option<String>,
    pub kind: DecodeErrorKind,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: ", self.line, self.column)?;
        match &self.element {
            Some(element) => write!(f, "<{element}> {}", self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

impl DecodeError {
    /// Whether the rest of the document can still be read after this error. Errors in the XML itself
    /// (not well-formed, wrong root) are fatal; a bad value inside one purchase order only makes that order
    /// unreadable (see [`crate::PoResponse::unreadable`]).
    pub fn is_fatal(&self) -> bool {
        matches!(
            self.kind,
            DecodeErrorKind::NotWellFormed(_)
                | DecodeErrorKind::UnknownEntity(_)
                | DecodeErrorKind::Empty
                | DecodeErrorKind::ContentAfterRoot
                | DecodeErrorKind::UnexpectedRoot { .. }
        )
    }
}

/// What is wrong in a document. The `Display` text follows the element name in [`DecodeError`]'s message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeErrorKind {
    #[error("is not well-formed XML: {0}")]
    NotWellFormed(String),
    #[error("uses the entity '&{0};', which XML does not predefine and Sears documents never declare")]
    UnknownEntity(String),
    #[error("is empty: there is no XML element in the document")]
    Empty,
    #[error("is followed by more content after the end of the document")]
    ContentAfterRoot,
    #[error("is not {expected}")]
    UnexpectedRoot { expected: String },
    #[error("is not a decimal: '{}'", shorten(.0))]
    NotADecimal(String),
    #[error("is not a whole number in range: '{}'", shorten(.0))]
    NotAWholeNumber(String),
    #[error("is not a date (yyyy-MM-dd): '{}'", shorten(.0))]
    NotADate(String),
    #[error("is not a time (HH:mm:ss): '{}'", shorten(.0))]
    NotATime(String),
    #[error("is not a boolean (true, false, 1 or 0): '{}'", shorten(.0))]
    NotABoolean(String),
    #[error("has no <{0}>")]
    Missing(String),
    #[error("has no '{0}' attribute")]
    MissingAttribute(String),
    #[error("holds text where only elements belong: '{}'", shorten(.0))]
    TextWhereElementsExpected(String),
    #[error("should hold text, but holds the element <{0}>")]
    ElementWhereTextExpected(String),
    #[error("does not allow the element <{0}> here")]
    UnexpectedElement(String),
    #[error("has the value '{}', which is not one of: {allowed}", shorten(.value))]
    NotAllowed { value: String, allowed: String },
}

/// Keeps error messages readable when a value is long.
fn shorten(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let head: String = text.chars().take(MAX).collect();
        format!("{head}…")
    }
}

/// A feed Wharf was about to send is not valid; nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{feed} not sent: {path} {problem}; correct it and send the feed again")]
pub struct FeedError {
    /// The feed's root element, e.g. `shipment-feed`.
    pub feed: &'static str,
    /// Where in the feed, as element path with 1-based indexes, e.g. `shipment[2]/detail[1]/tracking-number`.
    pub path: String,
    pub problem: String,
}

/// Anything that can go wrong when calling Sears.
#[derive(Debug, thiserror::Error)]
pub enum SearsError {
    /// Sears refused the credentials (heuristic classification of Sears's error text, see
    /// [`crate::api_response::classify_error_detail`]).
    #[error(
        "Sears refused the store's credentials on {endpoint}: \"{message}\". Check the seller ID, the \
         Seller Portal e-mail and the API authorization key in the store settings (a key regenerated in the \
         Seller Portal replaces the old one) and check that this machine's clock is right"
    )]
    Authentication { endpoint: Endpoint, message: String },

    /// Sears answered with an `error-detail` that is not about credentials.
    #[error(
        "Sears rejected {endpoint}: \"{message}\". Retrying the same request will fail the same way: correct \
         the request or the order data it refers to"
    )]
    Rejected { endpoint: Endpoint, message: String },

    /// Wharf's limiter or Sears itself (HTTP 403 `rate limited`) says to wait.
    #[error("{endpoint} not sent: {reason}; it can be sent again from {retry_at}, Wharf schedules that itself")]
    RateLimited { endpoint: Endpoint, reason: RateLimitReason, retry_at: Timestamp },

    /// Sears served its HTML error page (`Sears Server Error`) or another HTML page.
    #[error(
        "Sears is having an outage ({endpoint} answered HTTP {status} with an HTML page: \"{detail}\"); \
         {}", outcome_advice(.endpoint)
    )]
    Outage { endpoint: Endpoint, status: u16, detail: String },

    #[error("Sears did not answer {endpoint} within {timeout:?}; {}", outcome_advice(.endpoint))]
    Timeout { endpoint: Endpoint, timeout: Duration },

    #[error("could not reach Sears for {endpoint}: {detail}; {}", connection_advice(.endpoint, *.request_sent))]
    Connection { endpoint: Endpoint, request_sent: bool, detail: String },

    /// The response body is not well-formed XML or not the document expected.
    #[error("Sears's answer to {endpoint} could not be read ({error}); {}", outcome_advice(.endpoint))]
    MalformedXml { endpoint: Endpoint, error: DecodeError },

    /// Sears answered with a document of another kind than the endpoint returns.
    #[error(
        "Sears answered {endpoint} with a <{found}> document, which that API does not return; check the Sears \
         base URL and the API versions in the configuration"
    )]
    UnexpectedDocument { endpoint: Endpoint, found: String },

    #[error(
        "Sears answered {endpoint} with HTTP {status} and an unexpected body: \"{body}\"; {}",
        status_advice(.endpoint, *.status)
    )]
    UnexpectedStatus { endpoint: Endpoint, status: u16, body: String },

    #[error(transparent)]
    InvalidFeed(#[from] FeedError),

    #[error("invalid request to Sears: {problem}")]
    InvalidRequest { problem: String },

    /// The shared rate-limit state (e.g. the database) could not be consulted; nothing was sent.
    #[error("the Sears rate limiter is unavailable ({detail}); nothing was sent, try again shortly")]
    LimiterUnavailable { detail: String },

    #[error("the Sears client is misconfigured: {problem}")]
    Configuration { problem: String },
}

fn outcome_advice(endpoint: &Endpoint) -> &'static str {
    if endpoint.is_write() {
        "Sears may or may not have applied the feed: do not resend it blindly, re-read the purchase order \
         (po-shipment-info, line status) first"
    } else {
        "this is usually temporary and Wharf tries again later; if it persists, check Sears's status and the \
         network"
    }
}

fn connection_advice(endpoint: &Endpoint, request_sent: bool) -> &'static str {
    if request_sent && endpoint.is_write() {
        outcome_advice(endpoint)
    } else {
        "nothing reached Sears; check the network and the Sears base URL, Wharf tries again later"
    }
}

fn status_advice(endpoint: &Endpoint, status: u16) -> &'static str {
    if status >= 500 {
        outcome_advice(endpoint)
    } else {
        "check the Sears base URL and API version in the configuration"
    }
}

impl SearsError {
    /// Whether sending the same request again later can succeed and is safe. A write whose outcome is
    /// unknown is NOT retryable (Sears feeds are not idempotent); see [`SearsError::outcome_unknown`].
    pub fn is_retryable(&self) -> bool {
        match self {
            SearsError::RateLimited { .. } | SearsError::LimiterUnavailable { .. } => true,
            SearsError::Outage { endpoint, .. }
            | SearsError::Timeout { endpoint, .. }
            | SearsError::MalformedXml { endpoint, .. } => !endpoint.is_write(),
            SearsError::Connection { endpoint, request_sent, .. } => !request_sent || !endpoint.is_write(),
            SearsError::UnexpectedStatus { endpoint, status, .. } => *status >= 500 && !endpoint.is_write(),
            SearsError::Authentication { .. }
            | SearsError::Rejected { .. }
            | SearsError::UnexpectedDocument { .. }
            | SearsError::InvalidFeed(_)
            | SearsError::InvalidRequest { .. }
            | SearsError::Configuration { .. } => false,
        }
    }

    /// A write (ASN, cancel) may have been applied by Sears although no answer said so: re-read the
    /// purchase order before deciding to resend.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            SearsError::Outage { endpoint, .. }
            | SearsError::Timeout { endpoint, .. }
            | SearsError::MalformedXml { endpoint, .. } => endpoint.is_write(),
            SearsError::Connection { endpoint, request_sent, .. } => *request_sent && endpoint.is_write(),
            SearsError::UnexpectedStatus { endpoint, status, .. } => *status >= 500 && endpoint.is_write(),
            _ => false,
        }
    }

    /// When to try again, for rate limits.
    pub fn retry_at(&self) -> Option<Timestamp> {
        match self {
            SearsError::RateLimited { retry_at, .. } => Some(*retry_at),
            _ => None,
        }
    }
}
