//! Automation use cases: running the pipeline (product defaults, service mapping, rules; evaluated by
//! `wharf_domain::automation`) on stored orders, the seller's holds and releases, the scheduled release of due
//! holds, an account's rules (add, edit, move, enable, preview, export, import) and a store's service mapping.
//!
//! Every change is written with its history and under the order's optimistic check; many orders are written
//! a page at a time in one transaction (`RuleStore::update_orders`). When someone changed one of a page's
//! orders meanwhile, that page is done again one order at a time from what is stored now.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use jiff::civil::{Date, Time};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use wharf_domain::automation::hold::{HoldError, hold_by_seller, hold_is_due, release_hold};
use wharf_domain::automation::{
    Action, Automation, CompiledRule, CompiledRules, Criterion, MappingRow, Outcome, ProductLookup, Rule, RuleError,
    RuleErrors, RuleFile, RuleFileError, Trigger, UnmappedService, move_rule as reorder, preview_rule,
    unmapped_services as find_unmapped, validate_mapping_entry,
};
use wharf_domain::history::{Actor, HistoryEntry};
use wharf_domain::product::Product;
use wharf_domain::sears_time::{central_date, central_instant};
use wharf_domain::service_mapping::{ServiceMapping, ServiceMappingEntry};
use wharf_domain::store::Store as SalesStore;
use wharf_domain::{AccountId, Order, OrderId, OrderStatus, RuleId, StoreId};
use wharf_storage::rules::{OpenOrderPage, RuleSet};
use wharf_storage::{Job, JobOutcome, NewJob, OrderWrite, StorageError};

use crate::{App, AppError, AppResult, jobs};

/// Orders read, run and written together (one read, one product look-up, one write transaction).
pub const PAGE: u32 = 1000;
/// How often a change is tried again when someone else changed the same order or the same rules meanwhile.
const WRITE_ATTEMPTS: u32 = 3;
/// Orders per thread below which one thread runs a page: a pipeline run is a few microseconds per order.
const ORDERS_PER_THREAD: usize = 250;

pub const RELEASE_HOLDS_JOB: &str = "release_holds";
/// The one hold-release job of an installation.
pub const RELEASE_HOLDS_KEY: &str = "release_holds";
/// When releasing failed (the database was unreachable, an order kept changing), the job tries again after this.
const RELEASE_RETRY: SignedDuration = SignedDuration::from_mins(5);

type Products = HashMap<String, Product>;

// --- running the pipeline ----------------------------------------------------------------------------------

/// What the pipeline reads besides the order, for one account: its rules, checked as a set, and its stores'
/// service mappings.
pub struct AccountAutomation {
    rules: CompiledRules,
    mappings: HashMap<StoreId, ServiceMapping>,
    /// Why the stored rules are not used (they no longer check as a set), if they are not.
    pub problem: Option<String>,
}

impl AccountAutomation {
    /// The account's rules and its stores' mappings. Rules that no longer check as a set are an error: a
    /// seller's run must not silently skip them.
    pub async fn load(app: &App, account: &AccountId) -> AppResult<Self> {
        let loaded = Self::load_lenient(app, account).await?;
        match &loaded.problem {
            Some(problem) => Err(AppError::InvalidInput(problem.clone())),
            None => Ok(loaded),
        }
    }

    /// Like [`AccountAutomation::load`], but rules that no longer check leave only product defaults and the
    /// service mapping to run (`problem` says why): an import or a due hold must not wait for the seller.
    pub async fn load_lenient(app: &App, account: &AccountId) -> AppResult<Self> {
        let (rules, problem) = Self::rules(app, account).await?;
        let mappings = app
            .store
            .list_stores(account)
            .await?
            .into_iter()
            .map(|s| (s.store_id, s.settings.service_mapping))
            .collect();
        Ok(AccountAutomation { rules, mappings, problem })
    }

    /// For one store's import: the account's rules (leniently) and the store's mapping as the import has it.
    pub async fn for_import(app: &App, store: &SalesStore) -> AppResult<Self> {
        let (rules, problem) = Self::rules(app, &store.account_id).await?;
        let mappings = HashMap::from([(store.store_id.clone(), store.settings.service_mapping.clone())]);
        Ok(AccountAutomation { rules, mappings, problem })
    }

    async fn rules(app: &App, account: &AccountId) -> AppResult<(CompiledRules, Option<String>)> {
        let set = app.store.rule_set(account).await?;
        Ok(match CompiledRules::compile(&set.rules()) {
            Ok(rules) => (rules, None),
            Err(errors) => (
                CompiledRules::default(),
                Some(format!(
                    "the automation rules were not applied: they no longer check as a set (fix or remove the rule \
                     with `wharf rules edit|remove`, then `wharf orders reprocess`):\n{errors}"
                )),
            ),
        })
    }

    /// Runs the pipeline on `order` in place (see `wharf_domain::automation::Automation::run`).
    pub fn run(&self, order: &mut Order, products: &dyn ProductLookup, trigger: Trigger, now: Timestamp) -> Outcome {
        static NO_MAPPING: std::sync::LazyLock<ServiceMapping> = std::sync::LazyLock::new(ServiceMapping::default);
        let mapping = self.mappings.get(&order.store_id).unwrap_or(&NO_MAPPING);
        Automation { rules: &self.rules, service_mapping: mapping, products }.run(order, trigger, now)
    }

    /// Runs the pipeline and returns the history entries of the run: empty when it skipped the order or
    /// changed nothing (the import, which writes the order anyway, and the seller's release use this).
    pub fn changes(
        &self,
        order: &mut Order,
        products: &dyn ProductLookup,
        trigger: Trigger,
        now: Timestamp,
    ) -> Vec<HistoryEntry> {
        match self.run(order, products, trigger, now) {
            Outcome::Ran(report) => report.changes,
            Outcome::Skipped(_) => Vec::new(),
        }
    }
}

/// What a run over many orders did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    pub examined: u64,
    /// Orders written (values or provenance changed).
    pub changed: u64,
    pub unchanged: u64,
    pub history_entries: u64,
    /// Orders left alone, and why.
    pub skipped: Vec<OrderNote>,
    /// Orders that changed under this run every time it tried; run it again for them.
    pub conflicts: Vec<OrderNote>,
    /// Defaults or mappings that could not be applied (each once).
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderNote {
    pub order_id: OrderId,
    pub order_number: String,
    pub reason: String,
}

impl OrderNote {
    fn of(order: &Order, reason: impl Into<String>) -> Self {
        OrderNote { order_id: order.order_id.clone(), order_number: order.order_number.clone(), reason: reason.into() }
    }
}

/// What one step did to one order.
enum Step {
    Changed { history: Vec<HistoryEntry>, warnings: Vec<String> },
    Unchanged { warnings: Vec<String> },
    Skipped(String),
}

impl Step {
    fn of(outcome: Outcome) -> Step {
        match outcome {
            Outcome::Skipped(reason) => Step::Skipped(reason.to_string()),
            Outcome::Ran(report) if report.order_changed => {
                Step::Changed { history: report.changes, warnings: report.warnings }
            }
            Outcome::Ran(report) => Step::Unchanged { warnings: report.warnings },
        }
    }
}

/// A change applied to each order of a run, given the products of its lines.
type Change<'c> = dyn Fn(&mut Order, &Products) -> Step + Sync + 'c;

impl RunSummary {
    fn warn(&mut self, warnings: Vec<String>) {
        for warning in warnings {
            if !self.warnings.contains(&warning) {
                self.warnings.push(warning);
            }
        }
    }
}

/// The account's products for every SKU of `orders`.
async fn products_for(app: &App, account: &AccountId, orders: &[Order]) -> AppResult<Products> {
    let skus: HashSet<&str> = orders.iter().flat_map(|o| o.items.iter().map(|i| i.sku.as_str())).collect();
    let skus: Vec<String> = skus.into_iter().map(str::to_owned).collect();
    Ok(app.store.products_by_skus(account, &skus).await?.into_iter().map(|p| (p.sku.clone(), p)).collect())
}

/// Runs `change` on every order; a large page runs on several threads (the pipeline is pure and `Sync`).
fn run_all(orders: &mut [Order], products: &Products, change: &Change<'_>) -> Vec<Step> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cores.min(orders.len() / ORDERS_PER_THREAD).max(1);
    if threads == 1 {
        return orders.iter_mut().map(|o| change(o, products)).collect();
    }
    let per_thread = orders.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = orders
            .chunks_mut(per_thread)
            .map(|part| scope.spawn(move || part.iter_mut().map(|o| change(o, products)).collect::<Vec<_>>()))
            .collect();
        parts.into_iter().flat_map(|p| p.join().expect("the pipeline does not panic")).collect()
    })
}

/// Applies `change` to one page of an account's orders and writes what changed in one transaction.
async fn apply_page(
    app: &App,
    account: &AccountId,
    mut orders: Vec<Order>,
    change: &Change<'_>,
    summary: &mut RunSummary,
) -> AppResult<()> {
    let products = products_for(app, account, &orders).await?;
    let read_at: Vec<Timestamp> = orders.iter().map(|o| o.modify_date).collect();
    let steps = run_all(&mut orders, &products, change);
    let mut writes = Vec::new();
    for ((order, step), read_at) in orders.into_iter().zip(steps).zip(read_at) {
        summary.examined += 1;
        match step {
            Step::Changed { history, warnings } => {
                summary.warn(warnings);
                writes.push(OrderWrite { order, raw_document: None, history, expected_modify_date: Some(read_at) });
            }
            Step::Unchanged { warnings } => {
                summary.warn(warnings);
                summary.unchanged += 1;
            }
            Step::Skipped(reason) => summary.skipped.push(OrderNote::of(&order, reason)),
        }
    }
    match app.store.update_orders(&writes).await {
        Ok(()) => {
            summary.changed += writes.len() as u64;
            summary.history_entries += writes.iter().map(|w| w.history.len() as u64).sum::<u64>();
            Ok(())
        }
        // Someone changed one of them since the page was read: each again, from what is stored now.
        Err(StorageError::Conflict { .. } | StorageError::NotFound { .. }) => {
            for write in writes {
                apply_one(app, account, &write.order, change, summary).await?;
            }
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Applies `change` to the stored version of `order`, tried again while someone else keeps changing it.
async fn apply_one(
    app: &App,
    account: &AccountId,
    order: &Order,
    change: &Change<'_>,
    summary: &mut RunSummary,
) -> AppResult<()> {
    for _ in 0..WRITE_ATTEMPTS {
        let mut stored = match app.store.get_order(account, &order.order_id).await {
            Ok(stored) => stored,
            Err(StorageError::NotFound { .. }) => {
                summary.skipped.push(OrderNote::of(order, "the order is gone"));
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        let read_at = stored.modify_date;
        let products = products_for(app, account, std::slice::from_ref(&stored)).await?;
        let history = match change(&mut stored, &products) {
            Step::Changed { history, warnings } => {
                summary.warn(warnings);
                history
            }
            Step::Unchanged { warnings } => {
                summary.warn(warnings);
                summary.unchanged += 1;
                return Ok(());
            }
            Step::Skipped(reason) => {
                summary.skipped.push(OrderNote::of(&stored, reason));
                return Ok(());
            }
        };
        let entries = history.len() as u64;
        let write = OrderWrite { order: stored, raw_document: None, history, expected_modify_date: Some(read_at) };
        match app.store.update_order(&write).await {
            Ok(()) => {
                summary.changed += 1;
                summary.history_entries += entries;
                return Ok(());
            }
            Err(StorageError::Conflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    summary.conflicts.push(OrderNote::of(order, "changed by someone else each time; run again"));
    Ok(())
}

/// Which orders `wharf orders reprocess` runs on: these ids, or the account's open orders matching the
/// filters (all of them when there is none).
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub order_ids: Vec<OrderId>,
    pub status: Option<OrderStatus>,
    pub store_id: Option<StoreId>,
}

/// Runs the pipeline (on demand) on the selected orders and writes what changed, with its history. Running
/// it again right after changes nothing. Shipped and cancelled orders are skipped.
pub async fn reprocess(app: &App, account: &AccountId, selection: &Selection) -> AppResult<RunSummary> {
    let automation = AccountAutomation::load(app, account).await?;
    let now = app.now();
    let change =
        |order: &mut Order, products: &Products| Step::of(automation.run(order, products, Trigger::OnDemand, now));
    let mut summary = RunSummary::default();
    if !selection.order_ids.is_empty() {
        for ids in selection.order_ids.chunks(PAGE as usize) {
            let mut orders = Vec::with_capacity(ids.len());
            for id in ids {
                let order = app
                    .store
                    .get_order(account, id)
                    .await
                    .map_err(|e| AppError::from_storage(e, "list orders with `wharf orders list`"))?;
                orders.push(order);
            }
            apply_page(app, account, orders, &change, &mut summary).await?;
        }
        return Ok(summary);
    }
    let mut page =
        OpenOrderPage { status: selection.status, store_id: selection.store_id.clone(), ..OpenOrderPage::first(PAGE) };
    // The next page is read (and its JSON decoded) on another task while this one is evaluated and written.
    let mut next = read_page(app, account, &page);
    loop {
        let orders = next.await.map_err(|e| AppError::Io(format!("reading orders stopped: {e}")))??;
        let Some(last) = orders.last() else { break };
        page.after = Some(last.order_id.clone());
        next = read_page(app, account, &page);
        apply_page(app, account, orders, &change, &mut summary).await?;
    }
    Ok(summary)
}

fn read_page(
    app: &App,
    account: &AccountId,
    page: &OpenOrderPage,
) -> tokio::task::JoinHandle<Result<Vec<Order>, StorageError>> {
    let (store, account, page) = (app.store.clone(), account.clone(), page.clone());
    tokio::spawn(async move { store.open_orders_page(&account, &page).await })
}

// --- holds -------------------------------------------------------------------------------------------------

/// What happened to one order of `wharf orders hold|release`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HoldResult {
    pub order_id: OrderId,
    pub order_number: String,
    /// The order as stored afterwards, when it worked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<Order>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The seller holds orders until `until` (US Central), or until released by hand with `None`. The status and
/// hold date become the seller's: automation never changes them.
pub async fn hold_orders(
    app: &App,
    account: &AccountId,
    orders: &[OrderId],
    until: Option<Date>,
) -> AppResult<Vec<HoldResult>> {
    let mut results = Vec::new();
    for id in orders {
        results.push(change_one(app, account, id, |order, _, now| hold_by_seller(order, until, now), false).await?);
    }
    Ok(results)
}

/// The seller releases held orders back to Awaiting Shipment; automation then runs as on any move into
/// Awaiting Shipment (it never holds the same order again).
pub async fn release_orders(app: &App, account: &AccountId, orders: &[OrderId]) -> AppResult<Vec<HoldResult>> {
    let automation = AccountAutomation::load(app, account).await?;
    let mut results = Vec::new();
    for id in orders {
        let release = |order: &mut Order, products: &Products, now| -> Result<Vec<HistoryEntry>, HoldError> {
            let mut history = release_hold(order, Actor::Seller, now)?;
            history.extend(automation.changes(order, products, Trigger::MovedToAwaitingShipment, now));
            Ok(history)
        };
        results.push(change_one(app, account, id, release, true).await?);
    }
    Ok(results)
}

/// Reads an order, changes it and writes it with its history, again while someone else changes it meanwhile.
async fn change_one(
    app: &App,
    account: &AccountId,
    id: &OrderId,
    change: impl Fn(&mut Order, &Products, Timestamp) -> Result<Vec<HistoryEntry>, HoldError>,
    needs_products: bool,
) -> AppResult<HoldResult> {
    for _ in 0..WRITE_ATTEMPTS {
        let mut order = app
            .store
            .get_order(account, id)
            .await
            .map_err(|e| AppError::from_storage(e, "list orders with `wharf orders list`"))?;
        let read_at = order.modify_date;
        let before = order.clone();
        let products = if needs_products {
            products_for(app, account, std::slice::from_ref(&order)).await?
        } else {
            Products::new()
        };
        let history = match change(&mut order, &products, app.now()) {
            Ok(history) => history,
            Err(e) => {
                return Ok(HoldResult {
                    order_id: order.order_id,
                    order_number: order.order_number,
                    order: None,
                    error: Some(e.to_string()),
                });
            }
        };
        if order == before {
            // Already so (held again until the same date): nothing to write.
            return Ok(HoldResult {
                order_id: order.order_id.clone(),
                order_number: order.order_number.clone(),
                order: Some(order),
                error: None,
            });
        }
        if order.modify_date == read_at {
            // Only the sources changed (the values became the seller's): still a change to store.
            order.modify_date = app.now();
        }
        let write = OrderWrite { order, raw_document: None, history, expected_modify_date: Some(read_at) };
        match app.store.update_order(&write).await {
            Ok(()) => {
                let order = write.order;
                return Ok(HoldResult {
                    order_id: order.order_id.clone(),
                    order_number: order.order_number.clone(),
                    order: Some(order),
                    error: None,
                });
            }
            Err(StorageError::Conflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::InvalidInput(format!(
        "order {id} was changed by someone else each time it was read ({WRITE_ATTEMPTS} times); try again"
    )))
}

/// Releases every hold whose date has come (today in US Central is on or after it), in every account, with
/// `Actor::System` in history, then runs automation as on any move into Awaiting Shipment.
pub async fn release_due_holds(app: &App) -> AppResult<RunSummary> {
    let now = app.now();
    let today = central_date(now);
    let mut summary = RunSummary::default();
    let mut automations: HashMap<AccountId, AccountAutomation> = HashMap::new();
    let mut after: Option<OrderId> = None;
    loop {
        let due = app.store.due_holds(today, after.as_ref(), PAGE).await?;
        let Some(last) = due.last() else { break };
        after = Some(last.order_id.clone());
        let mut by_account: BTreeMap<AccountId, Vec<Order>> = BTreeMap::new();
        for order in due {
            by_account.entry(order.account_id.clone()).or_default().push(order);
        }
        for (account, orders) in by_account {
            if !automations.contains_key(&account) {
                let loaded = AccountAutomation::load_lenient(app, &account).await?;
                if let Some(problem) = &loaded.problem {
                    summary.warn(vec![format!("account {account}: {problem}")]);
                }
                automations.insert(account.clone(), loaded);
            }
            let automation = &automations[&account];
            let change = |order: &mut Order, products: &Products| {
                // Read again after a conflict, the hold may have been released or moved by the seller meanwhile.
                if !hold_is_due(order, now) {
                    return Step::Skipped("the hold is no longer due".into());
                }
                match release_hold(order, Actor::System, now) {
                    Err(e) => Step::Skipped(e.to_string()),
                    Ok(mut history) => {
                        let (more, warnings) =
                            match automation.run(order, products, Trigger::MovedToAwaitingShipment, now) {
                                Outcome::Ran(report) => (report.changes, report.warnings),
                                Outcome::Skipped(_) => (Vec::new(), Vec::new()),
                            };
                        history.extend(more);
                        Step::Changed { history, warnings }
                    }
                }
            };
            apply_page(app, &account, orders, &change, &mut summary).await?;
        }
    }
    Ok(summary)
}

/// Makes sure the installation has its hold-release job (a no-op when it has one), due now.
pub async fn schedule_hold_release(app: &App) -> AppResult<()> {
    let now = app.now();
    let job = NewJob {
        kind: RELEASE_HOLDS_JOB.into(),
        unique_key: Some(RELEASE_HOLDS_KEY.into()),
        payload: serde_json::json!({}),
        run_at: now,
        max_attempts: jobs::RECURRING_ATTEMPTS,
    };
    app.store.enqueue(&job, now).await?;
    Ok(())
}

/// The hold-release job: releases what is due, then runs again at the start of the next US Central day (hold
/// dates are Central dates, so nothing falls due in between), or soon when it could not finish.
pub async fn run_release_holds_job(app: &App, _job: &Job) -> JobOutcome {
    let now = app.now();
    let retry = JobOutcome::Reschedule { run_at: now + RELEASE_RETRY, payload: None };
    match release_due_holds(app).await {
        Ok(summary) => {
            metrics::counter!("wharf_holds_released_total").increment(summary.changed);
            tracing::info!(released = summary.changed, conflicts = summary.conflicts.len(), "due holds released");
            for warning in &summary.warnings {
                tracing::warn!("{warning}");
            }
            if summary.conflicts.is_empty() {
                JobOutcome::Reschedule { run_at: start_of_next_central_day(now), payload: None }
            } else {
                retry
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "releasing due holds failed; trying again in 5 minutes");
            retry
        }
    }
}

fn start_of_next_central_day(now: Timestamp) -> Timestamp {
    let tomorrow = central_date(now).tomorrow().expect("dates within range");
    central_instant(tomorrow, Time::midnight())
}

// --- rules -------------------------------------------------------------------------------------------------

/// The account's rules, in order, with the revision they were read at.
pub async fn rule_set(app: &App, account: &AccountId) -> AppResult<RuleSet> {
    Ok(app.store.rule_set(account).await?)
}

fn refused(errors: &RuleErrors) -> AppError {
    AppError::InvalidInput(format!("nothing was saved; the rules would not work:\n{errors}"))
}

/// Refuses rules whose actions choose a packing-slip or e-mail template the account does not have (automation
/// would choose it for orders and every slip or e-mail would fall back to the store's template).
async fn check_template_names<'a>(
    app: &App,
    account: &AccountId,
    rules: impl IntoIterator<Item = (&'a RuleId, &'a str, &'a [Action])>,
) -> AppResult<()> {
    let mut errors = Vec::new();
    let email_names: BTreeSet<String> =
        app.store.named_email_templates(account).await?.into_iter().map(|t| t.name).collect();
    let slip_names: BTreeSet<String> =
        app.store.named_slip_templates(account).await?.into_iter().map(|t| t.name).collect();
    for (id, name, actions) in rules {
        for (i, action) in actions.iter().enumerate() {
            let message = match action {
                Action::SetPackingSlipTemplate(t) if !slip_names.contains(t.trim()) => format!(
                    "there is no packing-slip template named '{}'; create it first with `wharf template set FILE \
                     --name {}` (list them with `wharf template list`)",
                    t.trim(),
                    t.trim()
                ),
                Action::SetEmailTemplate(t) if !email_names.contains(t.trim()) => format!(
                    "there is no e-mail template named '{}'; create it first with `wharf email template set --kind \
                     shipment --name {} --subject ...` (or `wharf template set FILE --name {}` for a packing slip)",
                    t.trim(),
                    t.trim(),
                    t.trim()
                ),
                _ => continue,
            };
            errors.push(RuleError {
                rule_id: id.clone(),
                rule_name: name.trim().to_owned(),
                location: format!("actions[{i}] ({})", action.name()),
                message,
            });
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(refused(&RuleErrors(errors))) }
}

/// Reads the account's rules, lets `change` edit them, checks the result as a set and saves it under the
/// revision read, again from the top when someone else saved meanwhile.
async fn change_rules<T>(
    app: &App,
    account: &AccountId,
    mut change: impl FnMut(&mut Vec<Rule>) -> AppResult<T>,
) -> AppResult<T> {
    let mut attempt = 1;
    loop {
        let set = app.store.rule_set(account).await?;
        let mut rules = set.rules();
        let result = change(&mut rules)?;
        CompiledRules::compile(&rules).map_err(|e| refused(&e))?;
        match app.store.save_rule_set(account, set.revision, &rules, app.now()).await {
            Ok(_) => return Ok(result),
            Err(StorageError::Conflict { .. }) if attempt < WRITE_ATTEMPTS => attempt += 1,
            Err(e) => return Err(e.into()),
        }
    }
}

/// The index of the rule `key` names: its id, or its name (ignoring case and surrounding blanks).
fn find_rule(rules: &[Rule], key: &str) -> AppResult<usize> {
    let key = key.trim();
    if let Some(i) = rules.iter().position(|r| r.id.as_str() == key) {
        return Ok(i);
    }
    let named: Vec<usize> = (0..rules.len()).filter(|&i| rules[i].name.trim().eq_ignore_ascii_case(key)).collect();
    match named[..] {
        [i] => Ok(i),
        [] => Err(AppError::not_found("rule", key, "list rules with `wharf rules list`")),
        _ => Err(AppError::Ambiguous {
            what: "rule",
            key: key.to_owned(),
            count: named.len(),
            ids: named.iter().map(|&i| rules[i].id.to_string()).collect::<Vec<_>>().join(", "),
        }),
    }
}

/// A rule to add.
#[derive(Clone, Debug)]
pub struct RuleDraft {
    /// Kept when given (a rule from a file); a new id otherwise.
    pub id: Option<RuleId>,
    pub name: String,
    pub enabled: bool,
    pub criteria: Vec<Criterion>,
    pub actions: Vec<Action>,
    /// Where it goes, 1 = first (every rule is renumbered 1, 2, 3...); last when `None`.
    pub position: Option<u32>,
}

/// Adds a rule after checking it, and the set with it: a carrier or service Sears cannot take, a rule testing
/// what a rule below it changes... are refused with the rule, the field and the reason.
pub async fn add_rule(app: &App, account: &AccountId, draft: RuleDraft) -> AppResult<Rule> {
    let id = draft.id.clone().unwrap_or_else(|| RuleId::from_uuid(app.new_uuid()));
    check_template_names(app, account, [(&id, draft.name.as_str(), &draft.actions[..])]).await?;
    change_rules(app, account, |rules| {
        if rules.iter().any(|r| r.id == id) {
            return Err(AppError::InvalidInput(format!(
                "a rule with the id {id} already exists; edit it with `wharf rules edit {id}`, or leave the id out"
            )));
        }
        let last = rules.iter().map(|r| r.position).max().unwrap_or(0);
        let rule = Rule {
            id: id.clone(),
            name: draft.name.trim().to_owned(),
            enabled: draft.enabled,
            position: last.saturating_add(1),
            criteria: draft.criteria.clone(),
            actions: draft.actions.clone(),
        };
        CompiledRule::compile(&rule).map_err(|e| refused(&e))?;
        rules.push(rule);
        if let Some(position) = draft.position {
            reorder(rules, &id, position);
        }
        Ok(rules.iter().find(|r| r.id == id).cloned().expect("just added"))
    })
    .await
}

/// What `wharf rules edit` changes; `None` keeps the rule's value.
#[derive(Clone, Debug, Default)]
pub struct RuleEdit {
    pub name: Option<String>,
    pub enabled: Option<bool>,
    pub criteria: Option<Vec<Criterion>>,
    pub actions: Option<Vec<Action>>,
}

/// Changes a rule (by id or name), checked as [`add_rule`] checks a new one.
pub async fn edit_rule(app: &App, account: &AccountId, key: &str, edit: RuleEdit) -> AppResult<Rule> {
    // New actions are checked; a rule's unchanged actions are not (renaming a rule is not refused).
    if let Some(actions) = &edit.actions {
        let rules = app.store.rule_set(account).await?.rules();
        let rule = &rules[find_rule(&rules, key)?];
        let name = edit.name.as_deref().unwrap_or(&rule.name);
        check_template_names(app, account, [(&rule.id, name, &actions[..])]).await?;
    }
    change_rules(app, account, |rules| {
        let i = find_rule(rules, key)?;
        let rule = &mut rules[i];
        if let Some(name) = &edit.name {
            rule.name = name.trim().to_owned();
        }
        if let Some(enabled) = edit.enabled {
            rule.enabled = enabled;
        }
        if let Some(criteria) = &edit.criteria {
            rule.criteria = criteria.clone();
        }
        if let Some(actions) = &edit.actions {
            rule.actions = actions.clone();
        }
        CompiledRule::compile(rule).map_err(|e| refused(&e))?;
        Ok(rule.clone())
    })
    .await
}

/// Moves a rule to `to` (1 = first); every rule is renumbered 1, 2, 3... in the new order, in one save.
pub async fn move_rule(app: &App, account: &AccountId, key: &str, to: u32) -> AppResult<Vec<Rule>> {
    if to == 0 {
        return Err(AppError::InvalidInput("positions start at 1 (the first rule)".into()));
    }
    change_rules(app, account, |rules| {
        let id = rules[find_rule(rules, key)?].id.clone();
        reorder(rules, &id, to);
        Ok(rules.clone())
    })
    .await
}

/// Removes a rule (by id or name).
pub async fn remove_rule(app: &App, account: &AccountId, key: &str) -> AppResult<Rule> {
    change_rules(app, account, |rules| Ok(rules.remove(find_rule(rules, key)?))).await
}

/// An orders a previewed rule matches, and what it would change (`wharf rules preview`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewMatch {
    pub order_id: OrderId,
    pub order_number: String,
    /// Empty when the order already is as the rule would make it.
    pub changes: Vec<HistoryEntry>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RulePreview {
    pub rule_id: RuleId,
    pub rule_name: String,
    /// Open orders looked at.
    pub examined: u64,
    pub matches: Vec<PreviewMatch>,
}

/// The account's open orders `rule` matches now and what its actions would change on each, the rule looked
/// at alone. Nothing is written.
pub async fn preview(app: &App, account: &AccountId, rule: &Rule) -> AppResult<RulePreview> {
    let compiled = CompiledRule::compile(rule).map_err(|e| AppError::InvalidInput(e.to_string()))?;
    let now = app.now();
    let mut result =
        RulePreview { rule_id: rule.id.clone(), rule_name: compiled.name.clone(), examined: 0, matches: Vec::new() };
    let mut page = OpenOrderPage::first(PAGE);
    loop {
        let orders = app.store.open_orders_page(account, &page).await?;
        let Some(last) = orders.last() else { break };
        page.after = Some(last.order_id.clone());
        let products = products_for(app, account, &orders).await?;
        result.examined += orders.len() as u64;
        result.matches.extend(preview_rule(&compiled, &orders, &products, now).into_iter().map(|m| PreviewMatch {
            order_id: m.order_id,
            order_number: m.order_number,
            changes: m.changes,
        }));
    }
    Ok(result)
}

/// Previews a stored rule (by id or name).
pub async fn preview_stored(app: &App, account: &AccountId, key: &str) -> AppResult<RulePreview> {
    let rules = app.store.rule_set(account).await?.rules();
    let rule = &rules[find_rule(&rules, key)?];
    preview(app, account, rule).await
}

/// Reads a rule file (TOML, or JSON when `json`), every rule and mapping row checked.
pub fn read_rule_file(text: &str, json: bool) -> AppResult<RuleFile> {
    let file = if json { RuleFile::from_json(text) } else { RuleFile::from_toml(text) };
    file.map_err(|e: RuleFileError| AppError::InvalidInput(e.to_string()))
}

/// The account's rules as a rule file, with `store`'s service mapping when given.
pub async fn export_rules(app: &App, account: &AccountId, store: Option<&SalesStore>) -> AppResult<RuleFile> {
    let mut file = RuleFile::new(app.store.rule_set(account).await?.rules());
    if let Some(store) = store {
        file.service_mapping = store
            .settings
            .service_mapping
            .entries()
            .iter()
            .map(|e| MappingRow {
                requested: e.requested.clone(),
                carrier: e.carrier_code.clone(),
                service: e.service_code.clone(),
                package: e.package_code.clone(),
            })
            .collect();
    }
    Ok(file)
}

/// How `wharf rules import` combines a file with the rules there are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportMode {
    /// The account's rules become the file's (and the store's mapping the file's, when it has one).
    Replace,
    /// The file's rules are added, or replace the rule with the same id; others stay (mapping rows likewise).
    Merge,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleImport {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub removed: usize,
    pub mapping_rows: usize,
}

/// Imports a (checked) rule file: the rules in one save, then the service mapping into `store`. A file with
/// a service mapping needs a store to put it in.
pub async fn import_rules(
    app: &App,
    account: &AccountId,
    file: &RuleFile,
    mode: ImportMode,
    store: Option<SalesStore>,
) -> AppResult<RuleImport> {
    let mapping = file.service_mapping().map_err(|e| AppError::InvalidInput(e.to_string()))?;
    check_template_names(app, account, file.rules.iter().map(|r| (&r.id, r.name.as_str(), &r.actions[..]))).await?;
    if !mapping.entries().is_empty() && store.is_none() {
        return Err(AppError::InvalidInput(
            "the file has a service mapping; say which store it is for with --store (nothing was imported)".into(),
        ));
    }
    let mut summary = change_rules(app, account, |rules| {
        let mut summary = RuleImport::default();
        let before = std::mem::take(rules);
        for rule in &file.rules {
            match before.iter().find(|r| r.id == rule.id) {
                None => summary.added += 1,
                Some(old) if old == rule => summary.unchanged += 1,
                Some(_) => summary.updated += 1,
            }
        }
        match mode {
            ImportMode::Replace => {
                summary.removed = before.iter().filter(|r| !file.rules.iter().any(|f| f.id == r.id)).count();
                *rules = file.rules.clone();
            }
            ImportMode::Merge => {
                *rules = before.into_iter().filter(|r| !file.rules.iter().any(|f| f.id == r.id)).collect();
                rules.extend(file.rules.iter().cloned());
            }
        }
        Ok(summary)
    })
    .await?;
    if let (Some(mut store), false) = (store, mapping.entries().is_empty()) {
        summary.mapping_rows = mapping.entries().len();
        match mode {
            ImportMode::Replace => store.settings.service_mapping = mapping,
            ImportMode::Merge => {
                for entry in mapping.entries() {
                    store.settings.service_mapping.set(entry.clone());
                }
            }
        }
        crate::stores::save_store(app, store).await?;
    }
    Ok(summary)
}

/// What `wharf demo` installed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoAutomation {
    pub rules: usize,
    pub mapping_rows: usize,
}

/// The documented demo rule set (`RuleFile::example()`) for an account without rules, and its service mapping
/// for a store without one. What the seller already has is left alone.
pub async fn install_demo_automation(app: &App, store: &SalesStore) -> AppResult<DemoAutomation> {
    let example = RuleFile::example();
    let mut installed = DemoAutomation::default();
    let set = app.store.rule_set(&store.account_id).await?;
    if set.rules.is_empty() {
        // The packing-slip templates the demo rules choose, as Wharf's default slip until the seller saves theirs.
        for rule in &example.rules {
            for action in &rule.actions {
                if let Action::SetPackingSlipTemplate(name) = action
                    && app.store.named_slip_template(&store.account_id, name.trim()).await?.is_none()
                {
                    crate::printing::settings::save_named_slip_template(
                        app,
                        &store.account_id,
                        name,
                        wharf_documents::DEFAULT_SLIP_TEMPLATE,
                    )
                    .await?;
                }
            }
        }
        app.store.save_rule_set(&store.account_id, set.revision, &example.rules, app.now()).await?;
        installed.rules = example.rules.len();
    }
    let mut store = app.store.get_store(&store.account_id, &store.store_id).await?;
    if store.settings.service_mapping.entries().is_empty() {
        store.settings.service_mapping =
            example.service_mapping().map_err(|e| AppError::InvalidInput(e.to_string()))?;
        installed.mapping_rows = store.settings.service_mapping.entries().len();
        crate::stores::save_store(app, store).await?;
    }
    Ok(installed)
}

// --- service mapping ---------------------------------------------------------------------------------------

/// Maps a requested shipping method (as Sears sends it) to a carrier, service and package, checked against
/// the shipping code table (a service Sears cannot take is refused with the reason). Orders already imported
/// change when automation next runs on them (`wharf orders reprocess --store …`).
pub async fn map_service(
    app: &App,
    mut store: SalesStore,
    requested: &str,
    carrier: &str,
    service: &str,
    package: Option<&str>,
) -> AppResult<SalesStore> {
    let entry = ServiceMappingEntry {
        requested: requested.to_owned(),
        carrier_code: carrier.to_owned(),
        service_code: service.to_owned(),
        package_code: package.map(str::to_owned),
    };
    let entry = validate_mapping_entry(&entry).map_err(|e| AppError::InvalidInput(format!("not mapped: {e}")))?;
    store.settings.service_mapping.set(entry);
    crate::stores::save_store(app, store).await
}

/// Removes the mapping of a requested shipping method.
pub async fn unmap_service(app: &App, mut store: SalesStore, requested: &str) -> AppResult<SalesStore> {
    if !store.settings.service_mapping.remove(requested) {
        return Err(AppError::not_found(
            "service mapping for",
            requested,
            "see the store's mapping with `wharf store show`",
        ));
    }
    crate::stores::save_store(app, store).await
}

/// The requested shipping methods of the store's open orders that its mapping does not cover, most frequent
/// first.
pub async fn unmapped_services(app: &App, store: &SalesStore) -> AppResult<Vec<UnmappedService>> {
    let mapping = &store.settings.service_mapping;
    let mut found: Vec<UnmappedService> = Vec::new();
    let mut page = OpenOrderPage { store_id: Some(store.store_id.clone()), ..OpenOrderPage::first(PAGE) };
    loop {
        let orders = app.store.open_orders_page(&store.account_id, &page).await?;
        let Some(last) = orders.last() else { break };
        page.after = Some(last.order_id.clone());
        // Pages are counted apart and added up, so memory stays one page whatever the store's size.
        for unmapped in find_unmapped(&orders, mapping) {
            match found.iter_mut().find(|u| u.requested.eq_ignore_ascii_case(&unmapped.requested)) {
                Some(known) => {
                    known.order_count += unmapped.order_count;
                    let room = 3usize.saturating_sub(known.example_orders.len());
                    known.example_orders.extend(unmapped.example_orders.into_iter().take(room));
                }
                None => found.push(unmapped),
            }
        }
    }
    found.sort_by(|a, b| {
        b.order_count.cmp(&a.order_count).then_with(|| a.requested.to_lowercase().cmp(&b.requested.to_lowercase()))
    });
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_run_is_the_start_of_the_next_central_day() {
        // 2024-05-03 15:00 CDT -> 2024-05-04 00:00 CDT.
        let now: Timestamp = "2024-05-03T20:00:00Z".parse().unwrap();
        assert_eq!(start_of_next_central_day(now).to_string(), "2024-05-04T05:00:00Z");
        // 2024-11-02 23:30 CDT -> 2024-11-03 00:00 CDT (the night the clocks go back).
        let now: Timestamp = "2024-11-03T04:30:00Z".parse().unwrap();
        assert_eq!(start_of_next_central_day(now).to_string(), "2024-11-03T05:00:00Z");
        // 2024-11-03 00:30 CDT -> 2024-11-04 00:00 CST.
        let now: Timestamp = "2024-11-03T05:30:00Z".parse().unwrap();
        assert_eq!(start_of_next_central_day(now).to_string(), "2024-11-04T06:00:00Z");
    }

    fn rule(id: &str, name: &str) -> Rule {
        serde_json::from_value(serde_json::json!({
            "id": id, "name": name, "position": 1, "actions": [{"add_tag": "x"}],
        }))
        .unwrap()
    }

    #[test]
    fn rules_are_found_by_id_or_name() {
        let rules = [rule("rul_a", "Gift orders"), rule("rul_b", "Rush"), rule("rul_c", "rush")];
        assert_eq!(find_rule(&rules, "rul_b").unwrap(), 1);
        assert_eq!(find_rule(&rules, " gift ORDERS ").unwrap(), 0);
        let err = find_rule(&rules, "Rush").unwrap_err().to_string();
        assert_eq!(err, "'Rush' matches 2 rules; use the id (rul_b, rul_c) instead");
        let err = find_rule(&rules, "nope").unwrap_err().to_string();
        assert_eq!(err, "rule 'nope' not found; list rules with `wharf rules list`");
    }
}
