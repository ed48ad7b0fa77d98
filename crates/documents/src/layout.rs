//! Lays slip markup out on pages: text wrapping, column and table widths, pictures, barcodes,
//! and page breaks with the page header, page footer and table header rows repeated.
//!
//! Every block becomes one or more [`Strip`]s: horizontal slices that never split across pages
//! (a paragraph gives one strip per line, a table one per row). Pagination then only stacks
//! strips.

use std::collections::HashMap;
use std::sync::Arc;

use crate::barcode::Code128Symbol;
use crate::canvas::{Align, Op, Page};
use crate::error::DocumentError;
use crate::fonts::{face, wrap};
use crate::images::Raster;
use crate::markup::{Block, PageBand, Paragraph, SlipMarkup, Style, Table, Width};

/// Pictures a slip may show, by `<image src>` name. `None`: the name is known but its bytes
/// could not be decoded (drawn as a placeholder, as are unknown names).
pub(crate) type Pictures = HashMap<String, Option<Arc<Raster>>>;

#[derive(Clone, Default)]
struct Strip {
    height: f32,
    /// Relative to the strip's top-left corner.
    ops: Vec<Op>,
    /// The header rows of the table this row belongs to, repeated when it starts a page.
    table_header: Option<Arc<Vec<Strip>>>,
    is_table_header: bool,
    break_before: bool,
}

impl Strip {
    fn new(height: f32, ops: Vec<Op>) -> Strip {
        Strip { height, ops, ..Strip::default() }
    }
}

/// Stacks strips vertically into one list of ops, returning the total height.
fn stack(strips: Vec<Strip>, dx: f32, dy: f32, into: &mut Vec<Op>) -> f32 {
    let mut y = 0.0;
    for strip in strips {
        into.extend(strip.ops.into_iter().map(|op| op.shifted(dx, dy + y)));
        y += strip.height;
    }
    y
}

struct Context<'a> {
    pictures: &'a Pictures,
}

fn blocks(blocks: &[Block], width: f32, cx: &Context<'_>) -> Result<Vec<Strip>, DocumentError> {
    let mut strips = Vec::new();
    for block in blocks {
        block_strips(block, width, cx, &mut strips)?;
    }
    Ok(strips)
}

fn line_metrics(style: &Style) -> (f32, f32) {
    let face = face(style.weight);
    let line_height = style.size * style.leading;
    let glyph_height = (face.ascender() + face.descender()) * style.size;
    (line_height, (line_height - glyph_height) / 2.0 + face.ascender() * style.size)
}

fn paragraph(p: &Paragraph, width: f32, out: &mut Vec<Strip>) {
    let (line_height, baseline) = line_metrics(&p.style);
    for line in wrap(&p.text, p.style.weight, p.style.size, width) {
        let mut page = Page::new((width, line_height));
        page.text_in(0.0, width, p.style.align, baseline, p.style.size, p.style.weight, p.style.color, &line);
        out.push(Strip::new(line_height, page.ops));
    }
}

fn aligned_x(align: Align, available: f32, used: f32) -> f32 {
    match align {
        Align::Left => 0.0,
        Align::Center => (available - used).max(0.0) / 2.0,
        Align::Right => (available - used).max(0.0),
    }
}

/// Resolves column widths: points as given, percentages of the width left after gaps, and
/// `auto` columns sharing what remains. Too-wide sets are scaled down to fit.
fn resolve_widths(widths: &[Width], total: f32, gap: f32) -> Vec<f32> {
    let available = (total - gap * widths.len().saturating_sub(1) as f32).max(0.0);
    let mut fixed: Vec<Option<f32>> = widths
        .iter()
        .map(|w| match w {
            Width::Points(p) => Some(*p),
            Width::Percent(p) => Some(available * p / 100.0),
            Width::Auto => None,
        })
        .collect();
    let used: f32 = fixed.iter().flatten().sum();
    let autos = fixed.iter().filter(|w| w.is_none()).count();
    let share = if autos > 0 { (available - used).max(0.0) / autos as f32 } else { 0.0 };
    for w in &mut fixed {
        w.get_or_insert(share);
    }
    let sum: f32 = fixed.iter().flatten().sum();
    let scale = if sum > available && sum > 0.0 { available / sum } else { 1.0 };
    fixed.into_iter().map(|w| w.unwrap_or(0.0) * scale).collect()
}

fn block_strips(block: &Block, width: f32, cx: &Context<'_>, out: &mut Vec<Strip>) -> Result<(), DocumentError> {
    match block {
        Block::Paragraph(p) => paragraph(p, width, out),
        Block::Spacer(height) => out.push(Strip::new(*height, Vec::new())),
        Block::PageBreak => out.push(Strip { break_before: true, ..Strip::default() }),
        Block::Rule { thickness, color } => {
            let mut page = Page::new((width, thickness + 8.0));
            page.fill_rect(0.0, 4.0, width, *thickness, *color);
            out.push(Strip::new(thickness + 8.0, page.ops));
        }
        Block::Image { source, width: w, height: h, align } => {
            let raster = cx.pictures.get(source).cloned().flatten();
            let (box_w, box_h) = match (&raster, w, h) {
                (_, Some(w), Some(h)) => (*w, *h),
                (Some(r), Some(w), None) => (*w, w * r.height as f32 / r.width as f32),
                (Some(r), None, Some(h)) => (h * r.width as f32 / r.height as f32, *h),
                // 150 dpi is a sensible print size for a picture given without a size.
                (Some(r), None, None) => (r.width as f32 * 72.0 / 150.0, r.height as f32 * 72.0 / 150.0),
                (None, w, h) => {
                    let side = w.or(*h).unwrap_or(40.0);
                    (w.unwrap_or(side), h.unwrap_or(side))
                }
            };
            let scale = (width / box_w).min(1.0);
            let (box_w, box_h) = (box_w * scale, box_h * scale);
            let x = aligned_x(*align, width, box_w);
            let mut page = Page::new((width, box_h));
            match raster {
                Some(raster) => {
                    // Fit inside the box, keeping the picture's proportions.
                    let fit = (box_w / raster.width as f32).min(box_h / raster.height as f32);
                    let (iw, ih) = (raster.width as f32 * fit, raster.height as f32 * fit);
                    page.ops.push(Op::Image {
                        x: x + aligned_x(*align, box_w, iw),
                        y: (box_h - ih) / 2.0,
                        width: iw,
                        height: ih,
                        raster,
                        smooth: true,
                    });
                }
                None => page.placeholder(x, 0.0, box_w, box_h),
            }
            out.push(Strip::new(box_h, page.ops));
        }
        Block::Barcode { value, height, module, text, align, style } => {
            if value.is_empty() {
                return Ok(());
            }
            let mut ops = Vec::new();
            // A value Code 128 cannot carry (non-ASCII) gets a placeholder, like a missing
            // picture: a slip is still worth printing without its barcode.
            let (x, used) = match Code128Symbol::new(value) {
                Ok(symbol) => {
                    let module = module.min(width / symbol.width_modules() as f32);
                    let used = module * symbol.width_modules() as f32;
                    let x = aligned_x(*align, width, used);
                    let bars = symbol
                        .bars()
                        .into_iter()
                        .map(|(start, len)| (x + start as f32 * module, len as f32 * module))
                        .collect();
                    ops.push(Op::Bars { top: 0.0, height: *height, bars });
                    (x, used)
                }
                Err(_) => {
                    let used = (module * 120.0).min(width);
                    let x = aligned_x(*align, width, used);
                    let mut page = Page::new((width, *height));
                    page.placeholder(x, 0.0, used, *height);
                    ops.extend(page.ops);
                    (x, used)
                }
            };
            let mut total = *height;
            if *text {
                let size = (style.size * 0.85).max(6.0);
                let text_style = Style { size, ..*style };
                let (line_height, baseline) = line_metrics(&text_style);
                let mut page = Page::new((width, line_height));
                page.text_in(x, used, Align::Center, total + baseline, size, style.weight, style.color, value);
                ops.extend(page.ops);
                total += line_height;
            }
            out.push(Strip::new(total, ops));
        }
        Block::Columns { gap, columns } => {
            let widths: Vec<Width> = columns.iter().map(|c| c.width).collect();
            let widths = resolve_widths(&widths, width, *gap);
            let mut ops = Vec::new();
            let mut height: f32 = 0.0;
            let mut x = 0.0;
            for (column, column_width) in columns.iter().zip(widths) {
                let strips = blocks(&column.blocks, column_width, cx)?;
                height = height.max(stack(strips, x, 0.0, &mut ops));
                x += column_width + gap;
            }
            out.push(Strip::new(height, ops));
        }
        Block::Box { padding, border, border_color, background, blocks: inner } => {
            let inset = padding + border;
            let strips = blocks(inner, (width - 2.0 * inset).max(1.0), cx)?;
            let mut content = Vec::new();
            let inner_height = stack(strips, inset, inset, &mut content);
            let height = inner_height + 2.0 * inset;
            let mut ops = Vec::new();
            let stroke = (*border > 0.0).then_some((*border_color, *border));
            let half = border / 2.0;
            ops.push(Op::Rect {
                x: half,
                y: half,
                width: width - border,
                height: height - border,
                fill: *background,
                stroke,
            });
            ops.extend(content);
            out.push(Strip::new(height, ops));
        }
        Block::Table(table) => table_strips(table, width, cx, out)?,
    }
    Ok(())
}

fn table_strips(table: &Table, width: f32, cx: &Context<'_>, out: &mut Vec<Strip>) -> Result<(), DocumentError> {
    let count = table.rows.iter().map(|r| r.cells.len()).max().unwrap_or(0).max(table.columns.len());
    if count == 0 {
        return Ok(());
    }
    let specs: Vec<Width> = (0..count).map(|i| table.columns.get(i).map_or(Width::Auto, |c| c.width)).collect();
    let widths = resolve_widths(&specs, width, 0.0);
    let pad = table.padding;
    let mut header = Vec::new();
    let mut body = Vec::new();
    let mut body_index = 0;
    for row in &table.rows {
        let mut cells = Vec::new();
        let mut height: f32 = 0.0;
        for (i, cell) in row.cells.iter().enumerate() {
            let inner = (widths[i] - 2.0 * pad).max(1.0);
            let strips = blocks(cell, inner, cx)?;
            let mut ops = Vec::new();
            let h = stack(strips, 0.0, 0.0, &mut ops);
            height = height.max(h);
            cells.push((ops, h));
        }
        let row_height = height + 2.0 * pad;
        let background = row.background.or(if row.header {
            table.header_background
        } else if body_index % 2 == 1 {
            table.stripe
        } else {
            None
        });
        let mut ops = Vec::new();
        if let Some(color) = background {
            ops.push(Op::Rect { x: 0.0, y: 0.0, width, height: row_height, fill: Some(color), stroke: None });
        }
        let mut x = 0.0;
        for (i, (cell_ops, h)) in cells.into_iter().enumerate() {
            let dy = pad + if table.middle { (height - h) / 2.0 } else { 0.0 };
            ops.extend(cell_ops.into_iter().map(|op| op.shifted(x + pad, dy)));
            x += widths[i];
        }
        if let Some(color) = table.border_color {
            let line = if row.header { 1.0 } else { 0.5 };
            ops.push(Op::Line { from: (0.0, row_height), to: (width, row_height), width: line, color });
        }
        let strip = Strip::new(row_height, ops);
        if row.header {
            header.push(Strip { is_table_header: true, ..strip });
        } else {
            body.push(strip);
            body_index += 1;
        }
    }
    let shared = (!header.is_empty()).then(|| Arc::new(header.clone()));
    out.extend(header);
    out.extend(body.into_iter().map(|s| Strip { table_header: shared.clone(), ..s }));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Pages

/// Replaces `{page}` and `{pages}` in the band's text.
fn numbered(band: &PageBand, page: usize, pages: usize) -> Vec<Block> {
    fn fill(blocks: &[Block], page: &str, pages: &str) -> Vec<Block> {
        blocks
            .iter()
            .map(|block| match block {
                Block::Paragraph(p) => Block::Paragraph(Paragraph {
                    text: p.text.replace("{page}", page).replace("{pages}", pages),
                    style: p.style,
                }),
                Block::Columns { gap, columns } => Block::Columns {
                    gap: *gap,
                    columns: columns
                        .iter()
                        .map(|c| crate::markup::Column { width: c.width, blocks: fill(&c.blocks, page, pages) })
                        .collect(),
                },
                Block::Box { padding, border, border_color, background, blocks } => Block::Box {
                    padding: *padding,
                    border: *border,
                    border_color: *border_color,
                    background: *background,
                    blocks: fill(blocks, page, pages),
                },
                other => other.clone(),
            })
            .collect()
    }
    fill(&band.blocks, &page.to_string(), &pages.to_string())
}

/// Gap between the page header or footer and the body.
const BAND_GAP: f32 = 8.0;

/// Lays out a whole slip on pages of `size` points.
pub(crate) fn paginate(
    markup: &SlipMarkup,
    size: (f32, f32),
    default_margin: f32,
    pictures: &Pictures,
) -> Result<Vec<Page>, DocumentError> {
    let cx = Context { pictures };
    let margin = markup.margin.unwrap_or(default_margin).min(size.0 / 3.0);
    let width = size.0 - 2.0 * margin;
    let band_height = |band: &Option<PageBand>| -> Result<f32, DocumentError> {
        match band {
            Some(band) => {
                let strips = blocks(&numbered(band, 999, 999), width, &cx)?;
                Ok(strips.iter().map(|s| s.height).sum::<f32>() + BAND_GAP)
            }
            None => Ok(0.0),
        }
    };
    let header_height = band_height(&markup.header)?;
    let footer_height = band_height(&markup.footer)?;
    let body_top = |page: usize| {
        let skip = markup.header.as_ref().is_some_and(|h| h.skip_first) && page == 0;
        margin + if skip { 0.0 } else { header_height }
    };
    let body_bottom = size.1 - margin - footer_height;

    // Place body strips: (page index, y, strip).
    let mut placed: Vec<Vec<(f32, Strip)>> = vec![Vec::new()];
    let mut y = body_top(0);
    for strip in blocks(&markup.body, width, &cx)? {
        let page_has_content = !placed.last().is_some_and(Vec::is_empty);
        let overflows = y + strip.height > body_bottom + 0.01;
        if page_has_content && (strip.break_before || overflows) {
            placed.push(Vec::new());
            y = body_top(placed.len() - 1);
            if let Some(header) = strip.table_header.as_ref().filter(|_| !strip.is_table_header) {
                for row in header.iter() {
                    placed.last_mut().expect("a page exists").push((y, row.clone()));
                    y += row.height;
                }
            }
        }
        let fresh_page = placed.last().is_some_and(Vec::is_empty);
        // Blank space and breaks at the top of a page would only push content down.
        if fresh_page && strip.ops.is_empty() {
            continue;
        }
        let height = strip.height;
        placed.last_mut().expect("a page exists").push((y, strip));
        y += height;
    }

    let count = placed.len();
    let mut pages = Vec::with_capacity(count);
    for (index, strips) in placed.into_iter().enumerate() {
        let mut page = Page::new(size);
        if let Some(header) = &markup.header
            && !(header.skip_first && index == 0)
        {
            stack(blocks(&numbered(header, index + 1, count), width, &cx)?, margin, margin, &mut page.ops);
        }
        for (y, strip) in strips {
            page.ops.extend(strip.ops.into_iter().map(|op| op.shifted(margin, y)));
        }
        if let Some(footer) = &markup.footer {
            stack(
                blocks(&numbered(footer, index + 1, count), width, &cx)?,
                margin,
                body_bottom + BAND_GAP,
                &mut page.ops,
            );
        }
        pages.push(page);
    }
    Ok(pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_mix_points_percentages_and_auto() {
        let w = resolve_widths(&[Width::Points(100.0), Width::Percent(25.0), Width::Auto, Width::Auto], 420.0, 0.0);
        assert_eq!(w, vec![100.0, 105.0, 107.5, 107.5]);
        // Gaps come off first; too-wide sets shrink to fit.
        let w = resolve_widths(&[Width::Points(300.0), Width::Points(300.0)], 320.0, 20.0);
        assert_eq!(w, vec![150.0, 150.0]);
    }
}
