//! What customer e-mail templates see: the store's branding, the customer, the order with its items, the
//! shipment with carrier, service and tracking links, and the delivery.

use jiff::Timestamp;
use serde::Serialize;
use wharf_domain::shipment::{Shipment, ShipmentKind};
use wharf_domain::shipping_codes::ShippingCodes;
use wharf_domain::store::Store as SalesStore;
use wharf_domain::{ItemOption, Order};

use super::tracking_links::tracking_url;

#[derive(Clone, Debug, Serialize)]
pub struct EmailContext {
    pub store: StoreView,
    pub customer: CustomerView,
    pub order: OrderView,
    pub shipment: ShipmentView,
    pub delivery: DeliveryView,
}

#[derive(Clone, Debug, Serialize)]
pub struct StoreView {
    /// The company name of the branding, else the store's name.
    pub name: String,
    pub logo_url: Option<String>,
    pub primary_color: String,
    pub accent_color: String,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub reply_to: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CustomerView {
    pub name: String,
    pub email: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct OrderView {
    pub number: String,
    pub key: String,
    /// The order date as the buyer reads it (US Central), e.g. "May 2, 2024".
    pub date: String,
    pub items: Vec<ItemView>,
    pub ship_to: ShipToView,
    pub notes_to_buyer: Option<String>,
    pub gift_message: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ItemView {
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    pub image_url: Option<String>,
    pub options: Vec<ItemOption>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ShipToView {
    pub name: String,
    pub city: String,
    pub state: String,
    pub postal_code: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct ShipmentView {
    /// e.g. "UPS".
    pub carrier: String,
    /// Wharf's (`ups`) or Sears's (`OTH`) carrier code.
    pub carrier_code: String,
    /// e.g. "UPS Ground".
    pub service: String,
    pub ship_date: Option<String>,
    pub packages: Vec<PackageView>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    pub notes_to_buyer: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PackageView {
    pub tracking_number: String,
    pub tracking_url: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct DeliveryView {
    pub delivered_at: Option<String>,
}

const DEFAULT_PRIMARY: &str = "#24292f";
const DEFAULT_ACCENT: &str = "#1f6feb";

fn central_day(at: Timestamp) -> String {
    at.to_zoned_datetime(wharf_domain::sears_time::central()).strftime("%B %-d, %Y").to_string()
}

pub fn store_view(store: &SalesStore) -> StoreView {
    let b = &store.settings.branding;
    StoreView {
        name: b.company_name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| store.store_name.clone()),
        logo_url: b.logo_url.clone(),
        primary_color: b.primary_color.clone().unwrap_or_else(|| DEFAULT_PRIMARY.into()),
        accent_color: b.accent_color.clone().unwrap_or_else(|| DEFAULT_ACCENT.into()),
        contact_email: b.contact_email.clone(),
        contact_phone: b.contact_phone.clone(),
        reply_to: b.reply_to.clone().or_else(|| b.contact_email.clone()),
    }
}

/// Carrier and service names for people: Wharf's code table, then Sears's carrier list, then the code.
pub fn carrier_and_service_names(shipment: &Shipment) -> (String, String) {
    if shipment.kind == ShipmentKind::Pickup {
        return ("Customer pickup".into(), "Pickup".into());
    }
    let carrier = ShippingCodes::carrier(&shipment.carrier_code)
        .map(|c| c.name.to_owned())
        .or_else(|| ShippingCodes::sears_carrier(&shipment.carrier_code).map(|c| c.description.to_owned()))
        .unwrap_or_else(|| shipment.carrier_code.clone());
    let service = ShippingCodes::service(&shipment.service_code)
        .map(|s| s.name.to_owned())
        .unwrap_or_else(|| format!("{carrier} {}", shipment.service_code));
    (carrier, service)
}

pub fn shipment_view(shipment: &Shipment) -> ShipmentView {
    let (carrier, service) = carrier_and_service_names(shipment);
    let packages: Vec<PackageView> = shipment
        .packages
        .iter()
        .filter_map(|p| p.tracking_number.as_deref().filter(|t| !t.trim().is_empty()))
        .map(|t| PackageView { tracking_number: t.to_owned(), tracking_url: tracking_url(&shipment.carrier_code, t) })
        .collect();
    ShipmentView {
        carrier,
        carrier_code: shipment.carrier_code.clone(),
        service,
        ship_date: Some(shipment.ship_date.strftime("%B %-d, %Y").to_string()),
        tracking_number: packages.first().map(|p| p.tracking_number.clone()),
        tracking_url: packages.first().and_then(|p| p.tracking_url.clone()),
        packages,
        notes_to_buyer: shipment.notes_to_buyer.clone().filter(|n| !n.trim().is_empty()),
    }
}

pub fn context(
    store: &SalesStore,
    order: &Order,
    shipment: Option<&Shipment>,
    delivered_at: Option<Timestamp>,
) -> EmailContext {
    let mut shipment_view = shipment.map(shipment_view).unwrap_or_default();
    if shipment_view.notes_to_buyer.is_none() {
        shipment_view.notes_to_buyer = order.notes_to_buyer.clone().filter(|n| !n.trim().is_empty());
    }
    EmailContext {
        store: store_view(store),
        customer: CustomerView {
            name: if order.ship_to.name.trim().is_empty() {
                order.bill_to.name.clone()
            } else {
                order.ship_to.name.clone()
            },
            email: order.customer_email.clone(),
        },
        order: OrderView {
            number: order.order_number.clone(),
            key: order.order_key.clone(),
            date: central_day(order.order_date),
            items: order
                .items
                .iter()
                .filter(|i| !i.adjustment)
                .map(|i| ItemView {
                    sku: i.sku.clone(),
                    name: i.name.clone(),
                    quantity: i.quantity,
                    image_url: i.image_url.clone(),
                    options: i.options.clone(),
                })
                .collect(),
            ship_to: ShipToView {
                name: order.ship_to.name.clone(),
                city: order.ship_to.city.clone(),
                state: order.ship_to.state.clone(),
                postal_code: order.ship_to.postal_code.clone(),
            },
            notes_to_buyer: order.notes_to_buyer.clone(),
            gift_message: order.gift_message.clone(),
        },
        shipment: shipment_view,
        delivery: DeliveryView { delivered_at: delivered_at.map(central_day) },
    }
}
