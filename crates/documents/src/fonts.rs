//! The two embedded faces (DejaVu Sans regular and bold) and the text measuring the layout needs.
//!
//! krilla's `draw_text` re-parses the font for every call and cannot measure; wrapping needs widths
//! and a 500-order batch draws ~20 000 runs, so we map characters to glyphs ourselves through
//! ttf-parser's cmap/hmtx (parsed once) and hand krilla ready glyph runs. There is no complex
//! shaping (no kerning, ligatures or mark positioning), which DejaVu Sans does not need for Latin,
//! Greek and Cyrillic text. Characters the faces lack (CJK) come out as the .notdef box but keep
//! their Unicode mapping, so the text can still be searched and copied.

use std::sync::LazyLock;

use krilla::text::{Font, GlyphId, KrillaGlyph};

static REGULAR_BYTES: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD_BYTES: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

static REGULAR: LazyLock<Face> = LazyLock::new(|| Face::load(REGULAR_BYTES));
static BOLD: LazyLock<Face> = LazyLock::new(|| Face::load(BOLD_BYTES));

/// Regular or bold; the only two weights the documents use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) enum Weight {
    #[default]
    Regular,
    Bold,
}

pub(crate) struct Face {
    pdf_font: Font,
    table: ttf_parser::Face<'static>,
    /// Glyph and advance of the ASCII characters, looked up once (most text is ASCII).
    ascii: [(GlyphId, f32); 128],
    units_per_em: f32,
    ascender: f32,
    descender: f32,
}

pub(crate) fn face(weight: Weight) -> &'static Face {
    match weight {
        Weight::Regular => &REGULAR,
        Weight::Bold => &BOLD,
    }
}

impl Face {
    fn load(bytes: &'static [u8]) -> Face {
        // The faces are compiled in and known good; failing here is a build defect, not input.
        let table = ttf_parser::Face::parse(bytes, 0).expect("embedded DejaVu face parses");
        let pdf_font = Font::new(bytes.into(), 0).expect("embedded DejaVu face loads in krilla");
        let units_per_em = f32::from(table.units_per_em());
        let ascii = std::array::from_fn(|c| lookup(&table, char::from(c as u8), units_per_em));
        Face {
            pdf_font,
            ascii,
            ascender: f32::from(table.ascender()) / units_per_em,
            descender: f32::from(table.descender()) / units_per_em,
            units_per_em,
            table,
        }
    }

    pub(crate) fn pdf_font(&self) -> Font {
        self.pdf_font.clone()
    }

    /// Distance from the baseline to the top of the tallest glyphs, per point of font size.
    pub(crate) fn ascender(&self) -> f32 {
        self.ascender
    }

    /// Distance from the baseline down to the lowest descender (positive), per point of size.
    pub(crate) fn descender(&self) -> f32 {
        -self.descender
    }

    fn glyph_of(&self, c: char) -> (GlyphId, f32) {
        match self.ascii.get(c as usize) {
            Some(known) => *known,
            None => lookup(&self.table, c, self.units_per_em),
        }
    }

    /// Advance width of `text` at `size` points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.glyph_of(c).1).sum::<f32>() * size
    }

    /// One glyph per character, with the byte range krilla uses to write the ToUnicode map.
    pub(crate) fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
        text.char_indices()
            .filter(|(_, c)| !c.is_control())
            .map(|(at, c)| {
                let (id, advance) = self.glyph_of(c);
                KrillaGlyph::new(id, advance, 0.0, 0.0, 0.0, at..at + c.len_utf8(), None)
            })
            .collect()
    }
}

fn lookup(table: &ttf_parser::Face<'_>, c: char, units_per_em: f32) -> (GlyphId, f32) {
    let id = table.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
    let advance = table.glyph_hor_advance(id).unwrap_or(0);
    (GlyphId::new(u32::from(id.0)), f32::from(advance) / units_per_em)
}

/// Greedy word wrapping to `max_width` points. Words longer than a line are broken between
/// characters (which is also how text without spaces, such as CJK, wraps). Explicit newlines
/// start new lines; an empty input gives no lines.
pub(crate) fn wrap(text: &str, weight: Weight, size: f32, max_width: f32) -> Vec<String> {
    let face = face(weight);
    let space = face.width(" ", size);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut line_width = 0.0;
        for word in paragraph.split_whitespace() {
            let word_width = face.width(word, size);
            let gap = if line.is_empty() { 0.0 } else { space };
            if line_width + gap + word_width <= max_width {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
                line_width += gap + word_width;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_width = 0.0;
            }
            if word_width <= max_width {
                line.push_str(word);
                line_width = word_width;
                continue;
            }
            for c in word.chars() {
                let w = face.width(c.encode_utf8(&mut [0; 4]), size);
                if line_width + w > max_width && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line_width = 0.0;
                }
                line.push(c);
                line_width += w;
            }
        }
        if !line.is_empty() || paragraph.trim().is_empty() && !text.trim().is_empty() {
            lines.push(line);
        }
    }
    lines
}

/// `text` cut to fit `max_width`, ending in an ellipsis when it had to be cut.
pub(crate) fn fit(text: &str, weight: Weight, size: f32, max_width: f32) -> String {
    let face = face(weight);
    if face.width(text, size) <= max_width {
        return text.to_owned();
    }
    let budget = max_width - face.width("…", size);
    let mut out = String::new();
    let mut width = 0.0;
    for c in text.chars() {
        let w = face.width(c.encode_utf8(&mut [0; 4]), size);
        if width + w > budget {
            break;
        }
        out.push(c);
        width += w;
    }
    let mut out = out.trim_end().to_owned();
    out.push('…');
    out
}

/// `lines` wrapped to at most `max_lines`; the last kept line ends in an ellipsis if text was cut.
pub(crate) fn wrap_limited(text: &str, weight: Weight, size: f32, max_width: f32, max_lines: usize) -> Vec<String> {
    let mut lines = wrap(text, weight, size, max_width);
    if lines.len() > max_lines {
        let rest = lines.split_off(max_lines.saturating_sub(1)).join(" ");
        lines.push(fit(&format!("{rest}…"), weight, size, max_width));
        if let Some(last) = lines.last_mut()
            && last.ends_with("……")
        {
            last.pop();
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_come_from_the_font_metrics() {
        // DejaVu Sans advances (units per em 2048): 'i' = 569, 'W' = 2025, space = 651.
        let face = face(Weight::Regular);
        assert!((face.width("i", 2048.0) - 569.0).abs() < 0.01);
        assert!((face.width("W", 2048.0) - 2025.0).abs() < 0.01);
        assert!((face.width("iW i", 2048.0) - (569.0 + 2025.0 + 651.0 + 569.0)).abs() < 0.01);
    }

    #[test]
    fn wraps_on_spaces_and_breaks_long_words() {
        // At 2048 pt one 'i' is 569 wide and a space 651: a line of 2927 holds "ii ii" exactly,
        // or five i's of a word too long for it.
        let lines = wrap("ii ii iiiiii", Weight::Regular, 2048.0, 4.0 * 569.0 + 651.0);
        assert_eq!(lines, vec!["ii ii", "iiiii", "i"]);
    }

    #[test]
    fn keeps_explicit_line_breaks_and_blank_lines() {
        let lines = wrap("Thank you!\n\nSee you soon", Weight::Regular, 10.0, 500.0);
        assert_eq!(lines, vec!["Thank you!", "", "See you soon"]);
        assert!(wrap("", Weight::Regular, 10.0, 500.0).is_empty());
    }

    #[test]
    fn fit_cuts_with_an_ellipsis_only_when_needed() {
        assert_eq!(fit("Short", Weight::Bold, 10.0, 200.0), "Short");
        let cut = fit("A rather long product name indeed", Weight::Regular, 10.0, 80.0);
        assert!(cut.ends_with('…'), "{cut}");
        assert!(face(Weight::Regular).width(&cut, 10.0) <= 80.0);
    }

    #[test]
    fn wrap_limited_marks_dropped_text() {
        let lines = wrap_limited("one two three four five six", Weight::Regular, 10.0, 40.0, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'), "{lines:?}");
    }
}
