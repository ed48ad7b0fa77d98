//! Orders updated by hand in the Seller Portal (Ready to Invoice, then invoiced) and customer cancellation and
//! return requests, driven through the HTTP control API and read back through the Sears API.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

async fn control(sears: &Sears, path: &str, body: Value) -> (StatusCode, Value) {
    let url = format!("{}/sandbox/control/{path}", sears.sandbox.base_url());
    let response = sears.client.post(url).json(&body).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

async fn po(sears: &Sears, po_number: &str, po_date: &str) -> (String, Vec<(String, String)>, Vec<String>) {
    let reply = sears.purchase_orders(19, &format!("&ponumber={po_number}&podate={po_date}")).await;
    let doc = parse(&reply.body);
    let po = find_po(&doc, po_number, po_date);
    let shipments = child(po, "po-shipment-info")
        .map(|info| {
            info.children()
                .filter(|c| c.is_element())
                .map(|s| (text(s, "ship-method").unwrap(), text(s, "shipment-tracking-number").unwrap()))
                .collect()
        })
        .unwrap_or_default();
    let statuses = po
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "po-line-status")
        .map(|n| n.text().unwrap().to_owned())
        .collect();
    (text(po, "po-status").unwrap(), shipments, statuses)
}

#[tokio::test]
async fn portal_shipping_makes_ready_to_invoice_then_invoicing_closes() {
    let sears = showcase().await;
    let (status, body) = control(
        &sears,
        "orders/5000106/2024-04-29/portal-ship",
        json!({"tracking": "1ZPORTAL0001", "carrier": "ups", "method": "GROUND"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "Ready to Invoice");
    assert_eq!(
        po(&sears, "5000106", "2024-04-29").await,
        (
            "Ready to Invoice".to_owned(),
            vec![("Ground".to_owned(), "1ZPORTAL0001".to_owned())],
            vec!["SHIPPED".to_owned()]
        )
    );

    // Wharf must not send an ASN for it: Sears has it shipped already.
    let feed = asn("5000106", "2024-04-29", &[("1Z22", "UPS", "Ground", &[(1, "KTCH-TOASTER-2S", 1)])]);
    let id = sears.put_asn(&feed).await.document_id();
    let (_, rejected, _) = report_results(&sears.finished_report(id).await);
    assert_eq!(rejected, 1);

    let (status, body) = control(&sears, "orders/5000106/2024-04-29/invoice", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(po(&sears, "5000106", "2024-04-29").await.0, "Closed");
    let (status, body) = control(&sears, "orders/5000106/2024-04-29/invoice", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body["error"],
        "the operation does not fit the order's state: only a 'Ready to Invoice' order can be invoiced; purchase order 5000106 is 'Closed'"
    );
}

#[tokio::test]
async fn portal_shipping_defaults_and_configurable_invoiced_status() {
    let sears = showcase().await;
    // No body: the buyer's method and no tracking number.
    let url = format!("{}/sandbox/control/orders/5000116/2024-04-23/portal-ship", sears.sandbox.base_url());
    assert_eq!(sears.client.post(url).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(po(&sears, "5000116", "2024-04-23").await.1, vec![("Ground".to_owned(), "Not Available".to_owned())]);
    sears.sandbox.control().patch_settings(json!({"invoiced_status": "Invoiced"})).unwrap();
    control(&sears, "orders/5000116/2024-04-23/invoice", json!({})).await;
    assert_eq!(po(&sears, "5000116", "2024-04-23").await.0, "Invoiced");
    // Nothing left to ship.
    let (status, _) = control(&sears, "orders/5000111/2024-05-01/portal-ship", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, body) =
        control(&sears, "orders/5000101/2024-05-02/portal-ship", json!({"carrier": "UPS", "method": "Priority"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "carrier 'UPS' with method 'Priority' is not in the Sears carrier list");
}

async fn cancel_requests(sears: &Sears, query: &str) -> Vec<Vec<String>> {
    let reply = sears.get(&format!("oms/cancellationrequest/v1?{}{query}", sears.seller_query())).await;
    let doc = parse(&reply.body);
    assert_eq!(doc.root_element().tag_name().name(), "order-cancel-request-feed");
    doc.root_element()
        .children()
        .filter(|c| c.is_element())
        .map(|r| {
            let header = child(r, "order-cancel-request-header").unwrap();
            let detail = child(r, "order-cancel-request-detail").unwrap();
            let cancel = child(detail, "cancel-detail").unwrap();
            vec![
                text(header, "po-number").unwrap(),
                text(header, "po-date").unwrap(),
                text(detail, "com-line-number").unwrap(),
                text(detail, "quantity").unwrap(),
                text(cancel, "cancel-request-id").unwrap(),
                text(cancel, "cancel-date").unwrap(),
                text(cancel, "cancel-reason").unwrap(),
                text(cancel, "cancel-status").unwrap(),
                text(cancel, "customer-comments").unwrap(),
            ]
        })
        .collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn customer_cancellations_show_in_their_feed_and_on_the_line() {
    let sears = showcase().await;
    let showcase_request = strings(&[
        "5000115",
        "2024-05-02",
        "1",
        "1",
        "700001",
        "2024-05-02",
        "CUSTOMER-CANCEL-FOUND-BETTER-PRICING-OF-SAME-PRODUCT",
        "INITIAL",
        "Found it cheaper elsewhere, please cancel.",
    ]);
    assert_eq!(cancel_requests(&sears, "").await, vec![showcase_request.clone()]);

    let (status, body) = control(
        &sears,
        "orders/5000101/2024-05-02/customer-cancel",
        json!({"line_number": 3, "reason": "CUSTOMER-CANCEL-OTHER", "comments": "Wrong size"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["cancel_requests"][0]["cancel_request_id"], 700101);
    let new_request = strings(&[
        "5000101",
        "2024-05-02",
        "3",
        "3",
        "700101",
        "2024-05-03",
        "CUSTOMER-CANCEL-OTHER",
        "INITIAL",
        "Wrong size",
    ]);
    assert_eq!(cancel_requests(&sears, "").await, vec![showcase_request.clone(), new_request.clone()]);
    assert_eq!(cancel_requests(&sears, "&fromdate=2024-05-03&todate=2024-05-03").await, vec![new_request.clone()]);
    assert_eq!(cancel_requests(&sears, "&status=initial").await.len(), 2);
    assert!(cancel_requests(&sears, "&status=SELLER_APPROVED").await.is_empty());

    let reply = sears.purchase_orders(19, "&ponumber=5000101").await;
    let doc = parse(&reply.body);
    let warnings: Vec<Option<String>> = find_po(&doc, "5000101", "2024-05-02")
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "po-line")
        .map(|l| text(child(l, "po-line-header").unwrap(), "customer-cancellation-warning"))
        .collect();
    assert_eq!(warnings, vec![None, None, Some("Customer requested cancellation on 2024-05-03 (cancel-request-id 700101); check the cancellation request before shipping".to_owned())]);

    // The seller ships instead: the request is rejected and the warning goes.
    let feed = asn("5000101", "2024-05-02", &[("1Z23", "UPS", "Ground", &[(3, "LED-A19-60W-4PK", 3)])]);
    let id = sears.put_asn(&feed).await.document_id();
    assert_eq!(report_results(&sears.finished_report(id).await), (1, 0, vec![]));
    assert_eq!(
        cancel_requests(&sears, "&status=SELLER_REJECTED").await.iter().map(|r| r[4].clone()).collect::<Vec<_>>(),
        vec!["700101"]
    );

    // Every open line, when no line is named; none left is a conflict.
    let (_, body) = control(&sears, "orders/5000102/2024-05-02/customer-cancel", json!({})).await;
    assert_eq!(body["cancel_requests"].as_array().unwrap().len(), 2);
    assert_eq!(body["cancel_requests"][0]["reason"], "CUSTOMER-CANCEL-DID-NOT-WANT-THE-PRODUCT-ANY-LONGER");
    let (status, _) = control(&sears, "orders/5000111/2024-05-01/customer-cancel", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = control(&sears, "orders/9999999/2024-05-01/customer-cancel", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_samples_pending_spelling_is_a_switch() {
    let sears = showcase().await;
    sears.sandbox.control().patch_settings(json!({"request_statuses": "samples"})).unwrap();
    assert_eq!(cancel_requests(&sears, "").await[0][7], "PENDING");
    assert_eq!(cancel_requests(&sears, "&status=pending").await.len(), 1);
}

async fn return_requests(sears: &Sears) -> Vec<Vec<Option<String>>> {
    let reply = sears.get(&format!("oms/returnsrequest/v1?{}", sears.seller_query())).await;
    let doc = parse(&reply.body);
    assert_eq!(doc.root_element().tag_name().name(), "order-returns-request-feed");
    doc.root_element()
        .children()
        .filter(|c| c.is_element())
        .map(|r| {
            let header = child(r, "order-return-request-header").unwrap();
            let detail = child(r, "order-return-request-detail").unwrap();
            let ret = child(detail, "return-detail").unwrap();
            vec![
                text(header, "po-number"),
                text(header, "po-date"),
                text(detail, "com-line-number"),
                text(detail, "quantity"),
                text(ret, "return-request-id"),
                text(ret, "return-status"),
                text(ret, "return-date"),
                text(ret, "return-reason"),
                text(ret, "customer-comments"),
            ]
        })
        .collect()
}

fn some(items: &[&str]) -> Vec<Option<String>> {
    items.iter().map(|s| Some(s.to_string())).collect()
}

#[tokio::test]
async fn return_requests_show_in_their_feed() {
    let sears = showcase().await;
    let showcase_return = some(&[
        "5000111",
        "2024-05-01",
        "1",
        "1",
        "9886555001",
        "PENDING_RETURN",
        "2024-05-02",
        "DEFECTIVE-PRODUCT",
        "One cable does not work.",
    ]);
    assert_eq!(return_requests(&sears).await, vec![showcase_return.clone()]);

    let (status, body) = control(
        &sears,
        "orders/5000111/2024-05-01/return-request",
        json!({"line_number": 2, "quantity": 1, "reason": "NOT-AS-DESCRIBED"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut new_return =
        some(&["5000111", "2024-05-01", "2", "1", "9886555101", "PENDING_RETURN", "2024-05-03", "NOT-AS-DESCRIBED"]);
    new_return.push(None);
    assert_eq!(return_requests(&sears).await, vec![showcase_return, new_return]);

    // Line 1 has 2 shipped and 1 already asked back; line 2 has nothing more; SC-06 shipped nothing.
    let (status, _) =
        control(&sears, "orders/5000111/2024-05-01/return-request", json!({"line_number": 1, "quantity": 1})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) =
        control(&sears, "orders/5000111/2024-05-01/return-request", json!({"line_number": 1, "quantity": 1})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body["error"],
        "the operation does not fit the order's state: line 1 has 0 shipped units that can still be returned; asked for 1"
    );
    let (status, _) =
        control(&sears, "orders/5000106/2024-04-29/return-request", json!({"line_number": 1, "quantity": 1})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    sears.sandbox.control().patch_settings(json!({"request_statuses": "samples"})).unwrap();
    assert_eq!(return_requests(&sears).await[0][5].as_deref(), Some("PENDING"));
}
