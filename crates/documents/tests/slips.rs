//! Packing slips: the default template on letter and 4x6, long orders, pictures that cannot be
//! shown, seller templates, and template errors with their line and column.

mod common;

use std::io::Cursor;

use common::{PdfFile, assert_contains_all, run, squash};
use image::{DynamicImage, Rgb, RgbImage};
use rust_decimal_macros::dec;
use wharf_documents::{
    DocumentError, ItemOption, Origin, PackingSlip, SharedBytes, SlipItem, SlipPageSize, SlipTemplate, TemplateError,
    preview_slip_pdf, render_slip_pdf, sample_slip_data,
};

/// Everything of the sample slip a buyer should find on it, written from `sample_slip_data`'s
/// documentation: names with accents, both addresses, SKUs, options, locations, totals, the
/// gift message and the notes.
const SAMPLE_TEXT: &[&str] = &[
    "Lakeshore Goods Co.",
    "help@lakeshoregoods.example",
    "(312) 555-0188",
    "PACKING SLIP",
    "Order SRS-100482",
    "March 14, 2025",
    "UPS Ground",
    "SHIP TO",
    "Zoë Müller-Peña",
    "1847 Lakeview Ave",
    "Apt 3B",
    "Evanston, IL 60201",
    "BILL TO",
    "José Ñúñez",
    "Ñúñez & Hijos Café",
    "Ceramic Café Mug, 12 oz",
    "MUG-CER-12OZ",
    "Color: Cobalt Blue",
    "Glaze: Matte",
    "Organic Cotton Tee — Crème",
    "TEE-ORG-M",
    "Size: M",
    "Fit: Relaxed",
    "Soy Candle, Lavender & Sage",
    "CNDL-SOY-LAV",
    "A-03-2",
    "B-11-1",
    "$14.50",
    "$29.00",
    "$29.85",
    "$82.85",
    "$7.99",
    "-$5.00",
    "$6.42",
    "$92.26",
    "A GIFT MESSAGE FOR YOU",
    "Happy birthday, Zoë! Enjoy the mugs ☕ — love, José",
    "Your candles ship in recyclable packaging.",
    "Thank you for your order!",
];

#[test]
fn the_default_letter_slip_shows_the_whole_order() {
    let pdf = PdfFile::new(&preview_slip_pdf(&SlipTemplate::default(), SlipPageSize::Letter).unwrap());
    assert_eq!(pdf.pages(), 1);
    assert_eq!(pdf.page_size(1), (612.0, 792.0));
    let text = pdf.text(1);
    assert_contains_all(&text, SAMPLE_TEXT);
    assert_contains_all(&text, &["LOCATION", "Page 1 of 1"]);
    // The order number as a Code 128 barcode.
    assert_eq!(pdf.barcodes(1, 300), vec!["SRS-100482"]);
}

#[test]
fn the_default_4x6_slip_shows_the_whole_order_on_label_stock() {
    let pdf = PdfFile::new(&preview_slip_pdf(&SlipTemplate::default(), SlipPageSize::FourBySix).unwrap());
    for page in 1..=pdf.pages() {
        assert_eq!(pdf.page_size(page), (288.0, 432.0), "page {page}");
    }
    // On 4x6 the location moves under the SKU ("Loc A-03-2") and unit prices are left out.
    let wanted: Vec<&str> = SAMPLE_TEXT.iter().copied().filter(|t| *t != "$14.50").collect();
    assert_contains_all(&pdf.all_text(), &wanted);
    assert_contains_all(&pdf.all_text(), &["Loc A-03-2", "Loc B-11-1"]);
    assert_eq!(pdf.barcodes(1, 300), vec!["SRS-100482"]);
}

fn png(color: [u8; 3]) -> SharedBytes {
    let mut bytes = Vec::new();
    DynamicImage::ImageRgb8(RgbImage::from_pixel(64, 64, Rgb(color)))
        .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
        .unwrap();
    SharedBytes::from(bytes)
}

fn long_order(lines: usize) -> PackingSlip {
    let mut slip = sample_slip_data();
    let picture = png([200, 40, 40]);
    slip.items = (1..=lines)
        .map(|n| SlipItem {
            sku: format!("LINE-{n:03}"),
            name: format!("Numbered part {n}"),
            options: vec![ItemOption {
                name: "Finish".into(),
                value: if n % 2 == 0 { "Matte" } else { "Gloss" }.into(),
            }],
            quantity: 1,
            unit_price: dec!(1.00),
            location: Some(format!("R-{n:03}")),
            thumbnail: Some(picture.clone()),
        })
        .collect();
    slip
}

#[test]
fn a_60_line_order_continues_on_further_pages_with_headers_repeated() {
    let slip = long_order(60);
    let pdf = PdfFile::new(&render_slip_pdf(&slip, &SlipTemplate::default(), SlipPageSize::Letter).unwrap());
    let pages = pdf.pages();
    assert!(pages >= 3, "60 lines with pictures need several letter pages, got {pages}");
    let mut seen = Vec::new();
    for page in 1..=pages {
        assert_eq!(pdf.page_size(page), (612.0, 792.0));
        let text = pdf.text(page);
        let squashed = squash(&text);
        assert!(squashed.contains(&format!("Page {page} of {pages}")), "page {page}:\n{text}");
        // The table header row is on every page that has item rows.
        assert!(squashed.contains("ITEM LOCATION QTY PRICE TOTAL"), "page {page}:\n{text}");
        if page > 1 {
            assert!(squashed.contains("Order SRS-100482 (continued)"), "page {page}:\n{text}");
        }
        for n in 1..=60 {
            if squashed.contains(&format!("LINE-{n:03}")) {
                seen.push(n);
                assert!(squashed.contains(&format!("R-{n:03}")), "location of line {n} is not beside it");
            }
        }
    }
    assert_eq!(seen, (1..=60).collect::<Vec<_>>(), "every line once, in order");
    assert_contains_all(&pdf.text(pages), &["Total", "Happy birthday, Zoë!"]);
}

#[test]
fn missing_and_undecodable_thumbnails_render_as_placeholders() {
    let mut slip = sample_slip_data();
    slip.branding.logo = None;
    let good = png([20, 120, 200]);
    let thumbnails = [
        None,
        Some(SharedBytes::from(b"this is not an image".to_vec())),
        Some(SharedBytes::from(b"\x89PNG\r\n\x1a\n truncated".to_vec())),
        Some(SharedBytes::from(b"GIF89a\x10\x00".to_vec())),
        Some(good),
    ];
    slip.items = thumbnails
        .into_iter()
        .enumerate()
        .map(|(n, thumbnail)| SlipItem {
            sku: format!("PIC-{n}"),
            name: format!("Picture case {n}"),
            options: vec![],
            quantity: 1,
            unit_price: dec!(2.00),
            location: None,
            thumbnail,
        })
        .collect();
    for size in [SlipPageSize::Letter, SlipPageSize::FourBySix] {
        let pdf = PdfFile::new(&render_slip_pdf(&slip, &SlipTemplate::default(), size).unwrap());
        assert_contains_all(&pdf.all_text(), &["PIC-0", "PIC-1", "PIC-2", "PIC-3", "PIC-4"]);
        // Only the one good picture is an image; the other four are drawn boxes.
        let images = run("pdfimages", &["-list", pdf.path().to_str().unwrap()]);
        assert_eq!(images.lines().count() - 2, 1, "{images}");
    }
}

#[test]
fn order_numbers_a_barcode_cannot_carry_still_give_a_slip() {
    let mut slip = sample_slip_data();
    slip.order_number = "Ñ-1001".into();
    let pdf = PdfFile::new(&render_slip_pdf(&slip, &SlipTemplate::default(), SlipPageSize::Letter).unwrap());
    assert_contains_all(&pdf.text(1), &["Order Ñ-1001"]);
    assert!(pdf.barcodes(1, 300).is_empty());
}

#[test]
fn values_are_text_even_when_they_look_like_markup() {
    let mut slip = sample_slip_data();
    slip.items[0].name = "Mugs <set of 2> & \"saucers\" </slip>".into();
    let pdf = PdfFile::new(&render_slip_pdf(&slip, &SlipTemplate::default(), SlipPageSize::Letter).unwrap());
    assert_contains_all(&pdf.text(1), &["Mugs <set of 2> & \"saucers\" </slip>"]);
}

const SELLER_TEMPLATE: &str = r##"<slip margin="24" size="10">
  <page-footer><text align="center" size="7">{{ store.name }} · page {page}/{pages}</text></page-footer>
  <columns gap="10">
    <column width="30%"><image src="{{ store.logo }}" width="80"/></column>
    <column><heading color="{{ store.color }}">Thanks, {{ ship_to.name }}!</heading>
      <text>Order {{ order.number }} of {{ order.date }}</text></column>
  </columns>
  <rule thickness="2" color="#333333"/>
  <table padding="3" border-color="#999999">
    <col width="30"/><col/><col width="40" align="right"/>
    <row header="true" bold="true"><cell></cell><cell>What</cell><cell>How many</cell></row>
    {% for item in items %}
    <row><cell><image src="{{ item.thumbnail }}" width="24" height="24"/></cell>
      <cell><text>{{ item.name }} ({{ item.options_text or "no options" }})</text></cell>
      <cell>{{ item.quantity }}</cell></row>
    {% endfor %}
  </table>
  <spacer height="20"/>
  <box border="2" border-color="#aa0000" padding="6"><text keep-newlines="true">{{ gift_message }}</text></box>
  <page-break/>
  <heading>Returns</heading>
  <text>Scan to start a return:</text>
  <barcode value="RMA-{{ order.number }}" height="40" align="center"/>
</slip>"##;

#[test]
fn seller_templates_use_every_block() {
    let template = SlipTemplate::parse(SELLER_TEMPLATE).unwrap();
    let pdf = PdfFile::new(&preview_slip_pdf(&template, SlipPageSize::Letter).unwrap());
    assert_eq!(pdf.pages(), 2, "the page break starts a second page");
    assert_contains_all(
        &pdf.text(1),
        &[
            "Thanks, Zoë Müller-Peña!",
            "Order SRS-100482 of 2025-03-14",
            "What How many",
            "Ceramic Café Mug, 12 oz (Color: Cobalt Blue, Glaze: Matte)",
            "Soy Candle, Lavender & Sage (no options)",
            "Happy birthday, Zoë!",
            "Lakeshore Goods Co. · page 1/2",
        ],
    );
    assert_contains_all(&pdf.text(2), &["Returns", "Scan to start a return:", "RMA-SRS-100482", "page 2/2"]);
    assert_eq!(pdf.barcodes(2, 300), vec!["RMA-SRS-100482"]);
}

fn parse_error(source: &str) -> TemplateError {
    SlipTemplate::parse(source).expect_err("the template is refused")
}

fn render_error(source: &str) -> TemplateError {
    let template = SlipTemplate::parse(source).expect("the template itself parses");
    match preview_slip_pdf(&template, SlipPageSize::Letter) {
        Err(DocumentError::Template(error)) => error,
        other => panic!("expected a template error, got {other:?}"),
    }
}

#[track_caller]
fn assert_at(error: &TemplateError, line: usize, column: usize) {
    let at = error.position();
    assert_eq!((at.line, at.column, at.origin), (line, column, Origin::Template), "{error}");
    assert!(error.to_string().contains(&format!("line {line}, column {column}")), "{error}");
}

#[test]
fn template_syntax_errors_name_their_line() {
    let error = parse_error("<slip>\n<text>x</text>\n  {% endfor %}\n</slip>");
    assert!(matches!(error, TemplateError::Syntax { .. }), "{error:?}");
    assert_eq!(error.position().line, 3, "{error}");
    let error = parse_error("<slip>\n{% for item in items %}\n<text>{{ item.name }}</text>\n</slip>");
    assert!(error.to_string().contains("expected end of block"), "{error}");
    let error = parse_error("<slip>\n<text>{{ order.number }</text>\n</slip>");
    assert!(matches!(error, TemplateError::Syntax { .. }), "{error:?}");
    assert_eq!(error.position().line, 2, "{error}");
}

#[test]
fn unknown_elements_and_attributes_name_line_and_column() {
    let error = parse_error("<slip>\n  <text>ok</text>\n  <paragraph>no</paragraph>\n</slip>");
    assert!(matches!(&error, TemplateError::UnknownElement { name, .. } if name == "paragraph"), "{error:?}");
    assert_at(&error, 3, 3);
    assert!(error.to_string().contains("heading, text"), "the error lists the elements: {error}");

    let error = parse_error("<slip>\n<rule colour=\"#ff0000\"/>\n</slip>");
    assert!(matches!(&error, TemplateError::UnknownAttribute { attribute, .. } if attribute == "colour"));
    assert_at(&error, 2, 7);

    let error = parse_error("<slip>\n<text size=\"large\">x</text>\n</slip>");
    assert!(matches!(&error, TemplateError::InvalidAttribute { value, .. } if value == "large"));
    assert_at(&error, 2, 7);
}

#[test]
fn problems_that_appear_with_data_point_back_into_the_template() {
    // An element name made from a value.
    let error = render_error("<slip>\n<text>fine</text>\n  <{{ 'blink' }}>x</{{ 'blink' }}>\n</slip>");
    assert!(matches!(&error, TemplateError::UnknownElement { name, .. } if name == "blink"), "{error:?}");
    assert_eq!((error.position().line, error.position().origin), (3, Origin::Template), "{error}");

    // An attribute value that only becomes invalid with the data.
    let error = render_error("<slip>\n<text size=\"{{ order.number }}\">x</text>\n</slip>");
    assert!(matches!(&error, TemplateError::InvalidAttribute { value, .. } if value == "SRS-100482"), "{error:?}");
    assert_eq!(error.position().line, 2, "{error}");

    // Tags that do not match.
    let error = render_error("<slip>\n<text>{{ order.number }}\n</heading>\n</slip>");
    assert!(matches!(error, TemplateError::Markup { .. }), "{error:?}");
    assert_eq!(error.position().line, 3, "{error}");

    // A misspelt variable.
    let error = render_error("<slip>\n<text>x</text>\n<text>{{ order.numbr }}</text>\n</slip>");
    assert!(matches!(error, TemplateError::Render { .. }), "{error:?}");
    assert_at(&error, 3, 10);
}
