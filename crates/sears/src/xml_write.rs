//! Writing the feeds Wharf sends (ASN, line cancel) with quick-xml's writer, and the checks that make
//! every written feed valid against Sears's XSD and readable back to the same values.

use jiff::civil::Date;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use crate::error::FeedError;

/// An indented XML document in the default namespace of one API version.
pub(crate) struct XmlOut {
    writer: Writer<Vec<u8>>,
}

// Writing into a Vec cannot fail; quick-xml's io::Result is only for other sinks.
const VEC_WRITE: &str = "writing XML into a Vec<u8> cannot fail";

impl XmlOut {
    pub fn new() -> Self {
        let mut writer = Writer::new_with_indent(Vec::with_capacity(4096), b' ', 2);
        writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None))).expect(VEC_WRITE);
        XmlOut { writer }
    }

    pub fn open_root(&mut self, name: &str, namespace: &str) {
        let start = BytesStart::new(name).with_attributes([("xmlns", namespace)]);
        self.writer.write_event(Event::Start(start)).expect(VEC_WRITE);
    }

    pub fn open(&mut self, name: &str) {
        self.writer.write_event(Event::Start(BytesStart::new(name))).expect(VEC_WRITE);
    }

    pub fn close(&mut self, name: &str) {
        self.writer.write_event(Event::End(BytesEnd::new(name))).expect(VEC_WRITE);
    }

    /// `<name>text</name>`, escaped (`<`, `>`, `&`, quotes, and CR so that it survives line-end normalization).
    pub fn leaf(&mut self, name: &str, text: &str) {
        self.open(name);
        self.writer.write_event(Event::Text(BytesText::new(text))).expect(VEC_WRITE);
        self.close(name);
    }

    pub fn finish(self) -> String {
        let mut bytes = self.writer.into_inner();
        bytes.push(b'\n');
        // Only &str went in.
        String::from_utf8(bytes).expect("the writer only received UTF-8")
    }
}

/// Characters XML 1.0 can carry (the `Char` production).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Checks of the values of one feed; errors name the place in the feed.
pub(crate) struct Check {
    pub feed: &'static str,
}

impl Check {
    pub fn fail(&self, path: &str, problem: impl Into<String>) -> FeedError {
        FeedError { feed: self.feed, path: path.to_owned(), problem: problem.into() }
    }

    /// Text that XML can carry and that reads back unchanged: no characters XML forbids, no leading or
    /// trailing whitespace (readers trim it), not empty, at most `max` characters.
    pub fn text(&self, path: &str, value: &str, max: Option<usize>) -> Result<(), FeedError> {
        if value.is_empty() {
            return Err(self.fail(path, "is empty"));
        }
        if let Some(bad) = value.chars().find(|&c| !is_xml_char(c)) {
            return Err(self.fail(path, format!("contains the character U+{:04X}, which XML cannot carry", bad as u32)));
        }
        if value.starts_with(crate::xml_read::is_xml_whitespace) || value.ends_with(crate::xml_read::is_xml_whitespace)
        {
            return Err(self.fail(path, format!("'{value}' starts or ends with whitespace, which Sears does not keep")));
        }
        if let Some(max) = max {
            let count = value.chars().count();
            if count > max {
                return Err(self.fail(path, format!("is {count} characters; Sears accepts at most {max}")));
            }
        }
        Ok(())
    }

    /// A PO number: digits (leading zeros allowed), not all zeros (the cancel XSD types it positiveInteger).
    pub fn po_number(&self, path: &str, value: &str) -> Result<(), FeedError> {
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) || value.bytes().all(|b| b == b'0') {
            return Err(self.fail(path, format!("'{value}' is not a Sears PO number (digits, not all zero)")));
        }
        Ok(())
    }

    pub fn positive(&self, path: &str, value: u32) -> Result<(), FeedError> {
        if value == 0 {
            return Err(self.fail(path, "is 0; it must be at least 1"));
        }
        Ok(())
    }

    /// xs:date without time zone, years 1 to 9999 (jiff's range also holds negative years XSD 1.0 refuses).
    pub fn date(&self, path: &str, value: Date) -> Result<String, FeedError> {
        if value.year() < 1 {
            return Err(self.fail(path, format!("{value} is before year 1")));
        }
        Ok(crate::lexical::format_date(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_checks() {
        let check = Check { feed: "shipment-feed" };
        assert!(check.text("a", "SKU-1 \"x\" <&>", Some(50)).is_ok());
        assert_eq!(
            check.text("shipment[1]/header[1]/asn-number", "123456789012345678901", Some(20)).unwrap_err().to_string(),
            "shipment-feed not sent: shipment[1]/header[1]/asn-number is 21 characters; Sears accepts at most 20; \
             correct it and send the feed again"
        );
        assert!(check.text("a", "", None).is_err());
        assert!(check.text("a", " x", None).is_err());
        assert!(check.text("a", "x\n", None).is_err());
        assert!(check.text("a", "a\u{1}b", None).is_err());
        assert!(check.text("a", "a\u{FFFE}b", None).is_err());
        assert!(check.text("a", "a\r\nb\tc", None).is_ok());
    }

    #[test]
    fn po_numbers() {
        let check = Check { feed: "order-cancel-feed" };
        assert!(check.po_number("p", "0060180").is_ok());
        assert!(check.po_number("p", "000").is_err());
        assert!(check.po_number("p", "12a").is_err());
        assert!(check.po_number("p", "").is_err());
    }

    #[test]
    fn carriage_returns_are_escaped_so_they_survive_line_end_normalization() {
        let mut out = XmlOut::new();
        out.open_root("r", "urn:x");
        out.leaf("v", "a\r\nb & <c>");
        out.close("r");
        let xml = out.finish();
        assert!(xml.contains("<v>a&#13;\nb &amp; &lt;c&gt;</v>"), "{xml}");
    }
}
