//! 4x6 shipping labels: GIF and PNG images (203 dpi, 1-bit) and ZPL, each carrying a Code 128
//! barcode of the tracking number and the ship-to, service and tracking number as text.

use std::borrow::Cow;

/// Label width in dots: 4 inches at 203 dpi.
pub const WIDTH: u32 = 812;
/// Label height in dots: 6 inches at 203 dpi.
pub const HEIGHT: u32 = 1218;

/// Width of one Code 128 module in dots (0.015 in, well inside scanner tolerances).
const MODULE: u32 = 3;
const BARCODE_TOP: u32 = 600;
const BARCODE_HEIGHT: u32 = 240;

/// The label formats the sandbox produces (`LabelImageFormat.Code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelFormat {
    Gif,
    Png,
    Zpl,
}

impl LabelFormat {
    /// Parses `GIF`, `PNG` or `ZPL` (any case).
    pub fn parse(code: &str) -> Option<Self> {
        match code.trim().to_ascii_uppercase().as_str() {
            "GIF" => Some(LabelFormat::Gif),
            "PNG" => Some(LabelFormat::Png),
            "ZPL" => Some(LabelFormat::Zpl),
            _ => None,
        }
    }

    /// UPS's code for the format.
    pub fn code(self) -> &'static str {
        match self {
            LabelFormat::Gif => "GIF",
            LabelFormat::Png => "PNG",
            LabelFormat::Zpl => "ZPL",
        }
    }
}

/// What a label says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelContent {
    pub tracking_number: String,
    /// Service name, e.g. "UPS Ground".
    pub service_name: String,
    /// Ship-from name and address lines.
    pub ship_from: Vec<String>,
    /// Ship-to name and address lines.
    pub ship_to: Vec<String>,
    /// e.g. "PKG 1 OF 2".
    pub package_line: String,
    /// e.g. "13 LBS".
    pub weight_line: String,
    /// Reference values, if any.
    pub references: Vec<String>,
}

/// Why a label could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum LabelError {
    #[error("the tracking number {0:?} cannot be drawn as Code 128: {1}")]
    Barcode(String, String),
    #[error("encoding the label image failed: {0}")]
    Encoding(String),
}

/// Renders the label in `format`: image bytes for GIF and PNG, ZPL text for ZPL.
pub fn render(format: LabelFormat, content: &LabelContent) -> Result<Vec<u8>, LabelError> {
    match format {
        LabelFormat::Zpl => Ok(zpl(content).into_bytes()),
        LabelFormat::Png => encode_png(&draw(content)?),
        LabelFormat::Gif => encode_gif(&draw(content)?),
    }
}

/// The Code 128 modules (1 = bar) of `text`, in character set B.
fn code128_modules(text: &str) -> Result<Vec<u8>, LabelError> {
    // 'Ɓ' selects character set B, which covers the upper-case letters and digits of 1Z numbers.
    barcoders::sym::code128::Code128::new(format!("Ɓ{text}"))
        .map(|barcode| barcode.encode())
        .map_err(|error| LabelError::Barcode(text.to_owned(), error.to_string()))
}

/// Upper-cases and keeps what the 8x8 font can draw (printable ASCII).
fn printable(text: &str) -> String {
    text.chars().map(|c| c.to_ascii_uppercase()).map(|c| if (' '..='~').contains(&c) { c } else { '?' }).collect()
}

/// A 1-bit label canvas, packed eight dots to a byte, most significant bit first, 1 = white:
/// exactly a 1-bit grayscale PNG's rows. The image crate's buffers hold a byte per pixel; at
/// 812x1218 that is eight times the memory and a per-pixel conversion before encoding, which made
/// every label cost a noticeable share of a 300 ms carrier round trip.
struct Bitmap {
    bits: Vec<u8>,
}

const ROW_BYTES: usize = WIDTH.div_ceil(8) as usize;

impl Bitmap {
    fn white() -> Self {
        Bitmap { bits: vec![0xFF; ROW_BYTES * HEIGHT as usize] }
    }

    /// Blackens the rectangle, clipped to the label.
    fn fill_rect(&mut self, x: u32, y: u32, width: u32, height: u32) {
        let (left, right) = (x.min(WIDTH) as usize, (x + width).min(WIDTH) as usize);
        if left >= right {
            return;
        }
        for row in y.min(HEIGHT)..(y + height).min(HEIGHT) {
            let line = &mut self.bits[row as usize * ROW_BYTES..(row as usize + 1) * ROW_BYTES];
            let mut column = left;
            while column < right {
                if column % 8 == 0 && column + 8 <= right {
                    // Whole bytes at a time through the middle of the span.
                    let whole = (right - column) / 8;
                    line[column / 8..column / 8 + whole].fill(0);
                    column += whole * 8;
                } else {
                    line[column / 8] &= !(0x80 >> (column % 8));
                    column += 1;
                }
            }
        }
    }

    /// Draws `text` with the 8x8 bitmap font scaled by `scale`, cut at the right edge.
    fn text(&mut self, x: u32, y: u32, scale: u32, text: &str) {
        let mut left = x;
        for character in printable(text).chars() {
            if left + 8 * scale > WIDTH {
                break;
            }
            let glyph = font8x8::legacy::BASIC_LEGACY[character as usize];
            for (row, bits) in (0u32..).zip(glyph) {
                // font8x8 stores the leftmost pixel in the lowest bit; runs become one rectangle.
                let mut column = 0;
                while column < 8 {
                    if bits & (1 << column) == 0 {
                        column += 1;
                        continue;
                    }
                    let start = column;
                    while column < 8 && bits & (1 << column) != 0 {
                        column += 1;
                    }
                    self.fill_rect(left + start * scale, y + row * scale, (column - start) * scale, scale);
                }
            }
            left += 8 * scale;
        }
    }
}

/// Draws the label.
fn draw(content: &LabelContent) -> Result<Bitmap, LabelError> {
    let mut canvas = Bitmap::white();
    // Frame.
    canvas.fill_rect(0, 0, WIDTH, 4);
    canvas.fill_rect(0, HEIGHT - 4, WIDTH, 4);
    canvas.fill_rect(0, 0, 4, HEIGHT);
    canvas.fill_rect(WIDTH - 4, 0, 4, HEIGHT);

    let mut y = 24;
    for line in content.ship_from.iter().take(4) {
        canvas.text(24, y, 2, line);
        y += 22;
    }
    canvas.fill_rect(0, 130, WIDTH, 3);
    canvas.text(24, 150, 2, "SHIP TO:");
    let mut y = 182;
    for line in content.ship_to.iter().take(6) {
        canvas.text(48, y, 3, line);
        y += 32;
    }
    canvas.fill_rect(0, 400, WIDTH, 3);
    canvas.text(24, 424, 4, &content.service_name);
    canvas.text(24, 480, 3, &format!("TRACKING #: {}", content.tracking_number));
    canvas.text(24, 524, 2, &format!("{}   {}", content.package_line, content.weight_line));
    canvas.fill_rect(0, 570, WIDTH, 3);

    let modules = code128_modules(&content.tracking_number)?;
    let barcode_width = u32::try_from(modules.len()).unwrap_or(u32::MAX) * MODULE;
    let left = WIDTH.saturating_sub(barcode_width) / 2;
    for (index, module) in (0u32..).zip(&modules) {
        if *module == 1 {
            canvas.fill_rect(left + index * MODULE, BARCODE_TOP, MODULE, BARCODE_HEIGHT);
        }
    }
    let text_width = u32::try_from(content.tracking_number.len()).unwrap_or(0) * 24;
    canvas.text(WIDTH.saturating_sub(text_width) / 2, BARCODE_TOP + BARCODE_HEIGHT + 16, 3, &content.tracking_number);
    canvas.fill_rect(0, 910, WIDTH, 3);
    let mut y = 930;
    for reference in content.references.iter().take(3) {
        canvas.text(24, y, 2, &format!("REF: {reference}"));
        y += 24;
    }
    canvas.text(24, HEIGHT - 48, 2, "UPS SANDBOX - NOT A REAL LABEL");
    Ok(canvas)
}

fn encode_png(canvas: &Bitmap) -> Result<Vec<u8>, LabelError> {
    let mut out = Vec::with_capacity(32 * 1024);
    let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().map_err(|error| LabelError::Encoding(error.to_string()))?;
    writer.write_image_data(&canvas.bits).map_err(|error| LabelError::Encoding(error.to_string()))?;
    writer.finish().map_err(|error| LabelError::Encoding(error.to_string()))?;
    Ok(out)
}

/// Palette indices (0 white, 1 black) of the eight dots of each possible canvas byte.
const GIF_INDICES: [[u8; 8]; 256] = {
    let mut table = [[0u8; 8]; 256];
    let mut byte = 0;
    while byte < 256 {
        let mut bit = 0;
        while bit < 8 {
            // A 0 bit is black.
            table[byte][bit] = if byte & (0x80 >> bit) == 0 { 1 } else { 0 };
            bit += 1;
        }
        byte += 1;
    }
    table
};

fn encode_gif(canvas: &Bitmap) -> Result<Vec<u8>, LabelError> {
    let mut indices = Vec::with_capacity((WIDTH * HEIGHT) as usize);
    for row in canvas.bits.chunks_exact(ROW_BYTES) {
        for byte in row {
            indices.extend_from_slice(&GIF_INDICES[usize::from(*byte)]);
        }
        // 812 is a multiple of 4 but not of 8: drop the padding dots of the last byte.
        indices.truncate(indices.len() - (ROW_BYTES * 8 - WIDTH as usize));
    }
    let palette = [255u8, 255, 255, 0, 0, 0];
    let width = u16::try_from(WIDTH).map_err(|error| LabelError::Encoding(error.to_string()))?;
    let height = u16::try_from(HEIGHT).map_err(|error| LabelError::Encoding(error.to_string()))?;
    let mut out = Vec::with_capacity(64 * 1024);
    {
        let mut encoder = gif::Encoder::new(&mut out, width, height, &palette)
            .map_err(|error| LabelError::Encoding(error.to_string()))?;
        let frame = gif::Frame { width, height, buffer: Cow::Borrowed(&indices), ..Default::default() };
        encoder.write_frame(&frame).map_err(|error| LabelError::Encoding(error.to_string()))?;
    }
    Ok(out)
}

/// Escapes what ZPL would read as commands inside a field (`^` and `~`).
fn zpl_field(text: &str) -> String {
    printable(text).replace(['^', '~'], " ")
}

/// The label as ZPL II for a 4x6 label at 203 dpi, with the tracking number as a ^BC barcode.
fn zpl(content: &LabelContent) -> String {
    let mut zpl = String::from("^XA\n^CI28\n^PW812\n^LL1218\n^LH0,0\n");
    zpl.push_str("^FO0,0^GB812,1218,4^FS\n");
    let mut y = 24;
    for line in content.ship_from.iter().take(4) {
        zpl.push_str(&format!("^FO24,{y}^A0N,20,20^FD{}^FS\n", zpl_field(line)));
        y += 22;
    }
    zpl.push_str("^FO0,130^GB812,3,3^FS\n^FO24,150^A0N,20,20^FDSHIP TO:^FS\n");
    let mut y = 182;
    for line in content.ship_to.iter().take(6) {
        zpl.push_str(&format!("^FO48,{y}^A0N,28,28^FD{}^FS\n", zpl_field(line)));
        y += 32;
    }
    zpl.push_str("^FO0,400^GB812,3,3^FS\n");
    zpl.push_str(&format!("^FO24,424^A0N,40,40^FD{}^FS\n", zpl_field(&content.service_name)));
    zpl.push_str(&format!("^FO24,480^A0N,28,28^FDTRACKING #: {}^FS\n", zpl_field(&content.tracking_number)));
    zpl.push_str(&format!(
        "^FO24,524^A0N,20,20^FD{}   {}^FS\n^FO0,570^GB812,3,3^FS\n",
        zpl_field(&content.package_line),
        zpl_field(&content.weight_line)
    ));
    // ^BY3: 3-dot modules; ^BCN,240,Y,N,N: Code 128, 240 dots tall, interpretation line below.
    zpl.push_str(&format!(
        "^FO56,{BARCODE_TOP}^BY3^BCN,{BARCODE_HEIGHT},Y,N,N^FD{}^FS\n",
        zpl_field(&content.tracking_number)
    ));
    zpl.push_str("^FO0,910^GB812,3,3^FS\n");
    let mut y = 930;
    for reference in content.references.iter().take(3) {
        zpl.push_str(&format!("^FO24,{y}^A0N,20,20^FDREF: {}^FS\n", zpl_field(reference)));
        y += 24;
    }
    zpl.push_str("^FO24,1170^A0N,20,20^FDUPS SANDBOX - NOT A REAL LABEL^FS\n^XZ\n");
    zpl
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> LabelContent {
        LabelContent {
            tracking_number: "1Z999AA10123456784".into(),
            service_name: "UPS Ground".into(),
            ship_from: vec!["Wharf Seller".into()],
            ship_to: vec!["Jane Doe".into(), "1 Main St".into(), "ALPHARETTA GA 30005".into()],
            package_line: "PKG 1 OF 1".into(),
            weight_line: "1 LBS".into(),
            references: vec!["PO-1".into()],
        }
    }

    #[test]
    fn images_start_with_their_format_signatures() {
        let png = render(LabelFormat::Png, &content()).expect("png");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let gif = render(LabelFormat::Gif, &content()).expect("gif");
        assert_eq!(&gif[..6], b"GIF89a");
    }

    #[test]
    fn zpl_carries_the_barcode_and_the_text() {
        let zpl = String::from_utf8(render(LabelFormat::Zpl, &content()).expect("zpl")).expect("utf8");
        assert!(zpl.starts_with("^XA") && zpl.trim_end().ends_with("^XZ"));
        assert!(zpl.contains("^BCN,240,Y,N,N^FD1Z999AA10123456784^FS"));
        assert!(zpl.contains("^FDJANE DOE^FS"));
        assert!(zpl.contains("^FDUPS GROUND^FS"));
    }

    #[test]
    fn rectangles_clear_exactly_their_dots() {
        let mut canvas = Bitmap::white();
        // Dots 3 to 8 of the first row: the last five of byte 0 and the first of byte 1.
        canvas.fill_rect(3, 0, 6, 1);
        assert_eq!(&canvas.bits[..3], &[0b1110_0000, 0b0111_1111, 0xFF]);
        // A full-width line: 101 whole bytes, then dots 808 to 811; the 4 padding dots stay white.
        canvas.fill_rect(0, 1, WIDTH, 1);
        let row = &canvas.bits[ROW_BYTES..2 * ROW_BYTES];
        assert!(row[..ROW_BYTES - 1].iter().all(|byte| *byte == 0));
        assert_eq!(row[ROW_BYTES - 1], 0b0000_1111);
        assert_eq!(canvas.bits[2 * ROW_BYTES], 0xFF);
    }

    #[test]
    fn fields_cannot_inject_zpl_commands() {
        assert_eq!(zpl_field("A^XZ~B"), "A XZ B");
    }
}
