//! ZPL II for thermal printers: carrier ZPL as received, drawn labels from their layout, and
//! carrier images as `^GF` graphics.

use std::fmt::Write as _;

use crate::canvas::{Align, LABEL_SIZE};
use crate::error::DocumentError;
use crate::fonts::{Weight, fit};
use crate::images::decode_label;
use crate::label::{CarrierImage, Dpi, Element, Label, layout};

/// The label as ZPL II for a 4x6 printer at `dpi`: carrier ZPL exactly as received, drawn labels
/// generated from the same layout as their PDF, and carrier images as a `^GFA` graphic scaled to
/// the printer's dots (with the label messages below when there is room, as in the PDF).
pub fn render_label_zpl(label: &Label, dpi: Dpi) -> Result<String, DocumentError> {
    match label {
        Label::CarrierZpl(zpl) => Ok(zpl.clone()),
        Label::Drawn(drawn) => Ok(drawn_zpl(&layout(drawn, dpi)?, dpi)),
        Label::CarrierImage(image) => image_zpl(image, dpi),
        Label::CarrierPdf(_) => Err(DocumentError::PdfLabelInZpl),
    }
}

fn header(dpi: Dpi) -> String {
    // ^CI28: field data is UTF-8. ^PW/^LL: print width and label length in dots.
    format!("^XA\n^CI28\n^PW{}\n^LL{}\n^LH0,0\n", dpi.dots(LABEL_SIZE.0), dpi.dots(LABEL_SIZE.1))
}

const FOOTER: &str = "^PQ1\n^XZ\n";

fn drawn_zpl(elements: &[Element], dpi: Dpi) -> String {
    let mut zpl = header(dpi);
    for element in elements {
        match element {
            Element::Block { x, top, width, height } => {
                let (w, h) = (dpi.dots(*width).max(1), dpi.dots(*height).max(1));
                let _ = writeln!(zpl, "^FO{},{}^GB{w},{h},{},B,0^FS", dpi.dots(*x), dpi.dots(*top), w.min(h));
            }
            Element::Text { x, top, width, size, line_height, align, reverse, lines, .. } => {
                let height = dpi.dots(*size);
                let spacing = dpi.dots(*line_height) as i64 - height as i64;
                let justification = match align {
                    Align::Left => 'L',
                    Align::Center => 'C',
                    Align::Right => 'R',
                };
                let (hex_escapes, data) = field_data(&lines.join("\n"));
                let _ = writeln!(
                    zpl,
                    "^FO{},{}^A0N,{height},{height}^FB{},{},{spacing},{justification},0{}{}^FD{data}^FS",
                    dpi.dots(*x),
                    dpi.dots(*top),
                    dpi.dots(*width),
                    lines.len(),
                    if *reverse { "^FR" } else { "" },
                    if hex_escapes { "^FH_" } else { "" },
                );
            }
            Element::Barcode { left_dots, top, height, module_dots, symbol } => {
                let h = dpi.dots(*height);
                let _ = writeln!(
                    zpl,
                    "^FO{left_dots},{}^BY{module_dots},3,{h}^BCN,{h},N,N,N,N^FD{}^FS",
                    dpi.dots(*top),
                    symbol.zpl_field_data()
                );
            }
        }
    }
    zpl.push_str(FOOTER);
    zpl
}

/// Text for a `^FB` field: `^` and `~` would start commands, so with `^FH_` they are written
/// as hex (`_5E`, `_7E`, and `_` itself as `_5F`); in a field block a backslash is `\\` and
/// `\&` breaks the line.
fn field_data(text: &str) -> (bool, String) {
    let hex = text.contains(['^', '~', '_']);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '^' if hex => out.push_str("_5E"),
            '~' if hex => out.push_str("_7E"),
            '_' if hex => out.push_str("_5F"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\&"),
            c => out.push(c),
        }
    }
    (hex, out)
}

fn image_zpl(label: &CarrierImage, dpi: Dpi) -> Result<String, DocumentError> {
    let raster = decode_label(label.bytes.as_bytes(), label.rotation)?;
    let (page_w, page_h) = (dpi.dots(LABEL_SIZE.0), dpi.dots(LABEL_SIZE.1));
    let scale = (page_w as f32 / raster.width as f32).min(page_h as f32 / raster.height as f32);
    let width = ((raster.width as f32 * scale).round() as u32).clamp(1, page_w);
    let height = ((raster.height as f32 * scale).round() as u32).clamp(1, page_h);
    let line = dpi.dots(10.0);
    let band = line * label.messages.lines().len() as u32 + dpi.dots(6.0);
    let with_band = !label.messages.is_empty() && page_h - height >= band;
    let top = if with_band { 0 } else { (page_h - height) / 2 };

    // Nearest-neighbour scaling to whole dots, then black where the grey is darker than half.
    let row_bytes = width.div_ceil(8) as usize;
    let mut bits = vec![0u8; row_bytes * height as usize];
    for y in 0..height as usize {
        let sy = ((y as f32 + 0.5) / scale) as usize;
        let source = &raster.pixels[sy.min(raster.height as usize - 1) * raster.width as usize..];
        for x in 0..width as usize {
            let sx = (((x as f32 + 0.5) / scale) as usize).min(raster.width as usize - 1);
            if source[sx] < 128 {
                bits[y * row_bytes + x / 8] |= 0x80 >> (x % 8);
            }
        }
    }

    let mut zpl = header(dpi);
    let _ = writeln!(
        zpl,
        "^FO{},{top}^GFA,{},{},{row_bytes},{}^FS",
        (page_w - width) / 2,
        bits.len(),
        bits.len(),
        compress_graphic(&bits, row_bytes)
    );
    if with_band {
        let mut y = height + dpi.dots(4.0);
        for message in label.messages.lines() {
            let text = fit(message, Weight::Regular, 8.0, LABEL_SIZE.0 - 20.0);
            let (hex_escapes, data) = field_data(&text);
            let _ = writeln!(
                zpl,
                "^FO{},{y}^A0N,{h},{h}{}^FD{data}^FS",
                dpi.dots(10.0),
                if hex_escapes { "^FH_" } else { "" },
                h = dpi.dots(8.0),
            );
            y += line;
        }
    }
    zpl.push_str(FOOTER);
    Ok(zpl)
}

/// ZPL's ASCII compression of `^GFA` data: a row equal to the previous one is `:`, a row that
/// ends in white is closed by `,` (or `!` for black), and runs of one hex digit are prefixed
/// with a count (G..Y for 1..19, g..z for 20..400 in steps of 20). Labels shrink to a tenth.
fn compress_graphic(bits: &[u8], row_bytes: usize) -> String {
    let mut out = String::new();
    let mut previous: Option<&[u8]> = None;
    for row in bits.chunks(row_bytes) {
        if previous == Some(row) {
            out.push(':');
            continue;
        }
        previous = Some(row);
        let hex: Vec<u8> = row.iter().flat_map(|b| [b >> 4, b & 0x0f]).collect();
        let mut end = hex.len();
        let trailing_white = hex.iter().rev().take_while(|&&d| d == 0).count();
        let trailing_black = hex.iter().rev().take_while(|&&d| d == 0xf).count();
        let closing = if trailing_white > 1 {
            end -= trailing_white;
            Some(',')
        } else if trailing_black > 1 {
            end -= trailing_black;
            Some('!')
        } else {
            None
        };
        let mut i = 0;
        while i < end {
            let digit = hex[i];
            let run = hex[i..end].iter().take_while(|&&d| d == digit).count();
            push_count(&mut out, run);
            out.push(char::from_digit(u32::from(digit), 16).unwrap_or('0').to_ascii_uppercase());
            i += run;
        }
        out.extend(closing);
    }
    out
}

fn push_count(out: &mut String, mut count: usize) {
    if count <= 1 {
        return;
    }
    while count >= 400 {
        out.push('z');
        count -= 400;
    }
    if count >= 20 {
        out.push(char::from(b'g' + (count / 20 - 1) as u8));
        count %= 20;
    }
    if count >= 1 {
        out.push(char::from(b'G' + (count - 1) as u8));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expands compressed `^GFA` data back to hex digits, written from the ZPL II manual's
    /// description rather than from `compress_graphic`.
    fn expand(data: &str, row_bytes: usize) -> String {
        let row_hex = row_bytes * 2;
        let mut rows: Vec<String> = Vec::new();
        let mut row = String::new();
        let mut count = 0usize;
        for c in data.chars() {
            match c {
                'G'..='Y' => count += (c as usize) - ('G' as usize) + 1,
                'g'..='z' => count += ((c as usize) - ('g' as usize) + 1) * 20,
                ':' => rows.push(rows.last().cloned().unwrap()),
                ',' | '!' => {
                    let fill = if c == ',' { '0' } else { 'F' };
                    while row.len() < row_hex {
                        row.push(fill);
                    }
                }
                hex => {
                    for _ in 0..count.max(1) {
                        row.push(hex);
                    }
                    count = 0;
                }
            }
            if row.len() == row_hex {
                rows.push(std::mem::take(&mut row));
            }
        }
        rows.concat()
    }

    #[test]
    fn graphic_compression_round_trips() {
        let row_bytes = 30;
        let mut bits = vec![0u8; row_bytes * 4];
        bits[0] = 0xff; // row 0 starts black, ends white
        bits[row_bytes..2 * row_bytes].fill(0xff); // row 1 all black
        bits[2 * row_bytes..3 * row_bytes].fill(0xff); // row 2 repeats row 1
        bits[4 * row_bytes - 1] = 0x0f; // row 3 ends in a single black digit
        let compressed = compress_graphic(&bits, row_bytes);
        let hex: String = bits.iter().map(|b| format!("{b:02X}")).collect();
        assert_eq!(expand(&compressed, row_bytes), hex);
        assert!(compressed.len() < hex.len() / 4, "{compressed}");
    }

    #[test]
    fn counts_use_the_zpl_letters() {
        let mut out = String::new();
        push_count(&mut out, 1);
        assert_eq!(out, "");
        for (count, code) in [(2, "H"), (19, "Y"), (20, "g"), (45, "hK"), (400, "z"), (821, "zzgG")] {
            let mut out = String::new();
            push_count(&mut out, count);
            assert_eq!(out, code, "count {count}");
        }
    }

    #[test]
    fn field_data_escapes_command_characters() {
        assert_eq!(field_data("Zoë Peña"), (false, "Zoë Peña".to_owned()));
        assert_eq!(field_data("a^b~c_d"), (true, "a_5Eb_7Ec_5Fd".to_owned()));
        assert_eq!(field_data("C:\\x\ny"), (false, "C:\\\\x\\&y".to_owned()));
    }
}
