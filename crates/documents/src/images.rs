//! Image bytes callers pass in, and their decoding into rasters the PDF writer can embed.
//!
//! Decoding and resizing happen here, off the PDF writer's thread: krilla's own PNG/GIF path
//! would keep every label as RGBA plus an alpha mask (four times the bytes to compress), and
//! could not rotate or shrink anything.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::io::Cursor;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use image::{DynamicImage, GrayImage, ImageReader, RgbImage};
use krilla::image::{BitsPerComponent, CustomImage, ImageColorspace};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::DocumentError;

/// File bytes (a PNG, GIF or JPEG image; a carrier's PDF label), shared cheaply: the same
/// product thumbnail can appear on hundreds of slips of a batch. Serialized as a base64 string.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SharedBytes(Arc<[u8]>);

impl SharedBytes {
    pub fn new(bytes: impl Into<Arc<[u8]>>) -> SharedBytes {
        SharedBytes(bytes.into())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for SharedBytes {
    fn from(bytes: Vec<u8>) -> SharedBytes {
        SharedBytes(bytes.into())
    }
}

impl From<&[u8]> for SharedBytes {
    fn from(bytes: &[u8]) -> SharedBytes {
        SharedBytes(bytes.into())
    }
}

impl fmt::Debug for SharedBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SharedBytes({} bytes)", self.0.len())
    }
}

impl Serialize for SharedBytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&BASE64.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for SharedBytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<SharedBytes, D::Error> {
        let text = String::deserialize(deserializer)?;
        BASE64.decode(text.as_bytes()).map(SharedBytes::from).map_err(serde::de::Error::custom)
    }
}

/// How to turn a carrier's label image to fit a portrait 4x6 page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rotation {
    /// Landscape images (wider than tall, as UPS GIF labels are) are turned a quarter clockwise;
    /// portrait images are left alone.
    #[default]
    Auto,
    /// Never turn the image.
    None,
    /// Turn a quarter clockwise.
    Clockwise,
    /// Turn a quarter counter-clockwise.
    CounterClockwise,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Channels {
    Luma,
    Rgb,
}

/// Decoded 8-bit pixels, opaque, row-major.
#[derive(Debug)]
pub(crate) struct Raster {
    id: u64,
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) channels: Channels,
    pub(crate) pixels: Vec<u8>,
}

static NEXT_RASTER_ID: AtomicU64 = AtomicU64::new(1);

impl Raster {
    pub(crate) fn new(width: u32, height: u32, channels: Channels, pixels: Vec<u8>) -> Raster {
        let per_pixel = match channels {
            Channels::Luma => 1,
            Channels::Rgb => 3,
        };
        assert_eq!(pixels.len(), width as usize * height as usize * per_pixel);
        Raster { id: NEXT_RASTER_ID.fetch_add(1, Ordering::Relaxed), width, height, channels, pixels }
    }

    /// The raster as a krilla image. Compression starts right away on rayon's pool.
    pub(crate) fn to_pdf_image(self: &Arc<Raster>, smooth: bool) -> krilla::image::Image {
        krilla::image::Image::from_custom(PdfRaster(Arc::clone(self)), smooth)
            .expect("custom rasters always have consistent sizes")
    }
}

/// krilla hashes images to deduplicate them; hashing the id instead of the pixels keeps that
/// cheap, and each distinct raster gets its own id.
#[derive(Clone)]
struct PdfRaster(Arc<Raster>);

impl Hash for PdfRaster {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.id.hash(state);
    }
}

impl CustomImage for PdfRaster {
    fn color_channel(&self) -> &[u8] {
        &self.0.pixels
    }

    fn alpha_channel(&self) -> Option<&[u8]> {
        None
    }

    fn bits_per_component(&self) -> BitsPerComponent {
        BitsPerComponent::Eight
    }

    fn size(&self) -> (u32, u32) {
        (self.0.width, self.0.height)
    }

    fn icc_profile(&self) -> Option<&[u8]> {
        None
    }

    fn color_space(&self) -> ImageColorspace {
        match self.0.channels {
            Channels::Luma => ImageColorspace::Luma,
            Channels::Rgb => ImageColorspace::Rgb,
        }
    }
}

pub(crate) fn decode_any(bytes: &[u8]) -> Result<DynamicImage, String> {
    let reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|e| e.to_string())?;
    if reader.format().is_none() {
        return Err("it is not a PNG, GIF or JPEG image".to_owned());
    }
    reader.decode().map_err(|e| e.to_string())
}

/// A carrier label image as an opaque grey raster, turned per `rotation` (for ZPL graphics;
/// PDFs take the image through `label_image`). Labels are black on white; colour (a carrier
/// logo) becomes grey, which is what a thermal printer prints anyway.
pub(crate) fn decode_label(bytes: &[u8], rotation: Rotation) -> Result<Raster, DocumentError> {
    let gray = decode_gray(bytes).map_err(|reason| DocumentError::LabelImage { reason })?;
    let (width, height) = gray.dimensions();
    let turn = match rotation {
        Rotation::Auto if width > height => Rotation::Clockwise,
        Rotation::Auto => Rotation::None,
        other => other,
    };
    let gray = match turn {
        Rotation::Clockwise => image::imageops::rotate90(&gray),
        Rotation::CounterClockwise => image::imageops::rotate270(&gray),
        Rotation::None | Rotation::Auto => gray,
    };
    let (width, height) = gray.dimensions();
    Ok(Raster::new(width, height, Channels::Luma, gray.into_raw()))
}

/// Any supported image as opaque grey on white. GIFs (what UPS sends) are read as palette
/// indices and mapped through a 256-entry table, several times faster than decoding to RGBA.
pub(crate) fn decode_gray(bytes: &[u8]) -> Result<GrayImage, String> {
    if bytes.starts_with(b"GIF8") {
        return Ok(GifImage::read(bytes)?.to_gray());
    }
    let image = decode_any(bytes)?;
    if image.width() == 0 || image.height() == 0 {
        return Err("the image is empty".to_owned());
    }
    Ok(gray_on_white(image))
}

/// The first frame of a GIF as palette indices, with each index's grey on white.
pub(crate) struct GifImage {
    width: usize,
    height: usize,
    frame: gif::Frame<'static>,
    /// Grey of each palette index; indices without a palette entry print black and the
    /// transparent one is paper (white).
    grey: [u8; 256],
}

impl GifImage {
    pub(crate) fn read(bytes: &[u8]) -> Result<GifImage, String> {
        let mut options = gif::DecodeOptions::new();
        options.set_color_output(gif::ColorOutput::Indexed);
        let mut decoder = options.read_info(bytes).map_err(|e| e.to_string())?;
        let (width, height) = (usize::from(decoder.width()), usize::from(decoder.height()));
        if width == 0 || height == 0 {
            return Err("the image is empty".to_owned());
        }
        let global = decoder.global_palette().map(<[u8]>::to_vec);
        // Frame information first, then the indices into our own buffer (no copy).
        let mut frame = decoder
            .next_frame_info()
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "the GIF holds no image".to_owned())?
            .clone();
        let mut buffer = vec![0u8; decoder.buffer_size()];
        decoder.read_into_buffer(&mut buffer).map_err(|e| e.to_string())?;
        frame.buffer = buffer.into();
        let palette = frame.palette.clone().or(global).ok_or_else(|| "the GIF has no palette".to_owned())?;
        let mut grey = [0u8; 256];
        for (index, rgb) in palette.chunks_exact(3).enumerate().take(256) {
            grey[index] = luma(rgb[0], rgb[1], rgb[2]);
        }
        if let Some(transparent) = frame.transparent {
            grey[usize::from(transparent)] = 255;
        }
        Ok(GifImage { width, height, frame, grey })
    }

    pub(crate) fn dimensions(&self) -> (u32, u32) {
        (self.width as u32, self.height as u32)
    }

    pub(crate) fn to_gray(&self) -> GrayImage {
        let (width, height) = (self.width, self.height);
        let mut samples = vec![255u8; width * height];
        let (left, top) = (usize::from(self.frame.left), usize::from(self.frame.top));
        let frame_width = usize::from(self.frame.width);
        if frame_width > 0 && left < width {
            for (y, row) in self.frame.buffer.chunks_exact(frame_width).enumerate() {
                if top + y >= height {
                    break;
                }
                let visible = &row[..frame_width.min(width - left)];
                let start = (top + y) * width + left;
                for (out, &index) in samples[start..start + visible.len()].iter_mut().zip(visible) {
                    *out = self.grey[usize::from(index)];
                }
            }
        }
        GrayImage::from_raw(width as u32, height as u32, samples).expect("one sample per pixel")
    }

    /// Rows of 1-bit samples (1 is white), packed straight from the indices, when the frame
    /// covers the whole image and every colour is pure black or white (as on labels).
    pub(crate) fn bilevel_rows(&self) -> Option<Vec<u8>> {
        let frame = &self.frame;
        let covers = frame.left == 0
            && frame.top == 0
            && usize::from(frame.width) == self.width
            && usize::from(frame.height) == self.height;
        if !covers || self.grey.iter().any(|&g| g != 0 && g != 255) {
            return None;
        }
        let white: [u8; 256] = self.grey.map(|g| g >> 7);
        // Two-colour GIFs (black, white) or (white, black): indices 0 and 1 are the bits (or
        // their inverse), so eight pixels pack with one multiplication.
        let invert = match (white[0], white[1]) {
            (0, 1) => Some(0x00),
            (1, 0) => Some(0xff),
            _ => None,
        };
        let row_bytes = self.width.div_ceil(8);
        let mut out = vec![0u8; row_bytes * self.height];
        for (row, packed) in frame.buffer.chunks_exact(self.width).zip(out.chunks_exact_mut(row_bytes)) {
            for (eight, byte) in row.chunks(8).zip(packed.iter_mut()) {
                if let (Some(invert), Ok(eight)) = (invert, <[u8; 8]>::try_from(eight)) {
                    let v = u64::from_le_bytes(eight);
                    if v & 0xfefe_fefe_fefe_fefe == 0 {
                        // Moves byte i's low bit to bit 7 - i of the top byte.
                        *byte = ((v.wrapping_mul(0x8040_2010_0804_0201) >> 56) as u8) ^ invert;
                        continue;
                    }
                }
                let mut bits = 0u8;
                for (i, &index) in eight.iter().enumerate() {
                    bits |= white[usize::from(index)] << (7 - i);
                }
                *byte = bits;
            }
        }
        Some(out)
    }
}

/// Rec. 601 luma in integer arithmetic.
fn luma(red: u8, green: u8, blue: u8) -> u8 {
    ((u32::from(red) * 77 + u32::from(green) * 150 + u32::from(blue) * 29) >> 8) as u8
}

/// `value` seen through `alpha` on white paper.
fn over_white(value: u8, alpha: u8) -> u8 {
    let alpha = u16::from(alpha);
    ((u16::from(value) * alpha + 255 * (255 - alpha)) / 255) as u8
}

/// Opaque grey on white. The common 8-bit layouts are converted by hand: `image`'s own
/// conversions go through floating-point colour management and cost milliseconds per label.
pub(crate) fn gray_on_white(image: DynamicImage) -> GrayImage {
    let (width, height) = (image.width(), image.height());
    let pixels: Vec<u8> = match image {
        DynamicImage::ImageLuma8(gray) => return gray,
        DynamicImage::ImageLumaA8(gray) => gray.as_raw().chunks_exact(2).map(|p| over_white(p[0], p[1])).collect(),
        DynamicImage::ImageRgb8(rgb) => rgb.as_raw().chunks_exact(3).map(|p| luma(p[0], p[1], p[2])).collect(),
        other => other.to_rgba8().as_raw().chunks_exact(4).map(|p| over_white(luma(p[0], p[1], p[2]), p[3])).collect(),
    };
    GrayImage::from_raw(width, height, pixels).expect("one sample per pixel")
}

/// Opaque RGB on white, converting the common layouts by hand (see [`gray_on_white`]).
pub(crate) fn rgb_on_white(image: DynamicImage) -> RgbImage {
    let (width, height) = (image.width(), image.height());
    let pixels: Vec<u8> = match image {
        DynamicImage::ImageRgb8(rgb) => return rgb,
        DynamicImage::ImageLuma8(gray) => gray.as_raw().iter().flat_map(|&v| [v, v, v]).collect(),
        DynamicImage::ImageLumaA8(gray) => {
            gray.as_raw().chunks_exact(2).flat_map(|p| [over_white(p[0], p[1]); 3]).collect()
        }
        other => other
            .to_rgba8()
            .as_raw()
            .chunks_exact(4)
            .flat_map(|p| [over_white(p[0], p[3]), over_white(p[1], p[3]), over_white(p[2], p[3])])
            .collect(),
    };
    RgbImage::from_raw(width, height, pixels).expect("three samples per pixel")
}

/// A logo or product picture, shrunk so that neither side exceeds `max_side` pixels. `None`
/// when the bytes are not an image we can read: callers draw a placeholder instead.
pub(crate) fn decode_picture(bytes: &[u8], max_side: u32) -> Option<Raster> {
    let image = decode_any(bytes).ok()?;
    if image.width() == 0 || image.height() == 0 {
        return None;
    }
    // `thumbnail` is image's fast integer downscaler, good enough for pictures this small.
    let image =
        if image.width() > max_side || image.height() > max_side { image.thumbnail(max_side, max_side) } else { image };
    let rgb = rgb_on_white(image);
    let (width, height) = rgb.dimensions();
    let pixels = rgb.into_raw();
    // Grey pictures (many logos) take a third of the space as one channel.
    if pixels.chunks_exact(3).all(|p| p[0] == p[1] && p[1] == p[2]) {
        let luma = pixels.chunks_exact(3).map(|p| p[0]).collect();
        return Some(Raster::new(width, height, Channels::Luma, luma));
    }
    Some(Raster::new(width, height, Channels::Rgb, pixels))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(image: DynamicImage) -> Vec<u8> {
        let mut out = Vec::new();
        image.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
        out
    }

    #[test]
    fn landscape_labels_turn_clockwise_so_the_left_edge_becomes_the_top() {
        // 3x2 image whose left column is black: after a clockwise turn it is the top row.
        let mut img = image::GrayImage::from_pixel(3, 2, image::Luma([255]));
        img.put_pixel(0, 0, image::Luma([0]));
        img.put_pixel(0, 1, image::Luma([0]));
        let raster = decode_label(&png(DynamicImage::ImageLuma8(img)), Rotation::Auto).unwrap();
        assert_eq!((raster.width, raster.height), (2, 3));
        assert_eq!(raster.pixels, vec![0, 0, 255, 255, 255, 255]);
    }

    #[test]
    fn portrait_labels_stay_and_rotation_can_be_forced() {
        let img = image::GrayImage::from_pixel(2, 3, image::Luma([255]));
        let bytes = png(DynamicImage::ImageLuma8(img));
        let kept = decode_label(&bytes, Rotation::Auto).unwrap();
        assert_eq!((kept.width, kept.height), (2, 3));
        let turned = decode_label(&bytes, Rotation::CounterClockwise).unwrap();
        assert_eq!((turned.width, turned.height), (3, 2));
    }

    #[test]
    fn unreadable_labels_are_errors_and_unreadable_pictures_are_none() {
        let err = decode_label(b"not an image", Rotation::Auto).unwrap_err();
        assert!(matches!(err, DocumentError::LabelImage { .. }), "{err}");
        assert!(decode_picture(b"not an image", 100).is_none());
        // A PNG signature followed by garbage.
        assert!(decode_picture(b"\x89PNG\r\n\x1a\n garbage", 100).is_none());
    }

    #[test]
    fn pictures_shrink_and_transparency_becomes_white() {
        let img = image::RgbaImage::from_pixel(400, 200, image::Rgba([255, 0, 0, 0]));
        let raster = decode_picture(&png(DynamicImage::ImageRgba8(img)), 100).unwrap();
        assert_eq!((raster.width, raster.height), (100, 50));
        assert_eq!(raster.channels, Channels::Luma);
        assert!(raster.pixels.iter().all(|&p| p == 255));
    }

    #[test]
    fn image_bytes_travel_as_base64() {
        let bytes = SharedBytes::from(vec![1u8, 2, 3]);
        let json = serde_json::to_string(&bytes).unwrap();
        assert_eq!(json, "\"AQID\"");
        assert_eq!(serde_json::from_str::<SharedBytes>(&json).unwrap(), bytes);
    }
}
