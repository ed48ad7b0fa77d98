//! A streaming cursor over quick-xml events that every Sears document parser uses.
//!
//! It matches elements by LOCAL name (Sears changes the default namespace with every API version), keeps
//! byte offsets for error positions and raw slices, counts same-named siblings so that anything the typed
//! model does not hold can be kept with its exact path ([`UnknownItem`]), and reads leaf text with the XML
//! rules that other parsers (libxml2, roxmltree) apply: line ends normalized, predefined entities and
//! character references resolved, comments ignored, CDATA kept; then XML whitespace trimmed.

use std::borrow::Cow;
use std::ops::Range;

use jiff::civil::{Date, Time};
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::{DecodeError, DecodeErrorKind};
use crate::lexical;

pub(crate) type Result<T> = std::result::Result<T, DecodeError>;

/// Something in a Sears document that the typed model has no field for (a new element, a repeated
/// element that should be single, an attribute). Kept so that nothing Sears sends is lost.
///
/// `path` is relative to the typed value that holds the item (the `purchase-order` element for
/// purchase orders, the root element for other documents): segments `local-name[i]`, `i` being the 1-based
/// index among same-named siblings; attributes end in `/@local-name` (just `@local-name` on the element
/// itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum UnknownItem {
    /// An element, with its raw XML (start tag to end tag, as written).
    Element { path: String, xml: String },
    /// An attribute, with its value (normalized as XML requires, not trimmed).
    Attribute { path: String, value: String },
}

impl UnknownItem {
    pub fn path(&self) -> &str {
        match self {
            UnknownItem::Element { path, .. } | UnknownItem::Attribute { path, .. } => path,
        }
    }
}

/// What a parser collects besides the typed fields.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Extras {
    pub unknown: Vec<UnknownItem>,
    /// Values whose text is not in the canonical form their typed value prints (e.g. `+1.5`, `007`):
    /// (neutral path, text as written, trimmed).
    pub written: Vec<(String, String)>,
}

pub(crate) fn is_xml_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn is_blank(text: &str) -> bool {
    text.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

pub(crate) fn trim_xml(text: &str) -> &str {
    // XML whitespace is ASCII, so trimming bytes keeps UTF-8 boundaries (and is much faster than `char`s).
    let bytes = text.as_bytes();
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let start = bytes.iter().position(|b| !is_space(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !is_space(b)).map_or(start, |i| i + 1);
    &text[start..end]
}

fn local_of(qname: &[u8]) -> &[u8] {
    match qname.iter().rposition(|&b| b == b':') {
        Some(colon) => &qname[colon + 1..],
        None => qname,
    }
}

pub(crate) fn as_str(bytes: &[u8]) -> &str {
    // Names come from events quick-xml already validated as UTF-8.
    std::str::from_utf8(bytes).unwrap_or("?")
}

fn is_namespace_declaration(key: &[u8]) -> bool {
    key == b"xmlns" || key.starts_with(b"xmlns:")
}

/// Where an element whose attributes are read sits, for the paths of unknown attributes (computed only
/// when one is found: paths cost more than the rest of the parse).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum At {
    /// The path origin itself (the root, or the `purchase-order` of a purchase order): `@name`.
    Origin,
    /// A child of the container entered last: `path/of/element[i]/@name`.
    Child,
}

/// An element start just read.
pub(crate) struct Element<'a> {
    start: BytesStart<'a>,
    /// Byte offset of its `<` in the (BOM-less) input.
    pub offset: usize,
    /// `<x/>`
    pub empty: bool,
    /// Position of its name in the cursor's sibling list (`None` for the root); its index among
    /// same-named siblings is counted from there only when a path is needed.
    slot: Option<usize>,
    local: &'a [u8],
}

impl<'a> Element<'a> {
    pub fn local_name(&self) -> &'a [u8] {
        self.local
    }

    pub fn name(&self) -> &'a str {
        as_str(self.local)
    }

    fn has_attributes(&self) -> bool {
        !trim_xml(self.start.attributes_raw()).is_empty()
    }
}

struct Level<'a> {
    local: &'a [u8],
    slot: Option<usize>,
    siblings_mark: usize,
    empty: bool,
}

/// Where to rewind to after an error inside one element (see [`Cursor::recover`]).
pub(crate) struct Checkpoint {
    levels: usize,
    siblings: usize,
    /// `open` once the element's end tag has been read.
    open_after: usize,
    path_base: usize,
}

pub(crate) struct Cursor<'a> {
    input: &'a [u8],
    bom: usize,
    reader: Reader<&'a [u8]>,
    levels: Vec<Level<'a>>,
    /// Per open level (from its `siblings_mark`): the names of the children seen so far, in order.
    siblings: Vec<&'a [u8]>,
    /// Elements opened by a Start event and not yet closed.
    open: usize,
    /// Paths are relative to `levels[path_base - 1]` (segments from `levels[path_base..]`).
    path_base: usize,
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

impl<'a> Cursor<'a> {
    pub fn new(input: &'a [u8]) -> Self {
        let bom = if input.starts_with(UTF8_BOM) { UTF8_BOM.len() } else { 0 };
        let input = &input[bom..];
        Cursor {
            input,
            bom,
            reader: Reader::from_reader(input),
            levels: Vec::with_capacity(16),
            siblings: Vec::with_capacity(64),
            open: 0,
            path_base: 0,
        }
    }

    /// Converts a range in the BOM-less input into a range of the bytes given to [`Cursor::new`].
    pub fn original_range(&self, range: Range<usize>) -> Range<usize> {
        range.start + self.bom..range.end + self.bom
    }

    pub fn position(&self) -> usize {
        self.reader.buffer_position() as usize
    }

    pub fn error(&self, offset: usize, element: Option<&str>, kind: DecodeErrorKind) -> DecodeError {
        let offset = offset.min(self.input.len());
        let before = &self.input[..offset];
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let column = 1 + String::from_utf8_lossy(&before[line_start..]).chars().count();
        DecodeError { line, column, element: element.map(str::to_owned), kind }
    }

    fn syntax_error(&self, error: quick_xml::Error) -> DecodeError {
        let offset = self.reader.error_position() as usize;
        let kind = match error {
            quick_xml::Error::Escape(e) => DecodeErrorKind::NotWellFormed(e.to_string()),
            other => DecodeErrorKind::NotWellFormed(other.to_string()),
        };
        self.error(offset, None, kind)
    }

    fn read(&mut self) -> Result<(usize, Event<'a>)> {
        let offset = self.position();
        let event = self.reader.read_event().map_err(|e| self.syntax_error(e))?;
        match &event {
            Event::Start(_) => self.open += 1,
            Event::End(_) => self.open -= 1,
            _ => {}
        }
        Ok((offset, event))
    }

    fn element(&self, start: BytesStart<'a>, offset: usize, empty: bool, slot: Option<usize>) -> Element<'a> {
        let qname_len = start.name().as_ref().len();
        // The event borrows from the input; take the name from the input so that it lives as long as it.
        let qname = &self.input[offset + 1..offset + 1 + qname_len];
        debug_assert_eq!(self.input[offset], b'<');
        Element { start, offset, empty, slot, local: local_of(qname) }
    }

    /// Reads the prolog and returns the root element.
    pub fn root(&mut self) -> Result<Element<'a>> {
        loop {
            let (offset, event) = self.read()?;
            match event {
                Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
                Event::Text(text) if trim_xml(&text).is_empty() => {}
                Event::Start(start) => return Ok(self.element(start, offset, false, None)),
                Event::Empty(start) => return Ok(self.element(start, offset, true, None)),
                Event::Eof => return Err(self.error(offset, None, DecodeErrorKind::Empty)),
                Event::Text(text) => {
                    let kind = DecodeErrorKind::NotWellFormed(format!(
                        "text before the first element: '{}'",
                        trim_xml(&text).chars().take(40).collect::<String>()
                    ));
                    return Err(self.error(offset, None, kind));
                }
                other => {
                    let kind = DecodeErrorKind::NotWellFormed(format!("unexpected {other:?} before the first element"));
                    return Err(self.error(offset, None, kind));
                }
            }
        }
    }

    /// After the root element's end: only whitespace, comments and processing instructions may follow.
    pub fn finish(&mut self) -> Result<()> {
        loop {
            let (offset, event) = self.read()?;
            match event {
                Event::Eof => return Ok(()),
                Event::Comment(_) | Event::PI(_) => {}
                Event::Text(text) if trim_xml(&text).is_empty() => {}
                _ => return Err(self.error(offset, None, DecodeErrorKind::ContentAfterRoot)),
            }
        }
    }

    /// Enters a container element: [`Cursor::next_child`] then walks its children.
    pub fn enter(&mut self, element: &Element<'a>) {
        self.levels.push(Level {
            local: element.local,
            slot: element.slot,
            siblings_mark: self.siblings.len(),
            empty: element.empty,
        });
    }

    /// Makes paths relative to the element entered last (it is then the path's origin, with no segment).
    pub fn set_path_origin(&mut self) -> usize {
        std::mem::replace(&mut self.path_base, self.levels.len())
    }

    pub fn restore_path_origin(&mut self, previous: usize) {
        self.path_base = previous;
    }

    fn leave(&mut self) {
        if let Some(level) = self.levels.pop() {
            self.siblings.truncate(level.siblings_mark);
        }
    }

    fn current_name(&self) -> Option<&'a str> {
        self.levels.last().map(|level| as_str(level.local))
    }

    /// The next child element of the container entered last, or `None` after its end tag.
    pub fn next_child(&mut self) -> Result<Option<Element<'a>>> {
        if self.levels.last().is_some_and(|level| level.empty) {
            self.leave();
            return Ok(None);
        }
        loop {
            let (offset, event) = self.read()?;
            match event {
                // Indentation between elements: checked in one pass, trimmed only to report an error.
                Event::Text(text) if is_blank(&text) => {}
                Event::Text(text) => return Err(self.text_in_container(offset, trim_xml(&text))),
                Event::CData(data) => {
                    let data = data.into_inner();
                    let text = trim_xml(&data);
                    if !text.is_empty() {
                        return Err(self.text_in_container(offset, text));
                    }
                }
                Event::GeneralRef(reference) => {
                    return Err(self.text_in_container(offset, &format!("&{};", &*reference)));
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::Start(start) => return Ok(Some(self.child(start, offset, false))),
                Event::Empty(start) => return Ok(Some(self.child(start, offset, true))),
                Event::End(_) => {
                    self.leave();
                    return Ok(None);
                }
                Event::Eof => {
                    let name = self.current_name().unwrap_or("?").to_owned();
                    let kind = DecodeErrorKind::NotWellFormed(format!("the document ends before </{name}>"));
                    return Err(self.error(offset, None, kind));
                }
                Event::Decl(_) | Event::DocType(_) => {
                    let kind = DecodeErrorKind::NotWellFormed("a declaration inside an element".into());
                    return Err(self.error(offset, None, kind));
                }
            }
        }
    }

    fn child(&mut self, start: BytesStart<'a>, offset: usize, empty: bool) -> Element<'a> {
        let element = self.element(start, offset, empty, Some(self.siblings.len()));
        // Only pushed here; counting same-named siblings is left to the rare paths that need an index.
        self.siblings.push(element.local);
        element
    }

    /// The 1-based index among same-named siblings of the element whose name is at `slot`, `mark` being
    /// where its parent's children start in the sibling list.
    fn index_at(&self, slot: Option<usize>, mark: usize, local: &[u8]) -> usize {
        slot.map_or(1, |slot| 1 + self.siblings[mark..slot].iter().filter(|&&name| name == local).count())
    }

    fn text_in_container(&self, offset: usize, text: &str) -> DecodeError {
        let element = self.current_name();
        self.error(offset, element, DecodeErrorKind::TextWhereElementsExpected(text.to_owned()))
    }

    /// Reads the text of a leaf element, trimmed of XML whitespace.
    pub fn leaf_text(&mut self, element: &Element<'a>) -> Result<Cow<'a, str>> {
        if element.empty {
            return Ok(Cow::Borrowed(""));
        }
        let mut first: Option<Cow<'a, str>> = None;
        let mut more: Option<String> = None;
        loop {
            let (offset, event) = self.read()?;
            let piece: Cow<'a, str> = match event {
                Event::End(_) => break,
                Event::Text(text) => text.xml10_content(),
                Event::CData(data) => data.xml10_content(),
                Event::GeneralRef(reference) => {
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(c)) => c,
                        Ok(None) => match &*reference {
                            "lt" => '<',
                            "gt" => '>',
                            "amp" => '&',
                            "apos" => '\'',
                            "quot" => '"',
                            other => {
                                let kind = DecodeErrorKind::UnknownEntity(other.to_owned());
                                return Err(self.error(offset, Some(element.name()), kind));
                            }
                        },
                        Err(e) => return Err(self.syntax_error(e)),
                    };
                    Cow::Owned(resolved.to_string())
                }
                Event::Comment(_) | Event::PI(_) => continue,
                Event::Start(child) | Event::Empty(child) => {
                    let child = self.element(child, offset, false, None);
                    let kind = DecodeErrorKind::ElementWhereTextExpected(child.name().to_owned());
                    return Err(self.error(element.offset, Some(element.name()), kind));
                }
                Event::Eof | Event::Decl(_) | Event::DocType(_) => {
                    let kind =
                        DecodeErrorKind::NotWellFormed(format!("the document ends before </{}>", element.name()));
                    return Err(self.error(offset, None, kind));
                }
            };
            match (&mut first, &mut more) {
                (None, _) => first = Some(piece),
                (Some(head), None) => {
                    let mut joined = String::with_capacity(head.len() + piece.len() + 16);
                    joined.push_str(head);
                    joined.push_str(&piece);
                    more = Some(joined);
                }
                (Some(_), Some(joined)) => joined.push_str(&piece),
            }
        }
        Ok(match (first, more) {
            (_, Some(joined)) => Cow::Owned(trim_xml(&joined).to_owned()),
            (Some(Cow::Borrowed(text)), None) => Cow::Borrowed(trim_xml(text)),
            (Some(Cow::Owned(text)), None) => Cow::Owned(trim_xml(&text).to_owned()),
            (None, None) => Cow::Borrowed(""),
        })
    }

    /// Skips an element (and everything inside it) and returns its byte range in the BOM-less input.
    pub fn skip(&mut self, element: &Element<'a>) -> Result<Range<usize>> {
        if !element.empty {
            let end = element.start.to_end().into_owned();
            self.reader.read_to_end(end.name()).map_err(|e| self.syntax_error(e))?;
            self.open -= 1;
        }
        Ok(element.offset..self.position())
    }

    pub fn text_of(&self, range: Range<usize>) -> &'a str {
        as_str(&self.input[range])
    }

    /// Path of `element` (a child of the container entered last) relative to the path origin.
    pub fn path_of(&self, element: &Element<'a>) -> String {
        let mut path = self.container_path();
        if !path.is_empty() {
            path.push('/');
        }
        let mark = self.levels.last().map_or(0, |level| level.siblings_mark);
        push_segment(&mut path, element.local, self.index_at(element.slot, mark, element.local));
        path
    }

    /// Path of the container entered last, relative to the path origin ("" for the origin itself).
    pub fn container_path(&self) -> String {
        let mut path = String::new();
        for (depth, level) in self.levels.iter().enumerate().skip(self.path_base) {
            if !path.is_empty() {
                path.push('/');
            }
            let mark = if depth == 0 { 0 } else { self.levels[depth - 1].siblings_mark };
            push_segment(&mut path, level.local, self.index_at(level.slot, mark, level.local));
        }
        path
    }

    /// Keeps an element the typed model has no place for.
    pub fn unknown(&mut self, element: &Element<'a>, extras: &mut Extras) -> Result<()> {
        let path = self.path_of(element);
        let range = self.skip(element)?;
        extras.unknown.push(UnknownItem::Element { path, xml: self.text_of(range).to_owned() });
        Ok(())
    }

    /// Reads the attributes of `element`: `known` ones are returned (in `known`'s order), the others kept
    /// as unknown items under the element's path (namespace declarations are not attributes).
    pub fn attributes<const N: usize>(
        &self,
        element: &Element<'a>,
        at: At,
        known: [&str; N],
        extras: &mut Extras,
    ) -> Result<[Option<String>; N]> {
        let mut found: [Option<String>; N] = std::array::from_fn(|_| None);
        if !element.has_attributes() {
            return Ok(found);
        }
        for attribute in element.start.attributes() {
            let attribute = attribute.map_err(|e| {
                let kind = DecodeErrorKind::NotWellFormed(e.to_string());
                self.error(element.offset, Some(element.name()), kind)
            })?;
            let key = attribute.key.as_ref().as_bytes();
            if is_namespace_declaration(key) {
                continue;
            }
            let local = as_str(local_of(key));
            let value = attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| {
                    let kind = DecodeErrorKind::NotWellFormed(e.to_string());
                    self.error(element.offset, Some(element.name()), kind)
                })?
                .into_owned();
            match known.iter().position(|&name| name == local) {
                Some(i) if found[i].is_none() => found[i] = Some(value),
                _ => {
                    let path = match at {
                        At::Origin => format!("@{local}"),
                        At::Child => format!("{}/@{local}", self.path_of(element)),
                    };
                    extras.unknown.push(UnknownItem::Attribute { path, value });
                }
            }
        }
        Ok(found)
    }

    /// The value of the default namespace declared on `element`, if any.
    pub fn default_namespace(&self, element: &Element<'a>) -> Option<String> {
        element.start.attributes().flatten().find(|a| a.key.as_ref() == "xmlns").map(|a| a.value.into_owned())
    }

    /// The namespace declarations of `element` (attribute name, value as written).
    pub fn namespace_declarations(&self, element: &Element<'a>) -> Vec<(String, String)> {
        element
            .start
            .attributes()
            .flatten()
            .filter(|a| is_namespace_declaration(a.key.as_ref().as_bytes()))
            .map(|a| (a.key.as_ref().to_owned(), a.value.into_owned()))
            .collect()
    }

    /// Keeps attributes of a leaf or container whose attributes the model does not hold.
    fn plain_attributes(&self, element: &Element<'a>, extras: &mut Extras) -> Result<()> {
        if element.has_attributes() {
            self.attributes(element, At::Child, [], extras)?;
        }
        Ok(())
    }

    /// Reads a leaf's text for a typed value; unknown attributes are kept.
    pub fn text(&mut self, element: &Element<'a>, extras: &mut Extras) -> Result<Cow<'a, str>> {
        self.plain_attributes(element, extras)?;
        self.leaf_text(element)
    }

    pub fn string(&mut self, element: &Element<'a>, extras: &mut Extras) -> Result<String> {
        Ok(self.text(element, extras)?.into_owned())
    }

    fn typed<T>(
        &mut self,
        element: &Element<'a>,
        extras: &mut Extras,
        parse: impl FnOnce(&str) -> Option<lexical::Parsed<T>>,
        invalid: impl FnOnce(String) -> DecodeErrorKind,
    ) -> Result<T> {
        let text = self.text(element, extras)?;
        match parse(&text) {
            Some(parsed) => {
                if !parsed.canonical {
                    extras.written.push((self.path_of(element), text.into_owned()));
                }
                Ok(parsed.value)
            }
            None => Err(self.error(element.offset, Some(element.name()), invalid(text.into_owned()))),
        }
    }

    pub fn decimal(&mut self, element: &Element<'a>, extras: &mut Extras) -> Result<Decimal> {
        self.typed(element, extras, lexical::decimal, DecodeErrorKind::NotADecimal)
    }

    pub fn whole<T: std::str::FromStr>(&mut self, element: &Element<'a>, extras: &mut Extras) -> Result<T> {
        self.typed(element, extras, lexical::unsigned::<T>, DecodeErrorKind::NotAWholeNumber)
    }

    pub fn date(&mut self, element: &Element<'a>, extras: &mut Extras) -> Result<Date> {
        let parse = |text: &str| lexical::date(text).map(|value| lexical::Parsed { value, canonical: true });
        self.typed(element, extras, parse, DecodeErrorKind::NotADate)
    }

    pub fn time(&mut self, element: &Element<'a>, extras: &mut Extras) -> Result<Time> {
        self.typed(element, extras, lexical::time, DecodeErrorKind::NotATime)
    }

    pub fn boolean(&mut self, element: &Element<'a>, extras: &mut Extras) -> Result<bool> {
        self.typed(element, extras, lexical::boolean, DecodeErrorKind::NotABoolean)
    }

    pub fn missing(&self, container: &Element<'a>, child: &str) -> DecodeError {
        self.error(container.offset, Some(container.name()), DecodeErrorKind::Missing(child.to_owned()))
    }

    /// For documents Wharf writes itself (feeds): an element that does not belong is an error.
    pub fn unexpected(&self, container: &str, child: &Element<'a>) -> DecodeError {
        self.error(child.offset, Some(container), DecodeErrorKind::UnexpectedElement(child.name().to_owned()))
    }

    /// Taken right after `element` was returned by [`Cursor::next_child`], before entering it.
    pub fn checkpoint(&self, element: &Element<'a>) -> Checkpoint {
        Checkpoint {
            levels: self.levels.len(),
            siblings: self.siblings.len(),
            open_after: if element.empty { self.open } else { self.open - 1 },
            path_base: self.path_base,
        }
    }

    /// After a non-fatal error somewhere inside the element of `checkpoint`, reads on to that element's
    /// end tag and restores the cursor as if the element had been read normally.
    pub fn recover(&mut self, checkpoint: Checkpoint) -> Result<()> {
        while self.open > checkpoint.open_after {
            let (offset, event) = self.read()?;
            if let Event::Eof = event {
                let kind = DecodeErrorKind::NotWellFormed("the document ends inside an element".into());
                return Err(self.error(offset, None, kind));
            }
        }
        // Drop the element's own level (pushed by `enter`) and any level below it.
        while self.levels.len() > checkpoint.levels {
            self.leave();
        }
        self.siblings.truncate(checkpoint.siblings);
        self.path_base = checkpoint.path_base;
        Ok(())
    }
}

fn push_segment(path: &mut String, local: &[u8], index: usize) {
    use std::fmt::Write;
    path.push_str(as_str(local));
    let _ = write!(path, "[{index}]");
}
