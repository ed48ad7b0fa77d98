//! Injected faults (SPEC.md §16.8), each for the next N calls or a span of sandbox time.

use std::time::Duration;

use jiff::SignedDuration;
use reqwest::StatusCode;
use wharf_sears_sandbox::{FaultKind, FaultSpec, OrderRef};

use crate::common::*;

#[tokio::test]
async fn rate_limit_faults_answer_403_for_the_next_calls() {
    let sears = showcase().await;
    sears.sandbox.control().add_fault(FaultSpec::next_calls(FaultKind::RateLimit, 2));
    for _ in 0..2 {
        let reply = sears.purchase_orders(19, "").await;
        assert_eq!((reply.status, reply.body.as_str()), (StatusCode::FORBIDDEN, "rate limited"));
    }
    assert_eq!(sears.purchase_orders(19, "").await.status, StatusCode::OK);
}

#[tokio::test]
async fn html_500_pages_say_sears_server_error_and_apply_nothing() {
    let sears = showcase().await;
    sears.sandbox.control().add_fault(FaultSpec::next_calls(FaultKind::Html500, 1));
    let feed = asn("5000101", "2024-05-02", &[("1Z40", "UPS", "Ground", &[(2, "HOME-TOWEL-6PC-GRY", 1)])]);
    let reply = sears.put_asn(&feed).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(reply.content_type.starts_with("text/html"), "{}", reply.content_type);
    assert!(reply.body.contains("<title>Sears Server Error</title>"), "{}", reply.body);
    assert!(sears.sandbox.control().feeds(None).is_empty());
    let state = sears.sandbox.control().order(&OrderRef::new("5000101", date("2024-05-02"))).unwrap();
    assert_eq!(state.order.lines[1].quantities.shipped, 0);
}

#[tokio::test]
async fn slow_calls_outlast_a_short_client_timeout_and_then_answer() {
    let sears = showcase().await;
    sears.sandbox.control().add_fault(FaultSpec::next_calls(FaultKind::Slow { millis: 400 }, 2));
    let request = sears
        .client
        .get(sears.url(&format!("oms/purchaseorder/v19?{}", sears.seller_query())))
        .header("authorization", sears.signed())
        .timeout(Duration::from_millis(50));
    let error = request.send().await.expect_err("the call is held longer than the client waits");
    assert!(error.is_timeout(), "{error}");
    // The second slow call, waited for, is the normal answer.
    let reply = sears.purchase_orders(19, "&ponumber=5000101").await;
    assert_eq!(purchase_orders(&parse(&reply.body)).len(), 1);
}

#[tokio::test]
async fn a_timeout_after_apply_leaves_the_shipment_recorded() {
    let sears = showcase().await;
    sears.sandbox.control().add_fault(
        FaultSpec::next_calls(FaultKind::TimeoutAfterApply { hold_millis: Some(30_000) }, 1).only_method("PUT"),
    );
    let feed = asn("5000101", "2024-05-02", &[("1Z41", "UPS", "Ground", &[(2, "HOME-TOWEL-6PC-GRY", 1)])]);
    let request = sears
        .client
        .put(sears.url(&format!("oms/asn/v7?{}", sears.seller_query())))
        .header("authorization", sears.signed())
        .body(feed.clone())
        .timeout(Duration::from_millis(300));
    let error = request.send().await.expect_err("no answer within the client's timeout");
    assert!(error.is_timeout(), "{error}");

    // The PUT was applied: re-reading the PO shows it, so the client must not resend blindly.
    let reply = sears.purchase_orders(19, "&ponumber=5000101").await;
    let doc = parse(&reply.body);
    let shipment =
        child(child(find_po(&doc, "5000101", "2024-05-02"), "po-shipment-info").unwrap(), "shipment").unwrap();
    assert_eq!(text(shipment, "shipment-tracking-number").as_deref(), Some("1Z41"));
    let feeds = sears.sandbox.control().feeds(None);
    assert_eq!(feeds.len(), 1);
    let first_id = feeds[0].document_id.unwrap();
    // A blind resend is a duplicate package: rejected per record.
    let id = sears.put_asn(&feed).await.document_id();
    assert_eq!(id, first_id + 1);
    assert_eq!(report_results(&sears.finished_report(id).await).1, 1);
    sears.sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_dropped_connection_after_apply_is_an_error_for_the_client() {
    let sears = showcase().await;
    sears.sandbox.control().add_fault(FaultSpec::next_calls(FaultKind::TimeoutAfterApply { hold_millis: Some(0) }, 1));
    let feed = asn("5000101", "2024-05-02", &[("1Z42", "UPS", "Ground", &[(2, "HOME-TOWEL-6PC-GRY", 1)])]);
    let request = sears
        .client
        .put(sears.url(&format!("oms/asn/v7?{}", sears.seller_query())))
        .header("authorization", sears.signed())
        .body(feed);
    let outcome = match request.send().await {
        Ok(response) => response.text().await.map(|_| ()),
        Err(error) => Err(error),
    };
    assert!(outcome.is_err(), "the connection is dropped without a complete answer");
    assert_eq!(sears.sandbox.control().feeds(None)[0].records[0].errors, Vec::<String>::new());
}

#[tokio::test]
async fn malformed_xml_is_cut_short() {
    let sears = showcase().await;
    sears.sandbox.control().add_fault(FaultSpec::next_calls(FaultKind::MalformedXml, 1).only_path("purchaseorder"));
    let reply = sears.purchase_orders(19, "").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.starts_with("<?xml"));
    assert!(roxmltree::Document::parse(&reply.body).is_err(), "the body is not well-formed XML");
    let reply = sears.purchase_orders(19, "").await;
    assert!(roxmltree::Document::parse(&reply.body).is_ok());
}

#[tokio::test]
async fn auth_failures_refuse_well_signed_calls() {
    let sears = showcase().await;
    sears.sandbox.control().add_fault(FaultSpec::next_calls(FaultKind::AuthFailure, 1));
    let reply = sears.purchase_orders(19, "").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.error_detail().as_deref(), Some("Invalid signature in Authorization header"));
    assert!(sears.purchase_orders(19, "").await.error_detail().is_none());
}

#[tokio::test]
async fn timed_faults_last_for_their_span_of_sandbox_time() {
    let sears = showcase().await;
    sears.sandbox.control().add_fault(FaultSpec::during(FaultKind::Html500, SignedDuration::from_secs(90)));
    for _ in 0..3 {
        assert_eq!(sears.purchase_orders(19, "").await.status, StatusCode::INTERNAL_SERVER_ERROR);
    }
    assert_eq!(sears.sandbox.control().faults().len(), 1);
    sears.sandbox.control().advance(SignedDuration::from_secs(90));
    assert_eq!(sears.purchase_orders(19, "").await.status, StatusCode::OK);
    assert!(sears.sandbox.control().faults().is_empty());
}

#[tokio::test]
async fn faults_are_managed_over_http() {
    let sears = showcase().await;
    let url = format!("{}/sandbox/control/faults", sears.sandbox.base_url());
    let created = sears
        .client
        .post(&url)
        .json(&serde_json::json!({"kind": "html-500", "count": 5, "path_contains": "/asn/"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let listed: serde_json::Value = sears.client.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed[0]["spec"]["kind"], "html-500");
    assert_eq!(listed[0]["remaining"], 5);
    // Only ASN calls are affected.
    assert_eq!(sears.purchase_orders(19, "").await.status, StatusCode::OK);
    assert_eq!(sears.put_asn("<x/>").await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(sears.client.delete(&url).send().await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(sears.put_asn("<x/>").await.status, StatusCode::OK);
}
