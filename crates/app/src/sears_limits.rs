//! Sears's rate limits for the whole installation (SPEC §12, decision 13). The Sears client's limiter keeps its
//! counters behind `wharf_sears::RateLimitState`; here they live in the database (storage's `rate_limits`
//! area), so `wharf serve`, further instances on the same database and a `wharf import` beside them share one
//! budget of requests per minute, one hourly count of feed files per seller, and one back-off after Sears
//! answers `403 rate limited`.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;
use wharf_sears::{Admission, Bucket, RateLimitReason, RateLimitState, RateLimitStateError, RateLimiter, SearsLimits};
use wharf_storage::Store;
use wharf_storage::rate_limits::{RateAdmission, RateBucket, WaitCause};

/// [`RateLimitState`] over the database: every call to Sears is admitted (or told to wait) in one atomic step
/// shared by every process on the database.
pub struct DatabaseRateLimitState {
    store: Arc<dyn Store>,
}

impl DatabaseRateLimitState {
    pub fn new(store: Arc<dyn Store>) -> Self {
        DatabaseRateLimitState { store }
    }
}

impl fmt::Debug for DatabaseRateLimitState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseRateLimitState").field("backend", &self.store.backend()).finish()
    }
}

/// The installation's limiter: Sears's limits as configured, counted in the database.
pub fn database_limiter(store: Arc<dyn Store>, limits: SearsLimits) -> RateLimiter {
    RateLimiter::new(Arc::new(DatabaseRateLimitState::new(store)), limits)
}

fn unavailable(e: wharf_storage::StorageError) -> RateLimitStateError {
    RateLimitStateError(format!("the shared Sears rate-limit counters in the database could not be used: {e}"))
}

#[async_trait]
impl RateLimitState for DatabaseRateLimitState {
    async fn admit(&self, now: Timestamp, buckets: &[Bucket]) -> Result<Admission, RateLimitStateError> {
        let stored: Vec<RateBucket<'_>> =
            buckets.iter().map(|b| RateBucket { key: &b.key, limit: b.limit, window: b.window }).collect();
        Ok(match self.store.admit_call(now, &stored).await.map_err(unavailable)? {
            RateAdmission::Granted => Admission::Granted,
            RateAdmission::Wait { until, cause: WaitCause::BackOff } => {
                Admission::Wait { until, reason: RateLimitReason::SearsThrottled }
            }
            RateAdmission::Wait { until, cause: WaitCause::Bucket(index) } => {
                let bucket = buckets.get(index).ok_or_else(|| {
                    RateLimitStateError(format!(
                        "the database named bucket {index} of {} as full; this is a bug in Wharf's storage",
                        buckets.len()
                    ))
                })?;
                Admission::Wait { until, reason: bucket.reason }
            }
        })
    }

    async fn back_off_until(&self, until: Timestamp) -> Result<(), RateLimitStateError> {
        self.store.extend_back_off(until).await.map_err(unavailable)
    }

    async fn back_off(&self, now: Timestamp) -> Result<Option<Timestamp>, RateLimitStateError> {
        self.store.back_off(now).await.map_err(unavailable)
    }
}

/// What a store shows while a limit makes it wait (`wharf status`, `waiting_reason`).
pub fn waiting_reason(reason: RateLimitReason, until: Timestamp) -> String {
    format!("Sears rate limit: {reason}; no call to Sears before {until}, Wharf resumes by itself")
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    use wharf_sears::{CallKind, InMemoryRateLimitState};
    use wharf_storage::Backend;
    use wharf_storage::testing::fresh;

    use super::*;

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + second).unwrap()
    }

    fn limits() -> SearsLimits {
        SearsLimits {
            requests_per_minute: 4,
            asn_files_per_hour: 3,
            order_updates_per_hour: 2,
            ..SearsLimits::default()
        }
    }

    async fn hand_written_expectations(backend: Backend) {
        let (store, _db) = fresh(backend).await;
        let limiter = database_limiter(store, limits());
        assert_eq!(limiter.admit(at(0), "1", CallKind::AsnFeed).await, Ok(Admission::Granted));
        assert_eq!(limiter.admit(at(1), "1", CallKind::AsnFeed).await, Ok(Admission::Granted));
        assert_eq!(limiter.admit(at(2), "1", CallKind::AsnFeed).await, Ok(Admission::Granted));
        assert_eq!(limiter.admit(at(3), "2", CallKind::Read).await, Ok(Admission::Granted));
        // The minute's four calls are used: the window started at 0.
        assert_eq!(
            limiter.admit(at(4), "2", CallKind::Read).await,
            Ok(Admission::Wait { until: at(60), reason: RateLimitReason::RequestsPerMinute })
        );
        // Seller 1's hour is full too and ends later: that is the reason given.
        assert_eq!(
            limiter.admit(at(5), "1", CallKind::AsnFeed).await,
            Ok(Admission::Wait { until: at(3600), reason: RateLimitReason::AsnFilesPerHour })
        );
        assert_eq!(limiter.admit(at(60), "1", CallKind::OrderUpdateFeed).await, Ok(Admission::Granted));
        assert_eq!(limiter.sears_throttled(at(61)).await, Ok(at(61 + 15 * 60)));
        assert_eq!(limiter.state().back_off(at(62)).await, Ok(Some(at(961))));
        assert_eq!(
            limiter.admit(at(62), "2", CallKind::Read).await,
            Ok(Admission::Wait { until: at(961), reason: RateLimitReason::SearsThrottled })
        );
        assert_eq!(limiter.admit(at(961), "2", CallKind::Read).await, Ok(Admission::Granted));
    }

    /// The database's limiter answers every call exactly as the client's in-memory one does, over random
    /// sequences of calls of every kind, two sellers, back-offs and jumps in time.
    async fn answers_like_the_in_memory_limiter(backend: Backend) {
        let (store, _db) = fresh(backend).await;
        let database = database_limiter(store, limits());
        let memory = RateLimiter::new(Arc::new(InMemoryRateLimitState::new()), limits());
        let mut rng = StdRng::seed_from_u64(13);
        let mut now = 0;
        let (mut granted, mut reasons) = (0, std::collections::HashSet::new());
        for step in 0..600 {
            now += match rng.random_range(0..100) {
                0..30 => 0,
                30..95 => rng.random_range(1..20),
                _ => rng.random_range(600..4000),
            };
            let seller = if rng.random_bool(0.5) { "1" } else { "2" };
            match rng.random_range(0..100) {
                0..2 => {
                    let (a, b) = (database.sears_throttled(at(now)).await, memory.sears_throttled(at(now)).await);
                    assert_eq!(a, b, "step {step}: back-off at {now}");
                }
                2..7 => {
                    let (a, b) = (database.state().back_off(at(now)).await, memory.state().back_off(at(now)).await);
                    assert_eq!(a, b, "step {step}: back-off in force at {now}");
                }
                _ => {
                    let kind = [CallKind::Read, CallKind::AsnFeed, CallKind::OrderUpdateFeed][rng.random_range(0..3)];
                    let a = database.admit(at(now), seller, kind).await;
                    let b = memory.admit(at(now), seller, kind).await;
                    assert_eq!(a, b, "step {step}: {kind:?} of seller {seller} at {now}");
                    match a {
                        Ok(Admission::Granted) => granted += 1,
                        Ok(Admission::Wait { reason, .. }) => _ = reasons.insert(reason),
                        Err(e) => panic!("step {step}: {e}"),
                    }
                }
            }
        }
        // The sequence went through every kind of wait, and through many admissions.
        assert_eq!(reasons.len(), 4, "{reasons:?}");
        assert!(granted > 100, "{granted} admissions");
    }

    /// A database that cannot be reached makes the client fail with a retryable `LimiterUnavailable`, before
    /// anything is sent.
    async fn an_unreachable_database_makes_the_limiter_unavailable() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (store, db) = fresh(Backend::Postgres).await;
        let limiter = database_limiter(store, limits());
        drop(db); // DROP DATABASE … WITH (FORCE): the pool's connections are ended
        let error = limiter.state().back_off(at(0)).await.unwrap_err();
        assert!(
            error.0.starts_with("the shared Sears rate-limit counters in the database could not be used: "),
            "{error}"
        );
        let credentials = wharf_sears::Credentials::new(
            "80001234",
            "seller@example.com",
            secrecy::SecretString::from("U2FuZGJveEF1dGhLZXk0MiE=".to_owned()),
        )
        .unwrap();
        // Port 9 (discard) on loopback: were anything sent, the error would be a connection error instead.
        let config = wharf_sears::SearsConfig {
            base_url: "http://127.0.0.1:9/".parse().unwrap(),
            ..wharf_sears::SearsConfig::default()
        };
        let client = wharf_sears::SearsClient::new(config, credentials, limiter).unwrap();
        let day = jiff::civil::date(2026, 11, 26);
        let error = client.purchase_orders_between(day, day).await.unwrap_err();
        assert!(matches!(error, wharf_sears::SearsError::LimiterUnavailable { .. }), "{error:?}");
        assert!(error.is_retryable());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_hand_written_expectations() {
        hand_written_expectations(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_hand_written_expectations() {
        hand_written_expectations(Backend::Postgres).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_answers_like_the_in_memory_limiter() {
        answers_like_the_in_memory_limiter(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_answers_like_the_in_memory_limiter() {
        answers_like_the_in_memory_limiter(Backend::Postgres).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_unreachable_database_makes_the_limiter_unavailable() {
        an_unreachable_database_makes_the_limiter_unavailable().await;
    }

    #[test]
    fn a_waiting_reason_says_which_limit_and_until_when() {
        assert_eq!(
            waiting_reason(RateLimitReason::SearsThrottled, "2024-05-03T20:15:00Z".parse().unwrap()),
            "Sears rate limit: Sears answered 'rate limited' and throttles this installation, so every store \
             waits; no call to Sears before 2024-05-03T20:15:00Z, Wharf resumes by itself"
        );
    }
}
