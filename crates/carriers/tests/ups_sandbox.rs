//! The UPS connector end to end, over real HTTP, against the carrier sandbox (`wharf-carrier-sandbox`).
//!
//! Expected prices are computed by hand from the sandbox's published rate table (its `rates` module):
//! warehouse ZIP 60607 to customer ZIP 78751 is zone 3 + |6 - 7| = 4, and Ground in zone 4 costs
//! 12.00 for the first pound plus 1.30 per further pound, plus 5.50 per residential package.

mod support;

use std::sync::{Arc, Once};
use std::time::Duration;

use jiff::civil::{date, time};
use jiff::{SignedDuration, Timestamp};
use rust_decimal_macros::dec;
use secrecy::SecretString;
use wharf_carrier_sandbox::{RunningUpsSandbox, SandboxClock, SandboxConfig, SandboxControl};
use wharf_carriers::{
    AddressClass, AddressOutcome, Carrier, ErrorKind, HttpTransport, LabelFormat, Money, Operation, Timeouts,
    TrackQuery, TrackingStatus, UpsAccountConfig, UpsCarrier, cheapest_delivered_by, mark_cheapest_and_fastest,
};
use wharf_domain::clock::{Clock, ManualClock};

use support::*;

const START: &str = "2026-03-02T15:00:00Z";

static RUSTLS: Once = Once::new();

fn transport(request_timeout: Duration) -> HttpTransport {
    RUSTLS.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    HttpTransport::new(Timeouts { connect: Duration::from_secs(5), request: request_timeout }).expect("transport")
}

/// The connector reads the sandbox's clock, so moving it moves both sides.
struct SandboxTime(SandboxControl);

impl Clock for SandboxTime {
    fn now(&self) -> Timestamp {
        self.0.now()
    }
}

fn config() -> SandboxConfig {
    SandboxConfig { clock: SandboxClock::fixed(START.parse().unwrap()), ..SandboxConfig::default() }
}

async fn start(config: SandboxConfig) -> RunningUpsSandbox {
    config.start().await.expect("sandbox starts")
}

fn account_of(sandbox: &RunningUpsSandbox) -> UpsAccountConfig {
    let client = sandbox.default_client();
    UpsAccountConfig::new(client.client_id, client.client_secret, client.account_number)
        .with_base_url(sandbox.base_url())
}

fn carrier(sandbox: &RunningUpsSandbox, account: UpsAccountConfig) -> UpsCarrier {
    let clock = Arc::new(SandboxTime(sandbox.control().clone()));
    UpsCarrier::new(account, transport(Duration::from_secs(30)), clock).expect("carrier")
}

fn calls(sandbox: &RunningUpsSandbox, operation: &str) -> u64 {
    sandbox.control().calls().get(operation).copied().unwrap_or(0)
}

#[tokio::test]
async fn shop_and_rate() {
    let sandbox = start(config()).await;
    let ups = carrier(&sandbox, account_of(&sandbox).with_negotiated_rates(true));
    let mut request = rate_request(None);
    request.ship_date = Some(date(2026, 3, 2));
    let rates = ups.rate(&request).await.unwrap();
    let codes: Vec<&str> = rates.iter().map(|r| r.carrier_service_code.as_str()).collect();
    assert_eq!(codes, ["03", "93", "12", "02", "59", "13", "01", "14"]);

    // 2.25 lb in a 12x8x6 box: actual 3 lb, dimensional ceil(576 / 139) = 5 lb, billed 5 lb.
    let ground = &rates[0];
    assert_eq!(ground.service.as_deref(), Some("ups_ground"));
    // 12.00 + 4 x 1.30 + 5.50 residential = 22.70; negotiated 15% off = 19.295 -> 19.30.
    assert_eq!(ground.list_total, Money::usd(dec!(22.70)));
    assert_eq!(ground.total, Money::usd(dec!(19.30)));
    assert!(ground.negotiated);
    let estimate = ground.delivery.unwrap();
    assert_eq!(
        (estimate.date, estimate.time, estimate.business_days),
        (date(2026, 3, 5), Some(time(23, 30, 0, 0)), Some(3))
    );

    // SurePost, zone 4: 9.00 + 2 x 0.80 = 10.60, + 4 x (0.80 + 2 x 0.15) = 15.00, no residential
    // surcharge; 15% off = 12.75; one day more than Ground.
    let surepost = &rates[1];
    assert_eq!(surepost.service.as_deref(), Some("ups_surepost_1_lb_or_greater"));
    assert_eq!(surepost.total, Money::usd(dec!(12.75)));
    assert_eq!(surepost.delivery.unwrap().date, date(2026, 3, 6));

    // 2nd Day Air, zone 4: 24.00 + 2 x 3.00 = 30.00, + 4 x (2.40 + 2 x 0.40) = 42.80, + 6.00 = 48.80;
    // 15% off = 41.48.
    assert_eq!(rates[3].total, Money::usd(dec!(41.48)));

    let pick = |deadline| cheapest_delivered_by(&rates, deadline).map(|r| r.carrier_service_code.clone());
    assert_eq!(pick(date(2026, 3, 6)).as_deref(), Some("93"));
    assert_eq!(pick(date(2026, 3, 5)).as_deref(), Some("03"));
    assert_eq!(pick(date(2026, 3, 4)).as_deref(), Some("02"));
    let marks = mark_cheapest_and_fastest(&rates);
    assert_eq!((marks.cheapest, marks.fastest), (Some(1), Some(7)));

    let one = ups.rate(&rate_request(Some("ups_ground"))).await.unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].total, Money::usd(dec!(19.30)));
    assert_eq!(calls(&sandbox, "CreateToken"), 1);
}

#[tokio::test]
async fn buy_gif_label_then_track_it_to_delivery() {
    let sandbox = start(config()).await;
    let ups = carrier(&sandbox, account_of(&sandbox));
    let label = ups.buy_label(&label_request()).await.unwrap();
    assert_eq!(label.packages.len(), 1);
    let package = &label.packages[0];
    assert!(package.tracking_number.starts_with("1ZW4RF01"), "{}", package.tracking_number);
    assert_eq!(label.shipment_id, package.tracking_number);
    assert_eq!(package.image.format, LabelFormat::Gif);
    assert!(package.image.data.starts_with(b"GIF8"));
    assert_eq!(label.charge, Money::usd(dec!(22.70)));
    assert_eq!(label.charge, label.list_charge);

    let track = TrackQuery::Number(package.tracking_number.clone());
    let info = ups.track(&track).await.unwrap();
    assert_eq!(info.packages[0].status, TrackingStatus::LabelCreated);
    assert_eq!(info.packages[0].references, ["shp-01HZX4-1", "PO 40830601"]);

    sandbox.control().advance_clock(SignedDuration::from_hours(7));
    let info = ups.track(&track).await.unwrap();
    assert_eq!(info.packages[0].status, TrackingStatus::InTransit);

    // Ground to zone 4 takes 3 days; out for delivery 4 hours before.
    sandbox.control().set_clock("2026-03-05T12:00:00Z".parse().unwrap());
    let info = ups.track(&track).await.unwrap();
    assert_eq!(info.packages[0].status, TrackingStatus::OutForDelivery);

    sandbox.control().set_clock("2026-03-06T12:00:00Z".parse().unwrap());
    let info = ups.track(&track).await.unwrap();
    let delivered = &info.packages[0];
    assert_eq!(delivered.status, TrackingStatus::Delivered);
    assert_eq!(delivered.delivered_at, Some("2026-03-05T15:00:00Z".parse().unwrap()));
    let journey: Vec<TrackingStatus> = delivered.events.iter().map(|e| e.status).collect();
    assert_eq!(
        journey,
        [
            TrackingStatus::Delivered,
            TrackingStatus::OutForDelivery,
            TrackingStatus::InTransit,
            TrackingStatus::InTransit,
            TrackingStatus::InTransit,
            TrackingStatus::LabelCreated,
        ]
    );
}

#[tokio::test]
async fn buy_png_and_zpl_labels() {
    let sandbox = start(config()).await;
    let png = carrier(&sandbox, account_of(&sandbox).with_label_format(LabelFormat::Png));
    let label = png.buy_label(&label_request()).await.unwrap();
    assert_eq!(label.packages[0].image.format, LabelFormat::Png);
    assert!(label.packages[0].image.data.starts_with(b"\x89PNG\r\n\x1a\n"));

    let zpl = carrier(&sandbox, account_of(&sandbox).with_label_format(LabelFormat::Zpl));
    let mut request = label_request();
    request.reference = "shp-01HZX4-2".into();
    let label = zpl.buy_label(&request).await.unwrap();
    let image = &label.packages[0].image;
    assert_eq!(image.format, LabelFormat::Zpl);
    let text = String::from_utf8(image.data.clone()).expect("ZPL is text");
    assert!(text.starts_with("^XA"), "{text}");
    assert!(text.trim_end().ends_with("^XZ"), "{text}");
}

#[tokio::test]
async fn multi_package_shipment_one_tracking_number_each_then_void() {
    let sandbox = start(config()).await;
    let ups = carrier(&sandbox, account_of(&sandbox));
    let request = two_package_request();
    let label = ups.buy_label(&request).await.unwrap();
    assert_eq!(label.packages.len(), 2);
    assert_ne!(label.packages[0].tracking_number, label.packages[1].tracking_number);
    // 2nd Day Air, zone 4, residential: the box bills 5 lb: 30.00 + 4 x 3.20 + 6.00 = 48.80; the
    // 12 oz Pak bills 1 lb: 30.00 + 6.00 = 36.00.
    assert_eq!(label.charge, Money::usd(dec!(84.80)));

    let stored = sandbox.control().shipments();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].packages.len(), 2);

    let found = ups.find_shipment_by_reference(&request.reference).await.unwrap().unwrap();
    assert_eq!(found.shipment_id, label.shipment_id);
    let mut numbers: Vec<String> = label.packages.iter().map(|p| p.tracking_number.clone()).collect();
    numbers.sort();
    assert_eq!(found.tracking_numbers, numbers);
    assert!(found.also_found.is_empty());

    let outcome = ups.void(&label.shipment_id).await.unwrap();
    assert!(outcome.voided, "{outcome:?}");
    assert!(sandbox.control().shipments()[0].voided());
    // A voided shipment no longer blocks buying again under its reference.
    assert_eq!(ups.find_shipment_by_reference(&request.reference).await.unwrap(), None);
}

#[tokio::test]
async fn find_by_reference_when_nothing_was_bought() {
    let sandbox = start(config()).await;
    let ups = carrier(&sandbox, account_of(&sandbox));
    assert_eq!(ups.find_shipment_by_reference("shp-never-bought").await.unwrap(), None);
    let err = ups.track(&TrackQuery::Number("1ZW4RF010399999999".into())).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
}

#[tokio::test]
async fn address_validation() {
    let sandbox = start(config()).await;
    let ups = carrier(&sandbox, account_of(&sandbox));
    let valid = ups.validate_address(&customer()).await.unwrap();
    assert_eq!(valid.outcome, AddressOutcome::Valid);
    assert_eq!(valid.candidates[0].address.street1, "4417 AVENUE H");
    assert_eq!(valid.candidates[0].classification, Some(AddressClass::Residential));
    assert_eq!(valid.candidates[0].address.residential, Some(true));

    // The company name makes the warehouse commercial.
    let warehouse = ups.validate_address(&warehouse()).await.unwrap();
    assert_eq!(warehouse.candidates[0].classification, Some(AddressClass::Commercial));

    // ZIP 78751 is in Texas, not Oklahoma: one candidate, in the ZIP's state.
    let mut wrong_state = customer();
    wrong_state.state = "OK".into();
    let ambiguous = ups.validate_address(&wrong_state).await.unwrap();
    assert_eq!(ambiguous.outcome, AddressOutcome::Ambiguous);
    assert_eq!(ambiguous.candidates[0].address.state, "TX");
}

#[tokio::test]
async fn server_errors_are_retryable() {
    let sandbox = start(config()).await;
    let ups = carrier(&sandbox, account_of(&sandbox));
    ups.rate(&rate_request(Some("ups_ground"))).await.unwrap();
    sandbox.control().fail_next_calls(1, 503).unwrap();
    let err = ups.buy_label(&label_request()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Transient);
    assert_eq!(err.http_status, Some(503));
    assert!(err.is_retryable());
    assert!(!err.needs_lookup_before_retry());
    // Retried, it works, and only one label exists.
    ups.buy_label(&label_request()).await.unwrap();
    assert_eq!(sandbox.control().labels_by_reference()["shp-01HZX4-1"].labels, 1);
}

#[tokio::test]
async fn a_label_bought_while_the_answer_is_lost_is_found_by_reference() {
    let sandbox = start(SandboxConfig { timeout_hold: Duration::from_secs(5), ..config() }).await;
    let account = account_of(&sandbox);
    let clock = Arc::new(SandboxTime(sandbox.control().clone()));
    let ups = UpsCarrier::new(account, transport(Duration::from_secs(1)), clock).unwrap();
    ups.rate(&rate_request(Some("ups_ground"))).await.unwrap();

    sandbox.control().timeout_after_label(1);
    let request = two_package_request();
    let err = ups.buy_label(&request).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Transient);
    assert_eq!(err.operation, Operation::BuyLabel);
    assert!(err.timed_out_after_send);
    assert!(err.needs_lookup_before_retry());
    assert!(!err.is_retryable());

    // What the app does before buying again: look it up.
    let found = ups.find_shipment_by_reference(&request.reference).await.unwrap().expect("the label exists");
    let stored = &sandbox.control().shipments()[0];
    assert_eq!(found.shipment_id, stored.shipment_id);
    let mut stored_numbers: Vec<String> = stored.packages.iter().map(|p| p.tracking_number.clone()).collect();
    stored_numbers.sort();
    assert_eq!(found.tracking_numbers, stored_numbers);
    assert_eq!(found.status, TrackingStatus::LabelCreated);
    assert_eq!(sandbox.control().labels_by_reference()[&request.reference].labels, 2);
}

#[tokio::test]
async fn tokens_are_cached_and_refreshed_before_they_expire() {
    let sandbox = start(SandboxConfig { token_lifetime: Duration::from_secs(600), ..config() }).await;
    let ups = carrier(&sandbox, account_of(&sandbox));
    ups.rate(&rate_request(Some("ups_ground"))).await.unwrap();
    ups.rate(&rate_request(Some("ups_ground"))).await.unwrap();
    assert_eq!(calls(&sandbox, "CreateToken"), 1);

    // 600 s tokens are replaced a minute before they expire.
    sandbox.control().advance_clock(SignedDuration::from_secs(545));
    ups.rate(&rate_request(Some("ups_ground"))).await.unwrap();
    assert_eq!(calls(&sandbox, "CreateToken"), 2);
    // No call was refused on the way.
    assert_eq!(calls(&sandbox, "Rate"), 3);
}

#[tokio::test]
async fn an_expired_token_is_replaced_once_on_401() {
    let sandbox = start(config()).await;
    let ups = carrier(&sandbox, account_of(&sandbox));
    ups.rate(&rate_request(Some("ups_ground"))).await.unwrap();

    sandbox.control().expire_next_token_checks(1);
    ups.buy_label(&label_request()).await.unwrap();
    assert_eq!(calls(&sandbox, "CreateToken"), 2);
    assert_eq!(calls(&sandbox, "Shipment"), 2);
    assert_eq!(sandbox.control().labels_by_reference()["shp-01HZX4-1"].labels, 1);

    // Expiry the connector's clock did not see coming (its clock stands still): UPS says 401, the token
    // is replaced once and the call goes through.
    let frozen = Arc::new(ManualClock::new(START.parse().unwrap()));
    let stale_clock = UpsCarrier::new(account_of(&sandbox), transport(Duration::from_secs(30)), frozen).unwrap();
    stale_clock.rate(&rate_request(Some("ups_ground"))).await.unwrap();
    sandbox.control().advance_clock(SignedDuration::from_hours(5));
    stale_clock.rate(&rate_request(Some("ups_ground"))).await.unwrap();
    assert_eq!(calls(&sandbox, "CreateToken"), 4);

    // A 401 on the retry too is an auth error, not a loop.
    sandbox.control().expire_next_token_checks(2);
    let err = stale_clock.rate(&rate_request(Some("ups_ground"))).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);
    assert_eq!(calls(&sandbox, "CreateToken"), 5);
}

#[tokio::test]
async fn wrong_credentials_are_an_auth_error_without_the_secret() {
    let sandbox = start(config()).await;
    let client = sandbox.default_client();
    let account = UpsAccountConfig::new(client.client_id, SecretString::from("not-the-secret"), client.account_number)
        .with_base_url(sandbox.base_url());
    let ups = carrier(&sandbox, account);
    let err = ups.rate(&rate_request(Some("ups_ground"))).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);
    assert_eq!(err.operation, Operation::Authenticate);
    assert!(!err.is_retryable());
    assert!(!err.message.contains("not-the-secret"));
    assert!(!format!("{err:?}").contains("not-the-secret"));
}

#[tokio::test]
async fn refusals_from_ups_carry_its_code() {
    let sandbox = start(config()).await;
    let ups = carrier(&sandbox, account_of(&sandbox));
    // SurePost delivers to residences only.
    let mut request = rate_request(Some("ups_surepost_1_lb_or_greater"));
    request.ship_to.residential = Some(false);
    let err = ups.rate(&request).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Validation);
    assert_eq!(err.carrier_code(), Some("111210"));
}

#[tokio::test]
async fn an_unreachable_carrier_is_retryable_and_nothing_was_sent() {
    let sandbox = start(config()).await;
    let account = account_of(&sandbox);
    let port = sandbox.address().port();
    sandbox.shutdown().await;
    let clock = Arc::new(ManualClock::new(START.parse().unwrap()));
    let ups = UpsCarrier::new(
        account.with_base_url(format!("http://127.0.0.1:{port}")),
        transport(Duration::from_secs(5)),
        clock,
    )
    .unwrap();
    let err = ups.buy_label(&label_request()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Transient);
    assert!(!err.timed_out_after_send);
    assert!(err.is_retryable());
    assert!(err.message.contains("Nothing was sent"), "{}", err.message);
}
