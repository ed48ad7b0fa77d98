//! Injected faults (SPEC.md §16.8): for the next N Sears API calls, or for a span of sandbox time, calls that match
//! answer with a fault instead of (or after) the real response.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// What an affected call does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum FaultKind {
    /// HTTP 403 with the text `rate limited`, as when a Sears limit is exceeded.
    RateLimit,
    /// HTTP 500 with an HTML page titled `Sears Server Error` (an outage); the call is not applied.
    #[serde(rename = "html-500")]
    Html500,
    /// The real response, after a delay.
    Slow { millis: u64 },
    /// The call is applied (a PUT changes state), then the response is held for `hold_millis` (default 60 000) and
    /// the connection is dropped without an answer: the client sees a timeout or a broken response.
    TimeoutAfterApply {
        #[serde(default)]
        hold_millis: Option<u64>,
    },
    /// The call is applied and answered HTTP 200 with a truncated, malformed XML body.
    MalformedXml,
    /// HTTP 200 with the bad-signature `error-detail`, whatever the request carried.
    AuthFailure,
}

impl FaultKind {
    pub(crate) const DEFAULT_HOLD_MILLIS: u64 = 60_000;
}

/// A fault to inject. Without `count` or `seconds` it affects the next call only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultSpec {
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Affect this many matching calls.
    #[serde(default)]
    pub count: Option<u32>,
    /// Affect matching calls for this many seconds of sandbox time.
    #[serde(default)]
    pub seconds: Option<i64>,
    /// Only calls with this HTTP method (`GET`, `PUT`), case-insensitive.
    #[serde(default)]
    pub method: Option<String>,
    /// Only calls whose path contains this text, e.g. `purchaseorder` or `/asn/`.
    #[serde(default)]
    pub path_contains: Option<String>,
}

impl FaultSpec {
    /// A fault for the next `count` calls.
    pub fn next_calls(kind: FaultKind, count: u32) -> Self {
        Self { kind, count: Some(count), seconds: None, method: None, path_contains: None }
    }

    /// A fault for every call during `span` of sandbox time.
    pub fn during(kind: FaultKind, span: SignedDuration) -> Self {
        Self { kind, count: None, seconds: Some(span.as_secs()), method: None, path_contains: None }
    }

    /// Restricts the fault to one HTTP method.
    pub fn only_method(mut self, method: &str) -> Self {
        self.method = Some(method.to_owned());
        self
    }

    /// Restricts the fault to paths containing `text`.
    pub fn only_path(mut self, text: &str) -> Self {
        self.path_contains = Some(text.to_owned());
        self
    }
}

/// A fault in force, as the control API lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActiveFault {
    pub id: u64,
    pub spec: FaultSpec,
    /// Calls left to affect, for a counted fault.
    pub remaining: Option<u32>,
    /// End of the span, for a timed fault.
    pub until: Option<Timestamp>,
}

#[derive(Debug, Default)]
pub(crate) struct FaultBook {
    faults: Vec<ActiveFault>,
    next_id: u64,
}

impl FaultBook {
    pub(crate) fn add(&mut self, spec: FaultSpec, now: Timestamp) -> ActiveFault {
        self.next_id += 1;
        let until = spec.seconds.and_then(|s| now.saturating_add(SignedDuration::from_secs(s)).ok());
        let remaining = match (spec.count, spec.seconds) {
            (Some(count), _) => Some(count),
            (None, Some(_)) => None,
            (None, None) => Some(1),
        };
        let fault = ActiveFault { id: self.next_id, spec, remaining, until };
        self.faults.push(fault.clone());
        fault
    }

    pub(crate) fn clear(&mut self) {
        self.faults.clear();
    }

    pub(crate) fn list(&mut self, now: Timestamp) -> Vec<ActiveFault> {
        self.expire(now);
        self.faults.clone()
    }

    fn expire(&mut self, now: Timestamp) {
        self.faults.retain(|f| f.remaining != Some(0) && f.until.is_none_or(|until| now < until));
    }

    /// The fault that applies to this call, if any; a counted fault is used up by it.
    pub(crate) fn take(&mut self, method: &str, path: &str, now: Timestamp) -> Option<FaultKind> {
        self.expire(now);
        let fault = self.faults.iter_mut().find(|f| {
            f.spec.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
                && f.spec.path_contains.as_deref().is_none_or(|p| path.contains(p))
        })?;
        if let Some(remaining) = &mut fault.remaining {
            *remaining -= 1;
        }
        Some(fault.spec.kind.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + secs).unwrap()
    }

    #[test]
    fn counted_faults_are_used_up() {
        let mut book = FaultBook::default();
        book.add(FaultSpec::next_calls(FaultKind::Html500, 2), at(0));
        assert_eq!(book.take("GET", "/x", at(1)), Some(FaultKind::Html500));
        assert_eq!(book.take("PUT", "/y", at(2)), Some(FaultKind::Html500));
        assert_eq!(book.take("GET", "/x", at(3)), None);
        assert!(book.list(at(3)).is_empty());
    }

    #[test]
    fn timed_faults_end_with_their_span() {
        let mut book = FaultBook::default();
        book.add(FaultSpec::during(FaultKind::RateLimit, SignedDuration::from_secs(60)), at(0));
        assert_eq!(book.take("GET", "/x", at(59)), Some(FaultKind::RateLimit));
        assert_eq!(book.take("GET", "/x", at(60)), None);
    }

    #[test]
    fn filters_pick_the_calls() {
        let mut book = FaultBook::default();
        book.add(FaultSpec::next_calls(FaultKind::MalformedXml, 1).only_method("put").only_path("/asn/"), at(0));
        assert_eq!(book.take("GET", "/SellerPortal/api/oms/asn/v7", at(1)), None);
        assert_eq!(book.take("PUT", "/SellerPortal/api/oms/purchaseorder/v19", at(1)), None);
        assert_eq!(book.take("PUT", "/SellerPortal/api/oms/asn/v7", at(1)), Some(FaultKind::MalformedXml));
    }

    #[test]
    fn specs_read_from_the_control_api_json() {
        let spec: FaultSpec =
            serde_json::from_value(serde_json::json!({"kind": "slow", "millis": 250, "count": 3})).unwrap();
        assert_eq!(spec, FaultSpec::next_calls(FaultKind::Slow { millis: 250 }, 3));
        let spec: FaultSpec =
            serde_json::from_value(serde_json::json!({"kind": "timeout-after-apply", "method": "PUT"})).unwrap();
        assert_eq!(spec.kind, FaultKind::TimeoutAfterApply { hold_millis: None });
        assert_eq!(spec.method.as_deref(), Some("PUT"));
        let spec: FaultSpec = serde_json::from_value(serde_json::json!({"kind": "html-500", "seconds": 60})).unwrap();
        assert_eq!(spec, FaultSpec::during(FaultKind::Html500, SignedDuration::from_secs(60)));
        for kind in ["rate-limit", "malformed-xml", "auth-failure"] {
            serde_json::from_value::<FaultSpec>(serde_json::json!({"kind": kind})).unwrap();
        }
    }
}
