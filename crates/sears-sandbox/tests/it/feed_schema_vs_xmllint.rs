//! The sandbox's structural feed checker against xmllint with the official XSDs: a corpus of broken feeds that
//! both reject (the sandbox with an error-detail naming the problem), the official samples that both accept, and
//! over 1,000 mechanical mutations of valid feeds on which both must agree, feed by feed.

use std::collections::BTreeSet;

use wharf_sears_sandbox::feed_schema::{ASN_V7, FeedSchema, ORDER_CANCEL_V1};

use crate::common::*;

const ASN_XSD: &str = "oms-import-v7-asn.xsd";
const CANCEL_XSD: &str = "oms-import-v1-order-cancel.xsd";

fn asn_doc(shipment_body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<shipment-feed xmlns=\"http://seller.marketplace.sears.com/oms/v7\">{shipment_body}</shipment-feed>"
    )
}

const HEADER: &str = "<header><po-number>5000101</po-number><po-date>2024-05-02</po-date></header>";
const PACKAGE: &str = "<package-detail><line-number>1</line-number><item-id>KTCH-BLND-600W-BLK</item-id><quantity>1</quantity></package-detail>";

fn detail(inner: &str) -> String {
    format!(
        "<detail><tracking-number>1Z1</tracking-number><ship-date>2024-05-03</ship-date><shipping-carrier>UPS</shipping-carrier><shipping-method>Ground</shipping-method>{inner}</detail>"
    )
}

fn shipment(header: &str, detail: &str) -> String {
    asn_doc(&format!("<shipment>{header}{detail}</shipment>"))
}

fn package(line: &str, item: &str, quantity: &str) -> String {
    detail(&format!(
        "<package-detail><line-number>{line}</line-number><item-id>{item}</item-id><quantity>{quantity}</quantity></package-detail>"
    ))
}

fn header(po_number: &str, po_date: &str, extra: &str) -> String {
    format!("<header>{extra}<po-number>{po_number}</po-number><po-date>{po_date}</po-date></header>")
}

fn cancel_doc(inner: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<order-cancel-feed xmlns=\"http://seller.marketplace.sears.com/oms/v1\">{inner}</order-cancel-feed>"
    )
}

fn cancel_record(po_number: &str, po_date: &str, line: &str, item: &str, cancel: &str) -> String {
    cancel_doc(&format!(
        "<order-cancel><header><po-number>{po_number}</po-number><po-date>{po_date}</po-date></header>\
         <detail><line-number>{line}</line-number><item-id>{item}</item-id>{cancel}</detail></order-cancel>"
    ))
}

fn cancel_element(status: &str, reason: &str) -> String {
    format!("<cancel><line-status>{status}</line-status><cancel-reason>{reason}</cancel-reason></cancel>")
}

/// (what is wrong, the feed, a piece of the error-detail that names it)
fn broken_asn_feeds() -> Vec<(&'static str, String, &'static str)> {
    let ok_detail = detail(PACKAGE);
    vec![
        (
            "wrong root",
            shipment(HEADER, &ok_detail).replace("shipment-feed", "shipment-feeds"),
            "the root element is 'shipment-feeds'",
        ),
        (
            "old namespace",
            shipment(HEADER, &ok_detail).replace("oms/v7", "oms/v5"),
            "in namespace http://seller.marketplace.sears.com/oms/v5",
        ),
        (
            "no namespace",
            shipment(HEADER, &ok_detail).replace(" xmlns=\"http://seller.marketplace.sears.com/oms/v7\"", ""),
            "'shipment-feed' without a namespace",
        ),
        ("no shipment", asn_doc(""), "'shipment-feed' is missing the required element 'shipment'"),
        (
            "no po-number",
            shipment("<header><po-date>2024-05-02</po-date></header>", &ok_detail),
            "element 'po-date' is not expected in 'header'; expected 'po-number'",
        ),
        (
            "po-date before po-number",
            shipment("<header><po-date>2024-05-02</po-date><po-number>5000101</po-number></header>", &ok_detail),
            "expected 'po-number'",
        ),
        (
            "impossible date",
            shipment(&header("5000101", "2024-02-30", ""), &ok_detail),
            "'po-date': '2024-02-30' is not a valid date",
        ),
        (
            "date with spaces",
            shipment(&header("5000101", " 2024-05-02 ", ""), &ok_detail),
            "'po-date': ' 2024-05-02 ' is not a valid date",
        ),
        (
            "US date",
            shipment(HEADER, &detail(PACKAGE).replace("2024-05-03", "05/03/2024")),
            "'ship-date': '05/03/2024' is not a valid date",
        ),
        (
            "no ship-date",
            shipment(HEADER, &detail(PACKAGE).replace("<ship-date>2024-05-03</ship-date>", "")),
            "expected 'ship-date'",
        ),
        ("no package", shipment(HEADER, &detail("")), "'detail' is missing the required element 'package-detail'"),
        ("line 0", shipment(HEADER, &package("0", "A", "1")), "'line-number': '0' is not a positive integer"),
        ("line 1.0", shipment(HEADER, &package("1.0", "A", "1")), "'line-number': '1.0' is not a positive integer"),
        (
            "negative quantity",
            shipment(HEADER, &package("1", "A", "-1")),
            "'quantity': '-1' is not a non-negative integer",
        ),
        ("empty quantity", shipment(HEADER, &package("1", "A", "")), "'quantity': '' is not a non-negative integer"),
        (
            "item-id of 51",
            shipment(HEADER, &package("1", &"X".repeat(51), "1")),
            "is 51 characters; at most 50 are allowed",
        ),
        (
            "tracking of 46",
            shipment(HEADER, &detail(PACKAGE).replace("1Z1", &"1".repeat(46))),
            "is 46 characters; at most 45 are allowed",
        ),
        (
            "asn-number of 21",
            shipment(
                &header("5000101", "2024-05-02", &format!("<asn-number>{}</asn-number>", "0".repeat(21))),
                &ok_detail,
            ),
            "at most 20 are allowed",
        ),
        (
            "unknown element",
            shipment(HEADER, &detail(PACKAGE).replace("<ship-date>", "<carrier-code>UPS</carrier-code><ship-date>")),
            "element 'carrier-code' is not expected in 'detail'",
        ),
        (
            "two headers",
            shipment(&format!("{HEADER}{HEADER}"), &ok_detail),
            "element 'header' is not expected in 'shipment'; expected 'detail'",
        ),
        (
            "text in a container",
            shipment(&format!("junk{HEADER}"), &ok_detail),
            "text 'junk' is not allowed in 'shipment'",
        ),
        (
            "attribute",
            shipment(&HEADER.replace("<header>", "<header id=\"1\">"), &ok_detail),
            "attribute 'id' is not allowed on element 'header'",
        ),
        (
            "element inside a value",
            shipment(&header("5000<b>101</b>", "2024-05-02", ""), &ok_detail),
            "'po-number' holds a value, not elements",
        ),
        (
            "xsi:nil",
            shipment(
                &HEADER.replace(
                    "<po-date>",
                    "<po-date xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:nil=\"true\">",
                ),
                &ok_detail,
            ),
            "attribute 'xsi:nil' is not allowed",
        ),
        (
            "deprecated last",
            asn_doc(&format!("<shipment>{HEADER}{ok_detail}</shipment><deprecated>2030-01-01</deprecated>")),
            "element 'deprecated' is not expected in 'shipment-feed'",
        ),
        ("not well-formed", shipment(HEADER, &ok_detail).replace("</shipment>", ""), "the body is not well-formed XML"),
        (
            "foreign element",
            shipment(
                HEADER,
                &detail(PACKAGE).replace("<ship-date>", "<x:note xmlns:x=\"urn:notes\">hi</x:note><ship-date>"),
            ),
            "element 'note' in namespace urn:notes is not expected",
        ),
        (
            "po-time before po-date",
            shipment(
                "<header><po-number>1</po-number><po-time>09:00:00</po-time><po-date>2024-05-02</po-date></header>",
                &ok_detail,
            ),
            "element 'po-time' is not expected in 'header'; expected 'po-date'",
        ),
        (
            "detail before header",
            asn_doc(&format!("<shipment>{ok_detail}{HEADER}</shipment>")),
            "element 'detail' is not expected in 'shipment'; expected 'header'",
        ),
        (
            "no shipping-method",
            shipment(HEADER, &detail(PACKAGE).replace("<shipping-method>Ground</shipping-method>", "")),
            "element 'package-detail' is not expected in 'detail'; expected 'shipping-method'",
        ),
    ]
}

fn broken_cancel_feeds() -> Vec<(&'static str, String, &'static str)> {
    let ok = cancel_element("Canceled", "OUT-OF-STOCK");
    vec![
        (
            "two-l Cancelled",
            cancel_record("5000101", "2024-05-02", "1", "A", &cancel_element("Cancelled", "OUT-OF-STOCK")),
            "'line-status' must be 'Canceled', not 'Cancelled'",
        ),
        (
            "spaced Canceled",
            cancel_record("5000101", "2024-05-02", "1", "A", &cancel_element(" Canceled", "OUT-OF-STOCK")),
            "must be 'Canceled', not ' Canceled'",
        ),
        (
            "reason with underscores",
            cancel_record("5000101", "2024-05-02", "1", "A", &cancel_element("Canceled", "OUT_OF_STOCK")),
            "'cancel-reason': 'OUT_OF_STOCK' is not one of DISCONTINUED-ITEM",
        ),
        (
            "reason in lower case",
            cancel_record("5000101", "2024-05-02", "1", "A", &cancel_element("Canceled", "other")),
            "'other' is not one of",
        ),
        (
            "letters in po-number",
            cancel_record("ABC", "2024-05-02", "1", "A", &ok),
            "'po-number': 'ABC' is not a positive integer",
        ),
        ("po-number 0", cancel_record("0", "2024-05-02", "1", "A", &ok), "'po-number': '0' is not a positive integer"),
        (
            "no cancel",
            cancel_record("5000101", "2024-05-02", "1", "A", ""),
            "'detail' is missing the required element 'cancel'",
        ),
        (
            "two cancels",
            cancel_record("5000101", "2024-05-02", "1", "A", &format!("{ok}{ok}")),
            "element 'cancel' is not expected in 'detail'",
        ),
        (
            "item-id of 51",
            cancel_record("5000101", "2024-05-02", "1", &"Y".repeat(51), &ok),
            "is 51 characters; at most 50 are allowed",
        ),
        (
            "ASN namespace",
            cancel_record("5000101", "2024-05-02", "1", "A", &ok).replace("oms/v1", "oms/v7"),
            "in namespace http://seller.marketplace.sears.com/oms/v7",
        ),
        (
            "no po-date",
            cancel_doc(&format!(
                "<order-cancel><header><po-number>1</po-number></header><detail><line-number>1</line-number><item-id>A</item-id>{ok}</detail></order-cancel>"
            )),
            "'header' is missing the required element 'po-date'",
        ),
        (
            "quantity element",
            cancel_record("5000101", "2024-05-02", "1", "A", &format!("<quantity>1</quantity>{ok}")),
            "element 'quantity' is not expected in 'detail'; expected 'cancel'",
        ),
        ("empty feed", cancel_doc(""), "'order-cancel-feed' is missing the required element 'order-cancel'"),
        (
            "month 13",
            cancel_record("5000101", "2024-13-01", "1", "A", &ok),
            "'po-date': '2024-13-01' is not a valid date",
        ),
    ]
}

#[tokio::test]
async fn broken_feeds_are_refused_by_the_sandbox_and_by_xmllint() {
    let sears = showcase().await;
    for (kind, xsd, corpus) in [("asn", ASN_XSD, broken_asn_feeds()), ("cancel", CANCEL_XSD, broken_cancel_feeds())] {
        let documents: Vec<String> = corpus.iter().map(|(_, xml, _)| xml.clone()).collect();
        let (verdicts, messages) = xmllint_verdicts(xsd, &documents);
        for ((what, xml, expected), xmllint_valid) in corpus.iter().zip(verdicts) {
            assert!(!xmllint_valid, "{what}: xmllint accepts it, so it is not a broken feed:\n{xml}\n{messages}");
            let reply = if kind == "asn" { sears.put_asn(xml).await } else { sears.put_cancel(xml).await };
            let detail =
                reply.error_detail().unwrap_or_else(|| panic!("{what}: the sandbox accepted it: {}", reply.body));
            assert!(detail.starts_with(&format!("The feed does not match {xsd}: line ")), "{what}: {detail}");
            assert!(detail.contains(expected), "{what}: the error-detail should say {expected:?}, it says {detail:?}");
        }
    }
    assert!(
        sears.sandbox.control().feeds(None).iter().all(|f| f.document_id.is_none()),
        "no broken feed got a document-id"
    );
}

#[tokio::test]
async fn the_official_samples_are_accepted_by_both() {
    let sears = showcase().await;
    let asn_sample = std::fs::read_to_string(spec_dir().join("samples/oms-import-v7-asn.xml")).unwrap();
    let cancel_sample = std::fs::read_to_string(spec_dir().join("samples/oms-import-v1-order-cancel.xml")).unwrap();
    assert_valid(ASN_XSD, std::slice::from_ref(&asn_sample));
    assert_valid(CANCEL_XSD, std::slice::from_ref(&cancel_sample));
    // Accepted as feeds; their POs are not in this sandbox, which the processing report says per record.
    let id = sears.put_asn(&asn_sample).await.document_id();
    let (accepted, rejected, errors) = report_results(&sears.finished_report(id).await);
    assert_eq!((accepted, rejected), (0, 8));
    assert_eq!(errors[0], (1, vec!["purchase order 40830601 dated 2014-09-24 does not exist".to_owned()]));
    let id = sears.put_cancel(&cancel_sample).await.document_id();
    assert_eq!(
        report_results(&sears.finished_report(id).await).2,
        vec![(1, vec!["purchase order 7654321 dated 2012-12-01 does not exist".to_owned()])]
    );
}

const RICH_ASN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<shipment-feed xmlns="http://seller.marketplace.sears.com/oms/v7" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://seller.marketplace.sears.com/oms/v7 asn.xsd">
  <deprecated>2030-01-01</deprecated>
  <shipment>
    <header><asn-number>0000000001</asn-number><po-number>5000101</po-number><po-date>2024-05-02</po-date><po-time>09:15:00</po-time><unit>9301</unit><site>sears</site><channel>FBM</channel><location-id>27</location-id></header>
    <detail><tracking-number>1Z999AA10000000001</tracking-number><ship-date>2024-05-03</ship-date><shipping-carrier>UPS</shipping-carrier><shipping-method>Ground</shipping-method>
      <package-detail><line-number>1</line-number><item-id>KTCH-BLND-600W-BLK</item-id><quantity>2</quantity></package-detail>
      <package-detail><line-number>2</line-number><item-id>HOME-TOWEL-6PC-GRY</item-id><quantity>1</quantity></package-detail>
    </detail>
    <detail><ship-date>2024-05-03</ship-date><shipping-carrier>USPS</shipping-carrier><shipping-method>Priority</shipping-method>
      <package-detail><line-number>3</line-number><item-id>LED-A19-60W-4PK</item-id><quantity>3</quantity></package-detail>
    </detail>
  </shipment>
  <shipment>
    <header><po-number>0060180</po-number><po-date>2024-05-01</po-date></header>
    <detail><ship-date>2024-05-03</ship-date><shipping-carrier>FDE</shipping-carrier><shipping-method>Next Day</shipping-method>
      <package-detail><line-number>1</line-number><item-id>FAN-BOX-20IN</item-id><quantity>2</quantity></package-detail>
    </detail>
  </shipment>
</shipment-feed>
"#;

const RICH_CANCEL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<order-cancel-feed xmlns="http://seller.marketplace.sears.com/oms/v1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://seller.marketplace.sears.com/oms/v1 order-cancel.xsd">
  <order-cancel>
    <header><po-number>5000101</po-number><po-date>2024-05-02</po-date></header>
    <detail><line-number>1</line-number><item-id>KTCH-BLND-600W-BLK</item-id><cancel><line-status>Canceled</line-status><cancel-reason>OUT-OF-STOCK</cancel-reason></cancel></detail>
    <detail><line-number>2</line-number><item-id>HOME-TOWEL-6PC-GRY</item-id><cancel><line-status>Canceled</line-status><cancel-reason>OTHER</cancel-reason></cancel></detail>
  </order-cancel>
</order-cancel-feed>
"#;

/// Text values that probe the simple types: dates, integers, lengths, enumerations, whitespace, entities.
fn probe_values() -> Vec<String> {
    let mut values: Vec<String> = [
        "",
        " ",
        "0",
        "-0",
        "+0",
        "+7",
        "007",
        " 12 ",
        "1.0",
        "-1",
        "abc",
        "1 2",
        "2024-02-29",
        "2024-02-30",
        "2023-02-29",
        " 2024-05-03",
        "2024-05-03Z",
        "2024-05-03+14:00",
        "2024-05-03+14:30",
        "2024-05-03T10:00:00",
        "12024-05-03",
        "Canceled",
        "Canceled ",
        "canceled",
        "OTHER",
        "OUT-OF-STOCK",
        "out-of-stock",
        "INVALID-ITEM-SKU",
        "123456789012345678901234",
        "1234567890123456789012345",
        "&amp;",
        "<![CDATA[5]]>",
        "1<!-- c -->2",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for (c, n) in [('x', 20), ('x', 21), ('x', 45), ('x', 46), ('x', 50), ('x', 51), ('é', 50), ('é', 51)] {
        values.push(std::iter::repeat_n(c, n).collect());
    }
    values
}

/// Mechanical mutations of a valid feed: each element deleted, duplicated, swapped with its next sibling, renamed,
/// given an attribute or a foreign namespace, containers given an unknown child or text, and the first leaf of
/// each name given every probe value.
fn mutations(xml: &str) -> Vec<(String, String)> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    let mut out = Vec::new();
    let splice =
        |range: std::ops::Range<usize>, with: &str| format!("{}{with}{}", &xml[..range.start], &xml[range.end..]);
    let mut seen_leaves = BTreeSet::new();
    for node in doc.descendants().filter(|n| n.is_element()) {
        let name = node.tag_name().name();
        let range = node.range();
        let element = &xml[range.clone()];
        let open_end = range.start + element.find('>').unwrap();
        let close_start = range.end - name.len() - 3;
        let label = |what: &str| format!("{what} <{name}> at {}", range.start);
        let is_root = node.parent().is_some_and(|p| p.is_root());
        if !is_root {
            out.push((label("delete"), splice(range.clone(), "")));
            out.push((label("duplicate"), splice(range.end..range.end, element)));
            if let Some(next) = node.next_siblings().skip(1).find(|n| n.is_element()) {
                let next_range = next.range();
                let swapped = format!(
                    "{}{}{}{}{}",
                    &xml[..range.start],
                    &xml[next_range.clone()],
                    &xml[range.end..next_range.start],
                    element,
                    &xml[next_range.end..]
                );
                out.push((label("swap with next"), swapped));
            }
            let renamed = format!(
                "{}{name}x{}{name}x>{}",
                &xml[..range.start + 1],
                &xml[range.start + 1 + name.len()..close_start + 2],
                &xml[range.end..]
            );
            out.push((label("rename"), renamed));
            out.push((
                label("foreign namespace"),
                splice(range.start + 1 + name.len()..range.start + 1 + name.len(), " xmlns=\"urn:other\""),
            ));
        }
        out.push((
            label("attribute"),
            splice(range.start + 1 + name.len()..range.start + 1 + name.len(), " flag=\"1\""),
        ));
        out.push((
            label("xsi:nil"),
            splice(range.start + 1 + name.len()..range.start + 1 + name.len(), " xsi:nil=\"false\""),
        ));
        let has_children = node.children().any(|c| c.is_element());
        if has_children {
            out.push((label("unknown child"), splice(open_end + 1..open_end + 1, "<extra/>")));
            out.push((label("text"), splice(open_end + 1..open_end + 1, "junk")));
        } else if seen_leaves.insert(name) {
            for value in probe_values() {
                out.push((format!("{} = {value:?}", label("value")), splice(open_end + 1..close_start, &value)));
            }
            out.push((label("empty element"), splice(range.clone(), &format!("<{name}/>"))));
        }
    }
    out
}

fn agree_with_xmllint(schema: &FeedSchema, xsd: &str, base: &str) -> usize {
    let mutants = mutations(base);
    let documents: Vec<String> = mutants.iter().map(|(_, xml)| xml.clone()).collect();
    let (verdicts, _) = xmllint_verdicts(xsd, &documents);
    let valid = verdicts.iter().filter(|v| **v).count();
    assert!(
        valid >= 10 && verdicts.len() - valid >= 100,
        "the mutations must probe both sides: {valid} valid of {}",
        verdicts.len()
    );
    let mut disagreements = Vec::new();
    for ((what, xml), xmllint_valid) in mutants.iter().zip(verdicts) {
        let sandbox_valid = schema.check(xml).is_ok();
        if sandbox_valid != xmllint_valid {
            let reason = schema.check(xml).err().map(|e| e.to_string()).unwrap_or_default();
            disagreements.push(format!("{what}: xmllint {xmllint_valid}, sandbox {sandbox_valid} {reason}"));
        }
    }
    assert!(disagreements.is_empty(), "{} disagreements on {xsd}:\n{}", disagreements.len(), disagreements.join("\n"));
    mutants.len()
}

#[test]
fn the_checker_and_xmllint_agree_on_every_mutation() {
    assert_valid(ASN_XSD, &[RICH_ASN.to_owned()]);
    assert_valid(CANCEL_XSD, &[RICH_CANCEL.to_owned()]);
    let asn_cases = agree_with_xmllint(&ASN_V7, ASN_XSD, RICH_ASN);
    let cancel_cases = agree_with_xmllint(&ORDER_CANCEL_V1, CANCEL_XSD, RICH_CANCEL);
    let sample = std::fs::read_to_string(spec_dir().join("samples/oms-import-v1-order-cancel.xml")).unwrap();
    let sample_cases = agree_with_xmllint(&ORDER_CANCEL_V1, CANCEL_XSD, &sample);
    assert!(asn_cases + cancel_cases + sample_cases > 1000, "{asn_cases} + {cancel_cases} + {sample_cases}");
}
