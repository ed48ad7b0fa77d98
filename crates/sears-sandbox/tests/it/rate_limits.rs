//! SPEC.md §12 and §16.7: 403 `rate limited` (text/plain) once a limit is exceeded, until its window or block ends.

use jiff::SignedDuration;
use reqwest::StatusCode;
use wharf_sears_sandbox::{FeedOutcome, RateLimits, SandboxClock, SandboxConfig, SandboxSettings};

use crate::common::*;

async fn limited(limits: RateLimits) -> Sears {
    let settings = SandboxSettings { limits, ..SandboxSettings::default() };
    start(SandboxConfig { clock: SandboxClock::fixed(now()), settings, ..SandboxConfig::default() }).await
}

fn assert_rate_limited(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.content_type, "text/plain");
    assert_eq!(reply.body, "rate limited");
}

#[tokio::test]
async fn too_many_calls_from_one_ip_are_throttled_for_fifteen_minutes() {
    let sears = limited(RateLimits { requests_per_ip: 5, ..RateLimits::default() }).await;
    for _ in 0..5 {
        assert_eq!(sears.purchase_orders(19, "").await.status, StatusCode::OK);
    }
    assert_rate_limited(&sears.purchase_orders(19, "").await);
    // PUTs and other APIs share the IP's budget, and the block outlasts the minute.
    sears.sandbox.control().advance(SignedDuration::from_mins(2));
    assert_rate_limited(&sears.get(&format!("oms/shipping-carrier/v1?{}", sears.seller_query())).await);
    assert_rate_limited(&sears.put_asn("<shipment-feed/>").await);
    sears.sandbox.control().advance(SignedDuration::from_secs(12 * 60 + 59));
    assert_rate_limited(&sears.purchase_orders(19, "").await);
    sears.sandbox.control().advance(SignedDuration::from_secs(1));
    assert_eq!(sears.purchase_orders(19, "").await.status, StatusCode::OK);
    assert!(sears.sandbox.control().feeds(None).is_empty(), "a throttled PUT never reached the feed intake");
}

#[tokio::test]
async fn calls_spread_over_minutes_stay_under_the_limit() {
    let sears = limited(RateLimits { requests_per_ip: 3, ..RateLimits::default() }).await;
    for _ in 0..4 {
        for _ in 0..3 {
            assert_eq!(sears.purchase_orders(19, "").await.status, StatusCode::OK);
        }
        sears.sandbox.control().advance(SignedDuration::from_mins(1));
    }
}

#[tokio::test]
async fn asn_and_order_update_files_have_hourly_counters() {
    let sears = limited(RateLimits { asn_files: 2, order_update_files: 1, ..RateLimits::default() }).await;
    let ship =
        |line: u32, item: &'static str| asn("5000101", "2024-05-02", &[("1Z30", "UPS", "Ground", &[(line, item, 1)])]);
    sears.put_asn(&ship(2, "HOME-TOWEL-6PC-GRY")).await.document_id();
    sears.sandbox.control().advance(SignedDuration::from_mins(30));
    sears.put_asn(&ship(1, "KTCH-BLND-600W-BLK")).await.document_id();
    let third = ship(3, "LED-A19-60W-4PK");
    assert_rate_limited(&sears.put_asn(&third).await);

    // Cancels count toward order updates, a counter of their own.
    let cancel = cancel_feed(&[("5000102", "2024-05-02", &[(2, "CARD-BDAY-ASST", "OUT-OF-STOCK")])]);
    sears.put_cancel(&cancel).await.document_id();
    assert_rate_limited(&sears.put_cancel(&cancel).await);

    let feeds = sears.sandbox.control().feeds(None);
    assert_eq!(feeds.iter().filter(|f| f.outcome == FeedOutcome::RateLimited).count(), 2);
    assert_eq!(feeds.iter().filter(|f| f.document_id.is_some()).count(), 3);

    // The ASN window runs sixty minutes from its first file.
    sears.sandbox.control().advance(SignedDuration::from_mins(29));
    assert_rate_limited(&sears.put_asn(&third).await);
    sears.sandbox.control().advance(SignedDuration::from_mins(1));
    let id = sears.put_asn(&third).await.document_id();
    assert_eq!(report_results(&sears.finished_report(id).await), (1, 0, vec![]));
}
