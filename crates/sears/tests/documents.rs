//! Every official sample decodes, with values written by hand from the documents; the other read-only
//! documents (carrier list, processing report, api-response) too.

mod common;

use common::{fixture, sample, spec_dir};
use jiff::civil::date;
use pretty_assertions::assert_eq;
use rust_decimal::Decimal;
use wharf_sears::adjustment::{AdjustmentAmount, LineAdjustment};
use wharf_sears::{
    ApiOutcome, ApiResponse, CancelReason, Document, DocumentId, ProcessingReport, ProcessingState, RecordMessages,
    ShippingCarriers, decode_document,
};

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn decode(bytes: &[u8]) -> Document {
    decode_document(bytes).unwrap_or_else(|e| panic!("{e}"))
}

/// Nothing in `spec/sears/samples` is left out: a new sample must be decodable too.
#[test]
fn every_sample_decodes() {
    let mut names: Vec<String> = std::fs::read_dir(spec_dir().join("samples"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 9, "{names:?}");
    for name in names {
        let bytes = sample(&name);
        decode_document(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        // And the JSON the `decode` command prints.
        serde_json::to_string(&decode(&bytes)).unwrap();
    }
}

#[test]
fn asn_sample() {
    let Document::ShipmentFeed(feed) = decode(&sample("oms-import-v7-asn.xml")) else { panic!("an ASN") };
    assert_eq!(feed.namespace.as_deref(), Some("http://seller.marketplace.sears.com/oms/v7"));
    assert_eq!(feed.shipments.len(), 8);
    let first = &feed.shipments[0];
    assert_eq!(first.header.asn_number.as_deref(), Some("0000000001"));
    assert_eq!(first.header.po_number, "40830601");
    assert_eq!(first.header.po_date, date(2014, 9, 24));
    let detail = &first.details[0];
    assert_eq!(detail.tracking_number.as_deref(), Some("DEMARSTANDARD1234567890"));
    assert_eq!(detail.ship_date, date(2014, 8, 8));
    assert_eq!((detail.shipping_carrier.as_str(), detail.shipping_method.as_str()), ("DELG", "STANDARD"));
    assert_eq!(detail.package_details[0].item_id, "12321");
    assert_eq!(detail.package_details[0].quantity, 1);
    let last = &feed.shipments[7];
    assert_eq!(last.header.po_number, "40830608");
    assert_eq!(
        (last.details[0].shipping_carrier.as_str(), last.details[0].shipping_method.as_str()),
        ("DHLC", "PRIORITY")
    );
    assert_eq!(feed.shipments[3].details[0].shipping_method, "SECOND DAY");
}

#[test]
fn order_cancel_sample() {
    let Document::OrderCancelFeed(feed) = decode(&sample("oms-import-v1-order-cancel.xml")) else { panic!() };
    assert_eq!(feed.order_cancels.len(), 1);
    let order = &feed.order_cancels[0];
    assert_eq!(order.po_number, "7654321");
    assert_eq!(order.po_date, date(2012, 12, 1));
    assert_eq!(order.details[0].line_number, 4);
    assert_eq!(order.details[0].item_id, "EXTPRODID000111");
    assert_eq!(order.details[0].cancel_reason, CancelReason::InvalidMethodShipment);
}

/// The sample fails its own XSD (`PENDING`, `CUSTOMER-CHANGED-THEIR-MIND`): statuses and reasons are open.
#[test]
fn cancellation_request_sample() {
    let bytes = sample("oms-export-v1-order-cancellation-request-to-seller.xml");
    assert!(!common::is_valid_text(
        "oms-export-v1-order-cancellation-request-to-seller.xsd",
        std::str::from_utf8(&bytes).unwrap()
    ));
    let Document::OrderCancelRequestFeed(feed) = decode(&bytes) else { panic!() };
    assert_eq!(feed.requests.len(), 1);
    let request = &feed.requests[0];
    assert_eq!(request.po_number, "7845651");
    assert_eq!(request.po_date, date(2014, 5, 1));
    assert_eq!(request.com_line_number, 1);
    assert_eq!(request.quantity, 1);
    assert_eq!(request.cancel_request_id, "112");
    assert_eq!(request.cancel_date, date(2014, 5, 3));
    assert_eq!(request.cancel_reason, "CUSTOMER-CHANGED-THEIR-MIND");
    assert_eq!(request.cancel_status, "PENDING");
    assert_eq!(request.customer_comments.as_deref(), Some("Urgent cancel, please !!"));
}

#[test]
fn return_request_sample() {
    let bytes = sample("oms-export-v1-order-return-request-to-seller.xml");
    assert!(!common::is_valid_text(
        "oms-export-v1-order-return-request-to-seller.xsd",
        std::str::from_utf8(&bytes).unwrap()
    ));
    let Document::OrderReturnsRequestFeed(feed) = decode(&bytes) else { panic!() };
    assert_eq!(feed.requests.len(), 6);
    let lines: Vec<(&str, u32, &str)> =
        feed.requests.iter().map(|r| (r.po_number.as_str(), r.com_line_number, r.return_reason.as_str())).collect();
    assert_eq!(
        lines,
        vec![
            ("7770584", 1, "ARRIVED-TOO-LATE"),
            ("7770584", 2, "DEFECTIVE-PRODUCT"),
            ("7770584", 3, "NOT-AS-DESCRIBED"),
            ("7770584", 4, "WRONG-MERCHANDISE-ORDERED"),
            ("2690292", 1, "DAMAGED-IN-SHIPMENT"),
            ("2690292", 3, "DUPLICATE-SHIPMENT"),
        ]
    );
    let first = &feed.requests[0];
    assert_eq!(first.return_request_id, "9886555931");
    assert_eq!(first.return_status, "PENDING");
    assert_eq!(first.return_date, date(2015, 11, 23));
    assert_eq!(first.po_date, date(2015, 11, 11));
    assert_eq!(first.customer_comments, None);
    assert_eq!(feed.requests[4].return_request_id, "9916242299");
}

#[test]
fn processing_report_sample() {
    let Document::ProcessingReport(report) = decode(&sample("seller-error-report-v1-example.xml")) else { panic!() };
    assert_eq!(report.deprecated, Some(date(2009, 12, 30)));
    assert_eq!(report.document_id, DocumentId(77));
    let ProcessingState::Done(done) = &report.state else { panic!("a finished report") };
    assert_eq!(done.summary.description.as_deref(), Some("Pricing Feed - XML"));
    assert_eq!(done.summary.record_count, Some(2));
    assert_eq!(done.summary.records_with_warnings, Some(0));
    assert_eq!(done.summary.records_with_errors, Some(1));
    assert_eq!(done.summary.records_accepted, Some(1));
    assert_eq!(
        done.warnings,
        vec![RecordMessages { record_id: 2, messages: vec!["Item length reached maximum.".into()] }]
    );
    assert_eq!(
        done.errors,
        vec![RecordMessages { record_id: 1, messages: vec!["Item with such id does not exist".into()] }]
    );
    assert_eq!(done.deals.len(), 4);
    assert_eq!((done.deals[1].seller_deal_id.as_str(), done.deals[1].id.as_str()), ("abcd1234", "13345"));
    assert!(!report.is_in_process());
}

#[test]
fn processing_report_in_process() {
    let xml = br#"<processing-report xmlns="http://seller.marketplace.sears.com/shared/v1">
  <document-id>123456</document-id>
  <status>In Process</status>
</processing-report>"#;
    let report = ProcessingReport::parse(xml).unwrap();
    assert_eq!(report.document_id, DocumentId(123456));
    assert_eq!(report.state, ProcessingState::InProcess { status: "In Process".into() });
    assert!(report.is_in_process());
    let missing = ProcessingReport::parse(b"<processing-report><status>In Process</status></processing-report>");
    assert_eq!(missing.unwrap_err().to_string(), "line 1, column 1: <processing-report> has no <document-id>");
}

#[test]
fn order_adjustment_sample() {
    let Document::OrderAdjustmentFeed(feed) = decode(&sample("oms-import-v5-order-adjustment-v5.xml")) else {
        panic!()
    };
    assert_eq!(feed.date_time_stamp, "2013-01-28T12:00:00");
    let adjustment = &feed.order_adjustments[0];
    assert_eq!(adjustment.po_number, "5225664477743");
    assert_eq!(adjustment.po_date, date(2013, 1, 18));
    let shipping = adjustment.shipping_adjustment.as_ref().unwrap();
    assert_eq!(shipping.adjustment_unique_id, "784567_shipping");
    assert_eq!(shipping.refund_amount, Some(AdjustmentAmount::InDollars(dec("1.6000"))));
    assert_eq!(shipping.refund_reason, "Shipping Charge");
    assert_eq!(shipping.refund_date, Some(date(2013, 1, 29)));
    assert_eq!(adjustment.sale_adjustments.len(), 2);
    let sale = &adjustment.sale_adjustments[1];
    assert_eq!((sale.line_number, sale.item_id.as_str()), (2, "productForOrder1"));
    let LineAdjustment::Return(ret) = &sale.adjustment else { panic!("a return") };
    assert_eq!(ret.return_unique_id, "984567");
    assert_eq!(ret.return_amount, Some(AdjustmentAmount::InDollars(dec("77.34"))));
    assert_eq!(ret.return_reason, "GENERAL-ADJUSTMENT");
    assert_eq!(ret.quantity, 10);
    assert_eq!(ret.memo.as_ref().unwrap().external_memo.as_deref(), Some("Shipping Delay"));
}

#[test]
fn inventory_samples() {
    let Document::InventoryFeed(feed) = decode(&sample("inventory-import-v7-inventory.xml")) else { panic!() };
    assert_eq!(feed.items.len(), 2);
    assert_eq!(feed.items[0].item_id, "123456");
    assert_eq!(feed.items[0].quantity, 4000);
    assert_eq!(feed.items[0].low_inventory_threshold, Some(10));
    assert_eq!(feed.items[0].inventory_timestamp.as_deref(), Some("2012-03-30T09:05:30"));
    assert_eq!((feed.items[1].item_id.as_str(), feed.items[1].quantity), ("123457", 40030));

    let Document::InventoryExport(export) = decode(&sample("inventory-export-v5-item-inventory-public.xml")) else {
        panic!()
    };
    assert_eq!(export.seller_id.as_deref(), Some("1001"));
    assert_eq!(export.items.len(), 3);
    let first = &export.items[0];
    assert_eq!(first.seller_product_id, "10");
    assert_eq!(first.program_type.as_deref(), Some("FBM"));
    assert_eq!(first.locations.len(), 3);
    assert_eq!(first.locations[2].location_id, "22");
    assert_eq!(first.locations[2].reserved_quantity, Some(9));
    assert_eq!(first.locations[2].available_quantity, Some(11));
    assert_eq!(first.locations[0].pick_up_now_eligible, Some(true));
    assert_eq!(first.locations[1].pick_up_now_eligible, Some(false));
    assert_eq!(export.items[1].variation_group_id.as_deref(), Some("VAR123"));
    // The export's `deprecated` element has no field, nor the root's xsi:schemaLocation: both are kept.
    let kept: Vec<&str> = export.unknown.iter().map(|item| item.path()).collect();
    assert_eq!(kept, vec!["@schemaLocation", "deprecated[1]"]);
}

#[test]
fn synthetic_po_sample_through_decode() {
    let Document::PoResponse(response) = decode(&sample("SYNTHETIC-po-response-v19.xml")) else { panic!() };
    assert_eq!(response.purchase_orders[0].po_number, "1410048");
    let json = serde_json::to_value(Document::PoResponse(response)).unwrap();
    assert_eq!(json["document"], "po-response");
    assert_eq!(json["purchase_orders"][0]["po_lines"][0]["po_line_header"]["selling_price_each"], "1.50");
    assert_eq!(json["purchase_orders"][0]["po_date"], "2011-10-01");
}

#[test]
fn carrier_list() {
    let list = ShippingCarriers::parse(&fixture("shipping-carriers-v1.xml")).unwrap();
    assert_eq!(list.carriers.len(), 4);
    let ups = &list.carriers[0];
    assert_eq!(ups.shipping_carrier.as_deref(), Some("UPS"));
    assert_eq!(ups.shipping_carrier_description.as_deref(), Some("United Parcel Service"));
    assert_eq!(ups.shipping_methods.len(), 3);
    assert_eq!(
        ups.shipping_methods[0].shipping_method_description.as_deref(),
        Some("Next Day Saver (next day after 10am)")
    );
    assert!(list.allows("UPS", "GROUND"));
    assert!(list.allows("oth", "PICKUP"));
    assert!(!list.allows("UPS", "Pickup"));
    assert!(list.carriers[3].shipping_methods.is_empty());
}

/// The whole official list (built from `shipping-carriers-v1.tsv`): 121 carrier/method rows, 104 codes.
#[test]
fn official_carrier_list() {
    let tsv = std::fs::read_to_string(spec_dir().join("shipping-carriers-v1.tsv")).unwrap();
    let rows: Vec<Vec<&str>> =
        tsv.lines().filter(|l| !l.starts_with('#')).skip(1).map(|l| l.split('\t').collect()).collect();
    let mut xml = String::from(r#"<shipping-carriers xmlns="http://seller.marketplace.sears.com/oms/v1">"#);
    let mut previous: Option<(&str, &str)> = None;
    for row in &rows {
        let carrier = (row[0], row[1]);
        if previous != Some(carrier) {
            if previous.is_some() {
                xml.push_str("</shipping-methods></shipping-carrier-details>");
            }
            xml.push_str(&format!(
                "<shipping-carrier-details><shipping-carrier>{}</shipping-carrier>\
                 <shipping-carrier-description>{}</shipping-carrier-description><shipping-methods>",
                escape(row[0]),
                escape(row[1])
            ));
            previous = Some(carrier);
        }
        xml.push_str(&format!(
            "<shipping-method-details><shipping-method>{}</shipping-method>\
             <shipping-method-description>{}</shipping-method-description></shipping-method-details>",
            escape(row[2]),
            escape(row[3])
        ));
    }
    xml.push_str("</shipping-methods></shipping-carrier-details></shipping-carriers>");
    common::validate_text("oms-export-v1-shipping-carrier.xsd", &xml);

    let list = ShippingCarriers::parse(xml.as_bytes()).unwrap();
    assert_eq!(list.carriers.iter().map(|c| c.shipping_methods.len()).sum::<usize>(), 121);
    let mut codes: Vec<&str> = list.carriers.iter().filter_map(|c| c.shipping_carrier.as_deref()).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 104);
    assert!(list.allows("USPS", "Priority"));
    assert!(list.allows("FXFT", "LTL"));
    assert!(list.allows("SMRT", "Smart Post"));
    assert!(!list.allows("USPS", "Ground"));
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;")
}

#[test]
fn api_responses() {
    let no_pos = br#"<?xml version="1.0" encoding="UTF-8"?>
<api-response xmlns="http://seller.marketplace.sears.com/shared/v1"><error-detail>No POs found</error-detail></api-response>"#;
    let Document::ApiResponse(response) = decode(no_pos) else { panic!() };
    assert_eq!(response.outcome, ApiOutcome::ErrorDetail("No POs found".into()));
    let accepted = ApiResponse::parse(b"<api-response><document-id>42</document-id></api-response>").unwrap();
    assert_eq!(accepted.outcome, ApiOutcome::DocumentId(DocumentId(42)));
    let message = ApiResponse::parse(b"<api-response><processing-message>queued</processing-message></api-response>");
    assert_eq!(message.unwrap().outcome, ApiOutcome::ProcessingMessage("queued".into()));
    let nothing = ApiResponse::parse(b"<api-response/>").unwrap();
    assert_eq!(nothing.outcome, ApiOutcome::Nothing);
}
