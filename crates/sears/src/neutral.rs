//! The neutral form: a document flattened to `element path -> text`, used by contract tests to compare what
//! the client understood with what was written, independently of any XML library's view of it.
//!
//! Rules (the test side implements the same rules with roxmltree):
//! * a path is a sequence of `local-name[i]` segments joined by `/`, `i` being the 1-based index of the
//!   element among its same-named siblings; namespaces are ignored;
//! * every element WITHOUT child elements maps to its text: text and CDATA children concatenated (comments
//!   and processing instructions skipped), entities resolved, line ends normalized, then trimmed of XML
//!   whitespace (space, tab, CR, LF); an element with child elements has no entry of its own;
//! * every attribute except namespace declarations maps `element-path/@local-name` to its normalized,
//!   trimmed value.

use std::collections::BTreeMap;
use std::fmt::Display;

use quick_xml::XmlVersion;
use quick_xml::events::Event;
use quick_xml::reader::Reader;

use crate::xml_read::{Extras, UnknownItem, trim_xml};

/// Builds a neutral form from typed values.
pub(crate) struct NeutralBuilder {
    map: BTreeMap<String, String>,
    path: String,
    /// Entries for elements (not attributes) emitted so far.
    elements: usize,
    /// Containers that had no typed child: they get an empty entry unless an unknown child lands in them.
    childless: Vec<String>,
}

pub(crate) struct Opened {
    path_len: usize,
    elements: usize,
}

impl NeutralBuilder {
    pub fn new() -> Self {
        NeutralBuilder { map: BTreeMap::new(), path: String::new(), elements: 0, childless: Vec::new() }
    }

    fn child_path(&self, name: &str, index: usize) -> String {
        if self.path.is_empty() { format!("{name}[{index}]") } else { format!("{}/{name}[{index}]", self.path) }
    }

    pub fn leaf(&mut self, name: &str, index: usize, value: impl Display) {
        let path = self.child_path(name, index);
        self.map.insert(path, value.to_string());
        self.elements += 1;
    }

    pub fn opt<T: Display>(&mut self, name: &str, value: &Option<T>) {
        if let Some(value) = value {
            self.leaf(name, 1, value);
        }
    }

    pub fn list<T: Display>(&mut self, name: &str, values: &[T]) {
        for (i, value) in values.iter().enumerate() {
            self.leaf(name, i + 1, value);
        }
    }

    /// An attribute of the child element `element[index]`.
    pub fn attribute_of(&mut self, element: &str, index: usize, name: &str, value: &str) {
        let path = format!("{}/@{name}", self.child_path(element, index));
        self.map.insert(path, trim_xml(value).to_owned());
    }

    pub fn open(&mut self, name: &str, index: usize) -> Opened {
        let opened = Opened { path_len: self.path.len(), elements: self.elements };
        self.path = self.child_path(name, index);
        opened
    }

    pub fn close(&mut self, opened: Opened) {
        if self.elements == opened.elements {
            self.childless.push(self.path.clone());
        }
        // The container itself counts as an element emitted in its parent.
        self.elements += 1;
        self.path.truncate(opened.path_len);
    }

    /// Flattens the raw XML of the child element `name[index]`.
    pub fn fragment(&mut self, name: &str, index: usize, xml: &str) {
        let path = self.child_path(name, index);
        self.elements += 1;
        flatten_fragment(xml, &path, &mut self.map);
    }

    pub fn finish(mut self, extras: &Extras) -> BTreeMap<String, String> {
        for item in &extras.unknown {
            match item {
                UnknownItem::Element { path, xml } => flatten_fragment(xml, path, &mut self.map),
                UnknownItem::Attribute { path, value } => {
                    self.map.insert(path.clone(), trim_xml(value).to_owned());
                }
            }
        }
        for (path, text) in &extras.written {
            self.map.insert(path.clone(), text.clone());
        }
        for container in std::mem::take(&mut self.childless) {
            let prefix = format!("{container}/");
            let has_child = self
                .map
                .range(prefix.clone()..)
                .take_while(|(key, _)| key.starts_with(&prefix))
                .any(|(key, _)| !key[prefix.len()..].starts_with('@'));
            if !has_child {
                self.map.insert(container, String::new());
            }
        }
        self.map
    }
}

struct Frame {
    path: String,
    counts: Vec<(String, usize)>,
    text: String,
    has_children: bool,
}

fn resolve_reference(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix('x') {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code);
    }
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => None,
    }
}

/// Flattens one raw element (already checked to be well-formed) into `map`, its own path being `path`.
pub(crate) fn flatten_fragment(xml: &str, path: &str, map: &mut BTreeMap<String, String>) {
    let mut reader = Reader::from_str(xml);
    // `<x/>` as `<x></x>`: one code path for both.
    reader.config_mut().expand_empty_elements = true;
    let mut stack: Vec<Frame> = Vec::new();
    loop {
        let event = match reader.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(event) => event,
        };
        match event {
            Event::Start(start) => {
                let local = start.local_name().as_ref().to_owned();
                let element_path = match stack.last_mut() {
                    None => path.to_owned(),
                    Some(parent) => {
                        parent.has_children = true;
                        let index = match parent.counts.iter_mut().find(|(name, _)| *name == local) {
                            Some((_, count)) => {
                                *count += 1;
                                *count
                            }
                            None => {
                                parent.counts.push((local.clone(), 1));
                                1
                            }
                        };
                        format!("{}/{local}[{index}]", parent.path)
                    }
                };
                for attribute in start.attributes().flatten() {
                    let key = attribute.key.as_ref();
                    if key == "xmlns" || key.starts_with("xmlns:") {
                        continue;
                    }
                    let local_key = attribute.key.local_name().as_ref().to_owned();
                    let value = attribute
                        .normalized_value(XmlVersion::Implicit1_0)
                        .map(|v| v.into_owned())
                        .unwrap_or_else(|_| attribute.value.to_string());
                    map.insert(format!("{element_path}/@{local_key}"), trim_xml(&value).to_owned());
                }
                stack.push(Frame { path: element_path, counts: Vec::new(), text: String::new(), has_children: false });
            }
            Event::End(_) => {
                if let Some(frame) = stack.pop()
                    && !frame.has_children
                {
                    map.insert(frame.path, trim_xml(&frame.text).to_owned());
                }
            }
            Event::Text(text) => {
                if let Some(frame) = stack.last_mut() {
                    frame.text.push_str(&text.xml10_content());
                }
            }
            Event::CData(data) => {
                if let Some(frame) = stack.last_mut() {
                    frame.text.push_str(&data.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                if let Some(frame) = stack.last_mut() {
                    match resolve_reference(&reference) {
                        Some(c) => frame.text.push(c),
                        None => {
                            frame.text.push('&');
                            frame.text.push_str(&reference);
                            frame.text.push(';');
                        }
                    }
                }
            }
            _ => {}
        }
    }
}
