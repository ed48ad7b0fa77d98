//! Carrier errors as data: what kind of failure, the carrier's own code and message, per-field problems,
//! and whether the request may already have taken effect. The message always says what to do next.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

/// What went wrong, in terms of what the caller should do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The carrier refused the account's credentials or permissions. Fix the carrier account.
    Auth,
    /// The request was refused as invalid (see `field_errors`). Fix the data; retrying will not help.
    Validation,
    /// The carrier is limiting requests. Retry later (`retry_after` when the carrier said).
    RateLimited,
    /// The carrier or the network failed (5xx, timeout, connection). Retry later; after
    /// `timed_out_after_send`, look up before retrying anything that creates something.
    Transient,
    /// The carrier has nothing under that number or reference.
    NotFound,
    /// The carrier answered something Wharf does not understand.
    Unexpected,
}

/// The operation that failed, for messages and for deciding whether a retry is safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Authenticate,
    ValidateAddress,
    Rate,
    BuyLabel,
    Void,
    Track,
    FindShipment,
}

impl Operation {
    /// What the operation does, as a noun phrase for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Operation::Authenticate => "sign-in",
            Operation::ValidateAddress => "address validation",
            Operation::Rate => "rate request",
            Operation::BuyLabel => "label purchase",
            Operation::Void => "label void",
            Operation::Track => "tracking request",
            Operation::FindShipment => "shipment look-up by reference",
        }
    }

    /// True when repeating the operation could create a second thing (a second label).
    pub fn creates_something(self) -> bool {
        matches!(self, Operation::BuyLabel)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// One problem with the request, tied to a field when it is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Wharf's name for the field (`ship_to.street1`, `packages[1].weight`) when known.
    pub field: Option<String>,
    /// The carrier's error code, when the carrier reported the problem.
    pub code: Option<String>,
    pub message: String,
}

impl FieldError {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: Some(field.into()), code: None, message: message.into() }
    }

    pub fn carrier(code: Option<String>, message: impl Into<String>) -> Self {
        FieldError { field: None, code, message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.field, &self.code) {
            (Some(field), _) => write!(f, "{field}: {}", self.message),
            (None, Some(code)) => write!(f, "{} ({code})", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

/// A failed carrier operation. `Display` is the full message for the seller; the fields are for code.
///
/// Never carries credentials or tokens: messages are built from the carrier's error codes and texts,
/// never from raw response bodies.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[error("{message}")]
pub struct CarrierError {
    pub kind: ErrorKind,
    /// The carrier's display name (`UPS`).
    pub carrier: &'static str,
    pub operation: Operation,
    pub http_status: Option<u16>,
    /// Every problem: Wharf's own checks (with the field) or the carrier's errors (with its code), in order.
    pub field_errors: Vec<FieldError>,
    /// How long the carrier asked us to wait (HTTP `Retry-After`).
    pub retry_after: Option<Duration>,
    /// The request was sent but no answer came: the carrier may have applied it. Before repeating an
    /// operation that creates something, look it up (for labels: `find_shipment_by_reference`).
    pub timed_out_after_send: bool,
    pub message: String,
}

impl CarrierError {
    /// The carrier's first error code, as sent.
    pub fn carrier_code(&self) -> Option<&str> {
        self.field_errors.iter().find_map(|e| e.code.as_deref())
    }

    /// The carrier's first error message, as sent.
    pub fn carrier_message(&self) -> Option<&str> {
        self.field_errors.iter().find(|e| e.field.is_none()).map(|e| e.message.as_str())
    }

    /// True when the same request may simply be sent again later. False for a label purchase that timed
    /// out after it was sent: look the shipment up by reference first.
    pub fn is_retryable(&self) -> bool {
        match self.kind {
            ErrorKind::RateLimited => true,
            ErrorKind::Transient => !(self.timed_out_after_send && self.operation.creates_something()),
            ErrorKind::Auth | ErrorKind::Validation | ErrorKind::NotFound | ErrorKind::Unexpected => false,
        }
    }

    /// True when the request may have taken effect and must be looked up before it is repeated.
    pub fn needs_lookup_before_retry(&self) -> bool {
        self.timed_out_after_send && self.operation.creates_something()
    }

    /// The request was refused before it was sent because Wharf's own checks failed.
    pub fn invalid_request(carrier: &'static str, operation: Operation, field_errors: Vec<FieldError>) -> Self {
        let listed = join_field_errors(&field_errors);
        CarrierError {
            kind: ErrorKind::Validation,
            carrier,
            operation,
            http_status: None,
            message: format!("{carrier} {operation} not sent: {listed}. Correct the shipment and try again."),
            field_errors,
            retry_after: None,
            timed_out_after_send: false,
        }
    }

    /// The carrier answered with an error status. `errors` are the carrier's (code, message) pairs.
    pub fn from_status(
        carrier: &'static str,
        operation: Operation,
        http_status: u16,
        errors: Vec<(Option<String>, String)>,
        retry_after: Option<Duration>,
    ) -> Self {
        let kind = match http_status {
            401 | 403 => ErrorKind::Auth,
            404 => ErrorKind::NotFound,
            429 => ErrorKind::RateLimited,
            400 | 405..=428 | 430..=499 => ErrorKind::Validation,
            500..=599 => ErrorKind::Transient,
            _ => ErrorKind::Unexpected,
        };
        CarrierError::with_carrier_errors(kind, carrier, operation, Some(http_status), errors, retry_after)
    }

    /// An error whose kind was decided by the caller (for example, a carrier error code that means "not
    /// found" inside a 200 or 400 answer).
    pub fn with_carrier_errors(
        kind: ErrorKind,
        carrier: &'static str,
        operation: Operation,
        http_status: Option<u16>,
        errors: Vec<(Option<String>, String)>,
        retry_after: Option<Duration>,
    ) -> Self {
        let field_errors: Vec<FieldError> =
            errors.into_iter().map(|(code, message)| FieldError::carrier(code, message)).collect();
        let status = http_status.map(|s| format!("HTTP {s}")).unwrap_or_else(|| "no HTTP error".into());
        let said = if field_errors.is_empty() {
            status.clone()
        } else {
            format!("{status}: {}", join_field_errors(&field_errors))
        };
        let wait = retry_after.map_or_else(|| "a minute".to_owned(), |d| format!("{} seconds", d.as_secs().max(1)));
        let message = match kind {
            ErrorKind::Auth => format!(
                "{carrier} refused the carrier account's credentials during the {operation} ({said}). Check the \
                 account's client id, client secret and account number (add the account again with the right \
                 values), and that the {carrier} developer app is allowed to use this API."
            ),
            ErrorKind::Validation => {
                format!("{carrier} rejected the {operation} ({said}). Correct the listed values and try again.")
            }
            ErrorKind::RateLimited => format!(
                "{carrier} is limiting requests ({said}). Wait {wait} and try again; queued work is retried \
                 automatically."
            ),
            ErrorKind::Transient => format!(
                "{carrier} could not complete the {operation} ({said}). This is usually temporary: try again in \
                 a few minutes."
            ),
            ErrorKind::NotFound => format!(
                "{carrier} found nothing for the {operation} ({said}). Check the number or reference; new labels \
                 can take a while to appear in {carrier} tracking."
            ),
            ErrorKind::Unexpected => format!(
                "{carrier} answered the {operation} in a way Wharf does not understand ({said}). Try again; if \
                 it keeps happening, report it with this message."
            ),
        };
        CarrierError {
            kind,
            carrier,
            operation,
            http_status,
            field_errors,
            retry_after,
            timed_out_after_send: false,
            message,
        }
    }

    /// The carrier answered but the answer could not be read. `detail` must not contain the response body
    /// (it may hold a token): pass the parser's error, which names a position, not content.
    pub fn unreadable_response(
        carrier: &'static str,
        operation: Operation,
        http_status: u16,
        detail: impl fmt::Display,
    ) -> Self {
        CarrierError {
            kind: ErrorKind::Unexpected,
            carrier,
            operation,
            http_status: Some(http_status),
            field_errors: Vec::new(),
            retry_after: None,
            timed_out_after_send: false,
            message: format!(
                "{carrier} answered the {operation} (HTTP {http_status}) with a response Wharf could not read: \
                 {detail}. Try again; if it keeps happening, report it with this message."
            ),
        }
    }

    /// The request never reached the carrier (connection refused, DNS, TLS, connect timeout). Safe to retry.
    pub fn not_sent(carrier: &'static str, operation: Operation, detail: impl fmt::Display) -> Self {
        CarrierError {
            kind: ErrorKind::Transient,
            carrier,
            operation,
            http_status: None,
            field_errors: Vec::new(),
            retry_after: None,
            timed_out_after_send: false,
            message: format!(
                "could not reach {carrier} for the {operation}: {detail}. Nothing was sent; check the network and \
                 the carrier account's base URL, then try again."
            ),
        }
    }

    /// The request was sent but the answer did not arrive (timeout, connection dropped).
    pub fn no_answer(carrier: &'static str, operation: Operation, detail: impl fmt::Display) -> Self {
        let what_to_do = if operation.creates_something() {
            "The label may have been bought. Look the shipment up by its reference before buying again \
             (Wharf does this before any retry); buying blindly could pay for two labels."
                .to_owned()
        } else {
            "Nothing is created by this request, so it is safe to try again.".to_owned()
        };
        CarrierError {
            kind: ErrorKind::Transient,
            carrier,
            operation,
            http_status: None,
            field_errors: Vec::new(),
            retry_after: None,
            timed_out_after_send: true,
            message: format!("{carrier} did not answer the {operation} after it was sent ({detail}). {what_to_do}"),
        }
    }
}

fn join_field_errors(errors: &[FieldError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_map_to_kinds() {
        let kind = |status| CarrierError::from_status("UPS", Operation::Rate, status, vec![], None).kind;
        assert_eq!(kind(400), ErrorKind::Validation);
        assert_eq!(kind(401), ErrorKind::Auth);
        assert_eq!(kind(403), ErrorKind::Auth);
        assert_eq!(kind(404), ErrorKind::NotFound);
        assert_eq!(kind(429), ErrorKind::RateLimited);
        assert_eq!(kind(500), ErrorKind::Transient);
        assert_eq!(kind(503), ErrorKind::Transient);
        assert_eq!(kind(302), ErrorKind::Unexpected);
    }

    #[test]
    fn retryability_depends_on_kind_and_on_what_a_retry_could_create() {
        let transient = CarrierError::from_status("UPS", Operation::BuyLabel, 503, vec![], None);
        assert!(transient.is_retryable());
        assert!(!transient.needs_lookup_before_retry());

        let lost_buy = CarrierError::no_answer("UPS", Operation::BuyLabel, "no answer within 30s");
        assert!(lost_buy.timed_out_after_send);
        assert!(!lost_buy.is_retryable());
        assert!(lost_buy.needs_lookup_before_retry());
        assert!(lost_buy.message.contains("Look the shipment up by its reference"), "{}", lost_buy.message);

        let lost_track = CarrierError::no_answer("UPS", Operation::Track, "no answer within 30s");
        assert!(lost_track.is_retryable());

        let refused = CarrierError::from_status("UPS", Operation::BuyLabel, 400, vec![], None);
        assert!(!refused.is_retryable());
        let limited = CarrierError::from_status("UPS", Operation::BuyLabel, 429, vec![], None);
        assert!(limited.is_retryable());
    }

    #[test]
    fn carrier_errors_are_kept_and_told() {
        let err = CarrierError::from_status(
            "UPS",
            Operation::BuyLabel,
            400,
            vec![
                (Some("120802".into()), "Address Validation Error on ShipTo address".into()),
                (Some("120100".into()), "Missing or invalid shipper number".into()),
            ],
            None,
        );
        assert_eq!(err.carrier_code(), Some("120802"));
        assert_eq!(err.carrier_message(), Some("Address Validation Error on ShipTo address"));
        assert_eq!(err.field_errors.len(), 2);
        assert_eq!(
            err.to_string(),
            "UPS rejected the label purchase (HTTP 400: Address Validation Error on ShipTo address (120802); \
             Missing or invalid shipper number (120100)). Correct the listed values and try again."
        );
    }

    #[test]
    fn rate_limits_say_how_long_to_wait() {
        let err = CarrierError::from_status("UPS", Operation::Rate, 429, vec![], Some(Duration::from_secs(30)));
        assert_eq!(err.retry_after, Some(Duration::from_secs(30)));
        assert!(err.message.contains("Wait 30 seconds"), "{}", err.message);
    }
}
