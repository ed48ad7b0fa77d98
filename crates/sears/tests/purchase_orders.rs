//! Purchase orders of every version: hand-written fixtures (validated with xmllint where Sears publishes an
//! XSD), expected values written by hand from the documents, and the neutral-form contract against an
//! independent roxmltree flattening.

mod common;

use std::collections::BTreeMap;

use bytes::Bytes;
use common::{fixture, flatten_purchase_orders, sample, spec_dir, validate};
use jiff::civil::{date, time};
use pretty_assertions::assert_eq;
use rust_decimal::Decimal;
use wharf_sears::{DecodeErrorKind, Fee, PoResponse, PurchaseOrder, UnknownItem, decode_document};

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn parse(bytes: &[u8]) -> PoResponse {
    let response = PoResponse::parse(&Bytes::copy_from_slice(bytes)).expect("the response parses");
    assert_eq!(response.unreadable, vec![], "every order is readable");
    response
}

/// The client's neutral form of every order equals the generic flattening of the raw document, and of
/// each order's own raw slice.
fn assert_neutral_matches(bytes: &[u8], response: &PoResponse) {
    let expected = flatten_purchase_orders(bytes);
    assert_eq!(response.purchase_orders.len(), expected.len());
    for (order, expected) in response.purchase_orders.iter().zip(&expected) {
        assert_eq!(&order.to_neutral(), expected, "neutral form of PO {}", order.po_number);
        let standalone = order.standalone_xml();
        assert_eq!(&flatten_purchase_orders(&standalone)[0], expected, "standalone XML of PO {}", order.po_number);
    }
}

fn entry<'a>(neutral: &'a BTreeMap<String, String>, path: &str) -> &'a str {
    neutral.get(path).unwrap_or_else(|| panic!("no {path} in {neutral:#?}"))
}

#[test]
fn fixtures_with_a_schema_are_valid() {
    let dir = common::crate_dir().join("tests/fixtures");
    validate("oms-export-v13-purchase-order.xsd", &[&dir.join("po-response-v13.xml")]);
    validate(
        "oms-export-v19-purchase-order.xsd",
        &[&dir.join("po-response-v19.xml"), &spec_dir().join("samples/SYNTHETIC-po-response-v19.xml")],
    );
}

#[test]
fn v4_order_level_sales_tax_and_pickup() {
    let bytes = fixture("po-response-v4.xml");
    let response = parse(&bytes);
    assert_eq!(response.version, Some(4));
    assert_eq!(response.namespace.as_deref(), Some("http://seller.marketplace.sears.com/oms/v4"));
    assert_eq!(response.purchase_orders.len(), 2);

    let first = &response.purchase_orders[0];
    assert_eq!(first.po_number, "0060180");
    assert_eq!(first.po_date, date(2012, 3, 14));
    assert_eq!(first.po_time, Some(time(9, 12, 40, 0)));
    assert_eq!(first.po_number_with_date.as_deref(), Some("201203140060180"));
    assert_eq!(first.sales_tax, Some(dec("1.24")));
    assert_eq!(first.total_sales_tax, None);
    assert_eq!(first.order_sales_tax(), Some(dec("1.24")));
    assert_eq!(first.total_order_value, None);
    assert_eq!(first.total_shipping_tax, None);
    assert!(!first.is_pickup());
    let shipping = first.shipping_detail.as_ref().unwrap();
    assert_eq!(shipping.address, vec!["1500 W Main St", "Apt 4B"]);
    assert_eq!(shipping.zipcode.as_deref(), Some("60179"));
    assert_eq!(first.po_lines.len(), 2);
    let line = &first.po_lines[0].po_line_header;
    assert_eq!(line.item_id, "AB12345678912345456789123456789CD");
    assert_eq!(line.selling_price_each.to_string(), "1.50");
    assert_eq!(line.order_quantity, 10);
    assert_eq!(line.commission, Some(dec("0.51")));
    let line = &first.po_lines[1].po_line_header;
    assert_eq!(line.line_number, 3);
    assert_eq!(line.handling_instructions.as_deref(), Some("fragile"));
    assert_eq!(line.handling_ind.as_deref(), Some("f"));
    assert_eq!(first.po_lines[1].po_line_details[0].po_line_status, "NEW");
    assert_eq!(first.po_status.as_deref(), Some("New"));
    assert!(first.raw_xml().starts_with(b"<purchase-order>"));
    assert!(first.raw_xml().ends_with(b"</purchase-order>"));

    let pickup = &response.purchase_orders[1];
    assert!(pickup.is_pickup());
    let lmp = pickup.lmp_details.as_ref().unwrap();
    assert_eq!(lmp.order_type.as_deref(), Some("customer-pickup"));
    assert_eq!(lmp.pickup_ind.as_deref(), Some("now"));
    let location = lmp.pickup_location.as_ref().unwrap();
    assert_eq!(location.name.as_deref(), Some("Hoffman Estates Pickup Counter"));
    assert_eq!(location.address, vec!["5 Woodfield Mall", "Door 3"]);
    assert_eq!(location.city.as_deref(), Some("Schaumburg"));
    assert_eq!(lmp.delivery_instructions.as_deref(), Some("Call when ready"));
    assert_eq!(lmp.dropoff_ind.as_deref(), Some("S"));
    assert_eq!(lmp.delivery_date, None);
    assert_eq!(lmp.expected_pickup_date.as_deref(), Some("2012-03-15T10:00:00"));
    assert_eq!(lmp.ucc_barcode.as_deref(), Some("00012345678901234567"));
    assert_eq!(pickup.site.as_deref(), Some("MyGofer"));
    assert_eq!(pickup.sales_tax, Some(dec("2.32")));
    assert_eq!(pickup.balance_due, Some(dec("25.52")));

    assert_neutral_matches(&bytes, &response);
    let neutral = first.to_neutral();
    assert_eq!(entry(&neutral, "po-line[2]/po-line-header[1]/item-id[1]"), "HOSE-NOZZLE");
    assert_eq!(entry(&neutral, "shipping-detail[1]/address[2]"), "Apt 4B");
    assert_eq!(entry(&neutral, "sales-tax[1]"), "1.24");
    assert_eq!(entry(&neutral, "po-number[1]"), "0060180");
}

#[test]
fn v13_ship_to_store_fees_gift_message_and_portal_shipment() {
    let bytes = fixture("po-response-v13.xml");
    let response = parse(&bytes);
    assert_eq!(response.version, Some(13));
    let [store, invoiced] = &response.purchase_orders[..] else { panic!("two orders") };

    let store_detail = store.ship_to_store_detail.as_ref().unwrap();
    assert_eq!(store_detail.address, vec!["Sears Store 1234, 111 N State St"]);
    assert_eq!(store_detail.store_delivery_date, Some(date(2019, 12, 5)));
    assert_eq!(store_detail.ucc_barcode.as_deref(), Some("00098765432109876543"));
    let shipping = store.shipping_detail.as_ref().unwrap();
    assert_eq!(shipping.ship_to_name.as_deref(), Some("Zoë Brontë-O'Neil"));
    assert_eq!(shipping.address, vec!["4 Rue & Co. Lane"]);
    assert_eq!(shipping.zipcode.as_deref(), Some("60601-1234"));
    assert_eq!(store.unit, None);
    let header = &store.po_lines[0].po_line_header;
    assert_eq!(header.line_number, 2);
    assert_eq!(header.item_name.as_deref(), Some("Mug set <4 pieces>"));
    assert_eq!(header.unit_cost, Some(dec("17.40")));
    assert_eq!(header.shipping_tax, Some(dec("0.40")));
    assert_eq!(
        header.fees,
        Some(vec![
            Fee { fee_type: Some("Promotional Discount".into()), amount: dec("-2.00") },
            Fee { fee_type: Some("Recycling Fee".into()), amount: dec("0.25") },
        ])
    );
    let gift = header.gift_message_details.as_ref().unwrap();
    assert_eq!(gift.text, "Happy holidays,\n            dear Zoë!\nAunt May");
    assert!(gift.inner_xml().contains("<gift-from>Aunt May</gift-from>"), "{}", gift.inner_xml());
    assert!(gift.xml.starts_with("<gift-message-details>"));
    assert_eq!(header.customer_cancellation_warning.as_deref(), Some("Customer requested cancellation"));
    assert_eq!(store.po_lines[0].po_line_details[0].internal_memo.as_deref(), Some("check stock in bin 4"));
    assert_eq!(store.po_lines[0].po_line_details[0].external_memo, None);
    let tax = store.tax_reference.as_ref().unwrap();
    assert_eq!(tax.tax_rate.as_deref(), Some("0.1025"));
    assert_eq!(tax.avp_taxing_jx_county.as_deref(), Some("031"));
    assert_eq!(tax.ship_to_taxware_geo.as_deref(), Some("IL60601"));
    assert_eq!(store.po_status.as_deref(), Some("Open"));

    assert_eq!(invoiced.po_status.as_deref(), Some("Ready to Invoice"));
    assert_eq!(invoiced.customer_email, None);
    assert!(invoiced.po_lines[0].po_line_details.is_empty());
    assert_eq!(invoiced.shipping_detail.as_ref().unwrap().carrier.as_deref(), Some("UPS"));
    let shipments = invoiced.po_shipment_info.as_ref().unwrap();
    assert_eq!(shipments.len(), 2);
    assert_eq!(shipments[0].shipment_tracking_number.as_deref(), Some("1Z999AA10123456784"));
    assert_eq!(shipments[1].shipment_tracking_number.as_deref(), Some("Not Available"));

    assert_neutral_matches(&bytes, &response);
    let neutral = store.to_neutral();
    assert_eq!(entry(&neutral, "po-line[1]/po-line-header[1]/fees[1]/fee[1]/@type"), "Promotional Discount");
    assert_eq!(entry(&neutral, "po-line[1]/po-line-header[1]/fees[1]/fee[2]"), "0.25");
    assert_eq!(entry(&neutral, "po-line[1]/po-line-header[1]/gift-message-details[1]/gift-from[1]"), "Aunt May");
}

#[test]
fn v15_partly_shipped_partly_cancelled_line() {
    let bytes = fixture("po-response-v15.xml");
    let response = parse(&bytes);
    assert_eq!(response.version, Some(15));
    let order = &response.purchase_orders[0];
    assert_eq!(order.shipping_detail.as_ref().unwrap().address, vec!["100 First St", "Suite 200", "Building C"]);
    let line = &order.po_lines[0];
    assert_eq!(line.po_line_header.item_class_id, Some(20431));
    assert_eq!(line.po_line_details.len(), 2);
    assert_eq!(line.po_line_details[0].po_line_status, "SHIPPED");
    assert_eq!(line.po_line_details[0].quantity, 2);
    assert_eq!(line.po_line_details[0].internal_memo.as_deref(), Some("2 shipped 07/01"));
    assert_eq!(line.po_line_details[0].external_memo.as_deref(), Some("Two towels are on their way"));
    assert_eq!(line.po_line_details[1].po_line_status, "CANCELLED");
    assert_eq!(line.po_line_details[1].quantity, 1);
    assert_eq!(line.po_line_details[1].internal_memo, None);
    assert_eq!(
        order.tax_certificate_url.as_deref(),
        Some("https://seller.marketplace.sears.com/tax/certificate?id=42&state=CO")
    );
    assert_eq!(order.total_shipping_tax, Some(dec("0.00")));
    assert_eq!(order.total_order_value, Some(dec("46.69")));
    assert_eq!(order.tax_remitted_to_seller.as_deref(), Some("N"));
    assert_eq!(order.po_status.as_deref(), Some("Closed"));
    assert_eq!(order.lease_order, None);
    assert_neutral_matches(&bytes, &response);
}

#[test]
fn v19_every_element() {
    let bytes = fixture("po-response-v19.xml");
    let response = parse(&bytes);
    assert_eq!(response.version, Some(19));
    assert_eq!(response.deprecated, Some(date(2030, 12, 31)));
    let [order, pickup] = &response.purchase_orders[..] else { panic!("two orders") };

    assert_eq!(order.po_number, "00912345");
    assert_eq!(order.promised_date, Some(date(2024, 3, 15)));
    assert_eq!(order.expected_ship_date, Some(date(2024, 3, 12)));
    assert_eq!(order.shipping_detail.as_ref().unwrap().ship_to_name.as_deref(), Some("José Müller & Söhne"));
    assert_eq!(order.shipping_detail.as_ref().unwrap().address, vec!["Attn: Receiving", "742 Evergreen Terrace"]);
    let first = &order.po_lines[0].po_line_header;
    assert_eq!(first.item_name.as_deref(), Some("Cast-iron pan <10\">"));
    assert_eq!(first.item_class_id, Some(4410));
    assert_eq!(first.oms_order_item_id.as_deref(), Some("900000001"));
    assert_eq!(first.oms_parent_order_item_id.as_deref(), Some("900000000"));
    assert_eq!(first.unit_cost, Some(dec("24.30")));
    assert_eq!(first.shipping_commission, Some(dec("0.85")));
    let fees = first.fees.as_ref().unwrap();
    assert_eq!(fees.len(), 3);
    assert_eq!(fees[2], Fee { fee_type: Some("Coupon Discount".into()), amount: dec("-0.50") });
    assert_eq!(first.gift_message_details.as_ref().unwrap().text, "Happy birthday!\ntrue");
    assert_eq!(first.customer_cancellation_warning.as_deref(), Some("Y"));
    let details = &order.po_lines[0].po_line_details;
    assert_eq!((details[0].po_line_status.as_str(), details[0].quantity), ("NEW", 2));
    assert_eq!(details[0].external_memo.as_deref(), Some("Thank you!"));
    assert_eq!((details[1].po_line_status.as_str(), details[1].quantity), ("SHIPPED", 1));
    // The same SKU on two lines; a comment inside a value is not part of it.
    let second = &order.po_lines[1].po_line_header;
    assert_eq!(second.item_id, "SKU-1");
    assert_eq!(second.item_name.as_deref(), Some("Cast-iron pan lid"));
    assert_eq!(order.po_shipment_info.as_ref().unwrap()[1].ship_method.as_deref(), Some("USPS Priority"));
    assert_eq!(order.tax_reference.as_ref().unwrap().delivery_tax_code.as_deref(), Some("DT"));
    assert_eq!(order.tax_certificate_url.as_deref(), Some("https://example.invalid/cert/912345678"));
    assert_eq!(order.total_order_value, Some(dec("104.65")));
    assert_eq!(order.tax_remitted_to_seller.as_deref(), Some("Y"));
    assert_eq!(order.lease_order.as_deref(), Some("N"));
    assert_eq!(order.po_status.as_deref(), Some("Partially Shipped"));
    assert!(order.unknown.is_empty());

    assert!(pickup.is_pickup());
    let lmp = pickup.lmp_details.as_ref().unwrap();
    assert_eq!(lmp.delivery_date, Some(date(2024, 3, 11)));
    assert_eq!(lmp.expected_pickup_date.as_deref(), Some("2024-03-11T16:00:00-07:00"));
    assert_eq!(lmp.pickup_location.as_ref().unwrap().address, vec!["1 Mall Rd", "Gate B"]);

    assert_neutral_matches(&bytes, &response);
    let neutral = order.to_neutral();
    assert_eq!(entry(&neutral, "po-line[1]/po-line-header[1]/fees[1]/fee[3]/@type"), "Coupon Discount");
    assert_eq!(entry(&neutral, "po-line[2]/po-line-detail[1]/quantity[1]"), "1");
    assert_eq!(entry(&neutral, "total-order-value[1]"), "104.65");
}

#[test]
fn synthetic_v19_sample() {
    let bytes = sample("SYNTHETIC-po-response-v19.xml");
    let response = parse(&bytes);
    let order = &response.purchase_orders[0];
    assert_eq!(order.customer_order_confirmation_number.as_deref(), Some("657402988"));
    assert_eq!(order.po_number, "1410048");
    assert_eq!(order.po_date, date(2011, 10, 1));
    assert_eq!(order.po_time, Some(time(20, 45, 48, 0)));
    assert_eq!(order.location_id.as_deref(), Some("27"));
    let header = &order.po_lines[0].po_line_header;
    assert_eq!(header.item_id, "53a25d45cea2248b23000027");
    assert_eq!(header.item_class_id, Some(12345));
    assert_eq!(header.oms_order_item_id.as_deref(), Some("900000001"));
    assert_eq!(header.shipping_commission, Some(dec("0.00")));
    assert_eq!(order.total_sales_tax, Some(dec("3.45")));
    assert_eq!(order.total_order_value, Some(dec("24.70")));
    assert_eq!(order.po_lines[0].po_line_details[0].quantity, 10);
    assert_neutral_matches(&bytes, &response);
}

#[test]
fn unknown_elements_attributes_and_written_forms_are_kept() {
    let bytes = fixture("po-response-v19-extensions.xml");
    let response = parse(&bytes);
    assert_eq!(response.unknown, vec![UnknownItem::Attribute { path: "@build".into(), value: "2024.1".into() }]);
    let order = &response.purchase_orders[0];
    assert_eq!(order.po_time, Some(time(10, 30, 0, 0)));
    assert_eq!(order.unit.as_deref(), Some(""));
    let shipping = order.shipping_detail.as_ref().unwrap();
    assert_eq!(shipping.ship_to_name.as_deref(), Some("A & B"));
    assert_eq!(shipping.address, vec!["1 St", ""]);
    assert_eq!(shipping.city.as_deref(), Some("X"), "the first of two cities is the typed one");
    let header = &order.po_lines[0].po_line_header;
    assert_eq!(header.line_number, 7);
    assert_eq!(header.selling_price_each, dec("1.5"));
    assert_eq!(
        header.fees,
        Some(vec![Fee { fee_type: Some(" x ".into()), amount: dec("0.50") }, Fee { fee_type: None, amount: dec("1") }])
    );
    assert_eq!(order.po_lines[1].po_line_header.gift_message_details.as_ref().unwrap().text, "");
    assert_eq!(order.po_shipment_info, Some(vec![]));
    assert!(order.tax_reference.is_some());

    let paths: Vec<&str> = order.unknown.iter().map(UnknownItem::path).collect();
    assert_eq!(
        paths,
        vec![
            "@id",
            "loyalty-tier[1]",
            "shipping-detail[1]/@verified",
            "shipping-detail[1]/city[2]",
            "shipping-detail[1]/geo[1]",
            "po-line[1]/po-line-header[1]/fees[1]/fee[1]/@currency",
            "po-line[1]/po-line-header[1]/warranty[1]",
            "po-line[1]/po-line-detail[1]/bin[1]",
            "po-line[2]/po-line-header[2]",
            "new-total[1]",
        ]
    );
    let UnknownItem::Element { xml, .. } = &order.unknown[4] else { panic!("geo is an element") };
    assert_eq!(xml, r#"<ext:geo precision="high"><ext:lat>41.9</ext:lat><ext:lon>-87.6</ext:lon></ext:geo>"#);

    let neutral = order.to_neutral();
    assert_eq!(neutral, flatten_purchase_orders(&bytes)[0]);
    // Hand-checked entries: written forms, unknown structure, empty containers.
    assert_eq!(entry(&neutral, "po-time[1]"), "10:30");
    assert_eq!(entry(&neutral, "po-line[1]/po-line-header[1]/line-number[1]"), "007");
    assert_eq!(entry(&neutral, "po-line[1]/po-line-header[1]/selling-price-each[1]"), "+1.5");
    assert_eq!(entry(&neutral, "po-line[1]/po-line-header[1]/fees[1]/fee[1]"), ".50");
    assert_eq!(entry(&neutral, "po-line[1]/po-line-header[1]/fees[1]/fee[1]/@type"), "x");
    assert_eq!(entry(&neutral, "po-line[1]/po-line-header[1]/warranty[1]/provider[2]"), "Backup Co");
    assert_eq!(entry(&neutral, "loyalty-tier[1]/b[1]"), "plus");
    assert_eq!(entry(&neutral, "loyalty-tier[1]/@level"), "gold");
    assert!(!neutral.contains_key("loyalty-tier[1]"), "an element with element children has no text entry");
    assert_eq!(entry(&neutral, "shipping-detail[1]/geo[1]/lon[1]"), "-87.6");
    assert_eq!(entry(&neutral, "shipping-detail[1]/city[2]"), "Y");
    assert_eq!(entry(&neutral, "po-shipment-info[1]"), "");
    assert_eq!(entry(&neutral, "tax-reference[1]"), "");
    assert_eq!(entry(&neutral, "po-line[2]/po-line-header[1]/gift-message-details[1]/@note"), "wrapped");
    assert_eq!(entry(&neutral, "po-line[2]/po-line-header[2]/line-number[1]"), "9");
    assert_eq!(entry(&neutral, "@id"), "po-1");
}

/// One order with a bad value does not hide the others; it is listed with the reason and what was read
/// of its key.
#[test]
fn an_unreadable_order_is_listed_and_the_others_are_read() {
    let xml = "<po-response>
  <purchase-order><po-number>1</po-number><po-date>2024-01-01</po-date>
    <po-line><po-line-header><line-number>1</line-number><item-id>A</item-id>
      <selling-price-each>1.00</selling-price-each><order-quantity>1</order-quantity></po-line-header></po-line>
  </purchase-order>
  <purchase-order><po-number>2</po-number><po-date>2024-01-02</po-date>
    <po-line><po-line-header><line-number>1</line-number><item-id>B</item-id>
      <selling-price-each>12,50</selling-price-each><order-quantity>1</order-quantity></po-line-header>
      <po-line-detail><po-line-status>NEW</po-line-status><quantity>1</quantity></po-line-detail></po-line>
    <po-status>New</po-status>
  </purchase-order>
  <purchase-order><po-date>2024-01-03</po-date></purchase-order>
  <purchase-order><po-number>4</po-number><po-date>2024-01-04</po-date></purchase-order>
</po-response>";
    let response = PoResponse::parse(&Bytes::from(xml)).unwrap();
    let numbers: Vec<&str> = response.purchase_orders.iter().map(|o| o.po_number.as_str()).collect();
    assert_eq!(numbers, vec!["1", "4"]);
    assert_eq!(response.unreadable.len(), 2);
    let bad = &response.unreadable[0];
    assert_eq!(bad.po_number.as_deref(), Some("2"));
    assert_eq!(bad.po_date, Some(date(2024, 1, 2)));
    assert_eq!(bad.error.0, "line 8, column 7: <selling-price-each> is not a decimal: '12,50'");
    assert!(bad.raw.starts_with(b"<purchase-order><po-number>2<"));
    assert!(bad.raw.ends_with(b"</purchase-order>"));
    let keyless = &response.unreadable[1];
    assert_eq!(keyless.po_number, None);
    assert_eq!(keyless.po_date, Some(date(2024, 1, 3)));
    assert_eq!(keyless.error.0, "line 12, column 3: <purchase-order> has no <po-number>");

    // `decode` is strict: the first unreadable order is the error.
    let error = decode_document(xml.as_bytes()).unwrap_err();
    assert_eq!(error.line, 8);
    assert_eq!(error.column, 7);
    assert_eq!(error.element.as_deref(), Some("selling-price-each"));
    assert_eq!(error.kind, DecodeErrorKind::NotADecimal("12,50".into()));
}

#[test]
fn decode_errors_name_line_column_and_element() {
    // The example of the task: a comma decimal on line 14, indented by 8.
    let xml = "<?xml version=\"1.0\"?>
<po-response xmlns=\"http://seller.marketplace.sears.com/oms/v19\">
  <purchase-order>
    <po-number>1</po-number>
    <po-date>2024-01-01</po-date>
    <po-time>10:00:00</po-time>
    <po-number-with-date>202401011</po-number-with-date>
    <expected-ship-date>2024-01-03</expected-ship-date>
    <customer-name>X</customer-name>
    <po-line>
      <po-line-header>
        <line-number>1</line-number>
        <item-id>A</item-id>
        <selling-price-each>12,50</selling-price-each>
        <order-quantity>1</order-quantity>
      </po-line-header>
    </po-line>
  </purchase-order>
</po-response>";
    let error = decode_document(xml.as_bytes()).unwrap_err();
    assert_eq!(error.to_string(), "line 14, column 9: <selling-price-each> is not a decimal: '12,50'");

    let cases: [(&str, &str); 7] = [
        (
            "<po-response><purchase-order><po-number>1</po-number><po-date>2024-13-01</po-date></purchase-order></po-response>",
            "line 1, column 54: <po-date> is not a date (yyyy-MM-dd): '2024-13-01'",
        ),
        (
            "<po-response>\n<purchase-order>\n<po-number>1</po-number>\n</purchase-order></po-response>",
            "line 2, column 1: <purchase-order> has no <po-date>",
        ),
        (
            "<po-response><purchase-order><po-number>1</po-number></purchase-order>",
            "line 1, column 71: is not well-formed XML: the document ends before </po-response>",
        ),
        (
            "<po-response><purchase-order>oops<po-number>1</po-number></purchase-order></po-response>",
            "line 1, column 30: <purchase-order> holds text where only elements belong: 'oops'",
        ),
        (
            "<po-response><purchase-order><po-number>1<b/></po-number></purchase-order></po-response>",
            "line 1, column 30: <po-number> should hold text, but holds the element <b>",
        ),
        (
            "\n\n<html><title>Sears Server Error</title></html>",
            "line 3, column 1: <html> is not a Sears document Wharf reads (root one of: po-response, purchase-order, \
          api-response, shipment-feed, order-cancel-feed, processing-report, shipping-carriers, \
          order-cancel-request-feed, order-returns-request-feed, order-adjustment-feed, inventory-feed, inventory)",
        ),
        (
            "<po-response><purchase-order><po-number>&nbsp;1</po-number></purchase-order></po-response>",
            "line 1, column 41: <po-number> uses the entity '&nbsp;', which XML does not predefine and Sears documents never declare",
        ),
    ];
    for (xml, message) in cases {
        assert_eq!(decode_document(xml.as_bytes()).unwrap_err().to_string(), message, "{xml}");
    }
}

#[test]
fn a_stored_purchase_order_slice_parses_on_its_own() {
    let bytes = fixture("po-response-v19.xml");
    let response = parse(&bytes);
    let original = &response.purchase_orders[0];
    let again = PoResponse::parse(&original.raw_bytes()).unwrap();
    let reread: &PurchaseOrder = &again.purchase_orders[0];
    assert_eq!(reread.to_neutral(), original.to_neutral());
    assert_eq!(reread.po_lines, original.po_lines);
}

#[test]
fn byte_order_mark_and_crlf_line_ends() {
    let xml = "\u{feff}<?xml version=\"1.0\"?>\r\n<po-response>\r\n<purchase-order><po-number>5</po-number><po-date>2024-01-01</po-date>\r\n<customer-name>Line one\r\nLine two</customer-name></purchase-order></po-response>";
    let response = parse(xml.as_bytes());
    let order = &response.purchase_orders[0];
    assert_eq!(order.customer_name.as_deref(), Some("Line one\nLine two"));
    assert!(order.raw_xml().starts_with(b"<purchase-order>"), "{:?}", String::from_utf8_lossy(order.raw_xml()));
    assert_eq!(order.to_neutral(), flatten_purchase_orders(order.raw_xml())[0]);
}

/// What the adapter stores: the order's bytes as sent, plus the namespace declarations of `po-response`.
#[test]
fn standalone_xml_carries_the_response_namespaces() {
    let response = parse(&fixture("po-response-v19.xml"));
    let order = &response.purchase_orders[0];
    let standalone = order.standalone_xml();
    let text = std::str::from_utf8(&standalone).unwrap();
    assert!(
        text.starts_with(
            "<purchase-order xmlns=\"http://seller.marketplace.sears.com/oms/v19\" \
             xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n    <customer-order-confirmation-number>"
        ),
        "{text}"
    );
    assert!(text.ends_with("</purchase-order>"));
    assert_eq!(&standalone[standalone.len() - order.raw_xml().len() + 16..], &order.raw_xml()[16..]);
    let document = roxmltree::Document::parse(text).unwrap();
    assert_eq!(document.root_element().tag_name().namespace(), Some("http://seller.marketplace.sears.com/oms/v19"));

    // An order that declares a namespace itself keeps its own declaration and gets the others.
    let response = parse(&fixture("po-response-v19-extensions.xml"));
    let standalone = response.purchase_orders[0].standalone_xml();
    let start = std::str::from_utf8(&standalone).unwrap().lines().next().unwrap().to_owned();
    assert_eq!(
        start,
        "<purchase-order xmlns=\"http://seller.marketplace.sears.com/oms/v19\" xmlns:ext=\"urn:example:ext\" \
         id=\"po-1\" xmlns:extra=\"urn:example:extra\">"
    );
}
