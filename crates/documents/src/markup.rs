//! The slip layout markup: a small XML vocabulary that templates render to (TEMPLATES.md
//! documents it for sellers). This module knows its elements and attributes, checks template
//! sources for them before any data is filled in, and turns rendered markup into [`Block`]s.

use roxmltree::{Node, NodeType};

use crate::canvas::Align;
use crate::color::Rgb;
use crate::error::{Origin, Position, TemplateError};
use crate::fonts::Weight;

// ---------------------------------------------------------------------------------------------
// Vocabulary

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A length in points, greater than zero.
    Number,
    /// A length in points, zero allowed.
    Length,
    Color,
    Align,
    VAlign,
    Bool,
    /// Points, `N%` or `auto`.
    Width,
    Text,
}

impl Kind {
    fn expected(self) -> &'static str {
        match self {
            Kind::Number => "a number of points greater than 0, such as 12",
            Kind::Length => "a number of points, such as 0 or 12",
            Kind::Color => "a colour such as #1f6feb",
            Kind::Align => "left, center or right",
            Kind::VAlign => "top or middle",
            Kind::Bool => "true or false",
            Kind::Width => "points (120), a percentage (40%) or auto",
            Kind::Text => "text",
        }
    }

    fn accepts(self, value: &str) -> bool {
        let value = value.trim();
        match self {
            Kind::Number => value.parse::<f32>().is_ok_and(|v| v.is_finite() && v > 0.0),
            Kind::Length => value.parse::<f32>().is_ok_and(|v| v.is_finite() && v >= 0.0),
            Kind::Color => value.parse::<Rgb>().is_ok(),
            Kind::Align => matches!(value, "left" | "center" | "right"),
            Kind::VAlign => matches!(value, "top" | "middle"),
            Kind::Bool => matches!(value, "true" | "false"),
            Kind::Width => parse_width(value).is_some(),
            Kind::Text => true,
        }
    }
}

const STYLE: &[(&str, Kind)] =
    &[("size", Kind::Number), ("color", Kind::Color), ("align", Kind::Align), ("bold", Kind::Bool)];

struct Spec {
    name: &'static str,
    attributes: &'static [(&'static str, Kind)],
    /// Takes the inherited text style attributes (size, color, align, bold) too.
    styled: bool,
}

const ELEMENTS: &[Spec] = &[
    Spec { name: "slip", attributes: &[("margin", Kind::Length), ("line-height", Kind::Number)], styled: true },
    Spec { name: "page-header", attributes: &[("skip-first", Kind::Bool)], styled: true },
    Spec { name: "page-footer", attributes: &[], styled: true },
    Spec { name: "heading", attributes: &[], styled: true },
    Spec { name: "text", attributes: &[("keep-newlines", Kind::Bool)], styled: true },
    Spec { name: "br", attributes: &[], styled: false },
    Spec { name: "columns", attributes: &[("gap", Kind::Length)], styled: false },
    Spec { name: "column", attributes: &[("width", Kind::Width)], styled: true },
    Spec {
        name: "table",
        attributes: &[
            ("padding", Kind::Length),
            ("border-color", Kind::Color),
            ("stripe", Kind::Color),
            ("header-background", Kind::Color),
            ("valign", Kind::VAlign),
        ],
        styled: true,
    },
    Spec { name: "col", attributes: &[("width", Kind::Width), ("align", Kind::Align)], styled: false },
    Spec { name: "row", attributes: &[("header", Kind::Bool), ("background", Kind::Color)], styled: true },
    Spec { name: "cell", attributes: &[], styled: true },
    Spec { name: "spacer", attributes: &[("height", Kind::Length)], styled: false },
    Spec { name: "rule", attributes: &[("thickness", Kind::Number), ("color", Kind::Color)], styled: false },
    Spec {
        name: "image",
        attributes: &[("src", Kind::Text), ("width", Kind::Number), ("height", Kind::Number), ("align", Kind::Align)],
        styled: false,
    },
    Spec {
        name: "barcode",
        attributes: &[
            ("value", Kind::Text),
            ("height", Kind::Number),
            ("module", Kind::Number),
            ("text", Kind::Bool),
            ("align", Kind::Align),
        ],
        styled: false,
    },
    Spec {
        name: "box",
        attributes: &[
            ("padding", Kind::Length),
            ("border", Kind::Length),
            ("border-color", Kind::Color),
            ("background", Kind::Color),
        ],
        styled: true,
    },
    Spec { name: "page-break", attributes: &[], styled: false },
];

fn spec(name: &str) -> Option<&'static Spec> {
    ELEMENTS.iter().find(|s| s.name == name)
}

fn known_elements() -> String {
    ELEMENTS.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
}

fn attribute_kind(spec: &Spec, name: &str) -> Option<Kind> {
    spec.attributes.iter().chain(if spec.styled { STYLE } else { &[] }).find(|(n, _)| *n == name).map(|(_, kind)| *kind)
}

fn known_attributes(spec: &Spec) -> String {
    let names: Vec<&str> =
        spec.attributes.iter().chain(if spec.styled { STYLE } else { &[] }).map(|(n, _)| *n).collect();
    if names.is_empty() { "no attributes".to_owned() } else { names.join(", ") }
}

/// `at` is only called when there is a problem: finding a position means counting lines.
fn check_attribute(
    element: &Spec,
    name: &str,
    value: Option<&str>,
    at: impl FnOnce() -> Position,
) -> Result<(), TemplateError> {
    let Some(kind) = attribute_kind(element, name) else {
        return Err(TemplateError::UnknownAttribute {
            element: element.name.to_owned(),
            attribute: name.to_owned(),
            at: at(),
            known: known_attributes(element),
        });
    };
    match value {
        Some(value) if !kind.accepts(value) => Err(TemplateError::InvalidAttribute {
            element: element.name.to_owned(),
            attribute: name.to_owned(),
            value: value.to_owned(),
            at: at(),
            expected: kind.expected().to_owned(),
        }),
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// Checking template sources before rendering

/// Checks every literal tag in a template source (outside `{{ }}`, `{% %}` and `{# #}`): element
/// names, attribute names, and attribute values that contain no template expression. This gives
/// positions in the seller's own source; what only appears after rendering is checked again by
/// [`parse`].
pub(crate) fn check_source(source: &str) -> Result<(), TemplateError> {
    let bytes = source.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if let Some(end) = template_region_end(source, i) {
            i = end;
            continue;
        }
        if source[i..].starts_with("<!--") {
            i = source[i..].find("-->").map_or(bytes.len(), |e| i + e + 3);
            continue;
        }
        if bytes[i] == b'<' {
            let closing = bytes.get(i + 1) == Some(&b'/');
            let name_start = i + 1 + usize::from(closing);
            let name_len = source[name_start..]
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_' || *b == b':')
                .count();
            if name_len > 0 && bytes[name_start].is_ascii_alphabetic() {
                let name = &source[name_start..name_start + name_len];
                let element = spec(name).ok_or_else(|| TemplateError::UnknownElement {
                    name: name.to_owned(),
                    at: Position::at(source, i, Origin::Template),
                    known: known_elements(),
                })?;
                i = check_tag_attributes(source, name_start + name_len, element)?;
                continue;
            }
        }
        i += source[i..].chars().next().map_or(1, char::len_utf8);
    }
    Ok(())
}

/// If a template region (`{{`, `{%`, `{#`) starts at `i`, where it ends.
fn template_region_end(source: &str, i: usize) -> Option<usize> {
    let rest = &source[i..];
    let close = match rest.get(..2)? {
        "{{" => "}}",
        "{%" => "%}",
        "{#" => "#}",
        _ => return None,
    };
    Some(rest[2..].find(close).map_or(source.len(), |e| i + 2 + e + 2))
}

/// Checks `name="value"` pairs from `i` to the end of the tag; returns where the tag ends.
fn check_tag_attributes(source: &str, mut i: usize, element: &Spec) -> Result<usize, TemplateError> {
    let bytes = source.as_bytes();
    while i < bytes.len() {
        if let Some(end) = template_region_end(source, i) {
            i = end;
            continue;
        }
        match bytes[i] {
            b'>' => return Ok(i + 1),
            b if b.is_ascii_alphabetic() => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-') {
                    i += 1;
                }
                let name = &source[start..i];
                let at = || Position::at(source, start, Origin::Template);
                let mut value = None;
                let mut j = i;
                while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                    j += 1;
                }
                if bytes.get(j) == Some(&b'=') {
                    j += 1;
                    while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                        j += 1;
                    }
                    if let Some(&quote) = bytes.get(j).filter(|q| **q == b'"' || **q == b'\'') {
                        let value_start = j + 1;
                        let mut k = value_start;
                        while k < bytes.len() && bytes[k] != quote {
                            k = template_region_end(source, k).unwrap_or(k + 1);
                        }
                        let raw = &source[value_start..k.min(bytes.len())];
                        // Values with template expressions are checked after rendering.
                        if !raw.contains("{{") && !raw.contains("{%") {
                            value = Some(raw);
                        }
                        i = k + 1;
                    }
                }
                check_attribute(element, name, value, at)?;
            }
            _ => i += 1,
        }
    }
    Ok(i)
}

// ---------------------------------------------------------------------------------------------
// The parsed document

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Width {
    Points(f32),
    Percent(f32),
    Auto,
}

fn parse_width(value: &str) -> Option<Width> {
    let value = value.trim();
    if value == "auto" {
        return Some(Width::Auto);
    }
    if let Some(percent) = value.strip_suffix('%') {
        return percent
            .trim()
            .parse::<f32>()
            .ok()
            .filter(|p| p.is_finite() && *p > 0.0 && *p <= 100.0)
            .map(Width::Percent);
    }
    value.parse::<f32>().ok().filter(|p| p.is_finite() && *p > 0.0).map(Width::Points)
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Style {
    pub(crate) size: f32,
    pub(crate) weight: Weight,
    pub(crate) color: Rgb,
    pub(crate) align: Align,
    /// Line height as a multiple of the font size.
    pub(crate) leading: f32,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Paragraph {
    /// Lines separated by `\n`; whitespace otherwise collapsed.
    pub(crate) text: String,
    pub(crate) style: Style,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Column {
    pub(crate) width: Width,
    pub(crate) blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ColumnSpec {
    pub(crate) width: Width,
    pub(crate) align: Option<Align>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    pub(crate) header: bool,
    pub(crate) background: Option<Rgb>,
    pub(crate) cells: Vec<Vec<Block>>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Table {
    pub(crate) columns: Vec<ColumnSpec>,
    pub(crate) rows: Vec<Row>,
    pub(crate) padding: f32,
    pub(crate) border_color: Option<Rgb>,
    pub(crate) stripe: Option<Rgb>,
    pub(crate) header_background: Option<Rgb>,
    pub(crate) middle: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Block {
    Paragraph(Paragraph),
    Columns { gap: f32, columns: Vec<Column> },
    Table(Table),
    Spacer(f32),
    Rule { thickness: f32, color: Rgb },
    Image { source: String, width: Option<f32>, height: Option<f32>, align: Align },
    Barcode { value: String, height: f32, module: f32, text: bool, align: Align, style: Style },
    Box { padding: f32, border: f32, border_color: Rgb, background: Option<Rgb>, blocks: Vec<Block> },
    PageBreak,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PageBand {
    pub(crate) blocks: Vec<Block>,
    pub(crate) skip_first: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SlipMarkup {
    pub(crate) margin: Option<f32>,
    pub(crate) header: Option<PageBand>,
    pub(crate) footer: Option<PageBand>,
    pub(crate) body: Vec<Block>,
}

// ---------------------------------------------------------------------------------------------
// Parsing rendered markup

struct Parser<'a> {
    doc: &'a roxmltree::Document<'a>,
}

const BLOCK_ELEMENTS: &str = "heading, text, columns, table, spacer, rule, image, barcode, box or page-break";

/// Parses the markup a template produced. `default_style` is the style before the root's
/// attributes apply. Positions in errors point into `text`.
pub(crate) fn parse(text: &str, default_style: Style) -> Result<SlipMarkup, TemplateError> {
    let doc = roxmltree::Document::parse(text).map_err(|e| {
        let pos = e.pos();
        let line = text.lines().nth(pos.row as usize - 1).unwrap_or("").trim().to_owned();
        let message = e.to_string();
        let message = match message.rfind(" at ") {
            Some(cut) => message[..cut].to_owned(),
            None => message,
        };
        TemplateError::Markup {
            at: Position { line: pos.row as usize, column: pos.col as usize, origin: Origin::Output },
            message,
            excerpt: line,
        }
    })?;
    let parser = Parser { doc: &doc };
    parser.root(default_style)
}

impl<'a> Parser<'a> {
    fn at(&self, offset: usize) -> Position {
        let pos = self.doc.text_pos_at(offset);
        Position { line: pos.row as usize, column: pos.col as usize, origin: Origin::Output }
    }

    fn node_at(&self, node: Node<'_, '_>) -> Position {
        self.at(node.range().start)
    }

    /// Checks the element is known and its attributes are known and valid.
    fn checked(&self, node: Node<'_, '_>) -> Result<&'static Spec, TemplateError> {
        let name = node.tag_name().name();
        let element = spec(name).ok_or_else(|| TemplateError::UnknownElement {
            name: name.to_owned(),
            at: self.node_at(node),
            known: known_elements(),
        })?;
        for attribute in node.attributes() {
            let at = || self.at(attribute.range().start);
            check_attribute(element, attribute.name(), Some(attribute.value()), at)?;
        }
        Ok(element)
    }

    fn misplaced(&self, parent: &str, node: Node<'_, '_>, allowed: &str) -> TemplateError {
        let found = if node.is_text() {
            format!("the text {:?}", node.text().unwrap_or("").trim())
        } else {
            format!("<{}>", node.tag_name().name())
        };
        TemplateError::Misplaced {
            element: parent.to_owned(),
            found,
            at: self.node_at(node),
            allowed: allowed.to_owned(),
        }
    }

    fn root(&self, default_style: Style) -> Result<SlipMarkup, TemplateError> {
        let root = self.doc.root_element();
        self.checked(root)?;
        if root.tag_name().name() != "slip" {
            return Err(TemplateError::Misplaced {
                element: "the document".to_owned(),
                found: format!("<{}>", root.tag_name().name()),
                at: self.node_at(root),
                allowed: "a template produces one <slip> element holding everything".to_owned(),
            });
        }
        let mut style = style_of(root, default_style);
        if let Some(leading) = number(root, "line-height") {
            style.leading = leading;
        }
        let mut markup = SlipMarkup { margin: number(root, "margin"), header: None, footer: None, body: Vec::new() };
        for child in root.children() {
            let name = child.tag_name().name();
            if child.is_element() && (name == "page-header" || name == "page-footer") {
                self.checked(child)?;
                let band = PageBand {
                    blocks: self.flow(child, style_of(child, style))?,
                    skip_first: flag(child, "skip-first").unwrap_or(false),
                };
                let slot = if name == "page-header" { &mut markup.header } else { &mut markup.footer };
                if slot.is_some() {
                    return Err(self.misplaced("slip", child, "give it at most one of each"));
                }
                *slot = Some(band);
                continue;
            }
            if let Some(block) = self.block_or_text(child, style, "slip")? {
                markup.body.push(block);
            }
        }
        Ok(markup)
    }

    /// Blocks (and loose text, as paragraphs) inside a container element.
    fn flow(&self, parent: Node<'_, '_>, style: Style) -> Result<Vec<Block>, TemplateError> {
        let mut blocks = Vec::new();
        for child in parent.children() {
            if let Some(block) = self.block_or_text(child, style, parent.tag_name().name())? {
                blocks.push(block);
            }
        }
        Ok(blocks)
    }

    fn block_or_text(&self, node: Node<'_, '_>, style: Style, parent: &str) -> Result<Option<Block>, TemplateError> {
        match node.node_type() {
            NodeType::Text => {
                let text = collapse(node.text().unwrap_or(""));
                let text = text.trim();
                if text.is_empty() {
                    return Ok(None);
                }
                if parent == "slip" {
                    return Err(self.misplaced(parent, node, "put text in <text> or <heading> elements"));
                }
                Ok(Some(Block::Paragraph(Paragraph { text: text.to_owned(), style })))
            }
            NodeType::Element => self.block(node, style, parent).map(Some),
            _ => Ok(None),
        }
    }

    fn block(&self, node: Node<'_, '_>, style: Style, parent: &str) -> Result<Block, TemplateError> {
        let element = self.checked(node)?;
        let style = if element.styled { style_of(node, style) } else { style };
        let block = match element.name {
            "heading" => {
                let mut heading = Style { weight: Weight::Bold, size: style.size * 1.5, ..style };
                heading = style_of(node, heading);
                Block::Paragraph(Paragraph { text: self.inline_text(node, false)?, style: heading })
            }
            "text" => {
                let keep = flag(node, "keep-newlines").unwrap_or(false);
                Block::Paragraph(Paragraph { text: self.inline_text(node, keep)?, style })
            }
            "columns" => {
                let mut columns = Vec::new();
                for child in node.children() {
                    if is_blank(child) {
                        continue;
                    }
                    if !child.is_element() || child.tag_name().name() != "column" {
                        return Err(self.misplaced("columns", child, "it holds <column> elements"));
                    }
                    let column = self.checked(child)?;
                    debug_assert_eq!(column.name, "column");
                    columns
                        .push(Column { width: width_attr(child), blocks: self.flow(child, style_of(child, style))? });
                }
                Block::Columns { gap: length(node, "gap").unwrap_or(12.0), columns }
            }
            "table" => self.table(node, style)?,
            "spacer" => Block::Spacer(length(node, "height").unwrap_or(8.0)),
            "rule" => Block::Rule {
                thickness: number(node, "thickness").unwrap_or(0.75),
                color: color(node, "color").unwrap_or(Rgb::new(0xd0, 0xd7, 0xde)),
            },
            "image" => Block::Image {
                source: node.attribute("src").unwrap_or("").trim().to_owned(),
                width: number(node, "width"),
                height: number(node, "height"),
                align: align(node).unwrap_or(Align::Left),
            },
            "barcode" => Block::Barcode {
                value: node.attribute("value").unwrap_or("").trim().to_owned(),
                height: number(node, "height").unwrap_or(32.0),
                module: number(node, "module").unwrap_or(1.0),
                text: flag(node, "text").unwrap_or(true),
                align: align(node).unwrap_or(Align::Left),
                style,
            },
            "box" => Block::Box {
                padding: length(node, "padding").unwrap_or(8.0),
                border: length(node, "border").unwrap_or(1.0),
                border_color: color(node, "border-color").unwrap_or(style.color),
                background: color(node, "background"),
                blocks: self.flow(node, style)?,
            },
            "page-break" => Block::PageBreak,
            _ => return Err(self.misplaced(parent, node, &format!("it holds {BLOCK_ELEMENTS}"))),
        };
        if !matches!(element.name, "heading" | "text" | "columns" | "table" | "box")
            && let Some(child) = node.children().find(|c| !is_blank(*c))
        {
            return Err(self.misplaced(element.name, child, "it must be empty"));
        }
        Ok(block)
    }

    /// Text content of `<text>`/`<heading>`, with `<br/>` as line breaks.
    fn inline_text(&self, node: Node<'_, '_>, keep_newlines: bool) -> Result<String, TemplateError> {
        let mut text = String::new();
        for child in node.children() {
            match child.node_type() {
                NodeType::Text => {
                    let raw = child.text().unwrap_or("");
                    if keep_newlines {
                        let lines: Vec<String> = raw.split('\n').map(collapse).collect();
                        text.push_str(&lines.join("\n"));
                    } else {
                        text.push_str(&collapse(raw));
                    }
                }
                NodeType::Element if child.tag_name().name() == "br" => {
                    self.checked(child)?;
                    // Spaces around a break would indent the next line.
                    text.truncate(text.trim_end_matches(' ').len());
                    text.push('\n');
                }
                NodeType::Element => {
                    self.checked(child)?;
                    return Err(self.misplaced(node.tag_name().name(), child, "it holds text and <br/> only"));
                }
                _ => {}
            }
        }
        let lines: Vec<&str> = text.split('\n').map(str::trim).collect();
        Ok(lines.join("\n").trim_matches('\n').to_owned())
    }

    fn table(&self, node: Node<'_, '_>, style: Style) -> Result<Block, TemplateError> {
        let mut columns = Vec::new();
        let mut rows = Vec::new();
        for child in node.children() {
            if is_blank(child) {
                continue;
            }
            match (child.is_element(), child.tag_name().name()) {
                (true, "col") if rows.is_empty() => {
                    self.checked(child)?;
                    columns.push(ColumnSpec { width: width_attr(child), align: align(child) });
                }
                (true, "row") => {
                    self.checked(child)?;
                    let row_style = style_of(child, style);
                    let mut cells = Vec::new();
                    for cell in child.children() {
                        if is_blank(cell) {
                            continue;
                        }
                        if !cell.is_element() || cell.tag_name().name() != "cell" {
                            return Err(self.misplaced("row", cell, "it holds <cell> elements"));
                        }
                        self.checked(cell)?;
                        let column_align = columns.get(cells.len()).and_then(|c: &ColumnSpec| c.align);
                        let mut cell_style = row_style;
                        if let Some(a) = column_align {
                            cell_style.align = a;
                        }
                        cells.push(self.flow(cell, style_of(cell, cell_style))?);
                    }
                    rows.push(Row {
                        header: flag(child, "header").unwrap_or(false),
                        background: color(child, "background"),
                        cells,
                    });
                }
                _ => {
                    return Err(self.misplaced("table", child, "it holds <col> elements first, then <row> elements"));
                }
            }
        }
        Ok(Block::Table(Table {
            columns,
            rows,
            padding: length(node, "padding").unwrap_or(4.0),
            border_color: color(node, "border-color"),
            stripe: color(node, "stripe"),
            header_background: color(node, "header-background"),
            middle: node.attribute("valign").map(str::trim) == Some("middle"),
        }))
    }
}

fn is_blank(node: Node<'_, '_>) -> bool {
    match node.node_type() {
        NodeType::Text => node.text().unwrap_or("").trim().is_empty(),
        NodeType::Comment | NodeType::PI => true,
        _ => false,
    }
}

/// Runs of whitespace become one space (as in HTML).
fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
        } else {
            if space {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    if space {
        out.push(' ');
    }
    out
}

// Attribute readers; values were validated by `checked`, so parse failures cannot happen here.

fn number(node: Node<'_, '_>, name: &str) -> Option<f32> {
    node.attribute(name).and_then(|v| v.trim().parse().ok())
}

fn length(node: Node<'_, '_>, name: &str) -> Option<f32> {
    number(node, name)
}

fn color(node: Node<'_, '_>, name: &str) -> Option<Rgb> {
    node.attribute(name).and_then(|v| v.parse().ok())
}

fn flag(node: Node<'_, '_>, name: &str) -> Option<bool> {
    node.attribute(name).map(|v| v.trim() == "true")
}

fn align(node: Node<'_, '_>) -> Option<Align> {
    match node.attribute("align")?.trim() {
        "center" => Some(Align::Center),
        "right" => Some(Align::Right),
        _ => Some(Align::Left),
    }
}

fn width_attr(node: Node<'_, '_>) -> Width {
    node.attribute("width").and_then(parse_width).unwrap_or(Width::Auto)
}

fn style_of(node: Node<'_, '_>, inherited: Style) -> Style {
    Style {
        size: number(node, "size").unwrap_or(inherited.size),
        weight: match flag(node, "bold") {
            Some(true) => Weight::Bold,
            Some(false) => Weight::Regular,
            None => inherited.weight,
        },
        color: color(node, "color").unwrap_or(inherited.color),
        align: align(node).unwrap_or(inherited.align),
        leading: inherited.leading,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style() -> Style {
        Style { size: 10.0, weight: Weight::Regular, color: Rgb::BLACK, align: Align::Left, leading: 1.25 }
    }

    #[test]
    fn templates_md_documents_every_element_and_attribute() {
        let doc = include_str!("../TEMPLATES.md");
        for spec in ELEMENTS {
            assert!(doc.contains(&format!("<{}", spec.name)), "TEMPLATES.md lacks <{}>", spec.name);
            for (attribute, _) in spec.attributes.iter().chain(STYLE) {
                assert!(doc.contains(&format!("`{attribute}`")), "TEMPLATES.md lacks `{attribute}`");
            }
        }
    }

    #[test]
    fn source_check_names_unknown_elements_with_their_position() {
        let source = "<slip>\n  {% for i in items %}\n    <txet>{{ i.name }}</txet>\n{% endfor %}</slip>";
        let err = check_source(source).unwrap_err();
        match err {
            TemplateError::UnknownElement { name, at, .. } => {
                assert_eq!(name, "txet");
                assert_eq!((at.line, at.column, at.origin), (3, 5, Origin::Template));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn source_check_validates_literal_attributes_only() {
        let ok =
            r#"<slip><text color="{{ store.color }}" size="{% if x %}9{% else %}8{% endif %}">a < b</text></slip>"#;
        check_source(ok).unwrap();
        let err = check_source("<slip>\n<rule colour=\"#000\"/></slip>").unwrap_err();
        assert!(
            matches!(&err, TemplateError::UnknownAttribute { attribute, at, .. }
            if attribute == "colour" && at.line == 2 && at.column == 7),
            "{err:?}"
        );
        let err = check_source("<slip><text size='big'>x</text></slip>").unwrap_err();
        assert!(matches!(&err, TemplateError::InvalidAttribute { value, .. } if value == "big"));
        // Tags inside template expressions and comments are not markup.
        check_source("{# <bogus> #}<!-- <bogus> --><slip>{{ '<bogus>' }}</slip>").unwrap();
    }

    #[test]
    fn parses_text_with_collapsed_whitespace_and_breaks() {
        let markup =
            parse("<slip size=\"9\"><text bold=\"true\">  Hello\n   world <br/> again </text></slip>", style())
                .unwrap();
        let Block::Paragraph(p) = &markup.body[0] else { panic!() };
        assert_eq!(p.text, "Hello world\nagain");
        assert_eq!(p.style.size, 9.0);
        assert_eq!(p.style.weight, Weight::Bold);
    }

    #[test]
    fn keep_newlines_keeps_the_buyers_line_breaks() {
        let markup = parse("<slip><text keep-newlines=\"true\">Dear Zoë,\n  enjoy!</text></slip>", style()).unwrap();
        let Block::Paragraph(p) = &markup.body[0] else { panic!() };
        assert_eq!(p.text, "Dear Zoë,\nenjoy!");
    }

    #[test]
    fn parses_tables_with_column_alignment() {
        let markup = parse(
            r#"<slip><table padding="2"><col width="40"/><col align="right"/>
               <row header="true"><cell>Qty</cell><cell>Price</cell></row>
               <row><cell><image src="item-1" width="30"/></cell><cell>$1.00</cell></row></table></slip>"#,
            style(),
        )
        .unwrap();
        let Block::Table(table) = &markup.body[0] else { panic!() };
        assert_eq!(table.columns[0].width, Width::Points(40.0));
        assert!(table.rows[0].header);
        let Block::Paragraph(price) = &table.rows[1].cells[1][0] else { panic!() };
        assert_eq!(price.style.align, Align::Right);
        assert!(matches!(&table.rows[1].cells[0][0], Block::Image { source, .. } if source == "item-1"));
    }

    #[test]
    fn output_errors_point_into_the_rendered_markup() {
        let err = parse("<slip>\n<text>a</text>\n<blink/></slip>", style()).unwrap_err();
        assert!(
            matches!(&err, TemplateError::UnknownElement { at, .. }
            if at.line == 3 && at.column == 1 && at.origin == Origin::Output),
            "{err:?}"
        );
        let err = parse("<slip>\n<text>a</txt></slip>", style()).unwrap_err();
        assert!(matches!(&err, TemplateError::Markup { at, .. } if at.line == 2), "{err:?}");
        let err = parse("<slip>loose</slip>", style()).unwrap_err();
        assert!(matches!(err, TemplateError::Misplaced { .. }));
        let err = parse("<slip><spacer>x</spacer></slip>", style()).unwrap_err();
        assert!(matches!(err, TemplateError::Misplaced { .. }));
    }
}
