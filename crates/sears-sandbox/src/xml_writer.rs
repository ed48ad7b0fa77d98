//! A small streaming XML writer into one `Vec<u8>`.
//!
//! Hand-written rather than quick-xml's `Writer` because the sandbox writes tens of thousands of orders per response:
//! writing tags straight into the buffer avoids building an event (and often a `String`) per element. Escaping is
//! quick-xml's, which borrows when nothing needs escaping.

use std::fmt::Display;
use std::io::Write as _;

use quick_xml::escape::{escape, partial_escape};
use rust_decimal::Decimal;

pub(crate) struct XmlWriter {
    buf: Vec<u8>,
}

impl XmlWriter {
    /// A writer that has already written the XML declaration.
    pub(crate) fn document(capacity: usize) -> Self {
        let mut buf = Vec::with_capacity(capacity.max(64));
        buf.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        Self { buf }
    }

    /// Opens the root element with its default namespace.
    pub(crate) fn root(&mut self, name: &str, namespace: &str) {
        self.buf.push(b'<');
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.extend_from_slice(b" xmlns=\"");
        self.buf.extend_from_slice(escape(namespace).as_bytes());
        self.buf.extend_from_slice(b"\">");
    }

    pub(crate) fn open(&mut self, name: &str) {
        self.buf.push(b'<');
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.push(b'>');
    }

    /// Opens an element with one attribute.
    pub(crate) fn open_with(&mut self, name: &str, attribute: &str, value: &str) {
        self.buf.push(b'<');
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.push(b' ');
        self.buf.extend_from_slice(attribute.as_bytes());
        self.buf.extend_from_slice(b"=\"");
        self.buf.extend_from_slice(escape(value).as_bytes());
        self.buf.extend_from_slice(b"\">");
    }

    pub(crate) fn close(&mut self, name: &str) {
        self.buf.extend_from_slice(b"</");
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.push(b'>');
    }

    pub(crate) fn text(&mut self, text: &str) {
        self.buf.extend_from_slice(partial_escape(text).as_bytes());
    }

    pub(crate) fn newline(&mut self) {
        self.buf.push(b'\n');
    }

    /// `<name>text</name>`
    pub(crate) fn leaf(&mut self, name: &str, text: &str) {
        self.open(name);
        self.text(text);
        self.close(name);
    }

    /// `<name>text</name>` when there is a value.
    pub(crate) fn leaf_opt(&mut self, name: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.leaf(name, text);
        }
    }

    /// A value whose `Display` needs no escaping (numbers, dates, times).
    pub(crate) fn leaf_plain(&mut self, name: &str, value: impl Display) {
        self.open(name);
        // Writing into a Vec cannot fail.
        let _ = write!(self.buf, "{value}");
        self.close(name);
    }

    /// Text whose `Display` needs no escaping, inside an element the caller opened.
    pub(crate) fn leaf_plain_inner(&mut self, value: impl Display) {
        // Writing into a Vec cannot fail.
        let _ = write!(self.buf, "{value}");
    }

    /// A money amount with exactly two decimals, as Sears writes them.
    pub(crate) fn leaf_money(&mut self, name: &str, amount: Decimal) {
        self.leaf_plain(name, money(amount));
    }

    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}

/// Rounds to cents and always shows two decimals (`5` -> `5.00`).
pub(crate) fn money(amount: Decimal) -> Decimal {
    let mut amount = amount.round_dp(2);
    amount.rescale(2);
    amount
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn escapes_text_and_attributes() {
        let mut w = XmlWriter::document(0);
        w.root("r", "urn:x");
        w.leaf("a", "Tom & Jerry <3 \"quotes\"");
        w.open_with("fee", "type", "A \"B\" & C");
        w.text("1.00");
        w.close("fee");
        w.leaf_money("m", Decimal::from_str("5").unwrap());
        w.leaf_money("n", Decimal::from_str("-3.456").unwrap());
        w.close("r");
        let xml = String::from_utf8(w.into_bytes()).unwrap();
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<r xmlns=\"urn:x\"><a>Tom &amp; Jerry &lt;3 \"quotes\"</a>\
             <fee type=\"A &quot;B&quot; &amp; C\">1.00</fee><m>5.00</m><n>-3.46</n></r>"
        );
        roxmltree::Document::parse(&xml).unwrap();
    }
}
