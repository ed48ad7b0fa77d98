//! Test labels: an order's label for any service, drawn by Wharf without buying anything, with "TEST LABEL —
//! NOT VALID FOR SHIPPING" across it. Nothing is recorded and nobody is told: it is for checking printers and
//! layouts.

use crate::printing::slips::document_address;
use jiff::civil::Date;
use wharf_documents::{Dpi, DrawnLabel, Label, LabelMessages, PackageWeight, render_label_pdf, render_label_zpl};
use wharf_domain::sears_time::central_date;
use wharf_domain::shipping_codes::ShippingCodes;
use wharf_domain::{AccountId, Order, OrderId, WarehouseId, WeightUnit};

use super::warehouses::warehouse_for;
use super::{ShippingError, load_order};
use crate::App;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TestLabelFormat {
    /// A 4x6 PDF page.
    #[default]
    Pdf,
    /// ZPL II for thermal printers.
    Zpl,
}

/// What test label to draw.
#[derive(Clone, Debug)]
pub struct TestLabel {
    /// Any service of the code table (`ups_ground`, `fedex_2day`, `usps_priority_mail`...).
    pub service: String,
    pub format: TestLabelFormat,
    pub dpi: Dpi,
    /// The order's warehouse, else the default, when `None`.
    pub warehouse: Option<WarehouseId>,
    /// Today (US Central) when `None`.
    pub ship_date: Option<Date>,
}

fn printed_weight(order: &Order) -> PackageWeight {
    let weight = order.weight.or_else(|| order.items_weight()).unwrap_or_else(wharf_domain::Weight::zero);
    let unit = match weight.units {
        WeightUnit::Ounces => wharf_documents::WeightUnit::Ounces,
        WeightUnit::Pounds => wharf_documents::WeightUnit::Pounds,
        WeightUnit::Grams => wharf_documents::WeightUnit::Grams,
    };
    PackageWeight { value: weight.value, unit }
}

/// The label, drawn: PDF bytes or ZPL text.
pub async fn render_test_label(
    app: &App,
    account: &AccountId,
    order_id: &OrderId,
    request: &TestLabel,
) -> Result<Vec<u8>, ShippingError> {
    let order = load_order(app, account, order_id).await?;
    let service = ShippingCodes::service(&request.service).ok_or_else(|| {
        let known: Vec<&str> = ShippingCodes::services().iter().map(|s| s.code).collect();
        ShippingError::Invalid(format!("unknown service '{}'; services are {}", request.service, known.join(", ")))
    })?;
    let warehouse = warehouse_for(app, account, &order, request.warehouse.as_ref()).await?;
    let skus: Vec<&str> = order.items.iter().filter(|i| !i.adjustment).map(|i| i.sku.as_str()).collect();
    let messages = LabelMessages::new([format!("Order {}", order.order_number), skus.join(", ")])
        .map_err(|e| ShippingError::Invalid(e.to_string()))?;
    let label = Label::Drawn(DrawnLabel {
        ship_from: document_address(&warehouse.origin),
        ship_to: document_address(&order.ship_to),
        service: service.name.to_owned(),
        weight: printed_weight(&order),
        // Not a carrier's number, and plainly so.
        tracking_number: format!("TEST-{}", order.order_number),
        order_number: order.order_number.clone(),
        ship_date: request.ship_date.unwrap_or_else(|| central_date(app.now())),
        test: true,
        messages,
    });
    let rendered = match request.format {
        TestLabelFormat::Pdf => render_label_pdf(&label, request.dpi),
        TestLabelFormat::Zpl => render_label_zpl(&label, request.dpi).map(String::into_bytes),
    };
    rendered.map_err(|e| ShippingError::Invalid(format!("the test label could not be drawn: {e}")))
}
