//! Order cancel v1 (SPEC.md §7, §16.6): a seller cancels whole lines; cancelling a shipped line is a record error.

use wharf_sears_sandbox::{LineQuantities, OrderRef};

use crate::common::*;

async fn cancel_result(sears: &Sears, feed: &str) -> (u32, u32, Vec<(u32, Vec<String>)>) {
    let reply = sears.put_cancel(feed).await;
    assert!(reply.error_detail().is_none(), "the feed is accepted: {}", reply.body);
    let report = sears.finished_report(reply.document_id()).await;
    let doc = parse(&report);
    assert_eq!(
        doc.descendants().find(|n| n.has_tag_name((SHARED_NS, "description"))).unwrap().text(),
        Some("Order Cancel Feed - XML")
    );
    report_results(&report)
}

fn quantities(sears: &Sears, po_number: &str, po_date: &str) -> (String, Vec<LineQuantities>) {
    let state = sears.sandbox.control().order(&OrderRef::new(po_number, date(po_date))).unwrap();
    (state.order.status.clone(), state.order.lines.iter().map(|l| l.quantities).collect())
}

fn q(open: u32, shipped: u32, cancelled: u32) -> LineQuantities {
    LineQuantities { open, shipped, cancelled }
}

#[tokio::test]
async fn cancelling_lines_moves_them_to_cancelled_and_closes_when_all_done() {
    let sears = showcase().await;
    let feed = cancel_feed(&[("5000101", "2024-05-02", &[(2, "HOME-TOWEL-6PC-GRY", "OUT-OF-STOCK")])]);
    assert_eq!(cancel_result(&sears, &feed).await, (1, 0, vec![]));
    assert_eq!(
        quantities(&sears, "5000101", "2024-05-02"),
        ("Open".to_owned(), vec![q(2, 0, 0), q(0, 0, 1), q(3, 0, 0)])
    );
    let reply = sears.purchase_orders(19, "&ponumber=5000101").await;
    let doc = parse(&reply.body);
    let line_2 = find_po(&doc, "5000101", "2024-05-02")
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "po-line")
        .nth(1)
        .unwrap();
    let detail = child(line_2, "po-line-detail").unwrap();
    assert_eq!(
        (text(detail, "po-line-status").unwrap(), text(detail, "quantity").unwrap()),
        ("CANCELLED".to_owned(), "1".to_owned())
    );

    let feed = cancel_feed(&[(
        "5000101",
        "2024-05-02",
        &[(1, "KTCH-BLND-600W-BLK", "DISCONTINUED-ITEM"), (3, "LED-A19-60W-4PK", "OTHER")],
    )]);
    assert_eq!(cancel_result(&sears, &feed).await, (1, 0, vec![]));
    assert_eq!(
        quantities(&sears, "5000101", "2024-05-02"),
        ("Closed".to_owned(), vec![q(0, 0, 2), q(0, 0, 1), q(0, 0, 3)])
    );
}

#[tokio::test]
async fn shipped_cancelled_and_mismatched_lines_are_record_errors() {
    let sears = showcase().await;
    let feed = cancel_feed(&[
        ("5000111", "2024-05-01", &[(1, "ELEC-HDMI-6FT", "OUT-OF-STOCK")]),
        ("5000110", "2024-05-01", &[(2, "HOME-COASTER-6", "OUT-OF-STOCK")]),
        ("5000101", "2024-05-02", &[(1, "NOT-THE-SKU", "OUT-OF-STOCK"), (7, "X", "OTHER")]),
        ("5000101", "2024-05-02", &[(2, "HOME-TOWEL-6PC-GRY", "OTHER"), (2, "HOME-TOWEL-6PC-GRY", "OTHER")]),
        ("5000101", "2024-05-01", &[(2, "HOME-TOWEL-6PC-GRY", "OTHER")]),
    ]);
    assert_eq!(
        cancel_result(&sears, &feed).await,
        (
            1,
            4,
            vec![
                (1, vec!["line 1 is already shipped (2 of 2 shipped); a shipped line cannot be cancelled, use a refund".to_owned()]),
                (3, vec![
                    "line 1: item-id 'NOT-THE-SKU' does not match the line's item-id 'KTCH-BLND-600W-BLK'".to_owned(),
                    "line-number 7 is not a line of purchase order 5000101 dated 2024-05-02".to_owned(),
                ]),
                (4, vec!["line 2 appears twice in this order-cancel".to_owned()]),
                (5, vec!["purchase order 5000101 is dated 2024-05-02, not 2024-05-01; po-date must equal the purchase order's date".to_owned()]),
            ]
        )
    );
    // Record 2 cancelled the open coaster of SC-10; its shipped and cancelled buckets stay.
    assert_eq!(quantities(&sears, "5000110", "2024-05-01"), ("Open".to_owned(), vec![q(2, 1, 0), q(0, 0, 2)]));
    // Cancelling it again is an error of its own.
    let again = cancel_feed(&[("5000110", "2024-05-01", &[(2, "HOME-COASTER-6", "OTHER")])]);
    assert_eq!(cancel_result(&sears, &again).await, (0, 1, vec![(1, vec!["line 2 is already cancelled".to_owned()])]));
    // The open rest of a partly shipped line can be cancelled.
    let rest = cancel_feed(&[("5000110", "2024-05-01", &[(1, "HOME-MUG-SET-4", "OUT-OF-STOCK")])]);
    assert_eq!(cancel_result(&sears, &rest).await, (1, 0, vec![]));
    assert_eq!(quantities(&sears, "5000110", "2024-05-01"), ("Closed".to_owned(), vec![q(0, 1, 2), q(0, 0, 2)]));
}

#[tokio::test]
async fn leading_zero_po_numbers_are_matched_as_written() {
    let sears = showcase().await;
    let feed = cancel_feed(&[("60180", "2024-05-01", &[(1, "FAN-BOX-20IN", "OTHER")])]);
    assert_eq!(
        cancel_result(&sears, &feed).await,
        (0, 1, vec![(1, vec!["purchase order 60180 dated 2024-05-01 does not exist".to_owned()])])
    );
    let feed = cancel_feed(&[("0060180", "2024-05-01", &[(1, "FAN-BOX-20IN", "OTHER")])]);
    assert_eq!(cancel_result(&sears, &feed).await, (1, 0, vec![]));
    assert_eq!(quantities(&sears, "0060180", "2024-05-01").0, "Closed");
}

#[tokio::test]
async fn cancelling_a_line_the_customer_asked_to_cancel_approves_the_request() {
    let sears = showcase().await;
    let requests = || async {
        let reply = sears.get(&format!("oms/cancellationrequest/v1?{}", sears.seller_query())).await;
        let doc = parse(&reply.body);
        doc.descendants()
            .filter(|n| n.is_element() && n.tag_name().name() == "cancel-detail")
            .map(|d| (text(d, "cancel-request-id").unwrap(), text(d, "cancel-status").unwrap()))
            .collect::<Vec<_>>()
    };
    assert_eq!(requests().await, vec![("700001".to_owned(), "INITIAL".to_owned())]);
    let feed = cancel_feed(&[("5000115", "2024-05-02", &[(1, "ELEC-SPKR-BT", "CUSTOMER-CHANGED-THEIR-MIND")])]);
    assert_eq!(cancel_result(&sears, &feed).await, (1, 0, vec![]));
    assert_eq!(requests().await, vec![("700001".to_owned(), "SELLER_APPROVED".to_owned())]);
    let state = sears.sandbox.control().order(&OrderRef::new("5000115", date("2024-05-02"))).unwrap();
    assert_eq!(state.order.lines[0].customer_cancellation_warning, None, "no longer pending, no warning");
}
