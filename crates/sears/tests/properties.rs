//! Property tests: random purchase-order documents (odd but valid XML: entities, CDATA, comments, unknown
//! elements, non-canonical numbers) read to a neutral form equal to an independent roxmltree flattening;
//! no input, however broken, makes a parser panic.

mod common;

use bytes::Bytes;
use common::{fixture, flatten_purchase_orders, sample};
use proptest::prelude::*;
use wharf_sears::{
    ApiResponse, OrderCancelFeed, PoResponse, ProcessingReport, ShipmentFeed, ShippingCarriers, decode_document,
};

/// A character XML 1.0 can carry (roxmltree rejects the others, and so would Sears's parser).
fn xml_char() -> impl Strategy<Value = char> {
    prop_oneof![
        8 => proptest::char::range('a', 'z'),
        2 => Just(' '),
        1 => prop::sample::select(vec!['&', '<', '>', '"', '\'', '\t', '\n', '\r', ']', 'é', 'ß', '€', '𝄞', '\u{a0}']),
        1 => any::<char>().prop_filter("XML character", |&c| {
            matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        }),
    ]
}

fn raw_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(xml_char(), 0..16).prop_map(|chars| chars.into_iter().collect())
}

/// Text written in one of the ways XML allows: escaped, with character references, as CDATA, cut by a
/// comment.
fn written_text() -> impl Strategy<Value = String> {
    (raw_text(), 0u8..4, any::<bool>()).prop_map(|(text, style, padded)| {
        let escaped =
            |t: &str| t.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('\r', "&#13;");
        let body = match style {
            0 => escaped(&text),
            1 => text
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c.to_string() } else { format!("&#x{:X};", c as u32) })
                .collect(),
            2 if !text.contains("]]>") && !text.contains('\r') => format!("<![CDATA[{text}]]>"),
            _ => {
                let middle = text.char_indices().nth(text.chars().count() / 2).map_or(text.len(), |(i, _)| i);
                format!("{}<!-- cut -->{}", escaped(&text[..middle]), escaped(&text[middle..]))
            }
        };
        if padded { format!("\n   {body} ") } else { body }
    })
}

fn decimal_text() -> impl Strategy<Value = String> {
    (prop::sample::select(vec!["", "", "-", "+"]), "0{0,2}[0-9]{0,5}", proptest::option::of("[0-9]{0,4}"))
        .prop_filter("a digit somewhere", |(_, int, frac)| {
            !int.is_empty() || frac.as_ref().is_some_and(|f| !f.is_empty())
        })
        .prop_map(|(sign, int, frac)| match frac {
            Some(frac) => format!("{sign}{int}.{frac}"),
            None => format!("{sign}{int}"),
        })
}

fn whole_text() -> impl Strategy<Value = String> {
    "(\\+)?0{0,2}[1-9][0-9]{0,4}"
}

/// An element the client has no field for, with attributes and children.
fn unknown_element() -> impl Strategy<Value = String> {
    let leaf = ("[a-z]{1,6}", written_text()).prop_map(|(name, text)| format!("<x-{name}>{text}</x-{name}>"));
    leaf.prop_recursive(3, 12, 3, |inner| {
        ("[a-z]{1,6}", proptest::collection::vec(inner, 0..3), proptest::option::of(raw_text())).prop_map(
            |(name, children, attribute)| {
                let attribute = attribute
                    .map(|a| {
                        format!(" note=\"{}\"", a.replace('&', "&amp;").replace('<', "&lt;").replace('"', "&quot;"))
                    })
                    .unwrap_or_default();
                format!("<ext:{name}{attribute}>{}</ext:{name}>", children.concat())
            },
        )
    })
}

fn maybe_unknown() -> impl Strategy<Value = String> {
    proptest::option::weighted(0.2, unknown_element()).prop_map(Option::unwrap_or_default)
}

fn leaf(name: &str, text: &str) -> String {
    format!("<{name}>{text}</{name}>")
}

prop_compose! {
    fn po_line()(line in whole_text(), sku in written_text(), name in proptest::option::of(written_text()),
                 price in decimal_text(), quantity in whole_text(), commission in proptest::option::of(decimal_text()),
                 fees in proptest::option::of(proptest::collection::vec((proptest::option::of(raw_text()), decimal_text()), 0..3)),
                 gift in proptest::option::of(proptest::collection::vec(written_text(), 0..3)),
                 details in proptest::collection::vec((written_text(), whole_text(), proptest::option::of(written_text())), 0..3),
                 extra in maybe_unknown()) -> String {
        let mut header = leaf("line-number", &line) + &leaf("item-id", &sku);
        if let Some(name) = name { header += &leaf("item-name", &name); }
        header += &leaf("selling-price-each", &price);
        header += &leaf("order-quantity", &quantity);
        if let Some(commission) = commission { header += &leaf("commission", &commission); }
        if let Some(fees) = fees {
            header += "<fees>";
            for (fee_type, amount) in fees {
                match fee_type {
                    Some(t) => header += &format!("<fee type=\"{}\">{amount}</fee>", t.replace('&', "&amp;").replace('<', "&lt;").replace('"', "&quot;")),
                    None => header += &format!("<fee>{amount}</fee>"),
                }
            }
            header += "</fees>";
        }
        if let Some(parts) = gift {
            header += "<gift-message-details>";
            for (i, part) in parts.iter().enumerate() { header += &format!("<part{i}>{part}</part{i}>"); }
            header += "</gift-message-details>";
        }
        header += &extra;
        let mut line = format!("<po-line><po-line-header>{header}</po-line-header>");
        for (status, quantity, memo) in details {
            line += &format!("<po-line-detail>{}{}{}</po-line-detail>", leaf("po-line-status", &status), leaf("quantity", &quantity),
                             memo.map(|m| leaf("internal-memo", &m)).unwrap_or_default());
        }
        line + "</po-line>"
    }
}

prop_compose! {
    fn purchase_order()(number in "0{0,2}[1-9][0-9]{0,8}", year in 2000i32..2030, month in 1u32..=12, day in 1u32..=28,
                        time in proptest::option::of(prop::sample::select(vec!["20:45:48", "00:00", "23:59:59"])),
                        email in proptest::option::of(written_text()),
                        addresses in proptest::collection::vec(written_text(), 0..4),
                        city in proptest::option::of(written_text()),
                        lines in proptest::collection::vec(po_line(), 1..4),
                        total in proptest::option::of(decimal_text()), status in proptest::option::of(written_text()),
                        shipments in proptest::option::of(proptest::collection::vec(written_text(), 0..3)),
                        extra in maybe_unknown(), id in proptest::option::of("[a-z0-9]{1,5}")) -> String {
        let mut order = String::new();
        if let Some(email) = email { order += &leaf("customer-email", &email); }
        order += &leaf("po-number", &number);
        order += &leaf("po-date", &format!("{year:04}-{month:02}-{day:02}"));
        if let Some(time) = time { order += &leaf("po-time", time); }
        order += &extra;
        order += "<shipping-detail>";
        for address in addresses { order += &leaf("address", &address); }
        if let Some(city) = city { order += &leaf("city", &city); }
        order += "</shipping-detail>";
        for line in lines { order += &line; }
        if let Some(total) = total { order += &leaf("order-total-sell-price", &total); }
        if let Some(status) = status { order += &leaf("po-status", &status); }
        if let Some(shipments) = shipments {
            order += "<po-shipment-info>";
            for tracking in shipments { order += &format!("<shipment>{}</shipment>", leaf("shipment-tracking-number", &tracking)); }
            order += "</po-shipment-info>";
        }
        match id {
            Some(id) => format!("<purchase-order id=\"{id}\">{order}</purchase-order>"),
            None => format!("<purchase-order>{order}</purchase-order>"),
        }
    }
}

prop_compose! {
    fn po_response()(version in 4u32..=19, orders in proptest::collection::vec(purchase_order(), 1..4)) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<po-response xmlns=\"http://seller.marketplace.sears.com/oms/v{version}\" \
             xmlns:ext=\"urn:example:ext\">\n{}\n</po-response>",
            orders.join("\n")
        )
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// The contract: what the client understood (typed fields plus kept unknowns, rendered as the neutral
    /// form) is exactly what a generic XML reader finds in the document.
    #[test]
    fn neutral_form_of_random_orders_matches_a_generic_reader(xml in po_response()) {
        let response = PoResponse::parse(&Bytes::from(xml.clone())).unwrap();
        prop_assert!(response.unreadable.is_empty(), "{:?}", response.unreadable);
        let expected = flatten_purchase_orders(xml.as_bytes());
        prop_assert_eq!(response.purchase_orders.len(), expected.len());
        for (order, expected) in response.purchase_orders.iter().zip(&expected) {
            prop_assert_eq!(&order.to_neutral(), expected);
            prop_assert_eq!(&flatten_purchase_orders(&order.standalone_xml())[0], expected);
        }
    }
}

fn all_parsers(bytes: &[u8]) {
    let _ = decode_document(bytes);
    if let Ok(response) = PoResponse::parse(&Bytes::copy_from_slice(bytes)) {
        for order in &response.purchase_orders {
            let _ = order.to_neutral();
        }
        for unreadable in &response.unreadable {
            assert!(unreadable.decode_error.line >= 1 && unreadable.decode_error.column >= 1);
        }
    }
    let _ = ApiResponse::parse(bytes);
    let _ = ShipmentFeed::parse(bytes);
    let _ = OrderCancelFeed::parse(bytes);
    let _ = ProcessingReport::parse(bytes);
    let _ = ShippingCarriers::parse(bytes);
    if let Err(error) = decode_document(bytes) {
        assert!(error.line >= 1 && error.column >= 1);
        let _ = error.to_string();
    }
}

fn seeds() -> Vec<Vec<u8>> {
    vec![
        fixture("po-response-v4.xml"),
        fixture("po-response-v13.xml"),
        fixture("po-response-v19.xml"),
        fixture("po-response-v19-extensions.xml"),
        sample("oms-import-v7-asn.xml"),
        sample("seller-error-report-v1-example.xml"),
        sample("oms-import-v1-order-cancel.xml"),
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Replace(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let token = prop::sample::select(vec![
        b"<".to_vec(),
        b">".to_vec(),
        b"/>".to_vec(),
        b"</".to_vec(),
        b"&".to_vec(),
        b"&amp;".to_vec(),
        b"<![CDATA[".to_vec(),
        b"]]>".to_vec(),
        b"<!--".to_vec(),
        b"-->".to_vec(),
        b"<purchase-order>".to_vec(),
        b"</purchase-order>".to_vec(),
        b"<po-line>".to_vec(),
        b"\xff".to_vec(),
        b"\xef\xbb\xbf".to_vec(),
        b"x:".to_vec(),
        b"<?pi?>".to_vec(),
        b" a=\"b\"".to_vec(),
        b"&#0;".to_vec(),
        b"&#xD800;".to_vec(),
    ]);
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Mutation::Delete(at, len)),
        (any::<usize>(), token).prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Replace(at, byte)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn parsers_never_panic_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        all_parsers(&bytes);
    }

    /// Broken versions of real documents reach deeper into the parsers than random bytes.
    #[test]
    fn parsers_never_panic_on_mutated_documents(seed in 0usize..7, mutations in proptest::collection::vec(mutation(), 1..6)) {
        let mut bytes = seeds().swap_remove(seed);
        for mutation in mutations {
            let len = bytes.len().max(1);
            match mutation {
                Mutation::Delete(at, n) => {
                    let at = at % len;
                    bytes.drain(at..(at + n).min(bytes.len()));
                }
                Mutation::Insert(at, token) => {
                    let at = at % (bytes.len() + 1);
                    bytes.splice(at..at, token);
                }
                Mutation::Replace(at, byte) => {
                    if !bytes.is_empty() {
                        let at = at % bytes.len();
                        bytes[at] = byte;
                    }
                }
            }
        }
        all_parsers(&bytes);
    }
}
