//! Every document the sandbox writes validates against Sears's XSD (spec/sears/validate, i.e. xmllint) where one
//! exists: PO responses v13 and v19 over many seeded orders, api-response, processing reports, the carrier list and
//! the request feeds.

use wharf_sears_sandbox::{CustomerCancel, NewReturnRequest, OrderRef, SandboxClock, SandboxConfig};

use crate::common::*;

async fn many_orders() -> Sears {
    start(SandboxConfig {
        clock: SandboxClock::fixed(now()),
        seed: 21,
        orders: 1500,
        days: 5,
        ..SandboxConfig::default()
    })
    .await
}

#[tokio::test]
async fn po_responses_validate_against_the_v13_and_v19_xsds() {
    let sears = many_orders().await;
    // Move some orders along so that shipped, cancelled and warned lines are in the documents too.
    let feed = asn("5000101", "2024-05-02", &[("1Z60", "UPS", "Ground", &[(3, "LED-A19-60W-4PK", 1)])]);
    sears.put_asn(&feed).await.document_id();
    sears
        .sandbox
        .control()
        .customer_cancel(&OrderRef::new("5000102", date("2024-05-02")), CustomerCancel::default())
        .unwrap();

    let mut v13 = Vec::new();
    let mut v19 = Vec::new();
    // One document per day, and one with everything.
    for day in ["2024-04-23", "2024-04-29", "2024-04-30", "2024-05-01", "2024-05-02", "2024-05-03"] {
        v13.push(sears.purchase_orders(13, &format!("&fromdate={day}&todate={day}")).await.body);
        v19.push(sears.purchase_orders(19, &format!("&fromdate={day}&todate={day}")).await.body);
    }
    let all_v19 = sears.purchase_orders(19, "").await.body;
    assert!(purchase_orders(&parse(&all_v19)).len() >= 1517);
    v19.push(all_v19);
    v13.push(sears.purchase_orders(13, "").await.body);
    assert_valid("oms-export-v13-purchase-order.xsd", &v13);
    assert_valid("oms-export-v19-purchase-order.xsd", &v19);

    // v14 to v18 have no published XSD; each is a subset of v19 in the same order, so in the v19 namespace they
    // validate against it. (v14 uses the v13 shape, which lacks v19's required totals.)
    for version in 15..=18 {
        let body = sears.purchase_orders(version, "").await.body;
        let renamed = body.replacen(&format!("oms/v{version}\""), "oms/v19\"", 1);
        assert_valid("oms-export-v19-purchase-order.xsd", &[renamed]);
    }
    let v14 = sears.purchase_orders(14, "").await.body.replacen("oms/v14\"", "oms/v13\"", 1);
    assert_valid("oms-export-v13-purchase-order.xsd", &[v14]);
}

#[tokio::test]
async fn api_responses_and_processing_reports_validate() {
    let sears = showcase().await;
    let mut api_responses = Vec::new();
    api_responses.push(sears.purchase_orders(19, "&ponumber=1").await.body);
    api_responses.push(sears.get("oms/purchaseorder/v19").await.body);
    let good = asn("5000101", "2024-05-02", &[("1Z61", "UPS", "Ground", &[(2, "HOME-TOWEL-6PC-GRY", 1)])]);
    let accepted = sears.put_asn(&good).await;
    api_responses.push(accepted.body.clone());
    api_responses
        .push(sears.put_asn("<shipment-feed xmlns=\"http://seller.marketplace.sears.com/oms/v7\"/>").await.body);
    api_responses
        .push(sears.put(&format!("sandbox/oms/createpo/v1?{}&itemIds=A", sears.seller_query()), "").await.body);
    assert_valid("shared-api-response-v1.xsd", &api_responses);

    let mut reports = Vec::new();
    let id = accepted.document_id();
    reports.push(sears.report(id).await.body);
    reports.push(sears.report(id).await.body);
    // A report with errors, records 1 and 3 of 3 rejected.
    let mut feed = String::from("<shipment-feed xmlns=\"http://seller.marketplace.sears.com/oms/v7\">");
    feed.push_str(&asn_shipment(
        "5000101",
        "2024-05-02",
        &[("1Z62", "UPS", "Ground", &[(2, "HOME-TOWEL-6PC-GRY", 1)])],
    ));
    feed.push_str(&asn_shipment("5000106", "2024-04-29", &[("1Z63", "UPS", "Ground", &[(1, "KTCH-TOASTER-2S", 1)])]));
    feed.push_str(&asn_shipment(
        "5000108",
        "2024-05-02",
        &[("1Z64", "ACME", "Ground", &[(1, "KNMR-REFRIGERATOR-DOOR-SHELF-BIN-GALLON-WHT-XL", 1)])],
    ));
    feed.push_str("</shipment-feed>");
    let id = sears.put_asn(&feed).await.document_id();
    sears.report(id).await;
    let with_errors = sears.report(id).await.body;
    assert_eq!(report_results(&with_errors).1, 2);
    reports.push(with_errors);
    let cancel = cancel_feed(&[("5000113", "2024-05-02", &[(1, "AUTO-WIPER-22", "OTHER")])]);
    let id = sears.put_cancel(&cancel).await.document_id();
    sears.report(id).await;
    reports.push(sears.report(id).await.body);
    assert_valid("shared-seller-error-report-v1.xsd", &reports);
}

#[tokio::test]
async fn the_carrier_list_and_request_feeds_validate() {
    let sears = many_orders().await;
    let control = sears.sandbox.control();
    control
        .customer_cancel(
            &OrderRef::new("5000101", date("2024-05-02")),
            CustomerCancel { line_number: Some(1), ..Default::default() },
        )
        .unwrap();
    control.customer_cancel(&OrderRef::new("0060180", date("2024-05-01")), CustomerCancel::default()).unwrap();
    control
        .return_request(
            &OrderRef::new("5000110", date("2024-05-01")),
            NewReturnRequest { line_number: 1, quantity: 1, reason: None, comments: Some("Chipped".to_owned()) },
        )
        .unwrap();
    let q = sears.seller_query();
    assert_valid(
        "oms-export-v1-shipping-carrier.xsd",
        &[sears.get(&format!("oms/shipping-carrier/v1?{q}")).await.body],
    );
    let cancels = vec![
        sears.get(&format!("oms/cancellationrequest/v1?{q}")).await.body,
        sears.get(&format!("oms/cancellationrequest/v1?{q}&status=FAILURE")).await.body,
    ];
    assert_eq!(cancels[0].matches("<order-cancel-request>").count(), 3);
    assert_valid("oms-export-v1-order-cancellation-request-to-seller.xsd", &cancels);
    let returns = vec![
        sears.get(&format!("oms/returnsrequest/v1?{q}")).await.body,
        sears.get(&format!("oms/returnsrequest/v1?{q}&status=RETURN_PROCESSED")).await.body,
    ];
    assert_eq!(returns[0].matches("<order-return-request>").count(), 2);
    assert_valid("oms-export-v1-order-return-request-to-seller.xsd", &returns);

    // With the samples' PENDING spelling the feeds fail their XSD exactly as the official samples do.
    control.patch_settings(serde_json::json!({"request_statuses": "samples"})).unwrap();
    let (verdicts, _) = xmllint_verdicts(
        "oms-export-v1-order-cancellation-request-to-seller.xsd",
        &[sears.get(&format!("oms/cancellationrequest/v1?{q}")).await.body],
    );
    assert_eq!(verdicts, vec![false]);
}
