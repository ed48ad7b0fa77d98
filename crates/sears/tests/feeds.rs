//! The feeds Wharf writes: ASN v7 and line cancel v1. Every written feed is checked with xmllint against
//! Sears's XSD and read back to the same values; invalid values are refused before anything is sent.

mod common;

use common::validate_text;
use jiff::civil::{Date, date};
use pretty_assertions::assert_eq;
use proptest::prelude::*;
use wharf_sears::{
    CancelReason, OrderCancel, OrderCancelDetail, OrderCancelFeed, PackageDetail, Shipment, ShipmentDetail,
    ShipmentFeed, ShipmentHeader,
};

const ASN_XSD: &str = "oms-import-v7-asn.xsd";
const CANCEL_XSD: &str = "oms-import-v1-order-cancel.xsd";

fn package(line_number: u32, item_id: &str, quantity: u32) -> PackageDetail {
    PackageDetail { line_number, item_id: item_id.into(), quantity }
}

fn detail(
    tracking: Option<&str>,
    ship_date: Date,
    carrier: &str,
    method: &str,
    packages: Vec<PackageDetail>,
) -> ShipmentDetail {
    ShipmentDetail {
        tracking_number: tracking.map(Into::into),
        ship_date,
        shipping_carrier: carrier.into(),
        shipping_method: method.into(),
        package_details: packages,
    }
}

fn header(po_number: &str, po_date: Date) -> ShipmentHeader {
    ShipmentHeader { po_number: po_number.into(), po_date, ..ShipmentHeader::default() }
}

#[test]
fn asn_is_written_exactly_as_expected() {
    let feed = ShipmentFeed {
        shipments: vec![Shipment {
            header: ShipmentHeader { asn_number: Some("A1".into()), ..header("0060180", date(2012, 3, 14)) },
            details: vec![detail(Some("1Z999"), date(2012, 3, 15), "UPS", "Ground", vec![package(1, "A&B <1>", 4)])],
        }],
        ..ShipmentFeed::default()
    };
    let xml = feed.to_xml().unwrap();
    let expected = r#"<?xml version="1.0" encoding="UTF-8"?>
<shipment-feed xmlns="http://seller.marketplace.sears.com/oms/v7">
  <shipment>
    <header>
      <asn-number>A1</asn-number>
      <po-number>0060180</po-number>
      <po-date>2012-03-14</po-date>
    </header>
    <detail>
      <tracking-number>1Z999</tracking-number>
      <ship-date>2012-03-15</ship-date>
      <shipping-carrier>UPS</shipping-carrier>
      <shipping-method>Ground</shipping-method>
      <package-detail>
        <line-number>1</line-number>
        <item-id>A&amp;B &lt;1&gt;</item-id>
        <quantity>4</quantity>
      </package-detail>
    </detail>
  </shipment>
</shipment-feed>
"#;
    assert_eq!(xml, expected);
    validate_text(ASN_XSD, &xml);
}

/// Many orders per feed, several packages per order, several lines per package, partial quantities.
#[test]
fn asn_with_many_orders_packages_and_partial_quantities() {
    let feed = ShipmentFeed {
        shipments: vec![
            Shipment {
                header: ShipmentHeader {
                    asn_number: Some("00912345-1".into()),
                    po_time: Some("01:15:00".into()),
                    unit: Some("9301".into()),
                    site: Some("sears".into()),
                    channel: Some("FBM".into()),
                    location_id: Some("27".into()),
                    ..header("00912345", date(2024, 3, 10))
                },
                details: vec![
                    detail(
                        Some("1Z999AA10123456784"),
                        date(2024, 3, 11),
                        "UPS",
                        "Ground",
                        vec![package(1, "SKU-1", 2), package(2, "SKU-1", 1)],
                    ),
                    detail(
                        Some("9400100000000000000000"),
                        date(2024, 3, 12),
                        "USPS",
                        "Priority",
                        vec![package(1, "SKU-1", 1)],
                    ),
                ],
            },
            Shipment {
                header: header("912346", date(2024, 3, 10)),
                details: vec![detail(None, date(2024, 3, 11), "OTH", "Pickup", vec![package(1, "PLANTER-XL", 1)])],
            },
        ],
        ..ShipmentFeed::default()
    };
    let xml = feed.to_xml().unwrap();
    validate_text(ASN_XSD, &xml);
    let read = ShipmentFeed::parse(xml.as_bytes()).unwrap();
    assert_eq!(read.namespace.as_deref(), Some("http://seller.marketplace.sears.com/oms/v7"));
    assert_eq!(read.shipments, feed.shipments);
    assert_eq!(read.shipments[0].details[0].package_details[1], package(2, "SKU-1", 1));
    assert!(!xml.contains("<tracking-number>") || read.shipments[1].details[0].tracking_number.is_none());
}

#[test]
fn invalid_asn_values_are_refused_with_their_place() {
    let good = || ShipmentFeed {
        shipments: vec![Shipment {
            header: header("1234", date(2024, 1, 1)),
            details: vec![detail(Some("T"), date(2024, 1, 2), "UPS", "Ground", vec![package(1, "SKU", 1)])],
        }],
        ..ShipmentFeed::default()
    };
    assert!(good().to_xml().is_ok());
    let refuse = |change: &dyn Fn(&mut ShipmentFeed)| {
        let mut feed = good();
        change(&mut feed);
        feed.to_xml().unwrap_err().to_string()
    };
    assert_eq!(
        refuse(&|f| f.shipments[0].details[0].tracking_number = Some("1".repeat(46))),
        "shipment-feed not sent: shipment[1]/detail[1]/tracking-number is 46 characters; Sears accepts at most 45; \
         correct it and send the feed again"
    );
    assert_eq!(
        refuse(&|f| f.shipments[0].details[0].package_details[0].item_id = "é".repeat(51)),
        "shipment-feed not sent: shipment[1]/detail[1]/package-detail[1]/item-id is 51 characters; Sears accepts \
         at most 50; correct it and send the feed again"
    );
    assert!(
        refuse(&|f| f.shipments[0].header.asn_number = Some("x".repeat(21))).contains("header[1]/asn-number is 21")
    );
    assert!(refuse(&|f| f.shipments[0].header.po_number = "12-3".into()).contains("'12-3' is not a Sears PO number"));
    assert!(refuse(&|f| f.shipments[0].details[0].package_details[0].quantity = 0).contains("quantity is 0"));
    assert!(refuse(&|f| f.shipments[0].details[0].package_details[0].line_number = 0).contains("line-number is 0"));
    assert!(
        refuse(&|f| f.shipments[0].details[0].shipping_carrier = " UPS".into())
            .contains("starts or ends with whitespace")
    );
    assert!(
        refuse(&|f| f.shipments[0].details[0].shipping_method = String::new()).contains("shipping-method is empty")
    );
    assert!(refuse(&|f| f.shipments[0].details[0].package_details.clear()).contains("has no package-detail"));
    assert!(refuse(&|f| f.shipments[0].details.clear()).contains("shipment[1] has no package (detail)"));
    assert!(refuse(&|f| f.shipments.clear()).contains("has no shipment"));
    assert!(refuse(&|f| f.shipments[0].details[0].package_details[0].item_id = "a\u{0}b".into()).contains("U+0000"));
    assert!(refuse(&|f| f.shipments[0].header.po_date = date(-5, 1, 1)).contains("before year 1"));
}

#[test]
fn cancel_is_written_exactly_as_expected_and_is_valid() {
    let feed = OrderCancelFeed {
        order_cancels: vec![OrderCancel {
            po_number: "7654321".into(),
            po_date: date(2012, 12, 1),
            details: vec![
                OrderCancelDetail {
                    line_number: 4,
                    item_id: "EXTPRODID000111".into(),
                    cancel_reason: CancelReason::OutOfStock,
                },
                OrderCancelDetail { line_number: 5, item_id: "X".into(), cancel_reason: CancelReason::Other },
            ],
        }],
        ..OrderCancelFeed::default()
    };
    let xml = feed.to_xml().unwrap();
    let expected = r#"<?xml version="1.0" encoding="UTF-8"?>
<order-cancel-feed xmlns="http://seller.marketplace.sears.com/oms/v1">
  <order-cancel>
    <header>
      <po-number>7654321</po-number>
      <po-date>2012-12-01</po-date>
    </header>
    <detail>
      <line-number>4</line-number>
      <item-id>EXTPRODID000111</item-id>
      <cancel>
        <line-status>Canceled</line-status>
        <cancel-reason>OUT-OF-STOCK</cancel-reason>
      </cancel>
    </detail>
    <detail>
      <line-number>5</line-number>
      <item-id>X</item-id>
      <cancel>
        <line-status>Canceled</line-status>
        <cancel-reason>OTHER</cancel-reason>
      </cancel>
    </detail>
  </order-cancel>
</order-cancel-feed>
"#;
    assert_eq!(xml, expected);
    validate_text(CANCEL_XSD, &xml);
    assert_eq!(OrderCancelFeed::parse(xml.as_bytes()).unwrap().order_cancels, feed.order_cancels);
}

/// Each of the nine reasons is written as Sears spells it, and xmllint accepts it.
#[test]
fn every_cancel_reason_is_valid() {
    let expected = [
        "DISCONTINUED-ITEM",
        "OUT-OF-STOCK",
        "CUSTOMER-CHANGED-THEIR-MIND",
        "WRONG-ITEM-WAS-ORDERED",
        "LEAD-TIME-IS-TOO-LONG",
        "ITEM-FOUND-SOMEWHERE-ELSE",
        "INVALID-METHOD-SHIPMENT",
        "INVALID-ITEM-SKU",
        "OTHER",
    ];
    assert_eq!(CancelReason::ALL.map(CancelReason::code), expected);
    let feed = OrderCancelFeed {
        order_cancels: vec![OrderCancel {
            po_number: "1".into(),
            po_date: date(2024, 1, 1),
            details: CancelReason::ALL
                .iter()
                .enumerate()
                .map(|(i, &reason)| OrderCancelDetail {
                    line_number: i as u32 + 1,
                    item_id: format!("S{i}"),
                    cancel_reason: reason,
                })
                .collect(),
        }],
        ..OrderCancelFeed::default()
    };
    validate_text(CANCEL_XSD, &feed.to_xml().unwrap());
    for code in expected {
        assert_eq!(code.parse::<CancelReason>().unwrap().code(), code);
    }
    assert_eq!(
        "out-of-stock".parse::<CancelReason>().unwrap_err().to_string(),
        "'out-of-stock' is not a Sears cancel reason (one of DISCONTINUED-ITEM, OUT-OF-STOCK, \
         CUSTOMER-CHANGED-THEIR-MIND, WRONG-ITEM-WAS-ORDERED, LEAD-TIME-IS-TOO-LONG, ITEM-FOUND-SOMEWHERE-ELSE, \
         INVALID-METHOD-SHIPMENT, INVALID-ITEM-SKU, OTHER)"
    );
}

#[test]
fn cancel_feeds_outside_the_schema_do_not_decode() {
    let with = |status: &str, reason: &str| {
        format!(
            "<order-cancel-feed><order-cancel><header><po-number>1</po-number><po-date>2024-01-01</po-date></header>\
             <detail><line-number>1</line-number><item-id>A</item-id><cancel><line-status>{status}</line-status>\
             <cancel-reason>{reason}</cancel-reason></cancel></detail></order-cancel></order-cancel-feed>"
        )
    };
    assert!(OrderCancelFeed::parse(with("Canceled", "OTHER").as_bytes()).is_ok());
    assert_eq!(
        OrderCancelFeed::parse(with("Cancelled", "OTHER").as_bytes()).unwrap_err().to_string(),
        "line 1, column 168: <line-status> has the value 'Cancelled', which is not one of: Canceled"
    );
    let error = OrderCancelFeed::parse(with("Canceled", "CUSTOMER-CANCEL-OTHER").as_bytes()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("<cancel-reason> has the value 'CUSTOMER-CANCEL-OTHER', which is not one of: DISCONTINUED-ITEM"),
        "{error}"
    );
    let refused = OrderCancelFeed {
        order_cancels: vec![OrderCancel { po_number: "000".into(), po_date: date(2024, 1, 1), details: vec![] }],
        ..OrderCancelFeed::default()
    };
    assert!(refused.to_xml().unwrap_err().to_string().contains("'000' is not a Sears PO number"));
}

#[test]
fn asn_feeds_outside_the_schema_do_not_decode() {
    let error = ShipmentFeed::parse(b"<shipment-feed><shipment><header><po-number>1</po-number><po-date>2024-01-01</po-date><carrier/></header></shipment></shipment-feed>").unwrap_err();
    assert_eq!(error.to_string(), "line 1, column 87: <header> does not allow the element <carrier> here");
    let error = ShipmentFeed::parse(b"<shipment-feed><shipment><header><po-number>1</po-number><po-date>2024-01-01</po-date></header></shipment></shipment-feed>").unwrap_err();
    assert_eq!(error.to_string(), "line 1, column 16: <shipment> has no <detail>");
}

/// Text values the writer accepts: XML characters, no surrounding whitespace (readers trim it).
fn text_value(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[^\\s\\u{{0}}-\\u{{1f}}\\u{{fffe}}\\u{{ffff}}]([^\\u{{0}}-\\u{{8}}\\u{{b}}\\u{{c}}\\u{{e}}-\\u{{1f}}\\u{{fffe}}\\u{{ffff}}]{{0,{}}}[^\\s\\u{{0}}-\\u{{1f}}\\u{{fffe}}\\u{{ffff}}])?", max.saturating_sub(2)))
        .unwrap()
}

fn any_date() -> impl Strategy<Value = Date> {
    (1i16..=9999, 1i8..=12, 1i8..=28).prop_map(|(y, m, d)| date(y, m, d))
}

fn po_number() -> impl Strategy<Value = String> {
    "0{0,3}[1-9][0-9]{0,12}"
}

prop_compose! {
    fn any_package()(line_number in 1u32.., item_id in text_value(50), quantity in 1u32..) -> PackageDetail {
        PackageDetail { line_number, item_id, quantity }
    }
}

prop_compose! {
    fn any_detail()(tracking in proptest::option::of(text_value(45)), ship_date in any_date(),
                    carrier in text_value(10), method in text_value(20),
                    packages in proptest::collection::vec(any_package(), 1..4)) -> ShipmentDetail {
        ShipmentDetail { tracking_number: tracking, ship_date, shipping_carrier: carrier, shipping_method: method, package_details: packages }
    }
}

prop_compose! {
    fn any_shipment()(asn_number in proptest::option::of(text_value(20)), po_number in po_number(), po_date in any_date(),
                      po_time in proptest::option::of(text_value(12)), unit in proptest::option::of(text_value(8)),
                      details in proptest::collection::vec(any_detail(), 1..4)) -> Shipment {
        Shipment { header: ShipmentHeader { asn_number, po_number, po_date, po_time, unit, ..ShipmentHeader::default() }, details }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any content the writer accepts comes back unchanged through the parser, and xmllint accepts the feed.
    #[test]
    fn asn_round_trip(shipments in proptest::collection::vec(any_shipment(), 1..4)) {
        let feed = ShipmentFeed { shipments, ..ShipmentFeed::default() };
        let xml = feed.to_xml().unwrap();
        validate_text(ASN_XSD, &xml);
        let read = ShipmentFeed::parse(xml.as_bytes()).unwrap();
        prop_assert_eq!(read.shipments, feed.shipments);
    }

    #[test]
    fn cancel_round_trip(po_number in po_number(), po_date in any_date(),
                         lines in proptest::collection::vec((1u32.., text_value(50), 0usize..9), 1..5)) {
        let feed = OrderCancelFeed {
            order_cancels: vec![OrderCancel {
                po_number, po_date,
                details: lines.into_iter().map(|(line_number, item_id, reason)| OrderCancelDetail {
                    line_number, item_id, cancel_reason: CancelReason::ALL[reason],
                }).collect(),
            }],
            ..OrderCancelFeed::default()
        };
        let xml = feed.to_xml().unwrap();
        validate_text(CANCEL_XSD, &xml);
        prop_assert_eq!(OrderCancelFeed::parse(xml.as_bytes()).unwrap().order_cancels, feed.order_cancels);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// For ANY string: either the writer refuses it with a reason, or it reads back exactly.
    #[test]
    fn any_item_id_is_refused_or_round_trips(item_id in "\\PC{0,60}|[\\u{0}-\\u{7f}]{0,10}|\\s{0,3}[a-z]{0,3}[\\r\\n\\t]{0,3}") {
        let feed = ShipmentFeed {
            shipments: vec![Shipment {
                header: header("1", date(2024, 1, 1)),
                details: vec![detail(None, date(2024, 1, 1), "UPS", "Ground", vec![package(1, &item_id, 1)])],
            }],
            ..ShipmentFeed::default()
        };
        match feed.to_xml() {
            Ok(xml) => {
                let read = ShipmentFeed::parse(xml.as_bytes()).unwrap();
                prop_assert_eq!(&read.shipments[0].details[0].package_details[0].item_id, &item_id);
            }
            Err(error) => prop_assert!(error.path.ends_with("item-id"), "{}", error),
        }
    }
}
