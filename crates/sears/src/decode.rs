//! `wharf sears decode FILE`: reads any Sears document this crate knows, by its root element.

use bytes::Bytes;
use serde::Serialize;

use crate::adjustment::OrderAdjustmentFeed;
use crate::api_response::ApiResponse;
use crate::asn::ShipmentFeed;
use crate::cancel::OrderCancelFeed;
use crate::carriers::ShippingCarriers;
use crate::error::{DecodeError, DecodeErrorKind};
use crate::inventory::{InventoryExport, InventoryFeed};
use crate::processing_report::ProcessingReport;
use crate::purchase_order::PoResponse;
use crate::requests::{OrderCancelRequestFeed, OrderReturnsRequestFeed};
use crate::xml_read::Cursor;

/// Every Sears document kind. Serializes to JSON as the document's fields plus `"document": "<kind>"`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "document", rename_all = "kebab-case")]
pub enum Document {
    /// A `po-response` of any version (or one stored `purchase-order`).
    PoResponse(PoResponse),
    ApiResponse(ApiResponse),
    /// ASN.
    ShipmentFeed(ShipmentFeed),
    OrderCancelFeed(OrderCancelFeed),
    ProcessingReport(ProcessingReport),
    ShippingCarriers(ShippingCarriers),
    OrderCancelRequestFeed(OrderCancelRequestFeed),
    OrderReturnsRequestFeed(OrderReturnsRequestFeed),
    OrderAdjustmentFeed(OrderAdjustmentFeed),
    InventoryFeed(InventoryFeed),
    InventoryExport(InventoryExport),
}

/// Root elements [`decode_document`] reads.
pub const KNOWN_ROOTS: [&str; 12] = [
    "po-response",
    "purchase-order",
    "api-response",
    "shipment-feed",
    "order-cancel-feed",
    "processing-report",
    "shipping-carriers",
    "order-cancel-request-feed",
    "order-returns-request-feed",
    "order-adjustment-feed",
    "inventory-feed",
    "inventory",
];

/// The local name of the document's root element.
pub fn root_element(bytes: &[u8]) -> Result<String, DecodeError> {
    let mut cursor = Cursor::new(bytes);
    Ok(cursor.root()?.name().to_owned())
}

/// Reads any Sears document. Strict: an unreadable purchase order is an error (the client, by contrast,
/// lists unreadable orders beside the readable ones). Errors name the line, column and element.
pub fn decode_document(bytes: &[u8]) -> Result<Document, DecodeError> {
    let root = root_element(bytes)?;
    Ok(match root.as_str() {
        "po-response" | "purchase-order" => {
            Document::PoResponse(PoResponse::parse_strict(&Bytes::copy_from_slice(bytes))?)
        }
        "api-response" => Document::ApiResponse(ApiResponse::parse(bytes)?),
        "shipment-feed" => Document::ShipmentFeed(ShipmentFeed::parse(bytes)?),
        "order-cancel-feed" => Document::OrderCancelFeed(OrderCancelFeed::parse(bytes)?),
        "processing-report" => Document::ProcessingReport(ProcessingReport::parse(bytes)?),
        "shipping-carriers" => Document::ShippingCarriers(ShippingCarriers::parse(bytes)?),
        "order-cancel-request-feed" => Document::OrderCancelRequestFeed(OrderCancelRequestFeed::parse(bytes)?),
        "order-returns-request-feed" => Document::OrderReturnsRequestFeed(OrderReturnsRequestFeed::parse(bytes)?),
        "order-adjustment-feed" => Document::OrderAdjustmentFeed(OrderAdjustmentFeed::parse(bytes)?),
        "inventory-feed" => Document::InventoryFeed(InventoryFeed::parse(bytes)?),
        "inventory" => Document::InventoryExport(InventoryExport::parse(bytes)?),
        _ => {
            let mut cursor = Cursor::new(bytes);
            let element = cursor.root()?;
            let kind = DecodeErrorKind::UnexpectedRoot {
                expected: format!("a Sears document Wharf reads (root one of: {})", KNOWN_ROOTS.join(", ")),
            };
            return Err(cursor.error(element.offset, Some(element.name()), kind));
        }
    })
}
