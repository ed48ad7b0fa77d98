//! The client against the local Sears sandbox (`wharf-sears-sandbox`, written from the spec, not from this
//! crate) over real HTTP on 127.0.0.1: every endpoint, every fault, auth failures and rate limits.
//! Expected values come from the sandbox's SEED.md (written by hand) and from the sandbox's own state.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::flatten_purchase_orders;
use jiff::civil::{Date, date};
use jiff::{SignedDuration, Timestamp};
use pretty_assertions::assert_eq;
use rust_decimal::Decimal;
use secrecy::SecretString;
use url::Url;
use wharf_sears::{
    CancelReason, Clock, Credentials, DocumentId, InMemoryRateLimitState, ManualClock, OrderCancel, OrderCancelDetail,
    OrderCancelFeed, PackageDetail, PoResponse, ProcessingReport, ProcessingState, RateLimitReason, RateLimiter,
    RequestQuery, SearsClient, SearsConfig, SearsError, SearsLimits, Shipment, ShipmentDetail, ShipmentFeed,
    ShipmentHeader, decode_document,
};
use wharf_sears_sandbox::{
    CustomerCancel, FaultKind, FaultSpec, FeedKind, FeedOutcome, OrderFilter, OrderRef, RequestStatusStyle,
    RunningSandbox, SandboxClock, SandboxConfig, SellerCredentials,
};

/// The sandbox's and the client's clock: 15:00 CDT, so T (the Central "today" of SEED.md) is 2024-05-03.
const NOW: &str = "2024-05-03T20:00:00Z";
const T: Date = date(2024, 5, 3);

fn now() -> Timestamp {
    NOW.parse().unwrap()
}

fn days_before_t(days: i64) -> Date {
    T.checked_sub(jiff::Span::new().days(days)).unwrap()
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

struct Harness {
    sandbox: RunningSandbox,
    clock: Arc<ManualClock>,
    limiter: RateLimiter,
    client: SearsClient,
}

fn credentials(seller: &SellerCredentials) -> Credentials {
    Credentials::new(seller.seller_id.clone(), seller.email.clone(), SecretString::from(seller.auth_key.clone()))
        .unwrap()
}

async fn harness(random_orders: usize) -> Harness {
    harness_with(random_orders, SearsLimits::default()).await
}

async fn harness_with(random_orders: usize, limits: SearsLimits) -> Harness {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sandbox = SandboxConfig {
        port: 0,
        seed: 7,
        orders: random_orders,
        clock: SandboxClock::fixed(now()),
        ..SandboxConfig::default()
    }
    .start()
    .await
    .expect("the sandbox starts");
    let clock = Arc::new(ManualClock::new(now()));
    let limiter = RateLimiter::new(Arc::new(InMemoryRateLimitState::new()), limits);
    let client = client(&sandbox, clock.clone(), limiter.clone(), |_| {});
    Harness { sandbox, clock, limiter, client }
}

fn client(
    sandbox: &RunningSandbox,
    clock: Arc<dyn Clock>,
    limiter: RateLimiter,
    configure: impl FnOnce(&mut SearsConfig),
) -> SearsClient {
    let mut config = SearsConfig {
        base_url: Url::parse(&sandbox.base_url()).unwrap(),
        timeout: Duration::from_secs(10),
        ..SearsConfig::default()
    };
    configure(&mut config);
    SearsClient::with_clock(config, credentials(&sandbox.default_seller()), limiter, clock).unwrap()
}

impl Harness {
    /// A client of the same store with another configuration (fresh limiter, same clock).
    fn client_with(&self, configure: impl FnOnce(&mut SearsConfig)) -> SearsClient {
        client(&self.sandbox, self.clock.clone(), RateLimiter::in_memory(), configure)
    }

    fn advance(&self, by: SignedDuration) {
        self.clock.advance(by);
        self.sandbox.control().advance(by);
    }

    /// The raw body of a GET, fetched without the client (signed by this crate's signer, which the SPEC's
    /// test vector checks).
    async fn raw_get(&self, path_and_query: &str) -> Vec<u8> {
        let signed = wharf_sears::signing::sign(
            self.client.credentials(),
            self.clock.now().checked_sub(SignedDuration::from_secs(60)).unwrap(),
        );
        reqwest::Client::new()
            .get(format!("{}{path_and_query}", self.sandbox.base_url()))
            .header("authorization", signed.header_value())
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec()
    }

    async fn order(&self, po_number: &str, po_date: Date) -> wharf_sears::PurchaseOrder {
        let response = self.client.purchase_order(po_number, Some(po_date)).await.unwrap();
        assert_eq!(response.purchase_orders.len(), 1, "PO {po_number} of {po_date}");
        response.purchase_orders.into_iter().next().unwrap()
    }
}

/// Random orders as the sandbox writes them, in every version from v4 to v19, read by the client: the neutral
/// form equals a generic flattening of the raw response, and the typed values equal the sandbox's own state.
#[tokio::test]
async fn random_orders_read_exactly_as_the_sandbox_wrote_them() {
    let h = harness(400).await;
    let seller = h.sandbox.default_seller();
    let sandbox_orders = h.sandbox.control().orders(&OrderFilter::default()).unwrap();
    assert!(sandbox_orders.len() >= 400, "{}", sandbox_orders.len());
    let (from, to) = (days_before_t(11), T);
    for version in 4u32..=19 {
        let client = h.client_with(|config| config.versions.purchase_order = version);
        let response = client.purchase_orders_between(from, to).await.unwrap();
        assert_eq!(response.version, Some(version));
        assert!(response.unreadable.is_empty(), "v{version}: {:?}", response.unreadable);
        assert_eq!(response.purchase_orders.len(), sandbox_orders.len(), "v{version}: every order, once");
        let raw = h
            .raw_get(&format!(
                "/SellerPortal/api/oms/purchaseorder/v{version}?sellerId={}&fromdate={from}&todate={to}",
                seller.seller_id
            ))
            .await;
        let expected = flatten_purchase_orders(&raw);
        let neutral: Vec<_> = response.purchase_orders.iter().map(|o| o.to_neutral()).collect();
        assert!(neutral == expected, "v{version}: the neutral forms differ from the raw document");
        for order in &response.purchase_orders {
            assert_eq!(flatten_purchase_orders(&order.standalone_xml())[0], order.to_neutral());
        }
        compare_with_sandbox_state(&response, &sandbox_orders);
    }

    // The import's pattern: one Central day at a time (v19).
    let mut read = 0;
    for days_back in 0..=11 {
        let day = days_before_t(days_back);
        let response = h.client.purchase_orders_between(day, day).await.unwrap();
        assert!(response.purchase_orders.iter().all(|o| o.po_date == day));
        if response.purchase_orders.is_empty() {
            let raw = h
                .raw_get(&format!(
                    "/SellerPortal/api/oms/purchaseorder/v19?sellerId={}&fromdate={day}&todate={day}",
                    seller.seller_id
                ))
                .await;
            assert!(matches!(decode_document(&raw).unwrap(), wharf_sears::Document::ApiResponse(_)), "{day}");
        }
        read += response.purchase_orders.len();
    }
    assert_eq!(read, sandbox_orders.len());
}

fn compare_with_sandbox_state(response: &PoResponse, sandbox_orders: &[wharf_sears_sandbox::OrderState]) {
    for order in &response.purchase_orders {
        let state = sandbox_orders
            .iter()
            .find(|s| s.order.po_number == order.po_number && s.order.po_date == order.po_date)
            .unwrap_or_else(|| panic!("PO {} of {} is not the sandbox's", order.po_number, order.po_date));
        let expected = &state.order;
        assert_eq!(order.po_status.as_deref(), Some(expected.status.as_str()));
        assert_eq!(order.po_time, Some(expected.po_time));
        assert_eq!(order.customer_name.as_deref(), Some(expected.customer_name.as_str()));
        let shipping = order.shipping_detail.as_ref().unwrap();
        assert_eq!(shipping.address, expected.shipping.address);
        assert_eq!(shipping.zipcode.as_deref(), Some(expected.shipping.zipcode.as_str()));
        assert_eq!(order.is_pickup(), expected.pickup.is_some());
        assert_eq!(order.ship_to_store_detail.is_some(), expected.ship_to_store.is_some());
        assert_eq!(order.po_lines.len(), expected.lines.len());
        for (line, expected) in order.po_lines.iter().zip(&expected.lines) {
            let header = &line.po_line_header;
            assert_eq!(header.line_number, expected.line_number);
            assert_eq!(header.item_id, expected.item_id);
            assert_eq!(header.item_name.as_deref(), Some(expected.item_name.as_str()));
            assert_eq!(header.selling_price_each, expected.selling_price_each);
            assert_eq!(header.order_quantity, expected.order_quantity);
            assert_eq!(header.commission, Some(expected.commission));
            let fees: Vec<Decimal> = header.fees.iter().flatten().map(|f| f.amount).collect();
            let expected_fees: Vec<Decimal> = expected.fees.iter().map(|f| f.amount).collect();
            assert_eq!(fees, expected_fees);
            let bucket = |status: &str| -> u32 {
                line.po_line_details.iter().filter(|d| d.po_line_status == status).map(|d| d.quantity).sum()
            };
            assert_eq!(bucket("NEW"), expected.quantities.open);
            assert_eq!(bucket("SHIPPED"), expected.quantities.shipped);
            assert_eq!(bucket("CANCELLED"), expected.quantities.cancelled);
            match &expected.gift_message {
                Some(text) => {
                    assert_eq!(header.gift_message_details.as_ref().map(|g| g.text.as_str()), Some(text.as_str()))
                }
                None => assert_eq!(header.gift_message_details, None),
            }
        }
    }
}

/// Values written by hand from the sandbox's SEED.md.
#[tokio::test]
async fn showcase_orders() {
    let h = harness(0).await;

    let sc09 = h.client.purchase_order("0060180", None).await.unwrap();
    let [order] = &sc09.purchase_orders[..] else { panic!("one PO 0060180") };
    assert_eq!(order.po_date, days_before_t(2));
    assert_eq!(order.customer_order_confirmation_number.as_deref(), Some("90060180"));
    assert_eq!(order.customer_email.as_deref(), Some("masked-0060180@seller.sears.com"));
    assert_eq!(order.po_number_with_date.as_deref(), Some("202405010060180"));
    assert_eq!(order.shipping_detail.as_ref().unwrap().shipping_method.as_deref(), Some("Express"));
    let line = &order.po_lines[0].po_line_header;
    assert_eq!(
        (line.item_id.as_str(), line.order_quantity, line.selling_price_each),
        ("FAN-BOX-20IN", 2, dec("24.99"))
    );
    assert_eq!(order.total_sales_tax, Some(dec("3.50")));
    assert_eq!(order.total_order_value, Some(dec("66.47")));
    assert_eq!(order.balance_due, Some(dec("57.97")));

    // One PO number on two dates.
    let both = h.client.purchase_order("5000105", None).await.unwrap();
    let mut dates: Vec<Date> = both.purchase_orders.iter().map(|o| o.po_date).collect();
    dates.sort();
    assert_eq!(dates, vec![days_before_t(10), days_before_t(1)]);
    let old = h.order("5000105", days_before_t(10)).await;
    assert_eq!(old.po_status.as_deref(), Some("Closed"));
    assert_eq!(old.customer_name.as_deref(), Some("Robert Hayes"));
    let shipment = &old.po_shipment_info.as_ref().unwrap()[0];
    assert_eq!(shipment.shipment_tracking_number.as_deref(), Some("1Z999AA10123456784"));

    let sc02 = h.order("5000102", days_before_t(1)).await;
    assert_eq!(sc02.customer_name.as_deref(), Some("Zoë Ångström-Müller"));
    let shipping = sc02.shipping_detail.as_ref().unwrap();
    assert_eq!(shipping.ship_to_name.as_deref(), Some("Renée O'Connor"));
    assert_eq!(shipping.address, vec!["350 Fifth Avenue", "Apt 4B"]);
    let header = &sc02.po_lines[0].po_line_header;
    assert_eq!(header.item_name.as_deref(), Some("Plush Teddy Bear 12\" & Friends"));
    let fees: Vec<(Option<&str>, Decimal)> =
        header.fees.iter().flatten().map(|f| (f.fee_type.as_deref(), f.amount)).collect();
    assert_eq!(fees, vec![(Some("Gift Wrap Fee"), dec("4.99")), (Some("Promo Discount"), dec("-3.00"))]);
    assert_eq!(header.gift_message_details.as_ref().unwrap().text, "Happy birthday, Léa! Love, Grandma & Grandpa");
    assert_eq!((header.handling_instructions.as_deref(), header.handling_ind.as_deref()), (Some("fragile"), Some("f")));
    let detail = &sc02.po_lines[0].po_line_details[0];
    assert_eq!(detail.internal_memo.as_deref(), Some("Wrap in blue paper"));
    assert_eq!(detail.external_memo.as_deref(), Some("Thank you for shopping with us!"));
    assert_eq!(sc02.total_order_value, Some(dec("40.54")));

    let sc03 = h.order("5000103", days_before_t(2)).await;
    assert!(sc03.is_pickup());
    let lmp = sc03.lmp_details.as_ref().unwrap();
    assert_eq!(lmp.pickup_location.as_ref().unwrap().name.as_deref(), Some("Sears Hometown Store #1234"));
    assert_eq!(lmp.delivery_instructions.as_deref(), Some("Call on arrival; blue pickup door"));
    assert_eq!(lmp.expected_pickup_date.as_deref(), Some("2024-05-03T10:00:00"));
    assert_eq!(lmp.ucc_barcode.as_deref(), Some("00012345678901234567"));

    let sc04 = h.order("5000104", days_before_t(2)).await;
    let store = sc04.ship_to_store_detail.as_ref().unwrap();
    assert_eq!(store.address, vec!["Sears Store #2211, 1000 W Oaks Mall"]);
    assert_eq!(store.store_delivery_date, Some(date(2024, 5, 6)));
    assert_eq!(sc04.customer_name.as_deref(), Some("Nguyễn Văn An"));

    let sc07 = h.order("5000107", days_before_t(1)).await;
    let blank = sc07.shipping_detail.as_ref().unwrap();
    assert_eq!(blank.address, vec![""]);
    assert_eq!(blank.city.as_deref(), Some(""));

    let sc10 = h.order("5000110", days_before_t(2)).await;
    assert_eq!(sc10.po_status.as_deref(), Some("Open"));
    let buckets = |line: usize| -> Vec<(String, u32)> {
        sc10.po_lines[line].po_line_details.iter().map(|d| (d.po_line_status.clone(), d.quantity)).collect()
    };
    assert_eq!(buckets(0), vec![("NEW".into(), 2), ("SHIPPED".into(), 1)]);
    assert_eq!(buckets(1), vec![("NEW".into(), 1), ("CANCELLED".into(), 1)]);
    assert_eq!(sc10.po_lines[0].po_line_details[0].internal_memo.as_deref(), Some("Customer asked for two boxes"));

    let sc13 = h.order("5000113", days_before_t(1)).await;
    assert_eq!(sc13.po_status.as_deref(), Some("Awaiting Seller Review"));

    let sc14 = h.order("5000114", days_before_t(1)).await;
    assert_eq!(sc14.promised_date, Some(date(2024, 5, 7)));
    assert_eq!(sc14.tax_reference.as_ref().unwrap().tax_rate.as_deref(), Some("6.25"));
    assert_eq!(sc14.tax_reference.as_ref().unwrap().ship_to_taxware_geo.as_deref(), Some("221234500"));
    assert_eq!(sc14.lease_order.as_deref(), Some("N"));
    assert_eq!(sc14.tax_remitted_to_seller.as_deref(), Some("N"));
    let second = &sc14.po_lines[1].po_line_header;
    assert_eq!(second.oms_parent_order_item_id.as_deref(), Some("900000114001"));
    assert_eq!(second.item_class_id, Some(40124));
    assert_eq!(second.shipping_commission, Some(dec("0.60")));
    assert_eq!(second.shipping_tax, Some(dec("0.37")));
    assert_eq!(sc14.total_shipping_tax, Some(dec("0.37")));
    assert_eq!(sc14.total_order_value, Some(dec("165.71")));

    // v4: order-level sales-tax and none of the later fields.
    let v4 = h.client_with(|config| config.versions.purchase_order = 4);
    let old_sc14 = &v4.purchase_order("5000114", Some(days_before_t(1))).await.unwrap().purchase_orders[0];
    assert_eq!(old_sc14.sales_tax, Some(dec("9.37")));
    assert_eq!(old_sc14.total_sales_tax, None);
    assert_eq!(old_sc14.order_sales_tax(), Some(dec("9.37")));
    assert_eq!(old_sc14.tax_reference, None);
    assert_eq!(old_sc14.total_order_value, None);
    assert_eq!(old_sc14.po_lines[1].po_line_header.item_class_id, None);

    let sc15 = h.order("5000115", days_before_t(1)).await;
    let warning = sc15.po_lines[0].po_line_header.customer_cancellation_warning.as_deref().unwrap();
    assert!(warning.starts_with("Customer requested cancellation on 2024-05-02"), "{warning}");

    let ready = h.client.purchase_orders_by_status("Ready to Invoice").await.unwrap();
    assert!(ready.purchase_orders.iter().any(|o| o.po_number == "5000112"));
    assert!(ready.purchase_orders.iter().all(|o| o.po_status.as_deref() == Some("Ready to Invoice")));
}

#[tokio::test]
async fn no_pos_found_is_an_empty_result() {
    let h = harness(0).await;
    let response = h.client.purchase_orders_between(date(2030, 1, 1), date(2030, 1, 2)).await.unwrap();
    assert!(response.purchase_orders.is_empty() && response.unreadable.is_empty());
    let missing = h.client.purchase_order("99999999", None).await.unwrap();
    assert!(missing.purchase_orders.is_empty());
    let error = h.client.purchase_orders_between(T, days_before_t(1)).await.unwrap_err();
    assert!(matches!(error, SearsError::InvalidRequest { .. }), "{error}");
}

#[tokio::test]
async fn refused_credentials_are_authentication_errors() {
    let h = harness(0).await;
    let seller = h.sandbox.default_seller();
    let expect_auth = |result: Result<PoResponse, SearsError>, text: &str| match result {
        Err(error @ SearsError::Authentication { .. }) => {
            assert!(!error.is_retryable());
            let SearsError::Authentication { message, .. } = &error else { unreachable!() };
            assert_eq!(message, text);
            assert!(error.to_string().contains("Check the seller ID"), "{error}");
        }
        other => panic!("expected an authentication error, got {other:?}"),
    };

    let wrong_key = h.client.for_credentials(
        Credentials::new(seller.seller_id.clone(), seller.email.clone(), SecretString::from("not-the-key")).unwrap(),
    );
    expect_auth(wrong_key.purchase_orders_by_status("New").await, "Invalid signature in Authorization header");

    let unknown_seller = h.client.for_credentials(
        Credentials::new("99999999", seller.email.clone(), SecretString::from(seller.auth_key.clone())).unwrap(),
    );
    expect_auth(unknown_seller.purchase_orders_by_status("New").await, "Invalid sellerId");

    // A clock 40 minutes slow signs with an expired timestamp.
    let late_clock = Arc::new(ManualClock::new(now().checked_sub(SignedDuration::from_mins(40)).unwrap()));
    let late = client(&h.sandbox, late_clock, RateLimiter::in_memory(), |_| {});
    expect_auth(late.purchase_orders_by_status("New").await, "Authorization timestamp has expired");

    h.sandbox.control().add_fault(FaultSpec::next_calls(FaultKind::AuthFailure, 1));
    expect_auth(h.client.purchase_orders_by_status("New").await, "Invalid signature in Authorization header");

    // No header at all (the client always signs): Sears's documented text, classified the same way.
    let body = reqwest::Client::new()
        .get(format!("{}/SellerPortal/api/oms/purchaseorder/v19?sellerId={}", h.sandbox.base_url(), seller.seller_id))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let response = wharf_sears::ApiResponse::parse(&body).unwrap();
    let wharf_sears::ApiOutcome::ErrorDetail(text) = response.outcome else { panic!("an error-detail") };
    assert_eq!(text, "Missing Authorization header in request");
    assert_eq!(wharf_sears::classify_error_detail(&text), wharf_sears::ErrorDetailKind::Authentication);

    // Nothing of the key in any of these errors.
    let error = wrong_key.purchase_orders_by_status("New").await.unwrap_err();
    assert!(!format!("{error} {error:?}").contains("not-the-key"));
}

fn sc01_asn() -> ShipmentFeed {
    let package =
        |line_number, item_id: &str, quantity| PackageDetail { line_number, item_id: item_id.into(), quantity };
    ShipmentFeed {
        shipments: vec![Shipment {
            header: ShipmentHeader {
                asn_number: Some("5000101-1".into()),
                po_number: "5000101".into(),
                po_date: days_before_t(1),
                ..ShipmentHeader::default()
            },
            details: vec![
                ShipmentDetail {
                    tracking_number: Some("1Z999AA10000000001".into()),
                    ship_date: T,
                    shipping_carrier: "UPS".into(),
                    shipping_method: "Ground".into(),
                    package_details: vec![package(1, "KTCH-BLND-600W-BLK", 1), package(2, "HOME-TOWEL-6PC-GRY", 1)],
                },
                ShipmentDetail {
                    tracking_number: Some("1Z999AA10000000002".into()),
                    ship_date: T,
                    shipping_carrier: "UPS".into(),
                    shipping_method: "Ground".into(),
                    // Line 3 ordered 3, shipped 2: Sears cancels the rest.
                    package_details: vec![package(1, "KTCH-BLND-600W-BLK", 1), package(3, "LED-A19-60W-4PK", 2)],
                },
            ],
        }],
        ..ShipmentFeed::default()
    }
}

async fn report_when_done(h: &Harness, id: DocumentId) -> (ProcessingReport, u32) {
    let mut in_process = 0;
    loop {
        let report = h.client.processing_report(id).await.unwrap();
        assert_eq!(report.document_id, id);
        if !report.is_in_process() {
            return (report, in_process);
        }
        in_process += 1;
        assert!(in_process < 5, "the report stays In Process");
    }
}

/// PUT -> document-id -> processing report `In Process` -> report; the order then shows the shipment.
#[tokio::test]
async fn asn_is_accepted_processed_and_visible_on_the_order() {
    let h = harness(0).await;
    let feed = sc01_asn();
    let id = h.client.send_asn(&feed).await.unwrap();
    let (report, in_process) = report_when_done(&h, id).await;
    assert_eq!(in_process, 1, "the first poll says In Process");
    let ProcessingState::Done(done) = &report.state else { unreachable!() };
    assert!(done.errors.is_empty(), "{:?}", done.errors);
    assert_eq!(done.summary.records_accepted, Some(1));

    let order = h.order("5000101", days_before_t(1)).await;
    assert_eq!(order.po_status.as_deref(), Some("Closed"));
    let tracking: Vec<&str> =
        order.po_shipment_info.iter().flatten().filter_map(|s| s.shipment_tracking_number.as_deref()).collect();
    assert_eq!(tracking, vec!["1Z999AA10000000001", "1Z999AA10000000002"]);
    let buckets = |line: usize| -> Vec<(String, u32)> {
        order.po_lines[line].po_line_details.iter().map(|d| (d.po_line_status.clone(), d.quantity)).collect()
    };
    assert_eq!(buckets(0), vec![("SHIPPED".into(), 2)]);
    assert_eq!(buckets(1), vec![("SHIPPED".into(), 1)]);
    assert_eq!(buckets(2), vec![("SHIPPED".into(), 2), ("CANCELLED".into(), 1)]);

    // The sandbox's own record: exactly this feed, once.
    let feeds = h.sandbox.control().feeds(None);
    assert_eq!(feeds.len(), 1);
    assert_eq!(feeds[0].kind, FeedKind::Asn);
    assert_eq!(feeds[0].document_id, Some(id.0));
    assert_eq!(feeds[0].outcome, FeedOutcome::Accepted);
    assert_eq!(feeds[0].xml, feed.to_xml().unwrap());
}

#[tokio::test]
async fn asn_record_errors_come_back_in_the_report() {
    let h = harness(0).await;
    let mut wrong_item = sc01_asn();
    wrong_item.shipments[0].details.truncate(1);
    wrong_item.shipments[0].details[0].package_details[0].item_id = "NOT-ON-THIS-LINE".into();
    // SC-08's 46-character SKU: the client writes it (the XSD allows 50), Sears refuses it.
    let long_sku = ShipmentFeed {
        shipments: vec![Shipment {
            header: ShipmentHeader {
                po_number: "5000108".into(),
                po_date: days_before_t(1),
                ..ShipmentHeader::default()
            },
            details: vec![ShipmentDetail {
                tracking_number: None,
                ship_date: T,
                shipping_carrier: "FDE".into(),
                shipping_method: "Ground".into(),
                package_details: vec![PackageDetail {
                    line_number: 1,
                    item_id: "KNMR-REFRIGERATOR-DOOR-SHELF-BIN-GALLON-WHT-XL".into(),
                    quantity: 1,
                }],
            }],
        }],
        ..ShipmentFeed::default()
    };
    let mut feed = wrong_item;
    feed.shipments.extend(long_sku.shipments);
    let id = h.client.send_asn(&feed).await.unwrap();
    let (report, _) = report_when_done(&h, id).await;
    let ProcessingState::Done(done) = &report.state else { unreachable!() };
    let record_ids: Vec<u64> = done.errors.iter().map(|e| e.record_id).collect();
    assert_eq!(record_ids, vec![1, 2]);
    assert!(done.errors.iter().all(|e| !e.messages.is_empty()));
    let order = h.order("5000101", days_before_t(1)).await;
    assert_eq!(order.po_status.as_deref(), Some("New"), "a refused record changes nothing");
}

#[tokio::test]
async fn line_cancel_is_accepted_and_cancels_the_line() {
    let h = harness(0).await;
    let feed = OrderCancelFeed {
        order_cancels: vec![OrderCancel {
            po_number: "5000106".into(),
            po_date: days_before_t(4),
            details: vec![OrderCancelDetail {
                line_number: 1,
                item_id: "KTCH-TOASTER-2S".into(),
                cancel_reason: CancelReason::OutOfStock,
            }],
        }],
        ..OrderCancelFeed::default()
    };
    let id = h.client.send_order_cancel(&feed).await.unwrap();
    let (report, _) = report_when_done(&h, id).await;
    let ProcessingState::Done(done) = &report.state else { unreachable!() };
    assert!(done.errors.is_empty(), "{:?}", done.errors);
    let order = h.order("5000106", days_before_t(4)).await;
    assert_eq!(order.po_status.as_deref(), Some("Closed"));
    let details = &order.po_lines[0].po_line_details;
    assert_eq!((details[0].po_line_status.as_str(), details[0].quantity), ("CANCELLED", 1));
    let feeds = h.sandbox.control().feeds(None);
    assert_eq!((feeds.len(), feeds[0].kind), (1, FeedKind::OrderCancel));
    assert_eq!(feeds[0].xml, feed.to_xml().unwrap());

    let unknown = h.client.processing_report(DocumentId(987_654)).await.unwrap_err();
    assert!(matches!(unknown, SearsError::Rejected { .. }), "{unknown}");
}

#[tokio::test]
async fn carrier_list() {
    let h = harness(0).await;
    let list = h.client.shipping_carriers().await.unwrap();
    assert_eq!(list.carriers.len(), 105);
    assert_eq!(list.carriers.iter().map(|c| c.shipping_methods.len()).sum::<usize>(), 121);
    assert!(list.allows("UPS", "Ground"));
    assert!(list.allows("OTH", "Pickup"));
    assert!(list.allows("usps", "PRIORITY"));
    assert!(!list.allows("UPS", "Pickup"));
}

#[tokio::test]
async fn customer_cancellation_and_return_requests() {
    let h = harness(0).await;
    let control = h.sandbox.control();
    control
        .customer_cancel(
            &OrderRef::new("5000101", days_before_t(1)),
            CustomerCancel { line_number: Some(2), reason: None, comments: Some("Changed my mind".into()) },
        )
        .unwrap();

    let cancels = h.client.cancellation_requests(&RequestQuery::default()).await.unwrap();
    let sc15 = cancels.requests.iter().find(|r| r.po_number == "5000115").expect("SC-15's request");
    assert_eq!(sc15.cancel_request_id, "700001");
    assert_eq!(sc15.po_date, days_before_t(1));
    assert_eq!(sc15.com_line_number, 1);
    assert_eq!(sc15.quantity, 1);
    assert_eq!(sc15.cancel_date, days_before_t(1));
    assert_eq!(sc15.cancel_reason, "CUSTOMER-CANCEL-FOUND-BETTER-PRICING-OF-SAME-PRODUCT");
    assert_eq!(sc15.cancel_status, "INITIAL");
    assert_eq!(sc15.customer_comments.as_deref(), Some("Found it cheaper elsewhere, please cancel."));
    let new = cancels.requests.iter().find(|r| r.po_number == "5000101").expect("the request just made");
    assert_eq!((new.com_line_number, new.cancel_status.as_str()), (2, "INITIAL"));
    assert_eq!(new.cancel_reason, "CUSTOMER-CANCEL-DID-NOT-WANT-THE-PRODUCT-ANY-LONGER");

    let returns = h.client.return_requests(&RequestQuery::default()).await.unwrap();
    let sc11 = returns.requests.iter().find(|r| r.po_number == "5000111").expect("SC-11's request");
    assert_eq!(sc11.return_request_id, "9886555001");
    assert_eq!((sc11.com_line_number, sc11.quantity), (1, 1));
    assert_eq!(sc11.return_date, days_before_t(1));
    assert_eq!(sc11.return_reason, "DEFECTIVE-PRODUCT");
    assert_eq!(sc11.return_status, "PENDING_RETURN");
    assert_eq!(sc11.customer_comments.as_deref(), Some("One cable does not work."));

    // The official samples' spelling, outside the XSD, reads just as well.
    let mut settings = control.settings();
    settings.request_statuses = RequestStatusStyle::Samples;
    control.set_settings(settings);
    let returns = h.client.return_requests(&RequestQuery::default()).await.unwrap();
    assert_eq!(returns.requests.iter().find(|r| r.po_number == "5000111").unwrap().return_status, "PENDING");
    let cancels = h.client.cancellation_requests(&RequestQuery::default()).await.unwrap();
    assert!(cancels.requests.iter().any(|r| r.cancel_status == "PENDING"));

    // A date window with nothing in it.
    let none = RequestQuery { status: None, from: Some(date(2030, 1, 1)), to: Some(date(2030, 1, 2)) };
    assert!(h.client.cancellation_requests(&none).await.unwrap().requests.is_empty());
    assert!(h.client.return_requests(&none).await.unwrap().requests.is_empty());
}

#[tokio::test]
async fn outage_page_is_a_retryable_outage() {
    let h = harness(0).await;
    h.sandbox.control().add_fault(FaultSpec::next_calls(FaultKind::Html500, 2));
    let error = h.client.purchase_orders_by_status("New").await.unwrap_err();
    let SearsError::Outage { status, detail, .. } = &error else { panic!("{error:?}") };
    assert_eq!((*status, detail.as_str()), (500, "Sears Server Error"));
    assert!(error.is_retryable() && !error.outcome_unknown());
    // The same page in answer to a feed: whether Sears applied it is unknown to the client.
    let error = h.client.send_asn(&sc01_asn()).await.unwrap_err();
    assert!(matches!(error, SearsError::Outage { .. }), "{error:?}");
    assert!(!error.is_retryable() && error.outcome_unknown());
    assert!(error.to_string().contains("do not resend it blindly"), "{error}");
}

#[tokio::test]
async fn malformed_xml_is_its_own_error() {
    let h = harness(0).await;
    h.sandbox.control().add_fault(FaultSpec::next_calls(FaultKind::MalformedXml, 1));
    let error = h.client.purchase_orders_by_status("New").await.unwrap_err();
    assert!(matches!(error, SearsError::MalformedXml { .. }), "{error:?}");
    assert!(error.is_retryable());
    // The next call is answered normally.
    assert!(!h.client.purchase_orders_by_status("New").await.unwrap().purchase_orders.is_empty());
}

#[tokio::test]
async fn slow_answers_time_out() {
    let h = harness(0).await;
    let impatient = h.client_with(|config| config.timeout = Duration::from_millis(500));
    h.sandbox.control().add_fault(FaultSpec::next_calls(FaultKind::Slow { millis: 3_000 }, 1));
    let error = impatient.purchase_orders_by_status("New").await.unwrap_err();
    assert!(matches!(error, SearsError::Timeout { .. }), "{error:?}");
    assert!(error.is_retryable());
}

/// The PUT was applied but the answer never came: not retryable, outcome unknown; re-reading the PO shows
/// it was applied, and the sandbox recorded the feed once.
#[tokio::test]
async fn timeout_after_apply_leaves_the_outcome_unknown() {
    let h = harness(0).await;
    let impatient = h.client_with(|config| config.timeout = Duration::from_millis(500));
    h.sandbox.control().add_fault(
        FaultSpec::next_calls(FaultKind::TimeoutAfterApply { hold_millis: Some(2_000) }, 1).only_method("PUT"),
    );
    let error = impatient.send_asn(&sc01_asn()).await.unwrap_err();
    assert!(
        matches!(error, SearsError::Timeout { .. } | SearsError::Connection { request_sent: true, .. }),
        "{error:?}"
    );
    assert!(!error.is_retryable());
    assert!(error.outcome_unknown());
    assert!(error.to_string().contains("re-read the purchase order"), "{error}");

    let order = h.order("5000101", days_before_t(1)).await;
    assert_eq!(order.po_shipment_info.map(|s| s.len()), Some(2), "the ASN was applied");
    let feeds = h.sandbox.control().feeds(None);
    assert_eq!(feeds.iter().filter(|f| f.kind == FeedKind::Asn).count(), 1);
}

#[tokio::test]
async fn connection_refused_is_retryable_even_for_a_feed() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let client = SearsClient::with_clock(
        SearsConfig { base_url: Url::parse(&format!("http://{address}")).unwrap(), ..SearsConfig::default() },
        Credentials::new("1", "a@b.c", SecretString::from("k")).unwrap(),
        RateLimiter::in_memory(),
        Arc::new(ManualClock::new(now())),
    )
    .unwrap();
    let error = client.purchase_orders_by_status("New").await.unwrap_err();
    assert!(matches!(error, SearsError::Connection { request_sent: false, .. }), "{error:?}");
    assert!(error.is_retryable());
    let error = client.send_asn(&sc01_asn()).await.unwrap_err();
    assert!(matches!(error, SearsError::Connection { request_sent: false, .. }), "{error:?}");
    assert!(error.is_retryable() && !error.outcome_unknown(), "nothing reached Sears: safe to send again");
}

/// `403 rate limited` backs every store off for 15 minutes, on the client's side: during the back-off
/// nothing is sent, even once Sears would answer again.
#[tokio::test]
async fn sears_rate_limit_backs_every_store_off() {
    let h = harness(0).await;
    h.sandbox.control().add_fault(FaultSpec::next_calls(FaultKind::RateLimit, 1));
    let error = h.client.purchase_orders_by_status("New").await.unwrap_err();
    let back_off_end = now().checked_add(SignedDuration::from_mins(15)).unwrap();
    match &error {
        SearsError::RateLimited { reason: RateLimitReason::SearsThrottled, retry_at, .. } => {
            assert_eq!(*retry_at, back_off_end)
        }
        other => panic!("{other:?}"),
    }
    assert!(error.is_retryable());
    assert_eq!(error.retry_at(), Some(back_off_end));

    // Another store of the installation (same limiter) is held back too, and its feed is not sent.
    let control = h.sandbox.control();
    let other = SellerCredentials::new("80009999", "other@sandbox.wharf.test", "T3RoZXJLZXk=");
    control.add_seller(other.clone()).unwrap();
    let other_store = h.client.for_credentials(credentials(&other));
    let error = other_store.send_asn(&sc01_asn()).await.unwrap_err();
    assert!(matches!(error, SearsError::RateLimited { reason: RateLimitReason::SearsThrottled, .. }), "{error:?}");
    assert!(control.feeds(None).is_empty(), "nothing reached the sandbox");

    h.advance(SignedDuration::from_mins(15));
    assert!(!h.client.purchase_orders_by_status("New").await.unwrap().purchase_orders.is_empty());
    assert_eq!(h.limiter.state().back_off(h.clock.now()).await, Ok(None));
}

/// The sandbox's own IP limit (500 per minute in production; 3 here) ends in the same typed error.
#[tokio::test]
async fn sandbox_ip_limit_is_recognised() {
    let h = harness(0).await;
    let control = h.sandbox.control();
    let mut settings = control.settings();
    settings.limits.requests_per_ip = 3;
    control.set_settings(settings);
    for _ in 0..3 {
        h.client.shipping_carriers().await.unwrap();
    }
    let error = h.client.shipping_carriers().await.unwrap_err();
    assert!(matches!(error, SearsError::RateLimited { reason: RateLimitReason::SearsThrottled, .. }), "{error:?}");
    // The sandbox lifts its block after 15 minutes of ITS time, but the client keeps its own back-off until
    // its clock says so.
    control.advance(SignedDuration::from_mins(16));
    assert!(matches!(h.client.shipping_carriers().await, Err(SearsError::RateLimited { .. })));
    h.clock.advance(SignedDuration::from_mins(16));
    h.client.shipping_carriers().await.unwrap();
}

/// Wharf's own limits: per minute for the installation (shared by stores), per hour per seller for feeds.
#[tokio::test]
async fn client_side_limits() {
    let limits = SearsLimits {
        requests_per_minute: 3,
        asn_files_per_hour: 1,
        max_inline_wait: Duration::ZERO,
        ..SearsLimits::default()
    };
    let h = harness_with(0, limits).await;
    let control = h.sandbox.control();
    let other = SellerCredentials::new("80009999", "other@sandbox.wharf.test", "T3RoZXJLZXk=");
    control.add_seller(other.clone()).unwrap();
    let other_store = h.client.for_credentials(credentials(&other));

    h.client.send_asn(&sc01_asn()).await.unwrap();
    let error = h.client.send_asn(&sc01_asn()).await.unwrap_err();
    match &error {
        SearsError::RateLimited { reason: RateLimitReason::AsnFilesPerHour, retry_at, .. } => {
            assert_eq!(*retry_at, now().checked_add(SignedDuration::from_hours(1)).unwrap())
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(control.feeds(None).len(), 1, "the second ASN was not sent");

    // The per-minute budget (3) is the installation's: one call was made, two more from another store, then
    // nobody may call until the minute is over.
    other_store.shipping_carriers().await.unwrap();
    other_store.shipping_carriers().await.unwrap();
    let error = h.client.shipping_carriers().await.unwrap_err();
    match &error {
        SearsError::RateLimited { reason: RateLimitReason::RequestsPerMinute, retry_at, .. } => {
            assert_eq!(*retry_at, now().checked_add(SignedDuration::from_mins(1)).unwrap())
        }
        other => panic!("{other:?}"),
    }
    h.advance(SignedDuration::from_mins(1));
    h.client.shipping_carriers().await.unwrap();
}

/// A clock that follows real time from a chosen instant, to see the short per-minute wait slept through.
#[derive(Debug)]
struct RunningClock {
    start: Timestamp,
    started: Instant,
}

impl Clock for RunningClock {
    fn now(&self) -> Timestamp {
        self.start.checked_add(self.started.elapsed()).unwrap()
    }
}

#[tokio::test]
async fn a_short_wait_for_the_minute_budget_is_slept_through() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sandbox = SandboxConfig { port: 0, seed: 7, clock: SandboxClock::fixed(now()), ..SandboxConfig::default() }
        .start()
        .await
        .unwrap();
    let limits =
        SearsLimits { requests_per_minute: 1, max_inline_wait: Duration::from_secs(2), ..SearsLimits::default() };
    let limiter = RateLimiter::new(Arc::new(InMemoryRateLimitState::new()), limits);
    // The first call opens a one-minute window; the second comes 59.5 s into it and waits half a second.
    let clock = Arc::new(RunningClock { start: now(), started: Instant::now() });
    let first = client(&sandbox, clock, limiter.clone(), |_| {});
    first.shipping_carriers().await.unwrap();
    let later = Arc::new(RunningClock {
        start: now().checked_add(SignedDuration::from_millis(59_500)).unwrap(),
        started: Instant::now(),
    });
    let second = client(&sandbox, later, limiter, |_| {});
    second.shipping_carriers().await.unwrap();
}
