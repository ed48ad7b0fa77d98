//! Client-side respect of Sears's limits (SPEC §12, decision 13).
//!
//! * 500 requests per minute per source IP: one budget for the whole installation (every store);
//! * 300 ASN files per hour and 200 order-update files (cancellations, returns, refunds) per hour, per
//!   seller account;
//! * a `403 rate limited` from Sears backs every store off for 15 minutes (configurable).
//!
//! Windows are fixed and start with the first call after the previous window ended, as Sears describes its
//! hourly limits ("wait 60 min from the first call of the window").
//!
//! The counters live behind [`RateLimitState`] so that several Wharf instances can share them (e.g. in the
//! database); [`InMemoryRateLimitState`] serves one process. When a limit says wait, the client does not
//! sleep: it returns [`crate::SearsError::RateLimited`] with the time to retry, and the caller schedules
//! the work. The one exception is a short wait (at most [`SearsLimits::max_inline_wait`], 2 seconds by
//! default) at the end of a per-minute window, which the client sleeps through once, because rescheduling
//! a job costs more than that.

use std::collections::HashMap;
use std::fmt::{self, Debug};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// Which limit made a call wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RateLimitReason {
    /// The installation's requests per minute (Sears: 500 per minute per IP).
    RequestsPerMinute,
    /// The seller account's ASN files per hour (Sears: 300).
    AsnFilesPerHour,
    /// The seller account's order-update files per hour (Sears: 200; cancellations, returns, refunds).
    OrderUpdatesPerHour,
    /// Sears answered `403 rate limited`: every store of the installation backs off.
    SearsThrottled,
}

impl fmt::Display for RateLimitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RateLimitReason::RequestsPerMinute => {
                "this installation used its Sears budget of requests per minute (Sears allows 500 per minute per IP)"
            }
            RateLimitReason::AsnFilesPerHour => {
                "this seller account sent its hourly number of shipment (ASN) files (Sears allows 300 per hour)"
            }
            RateLimitReason::OrderUpdatesPerHour => {
                "this seller account sent its hourly number of order-update files (Sears allows 200 per hour)"
            }
            RateLimitReason::SearsThrottled => {
                "Sears answered 'rate limited' and throttles this installation, so every store waits"
            }
        })
    }
}

/// What a call counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallKind {
    /// Any GET.
    Read,
    /// A PUT of an ASN (shipment) feed.
    AsnFeed,
    /// A PUT of an order-update feed (line cancel, returns response, adjustment).
    OrderUpdateFeed,
}

/// One fixed-window counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    /// Identifies the counter across instances, e.g. `seller/1234/asn-files-per-hour`.
    pub key: String,
    pub limit: u32,
    pub window: SignedDuration,
    pub reason: RateLimitReason,
}

/// The answer of the limiter for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// The call was counted and may go.
    Granted,
    /// Nothing was counted; the call may go from `until`.
    Wait { until: Timestamp, reason: RateLimitReason },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RateLimitStateError(pub String);

/// Where the counters live. Implementations must make [`RateLimitState::admit`] atomic: either every
/// bucket has room and the call is counted in all of them, or nothing is counted.
#[async_trait]
pub trait RateLimitState: Send + Sync + Debug {
    /// Admits a call at `now` if no back-off is in force and every bucket has room in its window.
    /// Otherwise returns the LATEST time at which all of them allow it.
    async fn admit(&self, now: Timestamp, buckets: &[Bucket]) -> Result<Admission, RateLimitStateError>;

    /// Refuses every call until `until` (keeps the later of this and any back-off already in force).
    async fn back_off_until(&self, until: Timestamp) -> Result<(), RateLimitStateError>;

    /// The back-off in force at `now`, if any (for showing why stores wait).
    async fn back_off(&self, now: Timestamp) -> Result<Option<Timestamp>, RateLimitStateError>;
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start: Timestamp,
    count: u32,
}

#[derive(Debug, Default)]
struct Counters {
    windows: HashMap<String, Window>,
    back_off_until: Option<Timestamp>,
}

/// [`RateLimitState`] for a single Wharf process.
#[derive(Debug, Default)]
pub struct InMemoryRateLimitState {
    counters: Mutex<Counters>,
}

impl InMemoryRateLimitState {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counters> {
        // A panic while holding the lock cannot leave the counters inconsistent (plain integer updates).
        self.counters.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn window_end(window: &Window, length: SignedDuration) -> Timestamp {
    window.start.saturating_add(length).unwrap_or(Timestamp::MAX)
}

#[async_trait]
impl RateLimitState for InMemoryRateLimitState {
    async fn admit(&self, now: Timestamp, buckets: &[Bucket]) -> Result<Admission, RateLimitStateError> {
        let mut counters = self.lock();
        let mut wait: Option<(Timestamp, RateLimitReason)> = None;
        let mut later = |until: Timestamp, reason: RateLimitReason| {
            if wait.is_none_or(|(current, _)| until > current) {
                wait = Some((until, reason));
            }
        };
        if let Some(until) = counters.back_off_until.filter(|&until| until > now) {
            later(until, RateLimitReason::SearsThrottled);
        }
        for bucket in buckets {
            if let Some(window) = counters.windows.get(&bucket.key) {
                let end = window_end(window, bucket.window);
                if now < end && window.count >= bucket.limit {
                    later(end, bucket.reason);
                }
            }
        }
        if let Some((until, reason)) = wait {
            return Ok(Admission::Wait { until, reason });
        }
        for bucket in buckets {
            let window = counters.windows.entry(bucket.key.clone()).or_insert(Window { start: now, count: 0 });
            if now >= window_end(window, bucket.window) {
                *window = Window { start: now, count: 0 };
            }
            window.count += 1;
        }
        Ok(Admission::Granted)
    }

    async fn back_off_until(&self, until: Timestamp) -> Result<(), RateLimitStateError> {
        let mut counters = self.lock();
        if counters.back_off_until.is_none_or(|current| until > current) {
            counters.back_off_until = Some(until);
        }
        Ok(())
    }

    async fn back_off(&self, now: Timestamp) -> Result<Option<Timestamp>, RateLimitStateError> {
        Ok(self.lock().back_off_until.filter(|&until| until > now))
    }
}

/// Sears's limits, as Wharf applies them. The defaults are Sears's published figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearsLimits {
    /// Requests per minute for the whole installation (all stores).
    pub requests_per_minute: u32,
    /// ASN files per hour per seller account.
    pub asn_files_per_hour: u32,
    /// Order-update files (cancellations, returns, refunds) per hour per seller account.
    pub order_updates_per_hour: u32,
    /// How long every store waits after Sears answers `403 rate limited`.
    pub back_off: SignedDuration,
    /// The longest wait for the per-minute budget that the client sleeps through instead of failing.
    pub max_inline_wait: Duration,
}

impl Default for SearsLimits {
    fn default() -> Self {
        SearsLimits {
            requests_per_minute: 500,
            asn_files_per_hour: 300,
            order_updates_per_hour: 200,
            back_off: SignedDuration::from_mins(15),
            max_inline_wait: Duration::from_secs(2),
        }
    }
}

/// The installation's limiter: cheap to clone, shared by every [`crate::SearsClient`].
#[derive(Debug, Clone)]
pub struct RateLimiter {
    state: Arc<dyn RateLimitState>,
    limits: SearsLimits,
}

impl RateLimiter {
    pub fn new(state: Arc<dyn RateLimitState>, limits: SearsLimits) -> Self {
        RateLimiter { state, limits }
    }

    /// An in-memory limiter with Sears's limits.
    pub fn in_memory() -> Self {
        Self::new(Arc::new(InMemoryRateLimitState::new()), SearsLimits::default())
    }

    pub fn limits(&self) -> &SearsLimits {
        &self.limits
    }

    pub fn state(&self) -> &Arc<dyn RateLimitState> {
        &self.state
    }

    /// The buckets a call of `kind` by seller `seller_id` counts against.
    pub fn buckets(&self, seller_id: &str, kind: CallKind) -> Vec<Bucket> {
        let mut buckets = vec![Bucket {
            key: "requests-per-minute".into(),
            limit: self.limits.requests_per_minute,
            window: SignedDuration::from_mins(1),
            reason: RateLimitReason::RequestsPerMinute,
        }];
        match kind {
            CallKind::Read => {}
            CallKind::AsnFeed => buckets.push(Bucket {
                key: format!("seller/{seller_id}/asn-files-per-hour"),
                limit: self.limits.asn_files_per_hour,
                window: SignedDuration::from_hours(1),
                reason: RateLimitReason::AsnFilesPerHour,
            }),
            CallKind::OrderUpdateFeed => buckets.push(Bucket {
                key: format!("seller/{seller_id}/order-updates-per-hour"),
                limit: self.limits.order_updates_per_hour,
                window: SignedDuration::from_hours(1),
                reason: RateLimitReason::OrderUpdatesPerHour,
            }),
        }
        buckets
    }

    pub async fn admit(
        &self,
        now: Timestamp,
        seller_id: &str,
        kind: CallKind,
    ) -> Result<Admission, RateLimitStateError> {
        self.state.admit(now, &self.buckets(seller_id, kind)).await
    }

    /// Records that Sears answered `403 rate limited` at `now`; returns when calls may resume.
    pub async fn sears_throttled(&self, now: Timestamp) -> Result<Timestamp, RateLimitStateError> {
        let until = now.saturating_add(self.limits.back_off).unwrap_or(Timestamp::MAX);
        self.state.back_off_until(until).await?;
        Ok(until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + second).unwrap()
    }

    fn limiter(requests: u32, asn: u32, updates: u32) -> RateLimiter {
        RateLimiter::new(
            Arc::new(InMemoryRateLimitState::new()),
            SearsLimits {
                requests_per_minute: requests,
                asn_files_per_hour: asn,
                order_updates_per_hour: updates,
                ..SearsLimits::default()
            },
        )
    }

    #[tokio::test]
    async fn per_minute_budget_is_shared_by_all_sellers_and_reopens_after_the_window() {
        let limiter = limiter(3, 100, 100);
        assert_eq!(limiter.admit(at(0), "1", CallKind::Read).await, Ok(Admission::Granted));
        assert_eq!(limiter.admit(at(10), "2", CallKind::Read).await, Ok(Admission::Granted));
        assert_eq!(limiter.admit(at(20), "3", CallKind::AsnFeed).await, Ok(Admission::Granted));
        // The window started at 0 and lasts a minute.
        assert_eq!(
            limiter.admit(at(30), "1", CallKind::Read).await,
            Ok(Admission::Wait { until: at(60), reason: RateLimitReason::RequestsPerMinute })
        );
        assert_eq!(limiter.admit(at(60), "1", CallKind::Read).await, Ok(Admission::Granted));
    }

    #[tokio::test]
    async fn hourly_feed_limits_are_per_seller_and_a_refused_call_counts_nowhere() {
        let limiter = limiter(1000, 2, 1);
        assert_eq!(limiter.admit(at(0), "1", CallKind::AsnFeed).await, Ok(Admission::Granted));
        assert_eq!(limiter.admit(at(100), "1", CallKind::AsnFeed).await, Ok(Admission::Granted));
        assert_eq!(
            limiter.admit(at(200), "1", CallKind::AsnFeed).await,
            Ok(Admission::Wait { until: at(3600), reason: RateLimitReason::AsnFilesPerHour })
        );
        // Another seller has its own hourly budget; cancels have theirs.
        assert_eq!(limiter.admit(at(200), "2", CallKind::AsnFeed).await, Ok(Admission::Granted));
        assert_eq!(limiter.admit(at(200), "1", CallKind::OrderUpdateFeed).await, Ok(Admission::Granted));
        assert_eq!(
            limiter.admit(at(201), "1", CallKind::OrderUpdateFeed).await,
            Ok(Admission::Wait { until: at(3800), reason: RateLimitReason::OrderUpdatesPerHour })
        );
        assert_eq!(limiter.admit(at(3600), "1", CallKind::AsnFeed).await, Ok(Admission::Granted));
    }

    #[tokio::test]
    async fn sears_throttling_stops_every_store_for_the_back_off() {
        let limiter = limiter(1000, 100, 100);
        let until = limiter.sears_throttled(at(0)).await.unwrap();
        assert_eq!(until, at(15 * 60));
        for seller in ["1", "2"] {
            assert_eq!(
                limiter.admit(at(60), seller, CallKind::Read).await,
                Ok(Admission::Wait { until: at(900), reason: RateLimitReason::SearsThrottled })
            );
        }
        assert_eq!(limiter.state().back_off(at(60)).await, Ok(Some(at(900))));
        assert_eq!(limiter.admit(at(900), "1", CallKind::Read).await, Ok(Admission::Granted));
        assert_eq!(limiter.state().back_off(at(900)).await, Ok(None));
    }

    #[tokio::test]
    async fn the_latest_of_several_waits_is_returned() {
        let limiter = limiter(1, 1, 1);
        assert_eq!(limiter.admit(at(0), "1", CallKind::AsnFeed).await, Ok(Admission::Granted));
        // Both the minute (until 60) and the hour (until 3600) are full: the caller must wait for both.
        assert_eq!(
            limiter.admit(at(1), "1", CallKind::AsnFeed).await,
            Ok(Admission::Wait { until: at(3600), reason: RateLimitReason::AsnFilesPerHour })
        );
    }
}
