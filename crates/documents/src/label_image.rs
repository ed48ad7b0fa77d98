//! Carrier label images, compressed for the PDF without krilla, and embedded through a small
//! side PDF ("image sheet") that krilla copies pages from.
//!
//! Why: krilla only takes 8-bit images and deflates them itself at level 6. A 1200x800 label is
//! then ~1 MB of samples and 15-50 ms of compression; a batch of 500 would take seconds. Labels
//! are black and white, so we store them at 1 bit per pixel (an eighth of the data, ~1.5 ms),
//! and PNG labels that PDF can read as they are (non-interlaced grey, RGB or palette without
//! transparency) are not decoded at all: their compressed rows go into the PDF unchanged with
//! the PNG predictor. pdf-writer (which krilla itself builds on) writes the sheet, hayro parses
//! it back, and krilla copies each page's image stream byte for byte.

use std::io::Write as _;
use std::sync::Arc;

use flate2::Compression;
use flate2::write::ZlibEncoder;
use krilla::pdf::{Pdf, PdfDocument};
use pdf_writer::types::Predictor;
use pdf_writer::{Content, Filter, Finish, Name, Rect, Ref};

use crate::error::DocumentError;
use crate::images::{GifImage, Rotation, decode_gray};

#[derive(Debug, Clone, PartialEq, Eq)]
enum ColorModel {
    Gray,
    Rgb,
    /// A palette of RGB triples.
    Indexed(Vec<u8>),
}

/// A label image as a compressed PDF image stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EncodedImage {
    pub(crate) width: u32,
    pub(crate) height: u32,
    color: ColorModel,
    bits: u8,
    /// Rows carry PNG filter bytes (FlateDecode with /Predictor 15).
    png_rows: bool,
    data: Vec<u8>,
}

impl EncodedImage {
    /// The quarter turn that fits this image to a portrait page under `rotation`:
    /// 1 clockwise, -1 counter-clockwise, 0 none.
    pub(crate) fn quarter_turns(&self, rotation: Rotation) -> i8 {
        quarter_turns(self.width, self.height, rotation)
    }
}

pub(crate) fn quarter_turns(width: u32, height: u32, rotation: Rotation) -> i8 {
    match rotation {
        Rotation::Auto if width > height => 1,
        Rotation::Auto | Rotation::None => 0,
        Rotation::Clockwise => 1,
        Rotation::CounterClockwise => -1,
    }
}

/// Encodes a carrier's label image (PNG, GIF or JPEG) for the PDF.
pub(crate) fn encode_label_image(bytes: &[u8]) -> Result<EncodedImage, DocumentError> {
    if let Some(image) = png_passthrough(bytes) {
        return Ok(image);
    }
    let unreadable = |reason| DocumentError::LabelImage { reason };
    // Black-and-white GIFs go from palette indices to bits without a grey image in between.
    if bytes.starts_with(b"GIF8") {
        let gif = GifImage::read(bytes).map_err(unreadable)?;
        if let Some(rows) = gif.bilevel_rows() {
            let (width, height) = gif.dimensions();
            return Ok(EncodedImage {
                width,
                height,
                color: ColorModel::Gray,
                bits: 1,
                png_rows: false,
                data: deflate(&rows),
            });
        }
    }
    let gray = decode_gray(bytes).map_err(unreadable)?;
    let (width, height) = gray.dimensions();
    let (bits, data) = match pack_bilevel(gray.as_raw(), width as usize) {
        Some(packed) => (1, deflate(&packed)),
        None => (8, deflate(gray.as_raw())),
    };
    Ok(EncodedImage { width, height, color: ColorModel::Gray, bits, png_rows: false, data })
}

/// Rows of 1-bit samples (1 is white, as in DeviceGray), each row padded to a whole byte;
/// `None` as soon as a row has a pixel that is neither black nor white.
fn pack_bilevel(pixels: &[u8], width: usize) -> Option<Vec<u8>> {
    let row_bytes = width.div_ceil(8);
    let mut out = vec![0u8; row_bytes * (pixels.len() / width)];
    for (row, packed) in pixels.chunks_exact(width).zip(out.chunks_exact_mut(row_bytes)) {
        let mut grey = false;
        for (eight, byte) in row.chunks(8).zip(packed.iter_mut()) {
            let mut bits = 0u8;
            for (i, &p) in eight.iter().enumerate() {
                bits |= (p >> 7) << (7 - i);
                grey |= p.wrapping_add(1) > 1;
            }
            *byte = bits;
        }
        if grey {
            return None;
        }
    }
    Some(out)
}

fn deflate(data: &[u8]) -> Vec<u8> {
    // The fastest level: label rows are mostly runs of white that compress well anyway, and
    // this is the largest single cost of a batch.
    let mut encoder = ZlibEncoder::new(Vec::with_capacity(data.len() / 8), Compression::new(2));
    encoder.write_all(data).expect("writing to a Vec cannot fail");
    encoder.finish().expect("writing to a Vec cannot fail")
}

/// The PNG's own compressed rows, when PDF can read them as they are. The chunk walk is
/// hand-written because the png crate decodes and does not hand out the raw IDAT stream.
fn png_passthrough(bytes: &[u8]) -> Option<EncodedImage> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    let mut rest = bytes.strip_prefix(SIGNATURE)?;
    let mut header = None;
    let mut palette = None;
    let mut data = Vec::new();
    while rest.len() >= 12 {
        let length = u32::from_be_bytes(rest[..4].try_into().ok()?) as usize;
        let kind = &rest[4..8];
        let body = rest.get(8..8 + length)?;
        match kind {
            b"IHDR" if length == 13 => header = Some(body),
            b"PLTE" => palette = Some(body.to_vec()),
            // Transparency would need a soft mask; such labels take the decoding path.
            b"tRNS" => return None,
            b"IDAT" => data.extend_from_slice(body),
            b"IEND" => break,
            _ => {}
        }
        rest = rest.get(12 + length..)?;
    }
    let header = header?;
    let width = u32::from_be_bytes(header[0..4].try_into().ok()?);
    let height = u32::from_be_bytes(header[4..8].try_into().ok()?);
    let (bits, color_type, interlace) = (header[8], header[9], header[12]);
    if interlace != 0 || width == 0 || height == 0 || data.is_empty() || bits > 8 {
        return None;
    }
    let color = match color_type {
        0 => ColorModel::Gray,
        2 if bits == 8 => ColorModel::Rgb,
        3 => ColorModel::Indexed(palette?),
        _ => return None,
    };
    Some(EncodedImage { width, height, color, bits, png_rows: true, data })
}

/// One PDF holding `images`, one page each, every page as big in points as the image in pixels.
pub(crate) fn image_sheet(images: &[Arc<EncodedImage>]) -> Result<PdfDocument, DocumentError> {
    let mut pdf = pdf_writer::Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let mut next = 3;
    let mut bump = || {
        next += 1;
        Ref::new(next - 1)
    };
    pdf.catalog(catalog).pages(tree);
    let mut kids = Vec::with_capacity(images.len());
    for image in images {
        let (page_ref, content_ref, image_ref) = (bump(), bump(), bump());
        kids.push(page_ref);
        let (w, h) = (image.width as f32, image.height as f32);
        let mut page = pdf.page(page_ref);
        page.media_box(Rect::new(0.0, 0.0, w, h)).parent(tree).contents(content_ref);
        page.resources().x_objects().pair(Name(b"Im"), image_ref);
        page.finish();

        let mut content = Content::new();
        content.save_state().transform([w, 0.0, 0.0, h, 0.0, 0.0]);
        content.x_object(Name(b"Im")).restore_state();
        pdf.stream(content_ref, &content.finish());

        let mut xobject = pdf.image_xobject(image_ref, &image.data);
        xobject.filter(Filter::FlateDecode);
        xobject.width(image.width as i32).height(image.height as i32);
        xobject.bits_per_component(i32::from(image.bits));
        match &image.color {
            ColorModel::Gray => {
                xobject.color_space().device_gray();
            }
            ColorModel::Rgb => {
                xobject.color_space().device_rgb();
            }
            ColorModel::Indexed(palette) => {
                let entries = (palette.len() / 3).max(1) as i32;
                xobject.color_space().indexed(Name(b"DeviceRGB"), entries - 1, palette);
            }
        }
        if image.png_rows {
            let colors = if image.color == ColorModel::Rgb { 3 } else { 1 };
            xobject
                .decode_parms()
                .predictor(Predictor::PngOptimum)
                .colors(colors)
                .bits_per_component(i32::from(image.bits))
                .columns(image.width as i32);
        }
        xobject.finish();
    }
    pdf.pages(tree).count(kids.len() as i32).kids(kids);
    let bytes = pdf.finish();
    let parsed = Pdf::new(bytes)
        .map_err(|e| DocumentError::Pdf { reason: format!("the label image sheet could not be read back ({e:?})") })?;
    Ok(PdfDocument::new(Arc::new(parsed)))
}

/// A carrier's PDF label, read for embedding.
pub(crate) fn carrier_pdf(bytes: &[u8]) -> Result<(PdfDocument, Vec<(f32, f32)>), DocumentError> {
    let parsed = Pdf::new(bytes.to_vec())
        .map_err(|_| DocumentError::LabelPdf { reason: "it is not a readable PDF, or it is encrypted".to_owned() })?;
    let sizes: Vec<(f32, f32)> = parsed.pages().iter().map(|p| p.render_dimensions()).collect();
    if sizes.is_empty() {
        return Err(DocumentError::LabelPdf { reason: "it has no pages".to_owned() });
    }
    Ok((PdfDocument::new(Arc::new(parsed)), sizes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{DynamicImage, GrayImage, Luma};
    use std::io::Cursor;

    fn encoded(image: DynamicImage, format: image::ImageFormat) -> Vec<u8> {
        let mut out = Vec::new();
        image.write_to(&mut Cursor::new(&mut out), format).unwrap();
        out
    }

    fn black_and_white() -> DynamicImage {
        DynamicImage::ImageLuma8(GrayImage::from_fn(20, 10, |x, _| Luma([if x < 5 { 0 } else { 255 }])))
    }

    #[test]
    fn black_and_white_gifs_become_one_bit() {
        let gif = encoded(DynamicImage::ImageRgba8(black_and_white().to_rgba8()), image::ImageFormat::Gif);
        let image = encode_label_image(&gif).unwrap();
        assert_eq!((image.width, image.height, image.bits), (20, 10, 1));
        assert_eq!(image.color, ColorModel::Gray);
        assert!(!image.png_rows);
    }

    #[test]
    fn plain_pngs_pass_through_without_decoding() {
        let png = encoded(black_and_white(), image::ImageFormat::Png);
        let image = encode_label_image(&png).unwrap();
        assert!(image.png_rows);
        assert_eq!((image.width, image.height, image.bits), (20, 10, 8));
        // The IDAT payload is carried over as is: it inflates to 10 rows of 1 filter byte + 20.
        let mut inflated = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::ZlibDecoder::new(&image.data[..]), &mut inflated).unwrap();
        assert_eq!(inflated.len(), 10 * 21);
    }

    #[test]
    fn transparent_pngs_are_decoded_instead() {
        let rgba = image::RgbaImage::from_pixel(4, 4, image::Rgba([0, 0, 0, 128]));
        let png = encoded(DynamicImage::ImageRgba8(rgba), image::ImageFormat::Png);
        let image = encode_label_image(&png).unwrap();
        assert!(!image.png_rows);
        assert_eq!(image.bits, 8);
    }

    #[test]
    fn packs_eight_pixels_per_byte_with_padded_rows() {
        let pixels = [0, 255, 255, 0, 0, 0, 0, 0, 255, /* row 2 */ 255, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(pack_bilevel(&pixels, 9), Some(vec![0b0110_0000, 0b1000_0000, 0b1000_0000, 0]));
        assert_eq!(pack_bilevel(&[0, 128], 2), None);
    }

    #[test]
    fn sheets_have_one_page_per_image() {
        let png = encoded(black_and_white(), image::ImageFormat::Png);
        let image = Arc::new(encode_label_image(&png).unwrap());
        let sheet = image_sheet(&[image.clone(), image]).unwrap();
        // Render the sheet through krilla to make sure it is accepted.
        let mut document = krilla::Document::new();
        let mut page = document.start_page_with(krilla::page::PageSettings::from_wh(20.0, 10.0).unwrap());
        let mut surface = page.surface();
        surface.draw_pdf_page(&sheet, krilla::geom::Size::from_wh(20.0, 10.0).unwrap(), 1);
        surface.finish();
        page.finish();
        assert!(document.finish().is_ok());
    }

    #[test]
    fn auto_rotation_turns_landscape_clockwise() {
        assert_eq!(quarter_turns(1200, 800, Rotation::Auto), 1);
        assert_eq!(quarter_turns(800, 1200, Rotation::Auto), 0);
        assert_eq!(quarter_turns(800, 1200, Rotation::CounterClockwise), -1);
        assert_eq!(quarter_turns(1200, 800, Rotation::None), 0);
    }
}
