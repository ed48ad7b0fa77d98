//! Sears's rate limits (SPEC.md §12, §16.7): all calls per source IP per minute, with a 15-minute throttle once
//! exceeded, and per-seller hourly counters per feed kind whose window starts at the first call.

use std::collections::HashMap;
use std::net::IpAddr;

use jiff::Timestamp;

use crate::config::RateLimits;

/// The feed counters Sears documents that the sandbox's PUT APIs fall under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum FeedClass {
    /// ASN / shipment-update files.
    Asn,
    /// Order updates: returns, cancellations, refunds.
    OrderUpdate,
}

#[derive(Debug)]
struct Window {
    started: Timestamp,
    count: u32,
}

#[derive(Debug)]
struct IpState {
    window: Window,
    blocked_until: Option<Timestamp>,
}

#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    ips: HashMap<IpAddr, IpState>,
    feeds: HashMap<(String, FeedClass), Window>,
}

impl RateLimiter {
    /// Counts one call from `ip`; false when it must be answered `403 rate limited`.
    pub(crate) fn allow_call(&mut self, ip: IpAddr, now: Timestamp, limits: &RateLimits) -> bool {
        let state =
            self.ips.entry(ip).or_insert(IpState { window: Window { started: now, count: 0 }, blocked_until: None });
        if let Some(until) = state.blocked_until {
            if now < until {
                return false;
            }
            state.blocked_until = None;
            state.window = Window { started: now, count: 0 };
        }
        if now.duration_since(state.window.started) >= limits.ip_window {
            state.window = Window { started: now, count: 0 };
        }
        state.window.count += 1;
        if state.window.count > limits.requests_per_ip {
            state.blocked_until = now.saturating_add(limits.ip_block).ok();
            return false;
        }
        true
    }

    /// Counts one feed file of `class` for a seller; false when the hourly limit is used up.
    pub(crate) fn allow_feed(
        &mut self,
        seller_id: &str,
        class: FeedClass,
        now: Timestamp,
        limits: &RateLimits,
    ) -> bool {
        let limit = match class {
            FeedClass::Asn => limits.asn_files,
            FeedClass::OrderUpdate => limits.order_update_files,
        };
        let window = self.feeds.entry((seller_id.to_owned(), class)).or_insert(Window { started: now, count: 0 });
        if now.duration_since(window.started) >= limits.feed_window {
            *window = Window { started: now, count: 0 };
        }
        if window.count >= limit {
            return false;
        }
        window.count += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + secs).unwrap()
    }

    #[test]
    fn an_ip_over_its_minute_is_throttled_for_the_block() {
        let limits = RateLimits { requests_per_ip: 3, ..RateLimits::default() };
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let mut limiter = RateLimiter::default();
        assert!((0..3).all(|i| limiter.allow_call(ip, at(i), &limits)));
        assert!(!limiter.allow_call(ip, at(10), &limits));
        // Still throttled after the minute ends: the block lasts 15 minutes from the call that went over.
        assert!(!limiter.allow_call(ip, at(70), &limits));
        assert!(!limiter.allow_call(ip, at(10 + 15 * 60 - 1), &limits));
        assert!(limiter.allow_call(ip, at(10 + 15 * 60), &limits));
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        assert!(limiter.allow_call(other, at(11), &limits));
    }

    #[test]
    fn a_new_minute_resets_the_count() {
        let limits = RateLimits { requests_per_ip: 2, ..RateLimits::default() };
        let ip: IpAddr = "::1".parse().unwrap();
        let mut limiter = RateLimiter::default();
        assert!(limiter.allow_call(ip, at(0), &limits));
        assert!(limiter.allow_call(ip, at(59), &limits));
        assert!(limiter.allow_call(ip, at(60), &limits));
    }

    #[test]
    fn feed_windows_are_per_seller_and_kind() {
        let limits = RateLimits {
            asn_files: 2,
            order_update_files: 1,
            feed_window: SignedDuration::from_mins(60),
            ..RateLimits::default()
        };
        let mut limiter = RateLimiter::default();
        assert!(limiter.allow_feed("1", FeedClass::Asn, at(0), &limits));
        assert!(limiter.allow_feed("1", FeedClass::Asn, at(100), &limits));
        assert!(!limiter.allow_feed("1", FeedClass::Asn, at(200), &limits));
        assert!(limiter.allow_feed("2", FeedClass::Asn, at(200), &limits));
        assert!(limiter.allow_feed("1", FeedClass::OrderUpdate, at(200), &limits));
        assert!(!limiter.allow_feed("1", FeedClass::OrderUpdate, at(201), &limits));
        // The window runs 60 minutes from its first call.
        assert!(!limiter.allow_feed("1", FeedClass::Asn, at(3599), &limits));
        assert!(limiter.allow_feed("1", FeedClass::Asn, at(3600), &limits));
    }
}
