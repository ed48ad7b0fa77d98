//! What is shipped (parcels and options) and what buying a label returns.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use wharf_domain::shipping_codes::Confirmation;
use wharf_domain::{Address, Dimensions, Weight};

use crate::carrier::CarrierMessage;
use crate::money::Money;

/// One package of a shipment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parcel {
    /// Package code from the shared table (`package`, `ups_pak`, ...).
    pub package: String,
    pub weight: Weight,
    pub dimensions: Option<Dimensions>,
    /// Value declared to the carrier for its liability coverage, if any.
    pub insured_value: Option<Money>,
}

impl Parcel {
    /// A customer-supplied box.
    pub fn package(weight: Weight, dimensions: Option<Dimensions>) -> Self {
        Parcel { package: "package".into(), weight, dimensions, insured_value: None }
    }
}

/// Options that apply to every package of a shipment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentOptions {
    pub confirmation: Confirmation,
}

/// Label image formats. UPS produces 4x6 labels in each of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelFormat {
    #[default]
    Gif,
    Png,
    Zpl,
}

impl LabelFormat {
    pub fn mime_type(self) -> &'static str {
        match self {
            LabelFormat::Gif => "image/gif",
            LabelFormat::Png => "image/png",
            LabelFormat::Zpl => "application/x-zpl",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            LabelFormat::Gif => "gif",
            LabelFormat::Png => "png",
            LabelFormat::Zpl => "zpl",
        }
    }
}

/// Buy one shipment: every package in one carrier shipment, one tracking number each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelRequest {
    /// The app's idempotency reference for this shipment (at most 35 characters; letters, digits and `-`
    /// are safest). It is stored with the carrier on every package, so that after a crash or a timeout the
    /// shipment can be found with [`crate::Carrier::find_shipment_by_reference`] before anything is bought
    /// again.
    pub reference: String,
    /// A second reference printed on the label (an order number), if any.
    pub customer_reference: Option<String>,
    /// The warehouse: shipper and ship-from.
    pub ship_from: Address,
    pub ship_to: Address,
    /// Service code from the shared table (`ups_ground`).
    pub service: String,
    pub packages: Vec<Parcel>,
    pub options: ShipmentOptions,
    /// The day the shipment is handed to the carrier; `None` means today.
    pub ship_date: Option<Date>,
    /// What is inside, for the carrier's records.
    pub description: Option<String>,
}

/// A bought shipment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Label {
    /// The carrier's shipment id (for UPS, the first package's tracking number); used to void.
    pub shipment_id: String,
    pub reference: String,
    /// Service code from the shared table.
    pub service: String,
    /// In the order of the request's packages.
    pub packages: Vec<PackageLabel>,
    /// What the carrier charged for the whole shipment: the negotiated amount when the account has
    /// negotiated rates and the carrier returned them, the published amount otherwise.
    pub charge: Money,
    /// The carrier's published price for the shipment.
    pub list_charge: Money,
    pub billing_weight: Option<Weight>,
    pub messages: Vec<CarrierMessage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageLabel {
    pub tracking_number: String,
    pub image: LabelImage,
}

/// A label file as the carrier produced it (decoded from base64).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelImage {
    pub format: LabelFormat,
    pub data: Vec<u8>,
}

impl std::fmt::Debug for LabelImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LabelImage({:?}, {} bytes)", self.format, self.data.len())
    }
}

/// The outcome of voiding a shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoidOutcome {
    pub shipment_id: String,
    /// True when the carrier says the shipment is voided (or was already).
    pub voided: bool,
    pub status: String,
    pub packages: Vec<PackageVoid>,
    pub messages: Vec<CarrierMessage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageVoid {
    pub tracking_number: String,
    pub voided: bool,
    pub status: String,
}
