//! The automation area: an account's rules (the domain `Rule` stored as JSON beside its key columns), and
//! what automation reads and writes in bulk: pages of open orders, held orders whose date has come, and many
//! order updates in one transaction.
//!
//! An account's rules are checked as a set (a rule may not test what a rule below it changes), so they are
//! written as a set: every write replaces the whole list in one transaction, under the set's revision
//! (optimistic concurrency). Two sellers editing at once cannot interleave into a set nobody checked, and a
//! reorder is never half applied.

use std::collections::HashSet;

use async_trait::async_trait;
use jiff::Timestamp;
use jiff::civil::Date;
use wharf_domain::automation::Rule;
use wharf_domain::{AccountId, Order, OrderId, OrderStatus, StoreId};

use crate::codec::{PreparedOrder, from_json, to_json};
use crate::{OrderWrite, Result, StorageError};

/// `StorageError::Conflict::what` when the account's rules changed since they were read.
pub const RULE_SET: &str = "rule set of account";
/// `StorageError::Duplicate::what` when a rule set names one rule id twice.
pub const RULE: &str = "rule";

/// A stored rule and when it was first and last saved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRule {
    pub rule: Rule,
    pub create_date: Timestamp,
    /// When the rule itself last changed (a write that leaves it as it was keeps this).
    pub modify_date: Timestamp,
}

/// An account's rules, by position then id, and the revision to hand back when saving a changed set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleSet {
    /// 0 for an account that never saved rules; every save adds one.
    pub revision: u64,
    pub rules: Vec<StoredRule>,
}

impl RuleSet {
    /// The rules alone, in order.
    pub fn rules(&self) -> Vec<Rule> {
        self.rules.iter().map(|r| r.rule.clone()).collect()
    }
}

/// Which open orders (neither shipped nor cancelled) a page holds: those of the account matching the
/// filters, by order id, after `after` (keyset paging: orders changed while paging are neither skipped nor
/// seen twice, whatever the change).
#[derive(Clone, Debug)]
pub struct OpenOrderPage {
    pub status: Option<OrderStatus>,
    pub store_id: Option<StoreId>,
    /// The last order id of the previous page; `None` for the first page.
    pub after: Option<OrderId>,
    pub limit: u32,
}

impl OpenOrderPage {
    pub fn first(limit: u32) -> Self {
        OpenOrderPage { status: None, store_id: None, after: None, limit }
    }
}

#[async_trait]
pub trait RuleStore: Send + Sync {
    /// The account's rules by position, then id (an account without rules has an empty set, revision 0).
    async fn rule_set(&self, account: &AccountId) -> Result<RuleSet>;

    /// Replaces the account's rules with `rules`, in ONE transaction, if the stored set is still at
    /// `expected_revision`; returns the new revision. A rule kept as it was keeps its dates; a new one gets
    /// `now` as both; a changed one gets `now` as its modify date; rules not in `rules` are deleted.
    ///
    /// `Conflict` (`RULE_SET`) when the set changed since it was read; `Duplicate` (`RULE`) when `rules` names
    /// an id twice; `NotFound` when the account does not exist. Checking the rules is the caller's job.
    async fn save_rule_set(
        &self,
        account: &AccountId,
        expected_revision: u64,
        rules: &[Rule],
        now: Timestamp,
    ) -> Result<u64>;

    /// One page of the account's open orders (see [`OpenOrderPage`]), by order id ascending.
    async fn open_orders_page(&self, account: &AccountId, page: &OpenOrderPage) -> Result<Vec<Order>>;

    /// Orders of every account on hold until `today` or earlier (the scheduler's view), by order id, after
    /// `after`, at most `limit`.
    async fn due_holds(&self, today: Date, after: Option<&OrderId>, limit: u32) -> Result<Vec<Order>>;

    /// Updates many orders (with their history) in ONE transaction, each under its own optimistic check
    /// (`OrderWrite::expected_modify_date`): if one of them changed since it was read (`Conflict`, naming
    /// it) or is gone (`NotFound`), nothing is written. Faster than one `Store::update_order` per order.
    async fn update_orders(&self, writes: &[OrderWrite]) -> Result<()>;
}

/// Each rule's JSON, after refusing a set that names one id twice (an upsert would silently keep one).
pub(crate) fn prepare_rules(rules: &[Rule]) -> Result<Vec<String>> {
    let mut seen = HashSet::with_capacity(rules.len());
    rules
        .iter()
        .map(|rule| {
            if !seen.insert(&rule.id) {
                return Err(StorageError::Duplicate { what: RULE, key: rule.id.to_string() });
            }
            to_json(rule, RULE, &rule.id)
        })
        .collect()
}

/// Orders per (de)serializing thread, below which one thread does it all: a page of a thousand orders is
/// several milliseconds of JSON either way.
const ORDERS_PER_THREAD: usize = 250;

/// Reads stored order documents (`(order id, JSON)`), on up to four cores for a large page: reading JSON is
/// most of what reading a page of orders costs.
pub(crate) fn decode_orders(docs: Vec<(String, String)>) -> Result<Vec<Order>> {
    let decode = |(id, doc): &(String, String)| from_json::<Order>(doc, "order", id);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cores.min(4).min(docs.len() / ORDERS_PER_THREAD).max(1);
    if threads == 1 {
        return docs.iter().map(decode).collect();
    }
    std::thread::scope(|scope| {
        let parts: Vec<_> = docs
            .chunks(docs.len().div_ceil(threads))
            .map(|part| scope.spawn(move || part.iter().map(decode).collect::<Result<Vec<_>>>()))
            .collect();
        let mut orders = Vec::with_capacity(docs.len());
        for part in parts {
            orders.extend(part.join().expect("reading orders does not panic")?);
        }
        Ok(orders)
    })
}

/// Prepares a batch of order updates, refusing one that names an order twice (which of the two would win
/// is not for the database to pick). Large batches are serialized on up to four cores: JSON is as much of
/// a batch's time as the writes (the import day's preparation in `codec` does the same for its orders).
pub(crate) fn prepare_orders(writes: &[OrderWrite]) -> Result<Vec<PreparedOrder<'_>>> {
    let mut seen = HashSet::with_capacity(writes.len());
    if let Some(twice) = writes.iter().find(|w| !seen.insert(&w.order.order_id)) {
        return Err(StorageError::InvalidWrite {
            what: "order",
            key: twice.order.order_id.to_string(),
            detail: "it is written twice in one batch; merge the two writes".into(),
        });
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cores.min(4).min(writes.len() / ORDERS_PER_THREAD).max(1);
    if threads == 1 {
        return writes.iter().map(PreparedOrder::new).collect();
    }
    std::thread::scope(|scope| {
        let parts: Vec<_> = writes
            .chunks(writes.len().div_ceil(threads))
            .map(|part| scope.spawn(move || part.iter().map(PreparedOrder::new).collect::<Result<Vec<_>>>()))
            .collect();
        let mut prepared = Vec::with_capacity(writes.len());
        for part in parts {
            prepared.extend(part.join().expect("serializing orders does not panic")?);
        }
        Ok(prepared)
    })
}
