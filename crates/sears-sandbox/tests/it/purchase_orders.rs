//! GET /oms/purchaseorder/v{N}: filters (SPEC.md §16.3), the element set of each version (§4.5), and the showcase
//! values of SEED.md (T = 2024-05-03 with the tests' clock). Every expectation is written by hand from those files.

use reqwest::StatusCode;

use crate::common::*;

fn po_numbers(xml: &str) -> Vec<(String, String)> {
    let doc = parse(xml);
    purchase_orders(&doc).iter().map(|po| (text(*po, "po-number").unwrap(), text(*po, "po-date").unwrap())).collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected.iter().map(|(n, d)| (n.to_string(), d.to_string())).collect()
}

#[tokio::test]
async fn a_day_window_is_inclusive_in_central_dates() {
    let sears = showcase().await;
    let reply = sears.purchase_orders(19, "&fromdate=2024-05-01&todate=2024-05-01").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type, "application/xml;charset=UTF-8");
    assert_eq!(
        po_numbers(&reply.body),
        pairs(&[
            ("0060180", "2024-05-01"),
            ("5000103", "2024-05-01"),
            ("5000104", "2024-05-01"),
            ("5000110", "2024-05-01"),
            ("5000111", "2024-05-01"),
            ("5000112", "2024-05-01"),
        ])
    );
    let reply = sears.purchase_orders(19, "&fromdate=2024-04-23&todate=2024-04-29").await;
    assert_eq!(
        po_numbers(&reply.body),
        pairs(&[("5000105", "2024-04-23"), ("5000116", "2024-04-23"), ("5000106", "2024-04-29")])
    );
    // Open-ended windows.
    assert_eq!(po_numbers(&sears.purchase_orders(19, "&fromdate=2024-05-02").await.body).len(), 8);
    assert_eq!(po_numbers(&sears.purchase_orders(19, "&todate=2024-04-29").await.body).len(), 3);
    assert_eq!(po_numbers(&sears.purchase_orders(19, "").await.body).len(), 17);
}

#[tokio::test]
async fn status_matches_case_insensitively() {
    let sears = showcase().await;
    let new = po_numbers(&sears.purchase_orders(19, "&status=NEW").await.body);
    assert_eq!(
        new,
        pairs(&[
            ("5000106", "2024-04-29"),
            ("0060180", "2024-05-01"),
            ("5000103", "2024-05-01"),
            ("5000104", "2024-05-01"),
            ("5000101", "2024-05-02"),
            ("5000102", "2024-05-02"),
            ("5000105", "2024-05-02"),
            ("5000107", "2024-05-02"),
            ("5000108", "2024-05-02"),
            ("5000114", "2024-05-02"),
            ("5000115", "2024-05-02"),
        ])
    );
    assert_eq!(
        po_numbers(&sears.purchase_orders(19, "&status=closed").await.body),
        pairs(&[("5000105", "2024-04-23"), ("5000111", "2024-05-01")])
    );
    assert_eq!(po_numbers(&sears.purchase_orders(19, "&status=Open").await.body), pairs(&[("5000110", "2024-05-01")]));
    assert_eq!(
        po_numbers(&sears.purchase_orders(19, "&status=ready%20to%20invoice").await.body),
        pairs(&[("5000112", "2024-05-01")])
    );
    assert_eq!(
        po_numbers(&sears.purchase_orders(19, "&status=Awaiting%20Seller%20Review").await.body),
        pairs(&[("5000113", "2024-05-02")])
    );
    assert_eq!(
        po_numbers(&sears.purchase_orders(19, "&status=New&fromdate=2024-05-01&todate=2024-05-01").await.body).len(),
        3
    );
}

#[tokio::test]
async fn po_number_and_po_date_pick_one_order() {
    let sears = showcase().await;
    assert_eq!(
        po_numbers(&sears.purchase_orders(19, "&ponumber=5000105").await.body),
        pairs(&[("5000105", "2024-04-23"), ("5000105", "2024-05-02")]),
        "a PO number may repeat on different dates"
    );
    let reply = sears.purchase_orders(19, "&ponumber=5000105&podate=2024-04-23").await;
    let doc = parse(&reply.body);
    let po = find_po(&doc, "5000105", "2024-04-23");
    assert_eq!(purchase_orders(&doc).len(), 1);
    assert_eq!(text(po, "po-status").as_deref(), Some("Closed"));
    assert_eq!(text(po, "customer-name").as_deref(), Some("Robert Hayes"));

    let reply = sears.purchase_orders(19, "&ponumber=0060180").await;
    let doc = parse(&reply.body);
    let po = find_po(&doc, "0060180", "2024-05-01");
    assert_eq!(text(po, "po-number-with-date").as_deref(), Some("202405010060180"));
    assert_eq!(text(po, "customer-order-confirmation-number").as_deref(), Some("90060180"));
    assert_eq!(
        sears.purchase_orders(19, "&ponumber=60180").await.error_detail().as_deref(),
        Some("No POs found"),
        "leading zeros are part of the number"
    );
}

#[tokio::test]
async fn nothing_found_is_the_namespaced_no_pos_found_response() {
    let sears = showcase().await;
    let reply = sears.purchase_orders(13, "&fromdate=2024-06-01&todate=2024-06-01").await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc = parse(&reply.body);
    assert_eq!(doc.root_element().tag_name().namespace(), Some("http://seller.marketplace.sears.com/shared/v1"));
    assert_eq!(child_names(doc.root_element()), vec!["error-detail"]);
    assert_eq!(reply.error_detail().as_deref(), Some("No POs found"));
    assert_eq!(sears.purchase_orders(19, "&status=Shipped").await.error_detail().as_deref(), Some("No POs found"));
}

#[tokio::test]
async fn bad_parameters_and_versions_are_error_details() {
    let sears = showcase().await;
    assert_eq!(
        sears.purchase_orders(19, "&fromdate=05/01/2024").await.error_detail().as_deref(),
        Some("Invalid fromdate '05/01/2024'; expected a date as yyyy-MM-dd")
    );
    assert_eq!(
        sears.purchase_orders(3, "").await.error_detail().as_deref(),
        Some("Unsupported version oms/purchaseorder/v3; this service accepts v4 to v19")
    );
    assert!(sears.purchase_orders(20, "").await.error_detail().is_some());
}

#[tokio::test]
async fn every_version_answers_in_its_own_namespace() {
    let sears = showcase().await;
    for version in 4..=19 {
        let reply = sears.purchase_orders(version, "&ponumber=5000101").await;
        let doc = parse(&reply.body);
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "po-response");
        assert_eq!(root.tag_name().namespace().unwrap(), format!("http://seller.marketplace.sears.com/oms/v{version}"));
    }
}

/// SC-14 has every optional field; which ones a version writes is its element set (SPEC.md §4.5).
#[tokio::test]
async fn each_version_writes_its_own_elements_in_xsd_order() {
    let sears = showcase().await;
    let head = [
        "customer-order-confirmation-number",
        "customer-email",
        "po-number",
        "po-date",
        "po-time",
        "po-number-with-date",
        "unit",
        "site",
        "channel",
        "location-id",
        "expected-ship-date",
    ];
    let middle = [
        "shipping-detail",
        "customer-name",
        "po-line",
        "po-line",
        "order-total-sell-price",
        "total-commission",
        "total-shipping-handling",
    ];
    let expected_order = |version: u8| -> Vec<&str> {
        let mut names: Vec<&str> = head.to_vec();
        if version >= 16 {
            names.push("promised-date");
        }
        names.extend(middle);
        names.push(if version >= 13 { "total-sales-tax" } else { "sales-tax" });
        names.extend(["balance-due", "po-status"]);
        if version >= 13 {
            names.push("tax-reference");
        }
        if version >= 15 {
            names.extend(["tax-certificate-url", "total-shipping-tax", "total-order-value", "tax-remitted-to-seller"]);
        }
        if version >= 19 {
            names.push("lease-order");
        }
        names
    };
    let expected_line_2 = |version: u8| -> Vec<&str> {
        let mut names = vec!["line-number", "item-id", "item-name"];
        if version >= 15 {
            names.push("item-class-id");
        }
        if version >= 16 {
            names.extend(["oms-order-item-id", "oms-parent-order-item-id"]);
        }
        names.extend([
            "unit-cost",
            "selling-price-each",
            "order-quantity",
            "commission",
            "sales-tax",
            "shipping-and-handling",
            "shipping-tax",
        ]);
        if version >= 18 {
            names.push("shipping-commission");
        }
        names
    };
    for version in [4, 12, 13, 14, 15, 16, 17, 18, 19] {
        let reply = sears.purchase_orders(version, "&ponumber=5000114").await;
        let doc = parse(&reply.body);
        let po = find_po(&doc, "5000114", "2024-05-02");
        assert_eq!(child_names(po), expected_order(version), "purchase-order children in v{version}");
        let line_2 =
            po.children().filter(|c| c.has_tag_name((po.tag_name().namespace().unwrap(), "po-line"))).nth(1).unwrap();
        let header = child(line_2, "po-line-header").unwrap();
        assert_eq!(child_names(header), expected_line_2(version), "po-line-header children in v{version}");
    }
}

#[tokio::test]
async fn the_version_fields_carry_the_showcase_values() {
    let sears = showcase().await;
    let reply = sears.purchase_orders(19, "&ponumber=5000114").await;
    let doc = parse(&reply.body);
    let po = find_po(&doc, "5000114", "2024-05-02");
    assert_eq!(text(po, "po-time").as_deref(), Some("18:20:00"));
    assert_eq!(text(po, "po-number-with-date").as_deref(), Some("202405025000114"));
    assert_eq!(text(po, "expected-ship-date").as_deref(), Some("2024-05-04"));
    assert_eq!(text(po, "promised-date").as_deref(), Some("2024-05-07"));
    assert_eq!(text(po, "order-total-sell-price").as_deref(), Some("149.98"));
    assert_eq!(text(po, "total-commission").as_deref(), Some("15.00"));
    assert_eq!(text(po, "total-shipping-handling").as_deref(), Some("5.99"));
    assert_eq!(text(po, "total-sales-tax").as_deref(), Some("9.37"));
    assert_eq!(text(po, "balance-due").as_deref(), Some("140.97"));
    assert_eq!(text(po, "total-shipping-tax").as_deref(), Some("0.37"));
    assert_eq!(text(po, "total-order-value").as_deref(), Some("165.71"));
    assert_eq!(
        text(po, "tax-certificate-url").as_deref(),
        Some("https://seller.marketplace.sears.com/tax/cert/5000114.pdf")
    );
    assert_eq!(text(po, "tax-remitted-to-seller").as_deref(), Some("N"));
    assert_eq!(text(po, "lease-order").as_deref(), Some("N"));
    let tax = child(po, "tax-reference").unwrap();
    assert_eq!(
        child_names(tax),
        vec![
            "delivery-tax-code",
            "tax-rate",
            "avp-taxing-jx-geo-code",
            "avp-taxing-jx-county",
            "transfer-to-state-code",
            "ship-to-taxware-geo"
        ]
    );
    assert_eq!(text(tax, "avp-taxing-jx-county").as_deref(), Some("025"));
    let lines: Vec<_> = po.children().filter(|c| c.is_element() && c.tag_name().name() == "po-line").collect();
    let l1 = child(lines[0], "po-line-header").unwrap();
    let l2 = child(lines[1], "po-line-header").unwrap();
    assert_eq!(text(l1, "item-class-id").as_deref(), Some("40123"));
    assert_eq!(text(l1, "oms-order-item-id").as_deref(), Some("900000114001"));
    assert_eq!(text(l1, "shipping-commission").as_deref(), Some("0.00"));
    assert_eq!(text(l1, "unit-cost").as_deref(), Some("116.99"));
    assert_eq!(text(l2, "oms-parent-order-item-id").as_deref(), Some("900000114001"));
    assert_eq!(text(l2, "shipping-tax").as_deref(), Some("0.37"));
    assert_eq!(text(l2, "shipping-commission").as_deref(), Some("0.60"));

    // v4 writes the order-level sales-tax instead (SC-01: 11.86).
    let reply = sears.purchase_orders(4, "&ponumber=5000101").await;
    let doc = parse(&reply.body);
    let po = find_po(&doc, "5000101", "2024-05-02");
    assert_eq!(text(po, "sales-tax").as_deref(), Some("11.86"));
    assert_eq!(text(po, "total-sales-tax"), None);
    assert_eq!(text(po, "total-order-value"), None);
    assert_eq!(text(po, "order-total-sell-price").as_deref(), Some("163.45"));
    assert_eq!(text(po, "total-commission").as_deref(), Some("16.35"));
    assert_eq!(text(po, "total-shipping-handling").as_deref(), Some("14.98"));
    assert_eq!(text(po, "balance-due").as_deref(), Some("162.08"));
    let reply = sears.purchase_orders(15, "&ponumber=5000101").await;
    assert_eq!(
        text(find_po(&parse(&reply.body), "5000101", "2024-05-02"), "total-order-value").as_deref(),
        Some("190.29")
    );
}

#[tokio::test]
async fn gift_fees_memos_and_non_ascii_survive_the_round_trip() {
    let sears = showcase().await;
    let reply = sears.purchase_orders(13, "&ponumber=5000102").await;
    let doc = parse(&reply.body);
    let po = find_po(&doc, "5000102", "2024-05-02");
    assert_eq!(text(po, "customer-name").as_deref(), Some("Zoë Ångström-Müller"));
    let ship = child(po, "shipping-detail").unwrap();
    assert_eq!(
        child_names(ship),
        vec!["ship-to-name", "address", "address", "city", "state", "zipcode", "phone", "shipping-method"]
    );
    assert_eq!(text(ship, "ship-to-name").as_deref(), Some("Renée O'Connor"));
    let addresses: Vec<_> = ship
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "address")
        .map(|c| c.text().unwrap())
        .collect();
    assert_eq!(addresses, vec!["350 Fifth Avenue", "Apt 4B"]);
    assert_eq!(text(ship, "shipping-method").as_deref(), Some("Priority"));
    let line = po.children().find(|c| c.is_element() && c.tag_name().name() == "po-line").unwrap();
    let header = child(line, "po-line-header").unwrap();
    assert_eq!(text(header, "item-name").as_deref(), Some("Plush Teddy Bear 12\" & Friends"));
    assert_eq!(text(header, "handling-instructions").as_deref(), Some("fragile"));
    assert_eq!(text(header, "handling-ind").as_deref(), Some("f"));
    let fees: Vec<(String, String)> = child(header, "fees")
        .unwrap()
        .children()
        .filter(|c| c.is_element())
        .map(|f| (f.attribute("type").unwrap().to_owned(), f.text().unwrap().to_owned()))
        .collect();
    assert_eq!(
        fees,
        vec![("Gift Wrap Fee".to_owned(), "4.99".to_owned()), ("Promo Discount".to_owned(), "-3.00".to_owned())]
    );
    let gift = child(header, "gift-message-details").unwrap();
    assert_eq!(text(gift, "gift-message").as_deref(), Some("Happy birthday, Léa! Love, Grandma & Grandpa"));
    let detail = child(line, "po-line-detail").unwrap();
    assert_eq!(child_names(detail), vec!["po-line-status", "quantity", "internal-memo", "external-memo"]);
    assert_eq!(text(detail, "po-line-status").as_deref(), Some("NEW"));
    assert_eq!(text(detail, "internal-memo").as_deref(), Some("Wrap in blue paper"));
    assert_eq!(text(detail, "external-memo").as_deref(), Some("Thank you for shopping with us!"));
    assert_eq!(text(po, "balance-due").as_deref(), Some("33.08"));
}

#[tokio::test]
async fn buckets_pickup_store_and_blank_address_orders() {
    let sears = showcase().await;
    let reply = sears.purchase_orders(19, "&fromdate=2024-05-01&todate=2024-05-02").await;
    let doc = parse(&reply.body);

    // SC-10: two buckets per line, memo in the first one, shipment recorded.
    let po = find_po(&doc, "5000110", "2024-05-01");
    let buckets: Vec<Vec<(String, String)>> = po
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "po-line")
        .map(|line| {
            line.children()
                .filter(|c| c.is_element() && c.tag_name().name() == "po-line-detail")
                .map(|d| (text(d, "po-line-status").unwrap(), text(d, "quantity").unwrap()))
                .collect()
        })
        .collect();
    let owned = |v: &[(&str, &str)]| v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>();
    assert_eq!(buckets, vec![owned(&[("NEW", "2"), ("SHIPPED", "1")]), owned(&[("NEW", "1"), ("CANCELLED", "1")])]);
    let first_detail = po.descendants().find(|n| n.is_element() && n.tag_name().name() == "po-line-detail").unwrap();
    assert_eq!(text(first_detail, "internal-memo").as_deref(), Some("Customer asked for two boxes"));
    let shipment = child(child(po, "po-shipment-info").unwrap(), "shipment").unwrap();
    assert_eq!(text(shipment, "ship-method").as_deref(), Some("Ground"));
    assert_eq!(text(shipment, "shipment-tracking-number").as_deref(), Some("1Z999AA10123456791"));
    assert_eq!(text(po, "po-status").as_deref(), Some("Open"));

    // SC-03: pickup.
    let po = find_po(&doc, "5000103", "2024-05-01");
    let lmp = child(po, "lmp-details").unwrap();
    assert_eq!(
        child_names(lmp),
        vec![
            "order-type",
            "pickup-ind",
            "pickup-location",
            "delivery-instructions",
            "dropoff-ind",
            "expected-pickup-date",
            "ucc-barcode"
        ]
    );
    assert_eq!(text(lmp, "order-type").as_deref(), Some("customer-pickup"));
    assert_eq!(text(lmp, "expected-pickup-date").as_deref(), Some("2024-05-03T10:00:00"));
    assert_eq!(text(child(lmp, "pickup-location").unwrap(), "name").as_deref(), Some("Sears Hometown Store #1234"));
    assert_eq!(text(po, "po-time").as_deref(), Some("11:02:33"));

    // SC-04: ship to store, after shipping-detail.
    let po = find_po(&doc, "5000104", "2024-05-01");
    let names = child_names(po);
    let at = |n: &str| names.iter().position(|x| x == n).unwrap();
    assert_eq!(at("ship-to-store-detail"), at("shipping-detail") + 1);
    let store = child(po, "ship-to-store-detail").unwrap();
    assert_eq!(text(store, "address").as_deref(), Some("Sears Store #2211, 1000 W Oaks Mall"));
    assert_eq!(text(store, "store-delivery-date").as_deref(), Some("2024-05-06"));
    assert_eq!(text(po, "customer-name").as_deref(), Some("Nguyễn Văn An"));

    // SC-07: the elements are there, blank.
    let po = find_po(&doc, "5000107", "2024-05-02");
    let ship = child(po, "shipping-detail").unwrap();
    for name in ["address", "city", "state", "zipcode", "phone"] {
        assert_eq!(text(ship, name).as_deref(), Some(""), "{name}");
    }

    // SC-15: the pending customer cancellation shows on line 1 only.
    let po = find_po(&doc, "5000115", "2024-05-02");
    let warnings: Vec<Option<String>> = po
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "po-line")
        .map(|l| text(child(l, "po-line-header").unwrap(), "customer-cancellation-warning"))
        .collect();
    assert_eq!(
        warnings,
        vec![
            Some("Customer requested cancellation on 2024-05-02 (cancel-request-id 700001); check the cancellation request before shipping".to_owned()),
            None
        ]
    );

    // SC-08: the long SKU is served as is.
    let po = find_po(&doc, "5000108", "2024-05-02");
    let item = text(child(child(po, "po-line").unwrap(), "po-line-header").unwrap(), "item-id").unwrap();
    assert_eq!(item, "KNMR-REFRIGERATOR-DOOR-SHELF-BIN-GALLON-WHT-XL");
    assert_eq!(item.chars().count(), 46);
}

#[tokio::test]
async fn shipping_carriers_come_from_the_official_list() {
    let sears = showcase().await;
    let reply = sears.get(&format!("oms/shipping-carrier/v1?{}", sears.seller_query())).await;
    let doc = parse(&reply.body);
    assert_eq!(doc.root_element().tag_name().namespace(), Some("http://seller.marketplace.sears.com/oms/v1"));
    let carriers: Vec<_> = doc.root_element().children().filter(|c| c.is_element()).collect();
    let first = carriers[0];
    assert_eq!(text(first, "shipping-carrier").as_deref(), Some("UPS"));
    assert_eq!(text(first, "shipping-carrier-description").as_deref(), Some("United Parcel Service"));
    let methods: Vec<String> = child(first, "shipping-methods")
        .unwrap()
        .children()
        .filter(|c| c.is_element())
        .map(|m| text(m, "shipping-method").unwrap())
        .collect();
    assert_eq!(methods, vec!["Next Day Saver", "Ground", "Next Day", "Second Day", "SurePost"]);
    let method_rows =
        doc.descendants().filter(|n| n.is_element() && n.tag_name().name() == "shipping-method-details").count();
    assert_eq!(method_rows, 121, "SPEC.md §5.3: 121 carrier/method rows");
    let avrt = carriers.iter().filter(|c| text(**c, "shipping-carrier").as_deref() == Some("AVRT")).count();
    assert_eq!(avrt, 2, "AVRT appears twice in the official list");
}
