//! Coverage-guided fuzzing of the purchase-order and api-response parsers (and, through `decode_document`,
//! every other document parser). Any panic, overflow or out-of-bounds access is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let body = bytes::Bytes::copy_from_slice(data);
    if let Ok(response) = wharf_sears::PoResponse::parse(&body) {
        for order in &response.purchase_orders {
            let _ = order.to_neutral();
            let _ = order.standalone_xml();
            let _ = order.raw_xml();
        }
        for unreadable in &response.unreadable {
            let _ = unreadable.decode_error.to_string();
        }
    }
    if let Ok(response) = wharf_sears::ApiResponse::parse(data) {
        let _ = wharf_sears::classify_error_detail(match &response.outcome {
            wharf_sears::ApiOutcome::ErrorDetail(text) => text,
            _ => "",
        });
    }
    if let Err(error) = wharf_sears::decode_document(data) {
        let _ = error.to_string();
    }
});
