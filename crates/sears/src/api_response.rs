//! `api-response` (namespace `shared/v1`, SPEC §3): Sears's answer to every PUT and to a GET that failed or
//! found nothing. Errors come back with HTTP 200, so every body is dispatched on its root element.

use std::fmt;

use jiff::civil::Date;
use serde::Serialize;

use crate::error::{DecodeError, DecodeErrorKind};
use crate::xml_read::{At, Cursor, Extras, UnknownItem};

/// The handle of an accepted feed; the key of its processing report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct DocumentId(pub u64);

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiResponse {
    pub namespace: Option<String>,
    /// The date Sears stops supporting the API version called, when announced.
    pub deprecated: Option<Date>,
    pub outcome: ApiOutcome,
    pub unknown: Vec<UnknownItem>,
}

/// The one child the schema allows besides `deprecated`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum ApiOutcome {
    /// The feed was accepted (not yet processed: see the processing report).
    DocumentId(DocumentId),
    /// Failure, with Sears's text.
    ErrorDetail(String),
    /// A message whose meaning Sears does not document.
    ProcessingMessage(String),
    /// None of the above (the schema forbids it; kept visible rather than guessed at).
    Nothing,
}

impl ApiResponse {
    pub fn parse(bytes: &[u8]) -> Result<ApiResponse, DecodeError> {
        let mut c = Cursor::new(bytes);
        let root = c.root()?;
        if root.local_name() != b"api-response" {
            let kind = DecodeErrorKind::UnexpectedRoot { expected: "an api-response".into() };
            return Err(c.error(root.offset, Some(root.name()), kind));
        }
        let mut x = Extras::default();
        let namespace = c.default_namespace(&root);
        c.attributes(&root, At::Origin, [], &mut x)?;
        c.enter(&root);
        c.set_path_origin();
        let mut deprecated = None;
        let mut outcome = ApiOutcome::Nothing;
        while let Some(el) = c.next_child()? {
            let free = outcome == ApiOutcome::Nothing;
            match el.local_name() {
                b"deprecated" if deprecated.is_none() => deprecated = Some(c.date(&el, &mut x)?),
                b"document-id" if free => outcome = ApiOutcome::DocumentId(DocumentId(c.whole(&el, &mut x)?)),
                b"error-detail" if free => outcome = ApiOutcome::ErrorDetail(c.string(&el, &mut x)?),
                b"processing-message" if free => outcome = ApiOutcome::ProcessingMessage(c.string(&el, &mut x)?),
                _ => c.unknown(&el, &mut x)?,
            }
        }
        c.finish()?;
        Ok(ApiResponse { namespace, deprecated, outcome, unknown: x.unknown })
    }
}

/// What an `error-detail` text means to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorDetailKind {
    /// `No POs found` (or another `No ... found`): an empty result, not an error.
    NothingFound,
    /// Sears refused the credentials.
    Authentication,
    /// Anything else.
    Other,
}

/// Classifies Sears's `error-detail` text. HEURISTIC: Sears documents only `No POs found` and
/// `Missing Authorization header in request`; the texts for a bad signature, an expired timestamp or an
/// unknown seller are unknown (SPEC §17.2), so any text mentioning the authorization header, a signature,
/// authentication, credentials or the seller id is taken as a refusal of the credentials, and any
/// `No ... found` as an empty result. This is the one place that decides it.
pub fn classify_error_detail(text: &str) -> ErrorDetailKind {
    let lower = text.trim().to_ascii_lowercase();
    if lower.starts_with("no ") && lower.ends_with(" found") {
        return ErrorDetailKind::NothingFound;
    }
    const AUTH_WORDS: [&str; 6] = ["authoriz", "authentic", "signature", "credential", "seller id", "sellerid"];
    if AUTH_WORDS.iter().any(|word| lower.contains(word)) {
        ErrorDetailKind::Authentication
    } else {
        ErrorDetailKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_texts_are_classified() {
        assert_eq!(classify_error_detail("No POs found"), ErrorDetailKind::NothingFound);
        assert_eq!(classify_error_detail(" no pos found\n"), ErrorDetailKind::NothingFound);
        assert_eq!(classify_error_detail("No cancellation requests found"), ErrorDetailKind::NothingFound);
        for auth in [
            "Missing Authorization header in request",
            "Invalid signature",
            "Authentication failed",
            "Unknown seller id 1234",
            "sellerId does not match the credentials",
        ] {
            assert_eq!(classify_error_detail(auth), ErrorDetailKind::Authentication, "{auth}");
        }
        for other in ["Invalid XML: unexpected element", "No POs found for this date", "Internal error"] {
            assert_eq!(classify_error_detail(other), ErrorDetailKind::Other, "{other}");
        }
    }

    #[test]
    fn namespaced_no_pos_found() {
        let xml = br#"<?xml version="1.0"?>
<api-response xmlns="http://seller.marketplace.sears.com/shared/v1"><error-detail>No POs found</error-detail></api-response>"#;
        let response = ApiResponse::parse(xml).unwrap();
        assert_eq!(response.namespace.as_deref(), Some("http://seller.marketplace.sears.com/shared/v1"));
        assert_eq!(response.outcome, ApiOutcome::ErrorDetail("No POs found".into()));
    }

    #[test]
    fn document_id_and_deprecation() {
        let xml = b"<api-response><deprecated>2030-01-31</deprecated><document-id>123456</document-id></api-response>";
        let response = ApiResponse::parse(xml).unwrap();
        assert_eq!(response.deprecated, Some(jiff::civil::date(2030, 1, 31)));
        assert_eq!(response.outcome, ApiOutcome::DocumentId(DocumentId(123456)));
    }

    #[test]
    fn a_document_id_that_is_not_a_number_is_located() {
        let xml = b"<api-response>\n  <document-id>12a</document-id>\n</api-response>";
        let error = ApiResponse::parse(xml).unwrap_err();
        assert_eq!(error.to_string(), "line 2, column 3: <document-id> is not a whole number in range: '12a'");
    }
}
