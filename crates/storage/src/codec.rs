//! What both backends share: domain values turned into what is stored (each document serialized once,
//! instants cut to the microseconds both databases keep, writes checked against the account and store they
//! claim), and stored text read back into domain values with errors that name the row.

use std::fmt::Display;

use jiff::Timestamp;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;
use wharf_domain::import_run::SkippedOrder;
use wharf_domain::product::Product;
use wharf_domain::{AccountId, StoreId};

use crate::{ImportDayWrite, OrderKey, OrderWrite, Result, StorageError};

/// A time-ordered (v7) UUID for a new id, from the caller's clock rather than the system's (storage never
/// reads a clock), so new rows append to their indexes. Use with `OrderId::from_uuid` and its kin.
pub fn time_ordered_uuid(at: Timestamp) -> Uuid {
    let micros = stored_instant(at);
    let seconds = u64::try_from(micros.as_second()).unwrap_or(0);
    let nanos = u32::try_from(micros.subsec_nanosecond()).unwrap_or(0);
    Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, seconds, nanos))
}

/// The instant as stored: PostgreSQL keeps microseconds, so both backends cut there. Comparisons against
/// stored instants (optimistic concurrency on `modifyDate`) cut the same way, so a value read back always
/// matches what was written.
pub(crate) fn stored_instant(at: Timestamp) -> Timestamp {
    Timestamp::from_microsecond(at.as_microsecond()).expect("a jiff timestamp in microseconds is in range")
}

pub(crate) fn to_json<T: Serialize>(value: &T, what: &'static str, key: &dyn Display) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StorageError::InvalidWrite {
        what,
        key: key.to_string(),
        detail: format!("it does not serialize to JSON: {e}"),
    })
}

pub(crate) fn from_json<T: DeserializeOwned>(text: &str, what: &'static str, key: &dyn Display) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StorageError::Corrupt { what, key: key.to_string(), detail: e.to_string() })
}

pub(crate) fn not_found(what: &'static str, key: &dyn Display) -> StorageError {
    StorageError::NotFound { what, key: key.to_string() }
}

pub(crate) fn corrupt(what: &'static str, key: &dyn Display, detail: impl Display) -> StorageError {
    StorageError::Corrupt { what, key: key.to_string(), detail: detail.to_string() }
}

/// Turns a constraint violation into what the caller can act on: a unique violation into `Duplicate`
/// (`what`/`key`), a foreign-key violation into `NotFound` of the parent (`parent`); anything else stays a
/// database error.
pub(crate) fn refused(
    error: sqlx::Error,
    what: &'static str,
    key: &dyn Display,
    parent: Option<(&'static str, &dyn Display)>,
) -> StorageError {
    let kind = error.as_database_error().map(|e| e.kind());
    match (kind, parent) {
        (Some(sqlx::error::ErrorKind::UniqueViolation), _) => StorageError::Duplicate { what, key: key.to_string() },
        (Some(sqlx::error::ErrorKind::ForeignKeyViolation), Some((parent, parent_key))) => {
            not_found(parent, parent_key)
        }
        _ => StorageError::Database(error),
    }
}

/// A store write refused by a constraint: its name or its marketplace seller is taken in the account
/// (`Duplicate`), or (on insert) its account does not exist (`NotFound`).
pub(crate) fn store_refused(error: sqlx::Error, store: &wharf_domain::store::Store, inserting: bool) -> StorageError {
    let constraint = error
        .as_database_error()
        .map(|e| format!("{} {}", e.message(), e.constraint().unwrap_or_default()))
        .unwrap_or_default();
    let parent = inserting.then_some(("account", &store.account_id as &dyn Display));
    if constraint.contains("seller_id") {
        refused(error, "store for this Sears seller ID", &store.connection.seller_id, parent)
    } else if constraint.contains("store_name") {
        refused(error, "store name", &format_args!("{:?}", store.store_name), parent)
    } else {
        refused(error, "store", &store.store_id, parent)
    }
}

/// One order ready to write: its document serialized once, its key columns and history entries.
pub(crate) struct PreparedOrder<'a> {
    pub write: &'a OrderWrite,
    pub key: OrderKey,
    pub status: &'static str,
    pub order_date: Timestamp,
    pub ship_by: Option<Timestamp>,
    pub modify_date: Timestamp,
    pub expected_modify_date: Option<Timestamp>,
    pub doc: String,
    /// Each history entry's instant and JSON, in the order given.
    pub history: Vec<(Timestamp, String)>,
}

impl<'a> PreparedOrder<'a> {
    pub fn new(write: &'a OrderWrite) -> Result<Self> {
        let order = &write.order;
        let history = write
            .history
            .iter()
            .map(|entry| Ok((stored_instant(entry.at), to_json(entry, "order history entry", &order.order_id)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(PreparedOrder {
            write,
            key: OrderKey::of(order),
            status: order.order_status.as_str(),
            order_date: stored_instant(order.order_date),
            ship_by: order.ship_by_date.map(stored_instant),
            modify_date: stored_instant(order.modify_date),
            expected_modify_date: write.expected_modify_date.map(stored_instant),
            doc: to_json(order, "order", &order.order_id)?,
            history,
        })
    }

    pub fn id(&self) -> &str {
        self.write.order.order_id.as_str()
    }

    pub fn account(&self) -> &str {
        self.write.order.account_id.as_str()
    }

    pub fn store(&self) -> &str {
        self.write.order.store_id.as_str()
    }

    pub fn raw(&self) -> Option<&[u8]> {
        self.write.raw_document.as_deref()
    }

    /// How a refused write names this order: its natural key and id.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.key, self.write.order.order_id)
    }
}

/// A skipped order ready to upsert.
pub(crate) struct PreparedSkip<'a> {
    pub skipped: &'a SkippedOrder,
    pub reason: String,
}

/// A whole import day, checked and serialized before any transaction starts, so the write lock is held
/// only for the writes.
pub(crate) struct PreparedDay<'a> {
    pub new_orders: Vec<PreparedOrder<'a>>,
    pub updated_orders: Vec<PreparedOrder<'a>>,
    pub skipped: Vec<PreparedSkip<'a>>,
    pub no_longer_skipped: &'a [OrderKey],
    pub new_products: Vec<(&'a Product, String)>,
}

impl<'a> PreparedDay<'a> {
    pub fn new(account: &AccountId, store: &StoreId, write: &'a ImportDayWrite) -> Result<Self> {
        let prepare = |w: &'a OrderWrite| -> Result<PreparedOrder<'a>> {
            let order = &w.order;
            if &order.account_id != account || &order.store_id != store {
                return Err(StorageError::InvalidWrite {
                    what: "order",
                    key: order.order_id.to_string(),
                    detail: format!(
                        "it belongs to {} / {}, not to the import's {account} / {store}",
                        order.account_id, order.store_id
                    ),
                });
            }
            PreparedOrder::new(w)
        };
        let skipped = write
            .skipped
            .iter()
            .map(|s| {
                if &s.store_id != store {
                    return Err(StorageError::InvalidWrite {
                        what: "skipped order",
                        key: format!("PO {} of {}", s.po_number, s.po_date),
                        detail: format!("it belongs to {}, not to the import's {store}", s.store_id),
                    });
                }
                Ok(PreparedSkip { skipped: s, reason: to_json(&s.reason, "skip reason", &s.po_number)? })
            })
            .collect::<Result<Vec<_>>>()?;
        let new_products = write
            .new_products
            .iter()
            .map(|p| {
                if &p.account_id != account {
                    return Err(StorageError::InvalidWrite {
                        what: "product",
                        key: p.sku.clone(),
                        detail: format!("it belongs to {}, not to the import's {account}", p.account_id),
                    });
                }
                Ok((p, to_json(p, "product", &p.sku)?))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(PreparedDay {
            new_orders: prepare_all(&write.new_orders, &prepare)?,
            updated_orders: prepare_all(&write.updated_orders, &prepare)?,
            skipped,
            no_longer_skipped: &write.no_longer_skipped,
            new_products,
        })
    }
}

/// Orders per serializing thread, below which one thread does it all.
const ORDERS_PER_THREAD: usize = 2000;

/// Prepares many orders on several cores: a day of 16,000 orders is a quarter of a second of JSON on one,
/// as much as the database writes take. The caller waits, as it would for one thread.
fn prepare_all<'a, F>(writes: &'a [OrderWrite], prepare: &F) -> Result<Vec<PreparedOrder<'a>>>
where
    F: Fn(&'a OrderWrite) -> Result<PreparedOrder<'a>> + Sync,
{
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cores.min(4).min(writes.len() / ORDERS_PER_THREAD).max(1);
    if threads == 1 {
        return writes.iter().map(prepare).collect();
    }
    std::thread::scope(|scope| {
        let parts: Vec<_> = writes
            .chunks(writes.len().div_ceil(threads))
            .map(|part| scope.spawn(move || part.iter().map(prepare).collect::<Result<Vec<_>>>()))
            .collect();
        let mut prepared = Vec::with_capacity(writes.len());
        for part in parts {
            prepared.extend(part.join().expect("serializing orders does not panic")?);
        }
        Ok(prepared)
    })
}

/// Why an update changed no row: the order is gone (or not the caller's), or it changed since it was read.
pub(crate) fn update_refused(order: &PreparedOrder<'_>, exists: bool) -> StorageError {
    if exists {
        StorageError::Conflict { what: "order", key: order.describe() }
    } else {
        not_found("order", &order.write.order.order_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_kept_to_the_microsecond() {
        let at: Timestamp = "2026-11-26T16:15:00.123456789Z".parse().unwrap();
        assert_eq!(stored_instant(at).to_string(), "2026-11-26T16:15:00.123456Z");
    }

    #[test]
    fn uuids_follow_the_given_clock() {
        let early = time_ordered_uuid("2026-11-26T16:15:00Z".parse().unwrap());
        let late = time_ordered_uuid("2026-11-26T16:15:01Z".parse().unwrap());
        assert_eq!(early.get_version_num(), 7);
        assert!(early < late);
        // The first 48 bits are the Unix milliseconds of the given instant: 1795709700000 = 0x01a2_18a3_87a0.
        assert_eq!(&early.simple().to_string()[..12], "01a218a387a0");
    }
}
