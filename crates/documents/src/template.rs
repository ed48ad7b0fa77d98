//! Seller-editable packing-slip templates: minijinja producing the layout markup of
//! [`crate::markup`], then laid out on pages.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Serde, Value};
use minijinja::{AutoEscape, Environment, OutputSpanKind, UndefinedBehavior};

use crate::canvas::{Align, Page, write_pdf};
use crate::color::Rgb;
use crate::error::{DocumentError, Origin, Position, TemplateError};
use crate::fonts::Weight;
use crate::images::{SharedBytes, decode_picture};
use crate::layout::{Pictures, paginate};
use crate::markup::{SlipMarkup, Style, check_source, parse};
use crate::slip::{LOGO_SOURCE, PackingSlip, SlipContext, SlipPageSize, item_image_source, sample_slip_data};

/// The default packing slip, itself a template in the documented markup (sellers can start
/// their own from it).
pub const DEFAULT_SLIP_TEMPLATE: &str = include_str!("../templates/packing-slip.xml.j2");

const NAME: &str = "packing-slip";

/// Largest side, in pixels, to which pictures are shrunk before embedding: thumbnails print at
/// about half an inch (160 px is ~300 dpi there), logos at a few inches.
const THUMBNAIL_PIXELS: u32 = 160;
const LOGO_PIXELS: u32 = 900;

/// A checked packing-slip template, ready to render many slips (it is cheap to clone and can be
/// shared between threads).
#[derive(Clone)]
pub struct SlipTemplate {
    env: Arc<Environment<'static>>,
    source: Arc<str>,
}

impl std::fmt::Debug for SlipTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlipTemplate").field("source_len", &self.source.len()).finish()
    }
}

static DEFAULT: LazyLock<SlipTemplate> =
    LazyLock::new(|| SlipTemplate::parse(DEFAULT_SLIP_TEMPLATE).expect("the built-in slip template is valid"));

impl Default for SlipTemplate {
    fn default() -> SlipTemplate {
        DEFAULT.clone()
    }
}

impl SlipTemplate {
    /// Checks `source`: template syntax, and every element and attribute written literally in it.
    /// Problems that depend on the order's data surface when rendering (see [`preview_slip_pdf`]).
    pub fn parse(source: &str) -> Result<SlipTemplate, TemplateError> {
        let mut env = Environment::new();
        env.set_syntax(
            SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()
                .expect("the default delimiters are valid"),
        );
        // Values are escaped for XML, so a "<" in a product name stays text.
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        // A misspelt variable fails loudly instead of printing nothing.
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        // Errors carry the byte range of the failing expression.
        env.set_debug(true);
        env.add_template_owned(NAME, source.to_owned()).map_err(|e| jinja_error(&e, source, true))?;
        check_source(source)?;
        Ok(SlipTemplate { env: Arc::new(env), source: source.into() })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    fn render_markup(&self, context: &SlipContext) -> Result<String, TemplateError> {
        let template = self.env.get_template(NAME).map_err(|e| jinja_error(&e, &self.source, false))?;
        template.render(Value::from(Serde(context))).map_err(|e| jinja_error(&e, &self.source, false))
    }

    /// Where in the template the output at `at` came from. Rendering again with output spans
    /// is slower, so it is only done for a slip that has a problem.
    fn locate(&self, context: &SlipContext, output: &str, at: Position) -> Position {
        if at.origin != Origin::Output {
            return at;
        }
        let Some(offset) = byte_offset(output, at.line, at.column) else { return at };
        let Ok(template) = self.env.get_template(NAME) else { return at };
        let Ok((again, spans)) = template.render_with_spans(Value::from(Serde(context))) else {
            return at;
        };
        if again != output {
            return at;
        }
        let span = spans
            .iter()
            .find(|s| s.output_range().contains(&offset))
            .or_else(|| spans.iter().rev().find(|s| s.output_range().start <= offset));
        let Some(span) = span else { return at };
        let source_offset = match span.kind() {
            // Verbatim template text maps one-to-one.
            OutputSpanKind::Raw => {
                span.source_range().start + (offset - span.output_range().start).min(span.source_range().len())
            }
            _ => span.source_range().start,
        };
        Position::at(&self.source, source_offset, Origin::Template)
    }

    /// The template's output for `context`, parsed into markup; markup problems are reported
    /// at their place in the template.
    pub(crate) fn markup(&self, context: &SlipContext, style: Style) -> Result<SlipMarkup, TemplateError> {
        let output = self.render_markup(context)?;
        parse(&output, style).map_err(|error| {
            let at = self.locate(context, &output, error.position());
            if at.origin == Origin::Template {
                let excerpt = self.source.lines().nth(at.line - 1).unwrap_or("").trim().to_owned();
                error.relocated(at, excerpt)
            } else {
                error
            }
        })
    }
}

/// The byte offset of a 1-based line and character column in `text`.
fn byte_offset(text: &str, line: usize, column: usize) -> Option<usize> {
    let line_start = if line <= 1 { 0 } else { text.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)? };
    let rest = &text[line_start..];
    Some(line_start + rest.char_indices().nth(column.saturating_sub(1)).map_or(rest.len(), |(i, _)| i))
}

fn jinja_error(error: &minijinja::Error, source: &str, syntax: bool) -> TemplateError {
    let at = match (error.range(), error.line()) {
        (Some(range), _) => Position::at(source, range.start, Origin::Template),
        (None, Some(line)) => Position { line, column: 1, origin: Origin::Template },
        (None, None) => Position { line: 1, column: 1, origin: Origin::Template },
    };
    let message = match error.detail() {
        Some(detail) => format!("{}: {detail}", error.kind()),
        None => error.kind().to_string(),
    };
    if syntax { TemplateError::Syntax { at, message } } else { TemplateError::Render { at, message } }
}

fn default_style(size: SlipPageSize) -> (Style, f32) {
    let (font_size, margin) = match size {
        SlipPageSize::Letter => (9.5, 36.0),
        SlipPageSize::FourBySix => (7.0, 12.0),
    };
    let style = Style {
        size: font_size,
        weight: Weight::Regular,
        color: Rgb::new(0x1f, 0x23, 0x28),
        align: Align::Left,
        leading: 1.3,
    };
    (style, margin)
}

/// Each distinct picture decoded once, keyed by its bytes (hashed and compared by content, so
/// a logo loaded afresh for every order is still decoded and embedded once per batch).
pub(crate) type PictureCache = HashMap<SharedBytes, Option<Arc<crate::images::Raster>>>;

/// Every distinct picture of `slips`, decoded in parallel.
pub(crate) fn decode_pictures<'a>(slips: impl Iterator<Item = &'a PackingSlip>) -> PictureCache {
    use rayon::prelude::*;
    let mut wanted: HashMap<&'a SharedBytes, u32> = HashMap::new();
    for slip in slips {
        if let Some(logo) = &slip.branding.logo {
            wanted.insert(logo, LOGO_PIXELS);
        }
        for item in &slip.items {
            if let Some(thumbnail) = &item.thumbnail {
                wanted.entry(thumbnail).or_insert(THUMBNAIL_PIXELS);
            }
        }
    }
    wanted
        .into_par_iter()
        .map(|(bytes, pixels)| (bytes.clone(), decode_picture(bytes.as_bytes(), pixels).map(Arc::new)))
        .collect()
}

fn pictures_of(slip: &PackingSlip, cache: &PictureCache) -> Pictures {
    let lookup = |bytes: &SharedBytes| cache.get(bytes).cloned().flatten();
    let mut pictures = Pictures::new();
    if let Some(logo) = &slip.branding.logo {
        pictures.insert(LOGO_SOURCE.to_owned(), lookup(logo));
    }
    for (index, item) in slip.items.iter().enumerate() {
        pictures.insert(item_image_source(index), item.thumbnail.as_ref().and_then(lookup));
    }
    pictures
}

/// Lays one slip out on pages, with pictures from `cache`.
pub(crate) fn slip_pages(
    slip: &PackingSlip,
    template: &SlipTemplate,
    size: SlipPageSize,
    cache: &PictureCache,
) -> Result<Vec<Page>, DocumentError> {
    let (style, margin) = default_style(size);
    let markup = template.markup(&SlipContext::new(slip, size), style)?;
    paginate(&markup, size.points(), margin, &pictures_of(slip, cache))
}

/// One packing slip as a PDF on `size` paper; long orders continue on further pages with the
/// page header and table header rows repeated.
pub fn render_slip_pdf(
    slip: &PackingSlip,
    template: &SlipTemplate,
    size: SlipPageSize,
) -> Result<Vec<u8>, DocumentError> {
    let cache = decode_pictures(std::iter::once(slip));
    write_pdf(slip_pages(slip, template, size, &cache)?)
}

/// Several packing slips in one PDF, in the given order, laid out in parallel.
pub fn render_slips_pdf(
    slips: &[PackingSlip],
    template: &SlipTemplate,
    size: SlipPageSize,
) -> Result<Vec<u8>, DocumentError> {
    use rayon::prelude::*;
    let cache = decode_pictures(slips.iter());
    let pages = slips
        .par_iter()
        .map(|slip| slip_pages(slip, template, size, &cache).map_err(|e| e.in_order(&slip.order_number)))
        .collect::<Result<Vec<_>, _>>()?;
    write_pdf(pages.into_iter().flatten().collect())
}

/// `template` rendered with [`sample_slip_data`]: what `wharf template preview` shows, and the
/// way to find problems that only appear once data is filled in.
pub fn preview_slip_pdf(template: &SlipTemplate, size: SlipPageSize) -> Result<Vec<u8>, DocumentError> {
    render_slip_pdf(&sample_slip_data(), template, size)
}
