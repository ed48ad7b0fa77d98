//! 4x6 shipping labels: what a label is made from, the label Wharf draws itself, and its PDF.
//!
//! A drawn label is laid out once, in points, as a short list of [`Element`]s; the PDF and the
//! ZPL are two translations of that one list, so both say the same thing in the same places.

use std::fmt;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::address::Address;
use crate::barcode::Code128Symbol;
use crate::canvas::{Align, LABEL_SIZE, Op, Page};
use crate::color::Rgb;
use crate::error::DocumentError;
use crate::fonts::{Weight, face, fit, wrap_limited};
use crate::images::{Rotation, SharedBytes};
use crate::label_image::{carrier_pdf, encode_label_image, quarter_turns};

/// At most this many label messages fit the reserved area.
pub const MAX_LABEL_MESSAGES: usize = 3;
/// Longer messages are cut to this many characters, the last being an ellipsis.
pub const MAX_LABEL_MESSAGE_CHARS: usize = 30;

/// The banner across every test label.
pub const TEST_LABEL_BANNER: &str = "TEST LABEL — NOT VALID FOR SHIPPING";

/// Printer resolution, in dots per inch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Dpi {
    /// 203 dpi (8 dots/mm), the common thermal printer.
    #[default]
    #[serde(rename = "203")]
    Dpi203,
    /// 300 dpi (12 dots/mm).
    #[serde(rename = "300")]
    Dpi300,
}

impl Dpi {
    pub fn dots_per_inch(self) -> u32 {
        match self {
            Dpi::Dpi203 => 203,
            Dpi::Dpi300 => 300,
        }
    }

    /// `points` (1/72 inch) in printer dots, rounded.
    pub(crate) fn dots(self, points: f32) -> u32 {
        (points * self.dots_per_inch() as f32 / 72.0).round() as u32
    }

    /// `dots` in points.
    pub(crate) fn points(self, dots: u32) -> f32 {
        dots as f32 * 72.0 / self.dots_per_inch() as f32
    }

    /// The widest barcode module we print: about 0.015 inch, the usual carrier X-dimension.
    fn max_module_dots(self) -> u32 {
        match self {
            Dpi::Dpi203 => 3,
            Dpi::Dpi300 => 4,
        }
    }
}

/// Up to [`MAX_LABEL_MESSAGES`] short lines printed on labels (order notes, SKUs, ...).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct LabelMessages(Vec<String>);

impl LabelMessages {
    /// Trims each line and drops blank ones; cuts lines longer than
    /// [`MAX_LABEL_MESSAGE_CHARS`] with an ellipsis. Fails on more than [`MAX_LABEL_MESSAGES`]
    /// lines or on control characters (a line break inside a message would not print).
    pub fn new<I, S>(lines: I) -> Result<LabelMessages, DocumentError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut kept = Vec::new();
        for (index, line) in lines.into_iter().enumerate() {
            let line = line.as_ref().trim();
            if line.chars().any(char::is_control) {
                return Err(DocumentError::LabelMessageControlCharacter { line: index + 1 });
            }
            if line.is_empty() {
                continue;
            }
            kept.push(if line.chars().count() > MAX_LABEL_MESSAGE_CHARS {
                let mut cut: String = line.chars().take(MAX_LABEL_MESSAGE_CHARS - 1).collect();
                cut.truncate(cut.trim_end().len());
                cut.push('…');
                cut
            } else {
                line.to_owned()
            });
        }
        if kept.len() > MAX_LABEL_MESSAGES {
            return Err(DocumentError::TooManyLabelMessages { given: kept.len(), max: MAX_LABEL_MESSAGES });
        }
        Ok(LabelMessages(kept))
    }

    pub fn lines(&self) -> &[String] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl TryFrom<Vec<String>> for LabelMessages {
    type Error = DocumentError;

    fn try_from(lines: Vec<String>) -> Result<LabelMessages, DocumentError> {
        LabelMessages::new(lines)
    }
}

impl From<LabelMessages> for Vec<String> {
    fn from(messages: LabelMessages) -> Vec<String> {
        messages.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightUnit {
    Ounces,
    Pounds,
    Grams,
    Kilograms,
}

/// A package weight as printed ("2.5 lb").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageWeight {
    pub value: Decimal,
    pub unit: WeightUnit,
}

impl fmt::Display for PackageWeight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            WeightUnit::Ounces => "oz",
            WeightUnit::Pounds => "lb",
            WeightUnit::Grams => "g",
            WeightUnit::Kilograms => "kg",
        };
        write!(f, "{} {unit}", self.value.round_dp(2).normalize())
    }
}

/// A label Wharf draws itself: test labels, and carriers that return data but no label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawnLabel {
    pub ship_from: Address,
    pub ship_to: Address,
    /// The service as customers know it, such as "UPS Ground".
    pub service: String,
    pub weight: PackageWeight,
    pub tracking_number: String,
    pub order_number: String,
    pub ship_date: Date,
    /// Prints [`TEST_LABEL_BANNER`] across the label.
    pub test: bool,
    #[serde(default)]
    pub messages: LabelMessages,
}

/// A label image as the carrier returned it (PNG or GIF, JPEG accepted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierImage {
    pub bytes: SharedBytes,
    #[serde(default)]
    pub rotation: Rotation,
    /// Printed in a band below the image when the image leaves room for it; otherwise left out
    /// (a carrier label is never shrunk to make room).
    #[serde(default)]
    pub messages: LabelMessages,
}

/// A label document as the carrier returned it in PDF form (each page becomes a 4x6 page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierPdf {
    pub bytes: SharedBytes,
    #[serde(default)]
    pub rotation: Rotation,
}

/// What one label is made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
// A drawn label is a few hundred bytes; labels are built one per package, so boxing would only
// make them clumsier to construct.
#[allow(clippy::large_enum_variant)]
pub enum Label {
    /// A PNG/GIF image from the carrier.
    CarrierImage(CarrierImage),
    /// A PDF from the carrier, placed as it is (vector content stays vector).
    CarrierPdf(CarrierPdf),
    /// ZPL from the carrier, printed exactly as received.
    CarrierZpl(String),
    /// Drawn by Wharf.
    Drawn(DrawnLabel),
}

/// The label as a 4x6 PDF (one page; a carrier PDF keeps its page count). `dpi` is the
/// printer's resolution, to which drawn barcodes are aligned. Carrier ZPL cannot be turned into
/// a PDF ([`DocumentError::ZplLabelInPdf`]).
pub fn render_label_pdf(label: &Label, dpi: Dpi) -> Result<Vec<u8>, DocumentError> {
    crate::canvas::write_pdf(label_pages(label, dpi)?)
}

pub(crate) fn label_pages(label: &Label, dpi: Dpi) -> Result<Vec<Page>, DocumentError> {
    match label {
        Label::CarrierImage(image) => Ok(vec![carrier_image_page(image)?]),
        Label::CarrierPdf(pdf) => carrier_pdf_pages(pdf),
        Label::CarrierZpl(_) => Err(DocumentError::ZplLabelInPdf),
        Label::Drawn(drawn) => Ok(vec![drawn_page(&layout(drawn, dpi)?, dpi)]),
    }
}

// ---------------------------------------------------------------------------------------------
// Carrier images

const MESSAGE_BAND_LINE: f32 = 10.0;
const MESSAGE_BAND_SIZE: f32 = 8.0;

/// The box, centred on the page (or at the top when `top`), that a `width` x `height` picture
/// turned by `turns` quarters fills at the largest scale that fits.
fn fit_on_label(width: f32, height: f32, turns: i8, top: bool) -> (f32, f32, f32, f32) {
    let (page_w, page_h) = LABEL_SIZE;
    let (shown_w, shown_h) = if turns == 0 { (width, height) } else { (height, width) };
    let scale = (page_w / shown_w).min(page_h / shown_h);
    let (w, h) = (shown_w * scale, shown_h * scale);
    let y = if top { 0.0 } else { (page_h - h) / 2.0 };
    ((page_w - w) / 2.0, y, w, h)
}

fn carrier_image_page(label: &CarrierImage) -> Result<Page, DocumentError> {
    let image = encode_label_image(label.bytes.as_bytes())?;
    let turns = image.quarter_turns(label.rotation);
    let (_, _, _, fitted_h) = fit_on_label(image.width as f32, image.height as f32, turns, false);
    let band = MESSAGE_BAND_LINE * label.messages.lines().len() as f32 + 6.0;
    let with_band = !label.messages.is_empty() && LABEL_SIZE.1 - fitted_h >= band;
    let (x, y, width, height) = fit_on_label(image.width as f32, image.height as f32, turns, with_band);
    let mut page = Page::new(LABEL_SIZE);
    page.ops.push(Op::LabelImage { x, y, width, height, turns, image: image.into() });
    if with_band {
        let mut baseline = height + 4.0 + MESSAGE_BAND_SIZE;
        for line in label.messages.lines() {
            let text = fit(line, Weight::Regular, MESSAGE_BAND_SIZE, LABEL_SIZE.0 - 20.0);
            page.text(10.0, baseline, MESSAGE_BAND_SIZE, Weight::Regular, Rgb::BLACK, &text);
            baseline += MESSAGE_BAND_LINE;
        }
    }
    Ok(page)
}

fn carrier_pdf_pages(label: &CarrierPdf) -> Result<Vec<Page>, DocumentError> {
    let (document, sizes) = carrier_pdf(label.bytes.as_bytes())?;
    Ok(sizes
        .into_iter()
        .enumerate()
        .map(|(index, (w, h))| {
            let turns = quarter_turns(w.round() as u32, h.round() as u32, label.rotation);
            let (x, y, width, height) = fit_on_label(w, h, turns, false);
            let mut page = Page::new(LABEL_SIZE);
            page.ops.push(Op::PdfPage { x, y, width, height, turns, document: document.clone(), index });
            page
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Drawn labels

/// One piece of a drawn label, in points from the top-left corner.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Element {
    /// Lines of text (already wrapped and cut to fit) in a box `width` wide.
    Text {
        x: f32,
        top: f32,
        width: f32,
        size: f32,
        line_height: f32,
        bold: bool,
        align: Align,
        /// White on a black box drawn by a preceding [`Element::Block`].
        reverse: bool,
        lines: Vec<String>,
    },
    /// A filled black rectangle (rules and the test banner).
    Block { x: f32, top: f32, width: f32, height: f32 },
    /// A Code 128 barcode whose bars are whole printer dots.
    Barcode { left_dots: u32, top: f32, height: f32, module_dots: u32, symbol: Code128Symbol },
}

const MARGIN: f32 = 10.0;
const CONTENT_WIDTH: f32 = LABEL_SIZE.0 - 2.0 * MARGIN;

struct Builder {
    elements: Vec<Element>,
}

impl Builder {
    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        x: f32,
        top: f32,
        width: f32,
        size: f32,
        bold: bool,
        align: Align,
        max_lines: usize,
        text: &str,
    ) -> f32 {
        let weight = if bold { Weight::Bold } else { Weight::Regular };
        let lines = wrap_limited(text, weight, size, width, max_lines);
        let line_height = (size * 1.18).round();
        let used = line_height * lines.len() as f32;
        if !lines.is_empty() {
            self.elements.push(Element::Text { x, top, width, size, line_height, bold, align, reverse: false, lines });
        }
        used
    }

    fn rule(&mut self, top: f32, thickness: f32) {
        self.elements.push(Element::Block { x: MARGIN, top, width: CONTENT_WIDTH, height: thickness });
    }
}

/// Lays the label out: sender and shipment facts at the top, the recipient large in the
/// middle, then service, tracking barcode, and the reserved message area at the bottom.
pub(crate) fn layout(label: &DrawnLabel, dpi: Dpi) -> Result<Vec<Element>, DocumentError> {
    let symbol = Code128Symbol::new(label.tracking_number.trim())?;
    let mut b = Builder { elements: Vec::new() };

    // Sender, left; ship date, weight and order number, right.
    let left_width = 172.0;
    let right_x = MARGIN + left_width + 8.0;
    let right_width = LABEL_SIZE.0 - MARGIN - right_x;
    b.text(MARGIN, 10.0, left_width, 6.5, true, Align::Left, 1, "FROM:");
    let mut y = 19.0;
    for line in label.ship_from.lines().iter().take(5) {
        y += b.text(MARGIN, y, left_width, 7.5, false, Align::Left, 1, line);
    }
    let facts = [
        ("SHIP DATE", label.ship_date.strftime("%Y-%m-%d").to_string()),
        ("WEIGHT", label.weight.to_string()),
        ("ORDER #", label.order_number.clone()),
    ];
    for (i, (title, value)) in facts.iter().enumerate() {
        let top = 10.0 + 19.0 * i as f32;
        b.text(right_x, top, right_width, 6.5, true, Align::Left, 1, title);
        b.text(right_x, top + 8.0, right_width, 8.0, true, Align::Left, 1, value);
    }
    b.rule(70.0, 1.5);

    let mut ship_to_top = 78.0;
    if label.test {
        b.elements.push(Element::Block { x: MARGIN, top: 76.0, width: CONTENT_WIDTH, height: 24.0 });
        let weight = Weight::Bold;
        let banner = fit(TEST_LABEL_BANNER, weight, 10.0, CONTENT_WIDTH - 8.0);
        b.elements.push(Element::Text {
            x: MARGIN,
            top: 82.0,
            width: CONTENT_WIDTH,
            size: 10.0,
            line_height: 12.0,
            bold: true,
            align: Align::Center,
            reverse: true,
            lines: vec![banner],
        });
        ship_to_top = 106.0;
    }

    // Recipient.
    b.text(MARGIN, ship_to_top, 60.0, 7.0, true, Align::Left, 1, "SHIP TO:");
    let indent = MARGIN + 22.0;
    let width = LABEL_SIZE.0 - MARGIN - indent;
    let to = &label.ship_to;
    let mut y = ship_to_top + 12.0;
    y += b.text(indent, y, width, 13.0, true, Align::Left, 1, to.name.trim());
    if let Some(company) = to.company.as_deref().filter(|c| !c.trim().is_empty()) {
        y += b.text(indent, y, width, 11.0, false, Align::Left, 1, company.trim());
    }
    for street in to.street.iter().filter(|s| !s.trim().is_empty()).take(3) {
        y += b.text(indent, y, width, 11.0, false, Align::Left, 1, street.trim());
    }
    y += b.text(indent, y, width, 13.0, true, Align::Left, 1, &to.city_line());
    if let Some(country) = to.country_line() {
        b.text(indent, y, width, 12.0, true, Align::Left, 1, &country);
    }

    // Service, tracking barcode, reserved area: anchored to the bottom.
    b.rule(248.0, 3.0);
    b.text(MARGIN, 255.0, CONTENT_WIDTH, 15.0, true, Align::Left, 2, label.service.trim());
    b.rule(292.0, 3.0);
    b.text(MARGIN, 298.0, CONTENT_WIDTH, 7.0, true, Align::Left, 1, "TRACKING #:");
    let page_dots = dpi.dots(LABEL_SIZE.0);
    let margin_dots = dpi.dots(MARGIN);
    let module_dots = ((page_dots - 2 * margin_dots) / symbol.width_modules() as u32).clamp(1, dpi.max_module_dots());
    let symbol_dots = module_dots * symbol.width_modules() as u32;
    b.elements.push(Element::Barcode {
        left_dots: page_dots.saturating_sub(symbol_dots) / 2,
        top: 309.0,
        height: 56.0,
        module_dots,
        symbol,
    });
    b.text(MARGIN, 368.0, CONTENT_WIDTH, 9.0, true, Align::Center, 1, label.tracking_number.trim());
    b.rule(384.0, 1.5);
    let mut y = 389.0;
    for message in label.messages.lines() {
        y += b.text(MARGIN, y, CONTENT_WIDTH, 8.5, false, Align::Left, 1, message);
    }
    Ok(b.elements)
}

fn drawn_page(elements: &[Element], dpi: Dpi) -> Page {
    let mut page = Page::new(LABEL_SIZE);
    for element in elements {
        match element {
            Element::Text { x, top, width, size, line_height, bold, align, reverse, lines } => {
                let weight = if *bold { Weight::Bold } else { Weight::Regular };
                let color = if *reverse { Rgb::WHITE } else { Rgb::BLACK };
                let mut baseline = top + face(weight).ascender() * size;
                for line in lines {
                    page.text_in(*x, *width, *align, baseline, *size, weight, color, line);
                    baseline += line_height;
                }
            }
            Element::Block { x, top, width, height } => {
                page.fill_rect(*x, *top, *width, *height, Rgb::BLACK);
            }
            Element::Barcode { left_dots, top, height, module_dots, symbol } => {
                let bars = symbol
                    .bars()
                    .into_iter()
                    .map(|(start, len)| {
                        let left = left_dots + start as u32 * module_dots;
                        (dpi.points(left), dpi.points(len as u32 * module_dots))
                    })
                    .collect();
                page.ops.push(Op::Bars { top: *top, height: *height, bars });
            }
        }
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn messages_are_trimmed_cut_and_limited() {
        let messages =
            LabelMessages::new(["  Order 1001  ", "", "SKU MUG-CER-12OZ x2, TEE-ORG-M x1 and more"]).unwrap();
        assert_eq!(messages.lines()[0], "Order 1001");
        // 29 characters and an ellipsis.
        assert_eq!(messages.lines()[1], "SKU MUG-CER-12OZ x2, TEE-ORG-…");
        assert_eq!(messages.lines()[1].chars().count(), MAX_LABEL_MESSAGE_CHARS);

        let err = LabelMessages::new(["a", "b", "c", "d"]).unwrap_err();
        assert!(matches!(err, DocumentError::TooManyLabelMessages { given: 4, max: 3 }));
        let err = LabelMessages::new(["fine", "two\nlines"]).unwrap_err();
        assert!(matches!(err, DocumentError::LabelMessageControlCharacter { line: 2 }));
    }

    #[test]
    fn messages_deserialize_through_validation() {
        assert!(serde_json::from_str::<LabelMessages>(r#"["a","b","c","d"]"#).is_err());
        let ok: LabelMessages = serde_json::from_str(r#"["a"]"#).unwrap();
        assert_eq!(ok.lines(), ["a"]);
    }

    #[test]
    fn weights_print_without_trailing_zeros() {
        let w = PackageWeight { value: dec!(2.50), unit: WeightUnit::Pounds };
        assert_eq!(w.to_string(), "2.5 lb");
        let w = PackageWeight { value: dec!(12), unit: WeightUnit::Ounces };
        assert_eq!(w.to_string(), "12 oz");
    }

    #[test]
    fn dots_scale_with_the_printer() {
        assert_eq!(Dpi::Dpi203.dots(LABEL_SIZE.0), 812);
        assert_eq!(Dpi::Dpi203.dots(LABEL_SIZE.1), 1218);
        assert_eq!(Dpi::Dpi300.dots(LABEL_SIZE.0), 1200);
        assert_eq!(Dpi::Dpi300.dots(LABEL_SIZE.1), 1800);
    }
}
