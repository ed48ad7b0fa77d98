//! The record of each import run and of each order an import did not take.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, ImportRunId, StoreId};
use crate::import_policy::SkipReason;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportRun {
    pub run_id: ImportRunId,
    pub account_id: AccountId,
    pub store_id: StoreId,
    pub trigger: ImportTrigger,
    pub started_at: Timestamp,
    #[serde(default)]
    pub finished_at: Option<Timestamp>,
    /// The Central dates asked for, inclusive.
    pub window_from: Date,
    pub window_to: Date,
    pub counts: ImportCounts,
    #[serde(default)]
    pub errors: Vec<String>,
    pub outcome: ImportOutcome,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportTrigger {
    Scheduled,
    Manual,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportCounts {
    /// Purchase orders Sears returned (each order once, however many days it was seen in).
    pub fetched: u64,
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub skipped: u64,
    pub failed: u64,
}

impl ImportCounts {
    pub fn add(&mut self, other: &ImportCounts) {
        self.fetched += other.fetched;
        self.new += other.new;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.skipped += other.skipped;
        self.failed += other.failed;
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportOutcome {
    Running,
    Succeeded,
    /// Some days were imported, others failed; the next run asks for the whole window again.
    Partial,
    Failed,
}

/// An order Sears returned that the import rule did not take, with its reason (nothing is silently dropped).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedOrder {
    pub store_id: StoreId,
    pub po_number: String,
    pub po_date: Date,
    #[serde(default)]
    pub order_date: Option<Timestamp>,
    pub reason: SkipReason,
    /// Human-readable reason with what to do.
    pub message: String,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
}
