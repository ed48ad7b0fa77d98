//! Seed data: the documented showcase set (SEED.md) plus random orders drawn deterministically from a seed.

mod random;
mod showcase;
mod vocabulary;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::clock::central_datetime;
use crate::error::SandboxError;
use crate::marketplace::Marketplace;

/// `POST /sandbox/control/seed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeedRequest {
    /// The default seller when absent.
    pub seller_id: Option<String>,
    pub seed: u64,
    /// Random orders to add beyond the showcase set.
    pub orders: usize,
    /// The random orders' PO dates spread over this many US Central days ending today.
    pub days: u32,
    /// Add the showcase set (orders already there are left alone).
    pub showcase: bool,
    /// Percent of random orders dated 1 to 7 days before that window (older than the import window).
    pub stale_percent: u8,
}

impl Default for SeedRequest {
    fn default() -> Self {
        Self { seller_id: None, seed: 1, orders: 0, days: 3, showcase: true, stale_percent: 5 }
    }
}

/// What a seed call added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedSummary {
    pub seller_id: String,
    /// The US Central date the showcase dates are relative to ("T" in SEED.md).
    pub today: Date,
    pub showcase_orders: usize,
    pub random_orders: usize,
}

pub(crate) fn seed(
    market: &mut Marketplace,
    request: &SeedRequest,
    now: Timestamp,
) -> Result<SeedSummary, SandboxError> {
    let seller_id = market.account(request.seller_id.as_deref())?.credentials.seller_id.clone();
    if request.stale_percent > 100 {
        return Err(SandboxError::InvalidRequest("stale_percent is a percentage (0 to 100)".to_owned()));
    }
    let today = central_datetime(now).date();
    let mut showcase_orders = 0;
    if request.showcase {
        for mut order in showcase::orders(today) {
            order.seller_id = Some(seller_id.clone());
            match market.create_order(order, now) {
                Ok(_) => showcase_orders += 1,
                Err(SandboxError::OrderExists { .. }) => {}
                Err(other) => return Err(other),
            }
        }
        market.insert_showcase_requests(
            &seller_id,
            showcase::cancel_requests(today),
            showcase::return_requests(today),
        )?;
    }
    let spec = random::RandomOrders {
        seed: request.seed,
        count: request.orders,
        days: request.days,
        stale_percent: request.stale_percent,
    };
    let mut random_orders = 0;
    for order in random::generate(spec, now) {
        if market.insert_generated(&seller_id, order)? {
            random_orders += 1;
        }
    }
    Ok(SeedSummary { seller_id, today, showcase_orders, random_orders })
}
