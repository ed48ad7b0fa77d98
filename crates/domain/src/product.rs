//! The product catalog: what Sears does not send about an item (weight, image, options, location...), by SKU.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, ProductId};
use crate::measure::{Dimensions, Weight};
use crate::money::Money;
use crate::order::{Confirmation, ItemOption};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    pub product_id: ProductId,
    pub account_id: AccountId,
    pub sku: String,
    pub name: String,
    #[serde(default)]
    pub weight: Option<Weight>,
    #[serde(default)]
    pub dimensions: Option<Dimensions>,
    #[serde(default)]
    pub image_url: Option<String>,
    #[serde(default)]
    pub options: Vec<ItemOption>,
    #[serde(default)]
    pub warehouse_location: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub upc: Option<String>,
    #[serde(default)]
    pub customs: Option<CustomsInfo>,
    /// Shipping defaults applied by automation (step 1: product defaults).
    #[serde(default)]
    pub defaults: ProductShippingDefaults,
    pub origin: ProductOrigin,
    pub create_date: Timestamp,
    pub modify_date: Timestamp,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomsInfo {
    pub description: String,
    #[serde(default)]
    pub value: Option<Money>,
    #[serde(default)]
    pub harmonized_tariff_code: Option<String>,
    #[serde(default)]
    pub country_of_origin: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductShippingDefaults {
    #[serde(default)]
    pub carrier_code: Option<String>,
    #[serde(default)]
    pub service_code: Option<String>,
    #[serde(default)]
    pub package_code: Option<String>,
    #[serde(default)]
    pub confirmation: Option<Confirmation>,
    /// Insure shipments containing this product for their declared value.
    #[serde(default)]
    pub insure: Option<bool>,
}

/// How the product entered the catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductOrigin {
    /// Met on an imported order with an unknown SKU; holds only the name until the seller fills it in.
    Import,
    CsvImport,
    Seller,
}

impl Product {
    /// Nothing but a name is known: the seller still has to add weight, image, location...
    pub fn is_incomplete(&self) -> bool {
        self.weight.is_none()
    }
}
