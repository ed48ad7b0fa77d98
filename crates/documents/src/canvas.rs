//! Pages as plain display lists, and the one place that writes them into a PDF with krilla.
//!
//! Laying out a page (wrapping text, measuring tables, decoding pictures) needs no PDF at all
//! and runs in parallel; only writing the pages into the one krilla document is sequential.
//! Coordinates are PDF points from the page's top-left corner, y growing downwards (as krilla).

use std::collections::HashMap;
use std::sync::Arc;

use krilla::Document;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::pdf::PdfDocument;
use krilla::surface::Surface;
use krilla::text::KrillaGlyph;

use crate::color::Rgb;
use crate::error::DocumentError;
use crate::fonts::{Weight, face};
use crate::images::Raster;
use crate::label_image::{EncodedImage, image_sheet};

/// 4 x 6 inches.
pub(crate) const LABEL_SIZE: (f32, f32) = (288.0, 432.0);
/// US letter, 8.5 x 11 inches.
pub(crate) const LETTER_SIZE: (f32, f32) = (612.0, 792.0);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Align {
    #[default]
    Left,
    Center,
    Right,
}

#[derive(Clone)]
pub(crate) struct TextRun {
    x: f32,
    baseline: f32,
    size: f32,
    weight: Weight,
    color: Rgb,
    text: String,
    glyphs: Vec<KrillaGlyph>,
}

#[derive(Clone)]
pub(crate) enum Op {
    Text(TextRun),
    Rect {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        fill: Option<Rgb>,
        stroke: Option<(Rgb, f32)>,
    },
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
        color: Rgb,
    },
    /// Barcode bars: (left edge, width) pairs sharing one top and height.
    Bars {
        top: f32,
        height: f32,
        bars: Vec<(f32, f32)>,
    },
    Image {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        raster: Arc<Raster>,
        smooth: bool,
    },
    /// A carrier label image filling the box, turned a quarter (`turns` 1 clockwise, -1
    /// counter-clockwise) when not 0.
    LabelImage {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        turns: i8,
        image: Arc<EncodedImage>,
    },
    /// Page `index` of a carrier's PDF, filling the box, turned as for `LabelImage`.
    PdfPage {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        turns: i8,
        document: PdfDocument,
        index: usize,
    },
}

impl Op {
    /// The same op moved by (`dx`, `dy`).
    pub(crate) fn shifted(self, dx: f32, dy: f32) -> Op {
        match self {
            Op::Text(run) => Op::Text(TextRun { x: run.x + dx, baseline: run.baseline + dy, ..run }),
            Op::Rect { x, y, width, height, fill, stroke } => {
                Op::Rect { x: x + dx, y: y + dy, width, height, fill, stroke }
            }
            Op::Line { from, to, width, color } => {
                Op::Line { from: (from.0 + dx, from.1 + dy), to: (to.0 + dx, to.1 + dy), width, color }
            }
            Op::Bars { top, height, bars } => Op::Bars {
                top: top + dy,
                height,
                bars: bars.into_iter().map(|(left, width)| (left + dx, width)).collect(),
            },
            Op::Image { x, y, width, height, raster, smooth } => {
                Op::Image { x: x + dx, y: y + dy, width, height, raster, smooth }
            }
            Op::LabelImage { x, y, width, height, turns, image } => {
                Op::LabelImage { x: x + dx, y: y + dy, width, height, turns, image }
            }
            Op::PdfPage { x, y, width, height, turns, document, index } => {
                Op::PdfPage { x: x + dx, y: y + dy, width, height, turns, document, index }
            }
        }
    }
}

pub(crate) struct Page {
    pub(crate) width: f32,
    pub(crate) height: f32,
    pub(crate) ops: Vec<Op>,
}

impl Page {
    pub(crate) fn new((width, height): (f32, f32)) -> Page {
        Page { width, height, ops: Vec::new() }
    }

    /// One line of text with its baseline at `baseline`, starting at `x`.
    pub(crate) fn text(&mut self, x: f32, baseline: f32, size: f32, weight: Weight, color: Rgb, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        let glyphs = face(weight).glyphs(text);
        self.ops.push(Op::Text(TextRun { x, baseline, size, weight, color, text: text.to_owned(), glyphs }));
    }

    /// One line of text aligned within the box starting at `x` and `width` wide.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn text_in(
        &mut self,
        x: f32,
        width: f32,
        align: Align,
        baseline: f32,
        size: f32,
        weight: Weight,
        color: Rgb,
        text: &str,
    ) {
        let used = face(weight).width(text, size);
        let x = match align {
            Align::Left => x,
            Align::Center => x + (width - used) / 2.0,
            Align::Right => x + width - used,
        };
        self.text(x, baseline, size, weight, color, text);
    }

    pub(crate) fn fill_rect(&mut self, x: f32, y: f32, width: f32, height: f32, color: Rgb) {
        self.ops.push(Op::Rect { x, y, width, height, fill: Some(color), stroke: None });
    }

    pub(crate) fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32, color: Rgb) {
        self.ops.push(Op::Line { from, to, width, color });
    }

    /// A light box with a diagonal cross, where a picture could not be shown.
    pub(crate) fn placeholder(&mut self, x: f32, y: f32, width: f32, height: f32) {
        let grey = Rgb::new(0xc8, 0xcc, 0xd2);
        self.ops.push(Op::Rect {
            x,
            y,
            width,
            height,
            fill: Some(Rgb::new(0xf3, 0xf4, 0xf6)),
            stroke: Some((grey, 0.75)),
        });
        self.line((x, y), (x + width, y + height), 0.5, grey);
        self.line((x + width, y), (x, y + height), 0.5, grey);
    }
}

/// Writes `pages` in order into one PDF.
pub(crate) fn write_pdf(pages: Vec<Page>) -> Result<Vec<u8>, DocumentError> {
    write_pdf_chunks(std::iter::once(Ok(pages)))
}

/// Writes the pages of every chunk, in order, into one PDF. Chunks are produced lazily, so a
/// caller can prepare the next chunk in parallel while this one is written, and only a chunk's
/// worth of decoded images is in memory at a time. The carrier label images of a chunk share one
/// image sheet.
pub(crate) fn write_pdf_chunks(
    chunks: impl IntoIterator<Item = Result<Vec<Page>, DocumentError>>,
) -> Result<Vec<u8>, DocumentError> {
    let settings = krilla::SerializeSettings { xmp_metadata: false, ..Default::default() };
    let mut document = Document::new_with(settings);
    // Each raster becomes one PDF image object however often it is drawn.
    let mut images: HashMap<*const Raster, krilla::image::Image> = HashMap::new();
    for chunk in chunks {
        let pages = chunk?;
        let mut sheet_images = Vec::new();
        let mut sheet_index: HashMap<*const EncodedImage, usize> = HashMap::new();
        for op in pages.iter().flat_map(|p| &p.ops) {
            if let Op::LabelImage { image, .. } = op {
                sheet_index.entry(Arc::as_ptr(image)).or_insert_with(|| {
                    sheet_images.push(Arc::clone(image));
                    sheet_images.len() - 1
                });
            }
        }
        let sheet = if sheet_images.is_empty() { None } else { Some(image_sheet(&sheet_images)?) };
        for page in pages {
            let settings = PageSettings::from_wh(page.width, page.height)
                .ok_or_else(|| DocumentError::Pdf { reason: "a page has no area".to_owned() })?;
            let mut pdf_page = document.start_page_with(settings);
            let mut surface = pdf_page.surface();
            for op in page.ops {
                let sheet = sheet.as_ref().map(|s| (s, &sheet_index));
                draw(&mut surface, op, &mut images, sheet);
            }
            surface.finish();
            pdf_page.finish();
        }
    }
    document.finish().map_err(|error| match error {
        // Only carrier PDFs are embedded besides our own image sheets (PDF 1.7, like the output).
        krilla::error::KrillaError::Pdf(_, problem, _) => DocumentError::LabelPdf { reason: problem.to_string() },
        other => DocumentError::Pdf { reason: other.to_string() },
    })
}

/// Draws page `index` of `document` into the box, turned by `turns` quarters.
#[allow(clippy::too_many_arguments)]
fn draw_turned_page(
    surface: &mut Surface<'_>,
    document: &PdfDocument,
    index: usize,
    (x, y, width, height): (f32, f32, f32, f32),
    turns: i8,
) {
    let (transform, size) = match turns {
        1 => (
            // A quarter turn clockwise (y points down), then moved into the box.
            Transform::from_row(0.0, 1.0, -1.0, 0.0, x + width, y),
            Size::from_wh(height, width),
        ),
        -1 => (Transform::from_row(0.0, -1.0, 1.0, 0.0, x, y + height), Size::from_wh(height, width)),
        _ => (Transform::from_translate(x, y), Size::from_wh(width, height)),
    };
    let Some(size) = size else { return };
    surface.push_transform(&transform);
    surface.draw_pdf_page(document, size, index);
    surface.pop();
}

fn fill_of(color: Rgb) -> Fill {
    Fill { paint: color.to_krilla().into(), opacity: NormalizedF32::ONE, rule: Default::default() }
}

type Sheet<'a> = (&'a PdfDocument, &'a HashMap<*const EncodedImage, usize>);

fn draw(
    surface: &mut Surface<'_>,
    op: Op,
    images: &mut HashMap<*const Raster, krilla::image::Image>,
    sheet: Option<Sheet<'_>>,
) {
    match op {
        Op::Text(run) => {
            surface.set_stroke(None);
            surface.set_fill(Some(fill_of(run.color)));
            surface.draw_glyphs(
                Point::from_xy(run.x, run.baseline),
                &run.glyphs,
                face(run.weight).pdf_font(),
                &run.text,
                run.size,
                false,
            );
        }
        Op::Rect { x, y, width, height, fill, stroke } => {
            let Some(rect) = Rect::from_xywh(x, y, width.max(0.01), height.max(0.01)) else {
                return;
            };
            let mut path = PathBuilder::new();
            path.push_rect(rect);
            let Some(path) = path.finish() else { return };
            surface.set_fill(fill.map(fill_of));
            surface.set_stroke(stroke.map(|(color, width)| Stroke {
                paint: color.to_krilla().into(),
                width,
                ..Default::default()
            }));
            surface.draw_path(&path);
        }
        Op::Line { from, to, width, color } => {
            let mut path = PathBuilder::new();
            path.move_to(from.0, from.1);
            path.line_to(to.0, to.1);
            let Some(path) = path.finish() else { return };
            surface.set_fill(None);
            surface.set_stroke(Some(Stroke { paint: color.to_krilla().into(), width, ..Default::default() }));
            surface.draw_path(&path);
        }
        Op::Bars { top, height, bars } => {
            let mut path = PathBuilder::new();
            for (left, width) in bars {
                if let Some(rect) = Rect::from_xywh(left, top, width, height) {
                    path.push_rect(rect);
                }
            }
            let Some(path) = path.finish() else { return };
            surface.set_stroke(None);
            surface.set_fill(Some(fill_of(Rgb::BLACK)));
            surface.draw_path(&path);
        }
        Op::Image { x, y, width, height, raster, smooth } => {
            let Some(size) = Size::from_wh(width, height) else { return };
            let image = images.entry(Arc::as_ptr(&raster)).or_insert_with(|| raster.to_pdf_image(smooth)).clone();
            surface.push_transform(&Transform::from_translate(x, y));
            surface.draw_image(image, size);
            surface.pop();
        }
        Op::LabelImage { x, y, width, height, turns, image } => {
            // Every label image of the chunk was put on the sheet before drawing.
            if let Some((document, index)) = sheet
                && let Some(&page) = index.get(&Arc::as_ptr(&image))
            {
                draw_turned_page(surface, document, page, (x, y, width, height), turns);
            }
        }
        Op::PdfPage { x, y, width, height, turns, document, index } => {
            draw_turned_page(surface, &document, index, (x, y, width, height), turns);
        }
    }
}
