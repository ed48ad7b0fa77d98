//! What automation can look at (criteria fields) and what it can change (slots), with their names in rule
//! files, in history and in `order.sources`.

use std::fmt;

use serde_json::Value;

use crate::order::Order;

/// The type of a field's value; it decides which operators a criterion may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    Text,
    /// A whole number (counts, quantities, lengths).
    Integer,
    Money,
    Weight,
    /// An instant, compared with dates (US Central), instants or times relative to now.
    Date,
    Bool,
    /// A set of tags, matched whole and ignoring case.
    Tags,
    Status,
}

impl ValueKind {
    pub fn describe(self) -> &'static str {
        match self {
            ValueKind::Text => "text",
            ValueKind::Integer => "a whole number",
            ValueKind::Money => "an amount of money",
            ValueKind::Weight => "a weight",
            ValueKind::Date => "a date",
            ValueKind::Bool => "yes or no",
            ValueKind::Tags => "a list of tags",
            ValueKind::Status => "an order status",
        }
    }
}

/// What a criterion needs to know about a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldSpec {
    /// The name used in rule files.
    pub name: &'static str,
    pub kind: ValueKind,
    /// The value may be missing (`blank` / `not_blank` make sense). Text may always be blank.
    pub optional: bool,
    /// The order value automation may also change, if any (rules that test it depend on rules that change it).
    pub slot: Option<Slot>,
}

macro_rules! field_table {
    (
        $(#[$meta:meta])*
        pub enum $Enum:ident {
            $( $(#[$vmeta:meta])* $Variant:ident => ($name:literal, $kind:ident, $optional:literal, $slot:expr), )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $Enum {
            $( $(#[$vmeta])* $Variant, )*
        }

        impl $Enum {
            pub const ALL: &'static [$Enum] = &[$($Enum::$Variant),*];

            pub fn spec(self) -> FieldSpec {
                match self {
                    $( $Enum::$Variant => FieldSpec {
                        name: $name,
                        kind: ValueKind::$kind,
                        optional: $optional,
                        slot: $slot,
                    }, )*
                }
            }

            pub fn name(self) -> &'static str {
                self.spec().name
            }

            /// The field with this rule-file name (ignoring case and surrounding blanks).
            pub fn from_name(name: &str) -> Option<Self> {
                let name = name.trim();
                Self::ALL.iter().copied().find(|f| f.name().eq_ignore_ascii_case(name))
            }

            /// Every name, for error messages.
            pub fn names() -> String {
                Self::ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
            }
        }

        impl fmt::Display for $Enum {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

field_table! {
    /// A field of the order a criterion can test.
    pub enum OrderField {
        /// The store's id (`sto_…`).
        Store => ("store", Text, false, None),
        OrderNumber => ("order_number", Text, false, None),
        Status => ("status", Status, false, Some(Slot::Status)),
        /// The shipping method the buyer chose on the marketplace (`Ground`, `Priority`, `Express`...).
        RequestedService => ("requested_service", Text, true, None),
        Carrier => ("carrier", Text, true, Some(Slot::Carrier)),
        Service => ("service", Text, true, Some(Slot::Service)),
        Package => ("package", Text, true, Some(Slot::Package)),
        /// `ship`, `pickup` or `ship_to_store`.
        DeliveryMethod => ("delivery_method", Text, false, None),
        OrderTotal => ("order_total", Money, false, None),
        AmountPaid => ("amount_paid", Money, false, None),
        /// What the buyer paid for shipping.
        ShippingPaid => ("shipping_paid", Money, false, None),
        Weight => ("weight", Weight, true, Some(Slot::Weight)),
        /// Number of lines (adjustment lines not counted).
        ItemCount => ("item_count", Integer, false, None),
        /// Sum of the lines' quantities (adjustment lines not counted).
        TotalQuantity => ("total_quantity", Integer, false, None),
        ShipToName => ("ship_to_name", Text, false, None),
        ShipToCity => ("ship_to_city", Text, false, None),
        ShipToState => ("ship_to_state", Text, false, None),
        ShipToPostalCode => ("ship_to_postal_code", Text, false, None),
        ShipToCountry => ("ship_to_country", Text, false, None),
        /// Unknown until a carrier validated the address: then neither `is_true` nor `is_false` holds.
        ShipToResidential => ("ship_to_residential", Bool, true, None),
        Gift => ("gift", Bool, false, None),
        GiftMessage => ("gift_message", Text, false, None),
        CustomerNotes => ("customer_notes", Text, false, None),
        InternalNotes => ("internal_notes", Text, false, Some(Slot::InternalNotes)),
        NotesToBuyer => ("notes_to_buyer", Text, false, None),
        Tags => ("tags", Tags, false, Some(Slot::Tags)),
        CustomField1 => ("custom_field_1", Text, false, Some(Slot::CustomField1)),
        CustomField2 => ("custom_field_2", Text, false, Some(Slot::CustomField2)),
        CustomField3 => ("custom_field_3", Text, false, Some(Slot::CustomField3)),
        OrderDate => ("order_date", Date, false, None),
        PaymentDate => ("payment_date", Date, true, None),
        ShipBy => ("ship_by", Date, true, None),
    }
}

field_table! {
    /// A field of an order line a line criterion (`lines = "any" | "all" | "none"`) can test.
    pub enum LineField {
        Sku => ("sku", Text, false, None),
        Name => ("name", Text, false, None),
        Quantity => ("quantity", Integer, false, None),
        /// The SKU's length in characters (Sears takes SKUs of fewer than 42 in shipment updates).
        SkuLength => ("sku_length", Integer, false, None),
        /// The value of the item option named by the criterion's `option` key (e.g. `Color`).
        Option => ("option", Text, false, None),
        WarehouseLocation => ("warehouse_location", Text, false, None),
        /// The tags of the line's product in the catalog.
        ProductTags => ("product_tags", Tags, false, None),
        UnitPrice => ("unit_price", Money, false, None),
        /// Per unit.
        Weight => ("weight", Weight, true, None),
    }
}

/// An order value automation changes. `key` is the path used in history entries and in `order.sources`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Slot {
    Carrier,
    Service,
    Package,
    Weight,
    Dimensions,
    Confirmation,
    Insurance,
    InternationalOptions,
    Tags,
    InternalNotes,
    Status,
    HoldUntil,
    CustomField1,
    CustomField2,
    CustomField3,
    PackingSlipTemplate,
    EmailTemplate,
}

impl Slot {
    pub fn key(self) -> &'static str {
        match self {
            Slot::Carrier => "carrierCode",
            Slot::Service => "serviceCode",
            Slot::Package => "packageCode",
            Slot::Weight => "weight",
            Slot::Dimensions => "dimensions",
            Slot::Confirmation => "confirmation",
            Slot::Insurance => "insuranceOptions",
            Slot::InternationalOptions => "internationalOptions",
            Slot::Tags => "tags",
            Slot::InternalNotes => "internalNotes",
            Slot::Status => "orderStatus",
            Slot::HoldUntil => "holdUntilDate",
            Slot::CustomField1 => "advancedOptions.customField1",
            Slot::CustomField2 => "advancedOptions.customField2",
            Slot::CustomField3 => "advancedOptions.customField3",
            Slot::PackingSlipTemplate => "advancedOptions.packingSlipTemplate",
            Slot::EmailTemplate => "advancedOptions.emailTemplate",
        }
    }

    /// In words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Slot::Carrier => "the carrier",
            Slot::Service => "the service",
            Slot::Package => "the package",
            Slot::Weight => "the weight",
            Slot::Dimensions => "the dimensions",
            Slot::Confirmation => "the delivery confirmation",
            Slot::Insurance => "the insurance",
            Slot::InternationalOptions => "the customs declaration",
            Slot::Tags => "the tags",
            Slot::InternalNotes => "the internal notes",
            Slot::Status => "the status",
            Slot::HoldUntil => "the hold date",
            Slot::CustomField1 => "custom field 1",
            Slot::CustomField2 => "custom field 2",
            Slot::CustomField3 => "custom field 3",
            Slot::PackingSlipTemplate => "the packing-slip template",
            Slot::EmailTemplate => "the e-mail template",
        }
    }

    /// Additive slots only ever gain entries (a tag, a note line); history names every step that added one.
    pub(crate) fn is_additive(self) -> bool {
        matches!(self, Slot::Tags | Slot::InternalNotes)
    }

    pub(crate) fn bit(self) -> u32 {
        1 << (self as u32)
    }

    /// The slot's current value as the order's JSON shows it.
    pub(crate) fn json(self, order: &Order) -> Value {
        let value = match self {
            Slot::Carrier => serde_json::to_value(&order.carrier_code),
            Slot::Service => serde_json::to_value(&order.service_code),
            Slot::Package => serde_json::to_value(&order.package_code),
            Slot::Weight => serde_json::to_value(order.weight),
            Slot::Dimensions => serde_json::to_value(order.dimensions),
            Slot::Confirmation => serde_json::to_value(order.confirmation),
            Slot::Insurance => serde_json::to_value(&order.insurance_options),
            Slot::InternationalOptions => serde_json::to_value(&order.international_options),
            Slot::Tags => serde_json::to_value(&order.tags),
            Slot::InternalNotes => serde_json::to_value(&order.internal_notes),
            Slot::Status => serde_json::to_value(order.order_status),
            Slot::HoldUntil => serde_json::to_value(order.hold_until_date),
            Slot::CustomField1 => serde_json::to_value(&order.advanced_options.custom_field1),
            Slot::CustomField2 => serde_json::to_value(&order.advanced_options.custom_field2),
            Slot::CustomField3 => serde_json::to_value(&order.advanced_options.custom_field3),
            Slot::PackingSlipTemplate => serde_json::to_value(&order.advanced_options.packing_slip_template),
            Slot::EmailTemplate => serde_json::to_value(&order.advanced_options.email_template),
        };
        value.expect("order values always serialize")
    }
}

/// A small set of slots (a bit set: there are fewer than 32).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SlotSet(u32);

impl SlotSet {
    pub(crate) fn insert(&mut self, slot: Slot) {
        self.0 |= slot.bit();
    }

    pub(crate) fn intersection(self, other: SlotSet) -> SlotSet {
        SlotSet(self.0 & other.0)
    }

    /// Without the slots a later write does not replace (tags and notes only grow; a hold happens once).
    pub(crate) fn overwritable(self) -> SlotSet {
        let lasting = Slot::Tags.bit() | Slot::InternalNotes.bit() | Slot::Status.bit() | Slot::HoldUntil.bit();
        SlotSet(self.0 & !lasting)
    }

    pub(crate) fn first(self) -> Option<Slot> {
        SLOTS.iter().copied().find(|s| self.0 & s.bit() != 0)
    }
}

const SLOTS: [Slot; 17] = [
    Slot::Carrier,
    Slot::Service,
    Slot::Package,
    Slot::Weight,
    Slot::Dimensions,
    Slot::Confirmation,
    Slot::Insurance,
    Slot::InternationalOptions,
    Slot::Tags,
    Slot::InternalNotes,
    Slot::Status,
    Slot::HoldUntil,
    Slot::CustomField1,
    Slot::CustomField2,
    Slot::CustomField3,
    Slot::PackingSlipTemplate,
    Slot::EmailTemplate,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found_ignoring_case() {
        for all in [
            OrderField::ALL.iter().map(|f| f.name()).collect::<Vec<_>>(),
            LineField::ALL.iter().map(|f| f.name()).collect::<Vec<_>>(),
        ] {
            let mut sorted = all.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), all.len());
        }
        assert_eq!(OrderField::from_name(" Ship_To_State "), Some(OrderField::ShipToState));
        assert_eq!(OrderField::from_name("custom_field_2"), Some(OrderField::CustomField2));
        assert_eq!(LineField::from_name("sku_length"), Some(LineField::SkuLength));
        assert_eq!(OrderField::from_name("colour"), None);
    }

    #[test]
    fn every_slot_is_listed_once_with_its_own_bit() {
        let mut set = SlotSet::default();
        for slot in SLOTS {
            assert_eq!(set.intersection(SlotSet(slot.bit())).first(), None, "{slot:?}");
            set.insert(slot);
        }
        assert_eq!(set.0.count_ones() as usize, SLOTS.len());
        let mut one = SlotSet::default();
        one.insert(Slot::Tags);
        assert_eq!(one.first(), Some(Slot::Tags));
        assert_eq!(Slot::CustomField2.key(), "advancedOptions.customField2");
    }
}
