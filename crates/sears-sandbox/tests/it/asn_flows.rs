//! ASN v7 (SPEC.md §5, §16.5): accepted feeds get a document-id, the processing report says `In Process` and then
//! lists each rejected `shipment` record by its 1-based record-id. Orders and values are SEED.md's showcase set.

use wharf_sears_sandbox::{FeedOutcome, OrderRef, ProcessingDelay, SandboxClock, SandboxConfig, SandboxSettings};

use crate::common::*;

/// The `po-line-detail` buckets of each line of one PO, as (status, quantity).
async fn buckets(sears: &Sears, po_number: &str, po_date: &str) -> Vec<Vec<(String, u32)>> {
    let reply = sears.purchase_orders(19, &format!("&ponumber={po_number}&podate={po_date}")).await;
    let doc = parse(&reply.body);
    let po = find_po(&doc, po_number, po_date);
    po.children()
        .filter(|c| c.is_element() && c.tag_name().name() == "po-line")
        .map(|line| {
            line.children()
                .filter(|c| c.is_element() && c.tag_name().name() == "po-line-detail")
                .map(|d| (text(d, "po-line-status").unwrap(), text(d, "quantity").unwrap().parse().unwrap()))
                .collect()
        })
        .collect()
}

async fn po_status(sears: &Sears, po_number: &str, po_date: &str) -> String {
    let reply = sears.purchase_orders(19, &format!("&ponumber={po_number}&podate={po_date}")).await;
    text(find_po(&parse(&reply.body), po_number, po_date), "po-status").unwrap()
}

async fn shipments(sears: &Sears, po_number: &str, po_date: &str) -> Vec<(String, String)> {
    let reply = sears.purchase_orders(19, &format!("&ponumber={po_number}&podate={po_date}")).await;
    let doc = parse(&reply.body);
    let po = find_po(&doc, po_number, po_date);
    match child(po, "po-shipment-info") {
        None => Vec::new(),
        Some(info) => info
            .children()
            .filter(|c| c.is_element())
            .map(|s| (text(s, "ship-method").unwrap(), text(s, "shipment-tracking-number").unwrap()))
            .collect(),
    }
}

fn b(items: &[(&str, u32)]) -> Vec<(String, u32)> {
    items.iter().map(|(s, q)| (s.to_string(), *q)).collect()
}

/// Sends a feed and returns its finished report's (accepted, with errors, errors).
async fn asn_result(sears: &Sears, feed: &str) -> (u32, u32, Vec<(u32, Vec<String>)>) {
    let reply = sears.put_asn(feed).await;
    assert!(reply.error_detail().is_none(), "the feed is accepted: {}", reply.body);
    let report = sears.finished_report(reply.document_id()).await;
    report_results(&report)
}

#[tokio::test]
async fn a_full_shipment_closes_the_order() {
    let sears = showcase().await;
    let feed = asn(
        "5000101",
        "2024-05-02",
        &[(
            "1Z999AA10000000001",
            "UPS",
            "Ground",
            &[(1, "KTCH-BLND-600W-BLK", 2), (2, "HOME-TOWEL-6PC-GRY", 1), (3, "LED-A19-60W-4PK", 3)],
        )],
    );
    let reply = sears.put_asn(&feed).await;
    assert_eq!(reply.content_type, "application/xml;charset=UTF-8");
    let id = reply.document_id();
    assert_eq!(id, 5_000_001, "the first document-id the sandbox hands out");

    let first = sears.report(id).await;
    assert_eq!(status_of_report(&first.body).as_deref(), Some("In Process"));
    let doc = parse(&first.body);
    assert_eq!(child_names(doc.root_element()), vec!["document-id", "status"]);
    let done = sears.report(id).await;
    let doc = parse(&done.body);
    let summary = child(child(doc.root_element(), "report").unwrap(), "summary").unwrap();
    assert_eq!(
        child_names(summary),
        vec!["description", "record-count", "records-with-warnings", "records-with-errors", "records-accepted"]
    );
    assert_eq!(text(summary, "description").as_deref(), Some("ASN Feed - XML"));
    assert_eq!(text(summary, "record-count").as_deref(), Some("1"));
    assert_eq!(report_results(&done.body), (1, 0, vec![]));

    assert_eq!(po_status(&sears, "5000101", "2024-05-02").await, "Closed");
    assert_eq!(
        buckets(&sears, "5000101", "2024-05-02").await,
        vec![b(&[("SHIPPED", 2)]), b(&[("SHIPPED", 1)]), b(&[("SHIPPED", 3)])]
    );
    assert_eq!(
        shipments(&sears, "5000101", "2024-05-02").await,
        vec![("Ground".to_owned(), "1Z999AA10000000001".to_owned())]
    );

    let feeds = sears.sandbox.control().feeds(None);
    assert_eq!(feeds.len(), 1);
    assert_eq!(feeds[0].document_id, Some(id));
    assert_eq!(feeds[0].outcome, FeedOutcome::Accepted);
    assert_eq!(feeds[0].xml, feed);
    assert!(feeds[0].records.iter().all(|r| r.accepted()));
}

#[tokio::test]
async fn a_partial_shipment_leaves_other_lines_open_and_a_later_one_closes() {
    let sears = showcase().await;
    let first = asn("5000101", "2024-05-02", &[("1Z1", "UPS", "Ground", &[(1, "KTCH-BLND-600W-BLK", 2)])]);
    assert_eq!(asn_result(&sears, &first).await, (1, 0, vec![]));
    assert_eq!(po_status(&sears, "5000101", "2024-05-02").await, "Open");
    assert_eq!(
        buckets(&sears, "5000101", "2024-05-02").await,
        vec![b(&[("SHIPPED", 2)]), b(&[("NEW", 1)]), b(&[("NEW", 3)])]
    );

    // Two packages (one per tracking number) for the rest, carriers in the sample's upper case.
    let second = asn(
        "5000101",
        "2024-05-02",
        &[
            ("9400100000000000000001", "USPS", "PRIORITY", &[(2, "HOME-TOWEL-6PC-GRY", 1)]),
            ("9400100000000000000002", "usps", "priority", &[(3, "LED-A19-60W-4PK", 3)]),
        ],
    );
    assert_eq!(asn_result(&sears, &second).await, (1, 0, vec![]));
    assert_eq!(po_status(&sears, "5000101", "2024-05-02").await, "Closed");
    assert_eq!(
        shipments(&sears, "5000101", "2024-05-02").await,
        vec![
            ("Ground".to_owned(), "1Z1".to_owned()),
            ("Priority".to_owned(), "9400100000000000000001".to_owned()),
            ("Priority".to_owned(), "9400100000000000000002".to_owned()),
        ]
    );
}

#[tokio::test]
async fn a_short_shipment_cancels_the_rest_of_the_line() {
    let sears = showcase().await;
    let feed = asn("5000101", "2024-05-02", &[("1Z2", "UPS", "Ground", &[(3, "LED-A19-60W-4PK", 1)])]);
    assert_eq!(asn_result(&sears, &feed).await, (1, 0, vec![]));
    assert_eq!(
        buckets(&sears, "5000101", "2024-05-02").await,
        vec![b(&[("NEW", 2)]), b(&[("NEW", 1)]), b(&[("SHIPPED", 1), ("CANCELLED", 2)])]
    );
    assert_eq!(po_status(&sears, "5000101", "2024-05-02").await, "Open");
    // A line shipped across two packages of one shipment is not short.
    let feed = asn(
        "5000101",
        "2024-05-02",
        &[
            ("1Z3", "UPS", "Ground", &[(1, "KTCH-BLND-600W-BLK", 1)]),
            ("1Z4", "UPS", "Ground", &[(1, "KTCH-BLND-600W-BLK", 1)]),
        ],
    );
    assert_eq!(asn_result(&sears, &feed).await, (1, 0, vec![]));
    assert_eq!(buckets(&sears, "5000101", "2024-05-02").await[0], b(&[("SHIPPED", 2)]));
}

#[tokio::test]
async fn shipping_the_same_quantity_twice_is_a_record_error() {
    let sears = showcase().await;
    let feed = asn("5000101", "2024-05-02", &[("1Z5", "UPS", "Ground", &[(2, "HOME-TOWEL-6PC-GRY", 1)])]);
    assert_eq!(asn_result(&sears, &feed).await, (1, 0, vec![]));
    assert_eq!(
        asn_result(&sears, &feed).await,
        (
            0,
            1,
            vec![(
                1,
                vec![
                    "line 2: quantity already shipped (1 of 1 shipped); a shipped quantity cannot be shipped again"
                        .to_owned()
                ]
            )]
        )
    );
    assert_eq!(shipments(&sears, "5000101", "2024-05-02").await.len(), 1, "the rejected package is not recorded");
    // Nothing of a record with an error is applied, even its good packages.
    let feed = asn(
        "5000101",
        "2024-05-02",
        &[("1Z6", "UPS", "Ground", &[(1, "KTCH-BLND-600W-BLK", 2), (2, "HOME-TOWEL-6PC-GRY", 1)])],
    );
    let (accepted, rejected, _) = asn_result(&sears, &feed).await;
    assert_eq!((accepted, rejected), (0, 1));
    assert_eq!(buckets(&sears, "5000101", "2024-05-02").await[0], b(&[("NEW", 2)]));
}

#[tokio::test]
async fn item_ids_of_42_characters_or_more_are_rejected() {
    let sears = showcase().await;
    let feed = asn(
        "5000108",
        "2024-05-02",
        &[(
            "1Z7",
            "UPS",
            "Ground",
            &[(1, "KNMR-REFRIGERATOR-DOOR-SHELF-BIN-GALLON-WHT-XL", 1), (2, "KNMR-WATER-FILTER-9081", 1)],
        )],
    );
    assert_eq!(
        asn_result(&sears, &feed).await,
        (
            0,
            1,
            vec![(1, vec!["item-id 'KNMR-REFRIGERATOR-DOOR-SHELF-BIN-GALLON-WHT-XL' is 46 characters; Sears shipment updates need item-ids of fewer than 42 characters; update this order in the Seller Portal".to_owned()])]
        )
    );
    assert_eq!(po_status(&sears, "5000108", "2024-05-02").await, "New");

    // The legacy limit (more than 20 fails) rejects the 22-character one as well.
    sears.sandbox.control().patch_settings(serde_json::json!({"asn_item_id_reject_from": 21})).unwrap();
    let feed = asn("5000108", "2024-05-02", &[("1Z8", "UPS", "Ground", &[(2, "KNMR-WATER-FILTER-9081", 1)])]);
    let (_, rejected, errors) = asn_result(&sears, &feed).await;
    assert_eq!(rejected, 1);
    assert!(errors[0].1[0].starts_with("item-id 'KNMR-WATER-FILTER-9081' is 22 characters"), "{errors:?}");
    sears.sandbox.control().patch_settings(serde_json::json!({"asn_item_id_reject_from": 42})).unwrap();
    assert_eq!(asn_result(&sears, &feed).await, (1, 0, vec![]));
}

#[tokio::test]
async fn the_po_date_must_be_the_orders_date() {
    let sears = showcase().await;
    let feed = asn("5000101", "2024-05-01", &[("1Z9", "UPS", "Ground", &[(2, "HOME-TOWEL-6PC-GRY", 1)])]);
    assert_eq!(
        asn_result(&sears, &feed).await,
        (0, 1, vec![(1, vec!["purchase order 5000101 is dated 2024-05-02, not 2024-05-01; po-date must equal the purchase order's date".to_owned()])])
    );
    // A repeated PO number: each date addresses its own order.
    let feed = asn("5000105", "2024-05-02", &[("1Z10", "UPS", "Ground", &[(1, "GARD-HOSE-50FT", 1)])]);
    assert_eq!(asn_result(&sears, &feed).await, (1, 0, vec![]));
    assert_eq!(po_status(&sears, "5000105", "2024-05-02").await, "Closed");
    assert_eq!(
        shipments(&sears, "5000105", "2024-04-23").await,
        vec![("Ground".to_owned(), "1Z999AA10123456784".to_owned())]
    );
    let feed = asn("9999999", "2024-05-02", &[("1Z11", "UPS", "Ground", &[(1, "X", 1)])]);
    assert_eq!(
        asn_result(&sears, &feed).await,
        (0, 1, vec![(1, vec!["purchase order 9999999 dated 2024-05-02 does not exist".to_owned()])])
    );
}

#[tokio::test]
async fn unknown_carriers_and_methods_are_rejected() {
    let sears = showcase().await;
    let feed = asn("5000101", "2024-05-02", &[("1Z12", "ACME", "Ground", &[(2, "HOME-TOWEL-6PC-GRY", 1)])]);
    assert_eq!(
        asn_result(&sears, &feed).await,
        (0, 1, vec![(1, vec!["package 1: shipping-carrier 'ACME' with shipping-method 'Ground' is not in the Sears carrier list (GET /oms/shipping-carrier/v1)".to_owned()])])
    );
    // A real carrier with a method it does not offer.
    let feed = asn("5000101", "2024-05-02", &[("1Z13", "FDE", "SurePost", &[(2, "HOME-TOWEL-6PC-GRY", 1)])]);
    assert_eq!(asn_result(&sears, &feed).await.1, 1);
    // The pickup completion ShipWorks sends: OTH + PICKUP.
    let feed = asn("5000103", "2024-05-01", &[("", "OTH", "PICKUP", &[(1, "CRFT-DRILL-20V", 1)])]);
    assert_eq!(asn_result(&sears, &feed).await, (1, 0, vec![]));
    assert_eq!(
        shipments(&sears, "5000103", "2024-05-01").await,
        vec![("Pickup".to_owned(), "Not Available".to_owned())]
    );
}

#[tokio::test]
async fn line_item_and_quantity_problems_are_all_listed() {
    let sears = showcase().await;
    let feed = asn(
        "5000101",
        "2024-05-02",
        &[(
            "1Z14",
            "UPS",
            "Ground",
            &[(1, "WRONG-SKU", 1), (2, "HOME-TOWEL-6PC-GRY", 0), (3, "LED-A19-60W-4PK", 4), (9, "X", 1)],
        )],
    );
    assert_eq!(
        asn_result(&sears, &feed).await,
        (
            0,
            1,
            vec![(
                1,
                vec![
                    "line 1: item-id 'WRONG-SKU' does not match the line's item-id 'KTCH-BLND-600W-BLK'".to_owned(),
                    "line 2: quantity must be at least 1".to_owned(),
                    "line-number 9 is not a line of purchase order 5000101 dated 2024-05-02".to_owned(),
                    "line 3: quantity 4 is more than the 3 still open".to_owned(),
                ]
            )]
        )
    );
}

#[tokio::test]
async fn records_are_numbered_from_one() {
    let sears = showcase().await;
    let mut feed = String::from("<shipment-feed xmlns=\"http://seller.marketplace.sears.com/oms/v7\">");
    feed.push_str(&asn_shipment(
        "5000101",
        "2024-05-02",
        &[("1Z15", "UPS", "Ground", &[(2, "HOME-TOWEL-6PC-GRY", 1)])],
    ));
    feed.push_str(&asn_shipment("0060180", "2024-05-01", &[("1Z16", "FDE", "Next Day", &[(1, "FAN-BOX-20IN", 2)])]));
    feed.push_str(&asn_shipment("60180", "2024-05-01", &[("1Z17", "FDE", "Next Day", &[(1, "FAN-BOX-20IN", 2)])]));
    feed.push_str(&asn_shipment("5000106", "2024-04-29", &[("1Z18", "UPS", "Ground", &[(1, "KTCH-TOASTER-2S", 1)])]));
    feed.push_str("</shipment-feed>");
    assert_eq!(
        asn_result(&sears, &feed).await,
        (3, 1, vec![(3, vec!["purchase order 60180 dated 2024-05-01 does not exist".to_owned()])])
    );
    assert_eq!(po_status(&sears, "0060180", "2024-05-01").await, "Closed");
    assert_eq!(po_status(&sears, "5000106", "2024-04-29").await, "Closed");
}

#[tokio::test]
async fn the_processing_delay_is_configurable() {
    let settings = SandboxSettings {
        processing: ProcessingDelay { polls: 3, min_age: jiff::SignedDuration::from_secs(120) },
        ..SandboxSettings::default()
    };
    let sears = start(SandboxConfig { clock: SandboxClock::fixed(now()), settings, ..SandboxConfig::default() }).await;
    let feed = asn("5000101", "2024-05-02", &[("1Z19", "UPS", "Ground", &[(2, "HOME-TOWEL-6PC-GRY", 1)])]);
    let id = sears.put_asn(&feed).await.document_id();
    for _ in 0..4 {
        assert_eq!(status_of_report(&sears.report(id).await.body).as_deref(), Some("In Process"));
    }
    sears.sandbox.control().advance(jiff::SignedDuration::from_secs(119));
    assert_eq!(status_of_report(&sears.report(id).await.body).as_deref(), Some("In Process"));
    sears.sandbox.control().advance(jiff::SignedDuration::from_secs(1));
    assert_eq!(report_results(&sears.report(id).await.body), (1, 0, vec![]));
    // Applied on receipt: the order shows it while the report still says In Process (what a client re-reads after a timeout).
    assert_eq!(
        sears.sandbox.control().order(&OrderRef::new("5000101", date("2024-05-02"))).unwrap().order.lines[1]
            .quantities
            .shipped,
        1
    );
}

#[tokio::test]
async fn unknown_reports_and_other_versions_are_error_details() {
    let sears = showcase().await;
    assert_eq!(sears.report(42).await.error_detail().as_deref(), Some("No processing report found for document-id 42"));
    let reply = sears.put(&format!("oms/asn/v5?{}", sears.seller_query()), "<shipment-feed/>").await;
    assert_eq!(reply.error_detail().as_deref(), Some("Unsupported version oms/asn/v5; this service accepts v7"));
    // Another seller cannot read this seller's report.
    let id = sears
        .put_asn(&asn("5000101", "2024-05-02", &[("1Z20", "UPS", "Ground", &[(2, "HOME-TOWEL-6PC-GRY", 1)])]))
        .await
        .document_id();
    let other = wharf_sears_sandbox::SellerCredentials::new("80007777", "o@sandbox.wharf.test", "k");
    sears.sandbox.control().add_seller(other.clone()).unwrap();
    let request = sears
        .client
        .get(sears.url(&format!("reports/v1/processing-report/{id}?sellerId=80007777")))
        .header("authorization", authorization(&other, now()));
    assert_eq!(
        sears.send(request).await.error_detail(),
        Some(format!("No processing report found for document-id {id}"))
    );
}

#[tokio::test]
async fn createpo_makes_a_test_order_with_one_line_per_item() {
    let sears =
        start(SandboxConfig { clock: SandboxClock::fixed(now()), showcase: false, ..SandboxConfig::default() }).await;
    let reply =
        sears.put(&format!("sandbox/oms/createpo/v1?{}&itemIds=SKU-A,SKU-B,SKU-C", sears.seller_query()), "").await;
    let doc = parse(&reply.body);
    assert_eq!(doc.root_element().tag_name().name(), "api-response");
    assert_eq!(
        text(doc.root_element(), "processing-message").as_deref(),
        Some("Purchase order 7000001 dated 2024-05-03 created with 3 line(s)")
    );
    let reply = sears.purchase_orders(19, "&fromdate=2024-05-03&todate=2024-05-03").await;
    let doc = parse(&reply.body);
    let po = find_po(&doc, "7000001", "2024-05-03");
    assert_eq!(text(po, "po-time").as_deref(), Some("15:00:00"), "created at the clock's Central time");
    let items: Vec<String> = po
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "item-id")
        .map(|n| n.text().unwrap().to_owned())
        .collect();
    assert_eq!(items, vec!["SKU-A", "SKU-B", "SKU-C"]);
    let too_many =
        sears.put(&format!("sandbox/oms/createpo/v1?{}&itemIds=A,B,C,D,E,F", sears.seller_query()), "").await;
    assert_eq!(too_many.error_detail().as_deref(), Some("itemIds must list 1 to 5 comma-separated item ids; got 6"));
    let none = sears.put(&format!("sandbox/oms/createpo/v1?{}", sears.seller_query()), "").await;
    assert_eq!(none.error_detail().as_deref(), Some("itemIds must list 1 to 5 comma-separated item ids; got 0"));
    // The new order can be shipped like any other.
    let feed = asn(
        "7000001",
        "2024-05-03",
        &[("1Z21", "UPS", "Ground", &[(1, "SKU-A", 1), (2, "SKU-B", 1), (3, "SKU-C", 1)])],
    );
    assert_eq!(asn_result(&sears, &feed).await, (1, 0, vec![]));
}
