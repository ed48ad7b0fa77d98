//! Public identifiers: prefixed and opaque (`ord_…`, `sto_…`). Natural keys (store + PO number + PO date)
//! are separate and enforced by the database, never these.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::error::ParseError;

macro_rules! public_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// Ids are minted by whoever holds the clock and randomness (storage), from a time-ordered UUID
            /// so that new rows append to indexes.
            pub fn from_uuid(uuid: Uuid) -> Self {
                $name(format!("{}_{}", $prefix, uuid.simple()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(text: &str) -> Result<Self, ParseError> {
                let body = text.strip_prefix(concat!($prefix, "_")).ok_or_else(|| {
                    ParseError::new(stringify!($name), text, concat!("ids of this kind start with '", $prefix, "_'"))
                })?;
                if body.is_empty() || body.len() > 64 || !body.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                    return Err(ParseError::new(stringify!($name), text, "not a Wharf id"));
                }
                Ok($name(text.to_owned()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

public_id!(
    /// An account (tenant): owns stores, products, rules, carriers and orders.
    AccountId, "acc"
);
public_id!(StoreId, "sto");
public_id!(OrderId, "ord");
public_id!(OrderItemId, "oit");
public_id!(ProductId, "prd");
public_id!(ImportRunId, "imp");
public_id!(ShipmentId, "shp");
public_id!(BatchId, "bat");
public_id!(RuleId, "rul");
public_id!(JobId, "job");
public_id!(CarrierAccountId, "car");
public_id!(WarehouseId, "whs");
public_id!(MessageId, "msg");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_prefix() {
        let id = OrderId::from_uuid(Uuid::nil());
        assert_eq!(id.as_str(), "ord_00000000000000000000000000000000");
        assert_eq!(id.as_str().parse::<OrderId>().unwrap(), id);
        let wrong = "sto_123".parse::<OrderId>().unwrap_err();
        assert!(wrong.to_string().contains("start with 'ord_'"), "{wrong}");
        assert!("ord_".parse::<OrderId>().is_err());
        assert!("ord_a b".parse::<OrderId>().is_err());
    }
}
