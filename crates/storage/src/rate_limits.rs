//! The `rate_limits` area: Sears's rate-limit counters shared by every process of one installation (`wharf
//! serve`, further instances, a `wharf import` beside them), so that the installation as a whole keeps
//! Sears's limits (SPEC §12, decision 13).
//!
//! The semantics are those of the Sears client's in-memory limiter (`wharf_sears::InMemoryRateLimitState`):
//! fixed windows, each starting with the first call after the previous one ended; a call is admitted only if
//! no back-off is in force and every one of its buckets has room, and then it counts in all of them (or in
//! none). A refused call is told the LATEST instant at which all of them allow it. Instants are kept to the
//! microsecond, as everywhere in this crate.
//!
//! Atomic across processes: PostgreSQL admits a call in one statement (a function that locks the
//! installation's back-off row first, so admissions take turns); SQLite in a `BEGIN IMMEDIATE` transaction.
//! Windows that have ended count for nothing and are pruned when a call is admitted.

use std::collections::HashMap;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::Result;

/// One fixed-window counter a call counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateBucket<'a> {
    /// Identifies the counter across processes, e.g. `requests-per-minute` or `seller/1234/asn-files-per-hour`.
    pub key: &'a str,
    /// Calls allowed per window.
    pub limit: u32,
    /// How long a window lasts from its first call.
    pub window: SignedDuration,
}

/// Why a call must wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitCause {
    /// The installation's back-off (Sears answered `403 rate limited`).
    BackOff,
    /// The bucket at this index of the slice given to [`RateLimitStore::admit_call`] is full.
    Bucket(usize),
}

/// The answer for one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateAdmission {
    /// The call was counted in every bucket and may go.
    Granted,
    /// Nothing was counted; the call may go from `until`. `cause` is the limit that ends last (on a tie, the
    /// back-off, then the first bucket in the order given).
    Wait { until: Timestamp, cause: WaitCause },
}

/// A stored window, as [`RateLimitStore::rate_windows`] lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateWindow {
    pub key: String,
    pub started_at: Timestamp,
    /// When the window ends (its start plus the window length of the call that opened it).
    pub ends_at: Timestamp,
    pub calls: u32,
}

#[async_trait]
pub trait RateLimitStore {
    /// Admits a call at `now` if no back-off is in force and every bucket has room in its window, counting it
    /// in every bucket; otherwise counts nothing and says until when to wait. Atomic across processes.
    async fn admit_call(&self, now: Timestamp, buckets: &[RateBucket<'_>]) -> Result<RateAdmission>;

    /// Refuses every call until `until`, keeping the later of this and any back-off already recorded.
    async fn extend_back_off(&self, until: Timestamp) -> Result<()>;

    /// The back-off in force at `now`, if any.
    async fn back_off(&self, now: Timestamp) -> Result<Option<Timestamp>>;

    /// Every stored window, by key (ended ones included until the next admitted call prunes them).
    async fn rate_windows(&self) -> Result<Vec<RateWindow>>;
}

/// A window as the SQLite backend holds it while it decides (PostgreSQL decides in SQL, the same way).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OpenWindow {
    pub start: Timestamp,
    pub calls: u32,
}

pub(crate) fn window_end(start: Timestamp, length: SignedDuration) -> Timestamp {
    start.saturating_add(length).unwrap_or(Timestamp::MAX)
}

/// Decides one admission over `windows` (the stored windows of the buckets' keys), updating them when the call
/// is granted. The same steps as `wharf_sears::InMemoryRateLimitState::admit`.
pub(crate) fn decide(
    now: Timestamp,
    back_off: Option<Timestamp>,
    buckets: &[RateBucket<'_>],
    windows: &mut HashMap<String, OpenWindow>,
) -> RateAdmission {
    let mut wait: Option<(Timestamp, WaitCause)> = None;
    let mut later = |until: Timestamp, cause: WaitCause| {
        if wait.is_none_or(|(current, _)| until > current) {
            wait = Some((until, cause));
        }
    };
    if let Some(until) = back_off.filter(|&until| until > now) {
        later(until, WaitCause::BackOff);
    }
    for (index, bucket) in buckets.iter().enumerate() {
        if let Some(window) = windows.get(bucket.key) {
            let end = window_end(window.start, bucket.window);
            if now < end && window.calls >= bucket.limit {
                later(end, WaitCause::Bucket(index));
            }
        }
    }
    if let Some((until, cause)) = wait {
        return RateAdmission::Wait { until, cause };
    }
    for bucket in buckets {
        let window = windows.entry(bucket.key.to_owned()).or_insert(OpenWindow { start: now, calls: 0 });
        if now >= window_end(window.start, bucket.window) {
            *window = OpenWindow { start: now, calls: 0 };
        }
        window.calls = window.calls.saturating_add(1);
    }
    RateAdmission::Granted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + second).unwrap()
    }

    const MINUTE: RateBucket<'static> =
        RateBucket { key: "requests-per-minute", limit: 2, window: SignedDuration::from_secs(60) };
    const HOUR: RateBucket<'static> =
        RateBucket { key: "seller/1/asn-files-per-hour", limit: 1, window: SignedDuration::from_secs(3600) };

    #[test]
    fn a_refused_call_counts_nowhere_and_a_window_restarts_with_the_first_call_after_it() {
        let mut windows = HashMap::new();
        assert_eq!(decide(at(0), None, &[MINUTE, HOUR], &mut windows), RateAdmission::Granted);
        assert_eq!(
            decide(at(5), None, &[MINUTE, HOUR], &mut windows),
            RateAdmission::Wait { until: at(3600), cause: WaitCause::Bucket(1) }
        );
        assert_eq!(windows["requests-per-minute"], OpenWindow { start: at(0), calls: 1 });
        assert_eq!(decide(at(10), None, &[MINUTE], &mut windows), RateAdmission::Granted);
        assert_eq!(
            decide(at(20), None, &[MINUTE], &mut windows),
            RateAdmission::Wait { until: at(60), cause: WaitCause::Bucket(0) }
        );
        assert_eq!(decide(at(70), None, &[MINUTE], &mut windows), RateAdmission::Granted);
        assert_eq!(windows["requests-per-minute"], OpenWindow { start: at(70), calls: 1 });
    }

    #[test]
    fn a_back_off_wins_ties_and_the_latest_limit_is_named() {
        let mut windows = HashMap::new();
        assert_eq!(decide(at(0), None, &[MINUTE, HOUR], &mut windows), RateAdmission::Granted);
        assert_eq!(
            decide(at(1), Some(at(3600)), &[MINUTE, HOUR], &mut windows),
            RateAdmission::Wait { until: at(3600), cause: WaitCause::BackOff }
        );
        assert_eq!(
            decide(at(1), Some(at(30)), &[MINUTE, HOUR], &mut windows),
            RateAdmission::Wait { until: at(3600), cause: WaitCause::Bucket(1) }
        );
        // A back-off that has ended is no reason to wait.
        assert_eq!(decide(at(30), Some(at(30)), &[MINUTE], &mut windows), RateAdmission::Granted);
    }
}
