//! The shared documents of SPEC.md §3.1 and §6: `api-response` and `processing-report`, both in the
//! `http://seller.marketplace.sears.com/shared/v1` namespace.

use crate::xml_writer::XmlWriter;

pub(crate) const SHARED_NS: &str = "http://seller.marketplace.sears.com/shared/v1";

/// The `error-detail` Sears sends when a PO GET matches nothing (an empty result, not an error).
pub const NO_POS_FOUND: &str = "No POs found";

/// `<api-response><error-detail>text</error-detail></api-response>`
pub(crate) fn error_detail(text: &str) -> Vec<u8> {
    api_response("error-detail", text)
}

/// `<api-response><document-id>id</document-id></api-response>`
pub(crate) fn document_id(id: u64) -> Vec<u8> {
    api_response("document-id", &id.to_string())
}

/// `<api-response><processing-message>text</processing-message></api-response>`
pub(crate) fn processing_message(text: &str) -> Vec<u8> {
    api_response("processing-message", text)
}

fn api_response(element: &str, text: &str) -> Vec<u8> {
    let mut w = XmlWriter::document(256);
    w.root("api-response", SHARED_NS);
    w.leaf(element, text);
    w.close("api-response");
    w.newline();
    w.into_bytes()
}

/// The outcome of one record of a processed feed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RecordResult {
    /// 1-based position of the record (`shipment` or `order-cancel`) in the feed.
    pub record_id: u32,
    /// Empty when the record was accepted.
    pub errors: Vec<String>,
}

impl RecordResult {
    pub fn accepted(&self) -> bool {
        self.errors.is_empty()
    }
}

/// `processing-report` while the feed is still being processed.
pub(crate) fn report_in_process(document_id: u64) -> Vec<u8> {
    let mut w = XmlWriter::document(256);
    w.root("processing-report", SHARED_NS);
    w.leaf_plain("document-id", document_id);
    w.leaf("status", "In Process");
    w.close("processing-report");
    w.newline();
    w.into_bytes()
}

/// `processing-report` with the summary and one `error` per rejected record.
pub(crate) fn report_done(document_id: u64, description: &str, records: &[RecordResult]) -> Vec<u8> {
    let rejected: Vec<&RecordResult> = records.iter().filter(|r| !r.accepted()).collect();
    let mut w = XmlWriter::document(512 + rejected.len() * 160);
    w.root("processing-report", SHARED_NS);
    w.leaf_plain("document-id", document_id);
    w.open("report");
    w.open("summary");
    w.leaf("description", description);
    if !records.is_empty() {
        w.leaf_plain("record-count", records.len());
    }
    w.leaf_plain("records-with-warnings", 0);
    w.leaf_plain("records-with-errors", rejected.len());
    w.leaf_plain("records-accepted", records.len() - rejected.len());
    w.close("summary");
    if !rejected.is_empty() {
        w.open("detail");
        w.open("errors");
        for record in rejected {
            w.open_with("error", "record-id", &record.record_id.to_string());
            for error in &record.errors {
                w.leaf("error-info", error);
            }
            w.close("error");
        }
        w.close("errors");
        w.close("detail");
    }
    w.close("report");
    w.close("processing-report");
    w.newline();
    w.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_pos_found_is_a_namespaced_api_response() {
        let xml = String::from_utf8(error_detail(NO_POS_FOUND)).unwrap();
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<api-response xmlns=\"http://seller.marketplace.sears.com/shared/v1\">\
             <error-detail>No POs found</error-detail></api-response>\n"
        );
    }
}
