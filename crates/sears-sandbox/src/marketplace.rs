//! The sandbox's state: seller accounts with their purchase orders and customer requests, the feeds received, and
//! the operations the Sears API and the control API perform on them. One `Marketplace` sits behind one mutex.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::asn;
use crate::carriers;
use crate::clock::central_datetime;
use crate::config::{SandboxSettings, SellerCredentials};
use crate::envelopes::{self, NO_POS_FOUND, RecordResult};
use crate::error::SandboxError;
use crate::faults::FaultBook;
use crate::order_cancel;
use crate::orders::{BuildContext, NO_TRACKING, NewOrder, OrderTotals, PurchaseOrder, ShipmentInfo, status};
use crate::po_response::{self, PoVersion};
use crate::rate_limit::RateLimiter;
use crate::requests::{
    self, CUSTOMER_CANCEL_REASONS, CancelRequest, PENDING_RETURN, RETURN_REASONS, RequestFilter, ReturnRequest,
};

/// Orders are kept by PO date, then PO number: a date-window query is a range scan.
pub(crate) type OrderKey = (Date, String);

/// A seller with everything Sears holds for it.
#[derive(Debug)]
pub(crate) struct SellerAccount {
    pub credentials: SellerCredentials,
    pub orders: BTreeMap<OrderKey, PurchaseOrder>,
    /// Every date each PO number was used on (PO numbers repeat over time).
    dates_by_number: HashMap<String, Vec<Date>>,
    pub cancel_requests: Vec<CancelRequest>,
    pub return_requests: Vec<ReturnRequest>,
}

impl SellerAccount {
    fn new(credentials: SellerCredentials) -> Self {
        Self {
            credentials,
            orders: BTreeMap::new(),
            dates_by_number: HashMap::new(),
            cancel_requests: Vec::new(),
            return_requests: Vec::new(),
        }
    }

    pub(crate) fn order(&self, po_number: &str, po_date: Date) -> Option<&PurchaseOrder> {
        // Looking up by (date, number) without allocating a key String is not possible with a tuple key; the
        // by-number index keeps the common miss cheap and the hit costs one small allocation.
        if !self.dates_by_number.get(po_number).is_some_and(|dates| dates.contains(&po_date)) {
            return None;
        }
        self.orders.get(&(po_date, po_number.to_owned()))
    }

    pub(crate) fn order_mut(&mut self, po_number: &str, po_date: Date) -> Option<&mut PurchaseOrder> {
        self.orders.get_mut(&(po_date, po_number.to_owned()))
    }

    pub(crate) fn contains(&self, po_number: &str, po_date: Date) -> bool {
        self.dates_by_number.get(po_number).is_some_and(|dates| dates.contains(&po_date))
    }

    /// Adds an order; false when the seller already has that PO number on that date.
    pub(crate) fn insert(&mut self, order: PurchaseOrder) -> bool {
        if self.contains(&order.po_number, order.po_date) {
            return false;
        }
        self.dates_by_number.entry(order.po_number.clone()).or_default().push(order.po_date);
        self.orders.insert((order.po_date, order.po_number.clone()), order);
        true
    }

    /// Why no order matched: unknown number, or the number exists on other dates (po-date must equal the PO's date).
    pub(crate) fn missing_order_message(&self, po_number: &str, po_date: Date) -> String {
        match self.dates_by_number.get(po_number) {
            Some(dates) if !dates.is_empty() => {
                let mut dates = dates.clone();
                dates.sort_unstable();
                let shown: Vec<String> = dates.iter().map(ToString::to_string).collect();
                format!(
                    "purchase order {po_number} is dated {}, not {po_date}; po-date must equal the purchase order's date",
                    shown.join(" and ")
                )
            }
            _ => format!("purchase order {po_number} dated {po_date} does not exist"),
        }
    }

    /// Resolves pending customer cancellation requests of these lines and clears the lines' warnings.
    pub(crate) fn settle_cancel_requests(&mut self, po_number: &str, po_date: Date, lines: &[u32], new_status: &str) {
        let mut touched = false;
        for request in &mut self.cancel_requests {
            if request.is_pending()
                && request.po_number == po_number
                && request.po_date == po_date
                && lines.contains(&request.line_number)
            {
                request.status = new_status.to_owned();
                touched = true;
            }
        }
        if touched {
            self.refresh_warnings(po_number, po_date);
        }
    }

    /// Sets each line's `customer-cancellation-warning` from its pending requests.
    fn refresh_warnings(&mut self, po_number: &str, po_date: Date) {
        let Some(order) = self.orders.get_mut(&(po_date, po_number.to_owned())) else {
            return;
        };
        for line in &mut order.lines {
            line.customer_cancellation_warning = self
                .cancel_requests
                .iter()
                .find(|r| {
                    r.is_pending()
                        && r.po_number == po_number
                        && r.po_date == po_date
                        && r.line_number == line.line_number
                })
                .map(CancelRequest::warning);
        }
    }

    fn state_of(&self, order: &PurchaseOrder) -> OrderState {
        OrderState {
            seller_id: self.credentials.seller_id.clone(),
            totals: order.totals(),
            cancel_requests: self
                .cancel_requests
                .iter()
                .filter(|r| r.po_number == order.po_number && r.po_date == order.po_date)
                .cloned()
                .collect(),
            return_requests: self
                .return_requests
                .iter()
                .filter(|r| r.po_number == order.po_number && r.po_date == order.po_date)
                .cloned()
                .collect(),
            order: order.clone(),
        }
    }
}

/// An order as the control API shows it: the order, its computed totals and its customer requests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderState {
    pub seller_id: String,
    #[serde(flatten)]
    pub order: PurchaseOrder,
    pub totals: OrderTotals,
    pub cancel_requests: Vec<CancelRequest>,
    pub return_requests: Vec<ReturnRequest>,
}

/// Names one order: PO number and date, of the default seller unless `seller_id` says otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRef {
    pub seller_id: Option<String>,
    pub po_number: String,
    pub po_date: Date,
}

impl OrderRef {
    pub fn new(po_number: impl Into<String>, po_date: Date) -> Self {
        Self { seller_id: None, po_number: po_number.into(), po_date }
    }

    pub fn of_seller(mut self, seller_id: impl Into<String>) -> Self {
        self.seller_id = Some(seller_id.into());
        self
    }
}

/// Which orders `orders()` lists; every field narrows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrderFilter {
    pub seller_id: Option<String>,
    pub po_number: Option<String>,
    pub po_date: Option<Date>,
    /// Case-insensitive.
    pub status: Option<String>,
}

/// "Updated by hand in the Seller Portal": every open unit is marked shipped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PortalShip {
    /// Also accepted as `tracking` (the name the contract with the lead uses).
    #[serde(alias = "tracking")]
    pub tracking_number: Option<String>,
    /// Checked against the carrier list together with `method` when both are given.
    pub carrier: Option<String>,
    /// Defaults to the buyer's shipping method.
    pub method: Option<String>,
}

/// A customer asks to cancel one line, or every line with open quantity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CustomerCancel {
    pub line_number: Option<u32>,
    /// Defaults to `CUSTOMER-CANCEL-DID-NOT-WANT-THE-PRODUCT-ANY-LONGER`.
    pub reason: Option<String>,
    pub comments: Option<String>,
}

/// A customer asks to return shipped units of one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewReturnRequest {
    pub line_number: u32,
    pub quantity: u32,
    /// Defaults to `DEFECTIVE-PRODUCT`.
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub comments: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FeedKind {
    Asn,
    OrderCancel,
}

impl FeedKind {
    fn description(self) -> &'static str {
        match self {
            FeedKind::Asn => "ASN Feed - XML",
            FeedKind::OrderCancel => "Order Cancel Feed - XML",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum FeedOutcome {
    /// Accepted with a document-id; `records` holds the per-record result.
    Accepted,
    /// Answered with this `error-detail`; nothing was applied.
    Rejected { error_detail: String },
    /// Answered `403 rate limited`; nothing was applied.
    RateLimited,
}

/// One feed PUT the sandbox received: the sandbox's own record of what was reported to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedRecord {
    pub document_id: Option<u64>,
    pub seller_id: String,
    pub kind: FeedKind,
    pub received_at: Timestamp,
    pub xml: String,
    #[serde(flatten)]
    pub outcome: FeedOutcome,
    pub records: Vec<RecordResult>,
    /// How many times the processing report was asked for.
    pub report_polls: u32,
}

/// The PO GET query parameters (SPEC.md §4.1, §16.3).
#[derive(Debug, Clone, Default)]
pub(crate) struct PoQuery {
    pub status: Option<String>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub po_number: Option<String>,
    pub po_date: Option<Date>,
}

pub(crate) struct Marketplace {
    pub settings: SandboxSettings,
    default_seller: String,
    sellers: BTreeMap<String, SellerAccount>,
    feeds: Vec<FeedRecord>,
    next_document_id: u64,
    next_po_number: u64,
    next_cancel_request_id: u64,
    next_return_request_id: u64,
    pub limiter: RateLimiter,
    pub faults: FaultBook,
}

impl Marketplace {
    pub(crate) fn new(default_seller: SellerCredentials, settings: SandboxSettings) -> Self {
        let id = default_seller.seller_id.clone();
        let mut sellers = BTreeMap::new();
        sellers.insert(id.clone(), SellerAccount::new(default_seller));
        Self {
            settings,
            default_seller: id,
            sellers,
            feeds: Vec::new(),
            next_document_id: 5_000_001,
            next_po_number: 7_000_001,
            next_cancel_request_id: 700_101,
            next_return_request_id: 9_886_555_101,
            limiter: RateLimiter::default(),
            faults: FaultBook::default(),
        }
    }

    pub(crate) fn seller(&self, seller_id: &str) -> Option<&SellerAccount> {
        self.sellers.get(seller_id)
    }

    pub(crate) fn account(&self, seller_id: Option<&str>) -> Result<&SellerAccount, SandboxError> {
        let id = seller_id.unwrap_or(&self.default_seller);
        self.sellers.get(id).ok_or_else(|| SandboxError::UnknownSeller { seller_id: id.to_owned() })
    }

    pub(crate) fn account_mut(&mut self, seller_id: Option<&str>) -> Result<&mut SellerAccount, SandboxError> {
        let id = seller_id.unwrap_or(&self.default_seller);
        self.sellers.get_mut(id).ok_or_else(|| SandboxError::UnknownSeller { seller_id: id.to_owned() })
    }

    pub(crate) fn sellers(&self) -> Vec<SellerCredentials> {
        self.sellers.values().map(|s| s.credentials.clone()).collect()
    }

    pub(crate) fn add_seller(&mut self, credentials: SellerCredentials) -> Result<(), SandboxError> {
        let invalid = |m: &str| Err(SandboxError::InvalidRequest(m.to_owned()));
        if credentials.seller_id.is_empty() || !credentials.seller_id.bytes().all(|b| b.is_ascii_digit()) {
            return invalid("seller_id must be digits, as Sears seller ids are");
        }
        if credentials.email.is_empty() || credentials.email.contains([',', ' ']) {
            return invalid(
                "email must be a non-empty address without commas or spaces (it travels in the HMAC header)",
            );
        }
        if credentials.auth_key.is_empty() {
            return invalid("auth_key must not be empty");
        }
        if self.sellers.contains_key(&credentials.seller_id) {
            return Err(SandboxError::SellerExists { seller_id: credentials.seller_id });
        }
        self.sellers.insert(credentials.seller_id.clone(), SellerAccount::new(credentials));
        Ok(())
    }

    /// The next PO number from the sandbox's counter that `seller_id` does not use on `date`. The counter moves
    /// only once an order is created with it.
    fn fresh_po_number(&self, seller_id: Option<&str>, date: Date) -> u64 {
        let mut candidate = self.next_po_number;
        while self.account(seller_id).is_ok_and(|a| a.contains(&candidate.to_string(), date)) {
            candidate += 1;
        }
        candidate
    }

    pub(crate) fn create_order(&mut self, order: NewOrder, now: Timestamp) -> Result<OrderState, SandboxError> {
        let seller_id = order.seller_id.clone();
        self.account(seller_id.as_deref())?;
        let now_central = central_datetime(now);
        let date = order.po_date.unwrap_or(now_central.date());
        let counter = order.po_number.is_none().then(|| self.fresh_po_number(seller_id.as_deref(), date));
        let po_number = order.po_number.clone().or(counter.map(|n| n.to_string())).unwrap_or_default();
        let built = order.build(BuildContext { today: now_central.date(), now_time: now_central.time(), po_number })?;
        let account = self.account_mut(seller_id.as_deref())?;
        if account.contains(&built.po_number, built.po_date) {
            return Err(SandboxError::OrderExists {
                seller_id: account.credentials.seller_id.clone(),
                po_number: built.po_number,
                po_date: built.po_date,
            });
        }
        let state = account.state_of(&built);
        account.insert(built);
        if let Some(used) = counter {
            self.next_po_number = used + 1;
        }
        Ok(state)
    }

    fn order_of(&self, key: &OrderRef) -> Result<(&SellerAccount, &PurchaseOrder), SandboxError> {
        let account = self.account(key.seller_id.as_deref())?;
        let order = account.order(&key.po_number, key.po_date).ok_or_else(|| SandboxError::OrderNotFound {
            seller_id: account.credentials.seller_id.clone(),
            po_number: key.po_number.clone(),
            po_date: key.po_date,
        })?;
        Ok((account, order))
    }

    fn order_mut_of(&mut self, key: &OrderRef) -> Result<(&mut PurchaseOrder, String), SandboxError> {
        let account = self.account_mut(key.seller_id.as_deref())?;
        let seller_id = account.credentials.seller_id.clone();
        account
            .order_mut(&key.po_number, key.po_date)
            .map(|o| (o, seller_id.clone()))
            .ok_or(SandboxError::OrderNotFound { seller_id, po_number: key.po_number.clone(), po_date: key.po_date })
    }

    pub(crate) fn order_state(&self, key: &OrderRef) -> Result<OrderState, SandboxError> {
        let (account, order) = self.order_of(key)?;
        Ok(account.state_of(order))
    }

    pub(crate) fn orders(&self, filter: &OrderFilter) -> Result<Vec<OrderState>, SandboxError> {
        let accounts: Vec<&SellerAccount> = match &filter.seller_id {
            Some(id) => vec![self.account(Some(id))?],
            None => self.sellers.values().collect(),
        };
        let mut states = Vec::new();
        for account in accounts {
            for order in account.orders.values() {
                let keep = filter.po_number.as_deref().is_none_or(|n| n == order.po_number)
                    && filter.po_date.is_none_or(|d| d == order.po_date)
                    && filter.status.as_deref().is_none_or(|s| s.eq_ignore_ascii_case(&order.status));
                if keep {
                    states.push(account.state_of(order));
                }
            }
        }
        Ok(states)
    }

    pub(crate) fn portal_ship(&mut self, key: &OrderRef, ship: PortalShip) -> Result<OrderState, SandboxError> {
        let method = match (&ship.carrier, &ship.method) {
            (Some(carrier), Some(method)) => {
                carriers::find(carrier, method).map(|row| row.method.to_owned()).ok_or_else(|| {
                    SandboxError::InvalidRequest(format!(
                        "carrier '{carrier}' with method '{method}' is not in the Sears carrier list"
                    ))
                })?
            }
            (_, Some(method)) => method.clone(),
            (_, None) => self.order_of(key)?.1.shipping.shipping_method.clone(),
        };
        if ship.tracking_number.as_ref().is_some_and(|t| t.chars().count() > 45) {
            return Err(SandboxError::InvalidRequest("tracking_number may hold at most 45 characters".to_owned()));
        }
        let (order, _) = self.order_mut_of(key)?;
        if order.lines.iter().all(|l| l.quantities.open == 0) {
            return Err(SandboxError::Conflict(format!(
                "purchase order {} has nothing left to ship (status {})",
                order.po_number, order.status
            )));
        }
        let mut shipped_lines = Vec::new();
        for line in &mut order.lines {
            if line.quantities.open > 0 {
                line.quantities.shipped += line.quantities.open;
                line.quantities.open = 0;
                shipped_lines.push(line.line_number);
            }
        }
        let tracking = ship.tracking_number.filter(|t| !t.trim().is_empty()).unwrap_or_else(|| NO_TRACKING.to_owned());
        order.record_shipment(ShipmentInfo { ship_method: method, tracking_number: tracking });
        order.status = status::READY_TO_INVOICE.to_owned();
        let account = self.account_mut(key.seller_id.as_deref())?;
        account.settle_cancel_requests(
            &key.po_number,
            key.po_date,
            &shipped_lines,
            requests::cancel_status::SELLER_REJECTED,
        );
        self.order_state(key)
    }

    /// Invoicing a `Ready to Invoice` order moves it to the configured invoiced status (`Closed` by default).
    pub(crate) fn invoice(&mut self, key: &OrderRef) -> Result<OrderState, SandboxError> {
        let invoiced = self.settings.invoiced_status.clone();
        let (order, _) = self.order_mut_of(key)?;
        if !order.status.eq_ignore_ascii_case(status::READY_TO_INVOICE) {
            return Err(SandboxError::Conflict(format!(
                "only a 'Ready to Invoice' order can be invoiced; purchase order {} is '{}'",
                order.po_number, order.status
            )));
        }
        order.status = invoiced;
        self.order_state(key)
    }

    pub(crate) fn customer_cancel(
        &mut self,
        key: &OrderRef,
        request: CustomerCancel,
        today: Date,
    ) -> Result<OrderState, SandboxError> {
        let reason = request.reason.unwrap_or_else(|| CUSTOMER_CANCEL_REASONS[4].to_owned());
        let comments = request.comments.unwrap_or_else(|| "Please cancel this item.".to_owned());
        let (_, order) = self.order_of(key)?;
        let lines: Vec<(u32, u32)> = order
            .lines
            .iter()
            .filter(|l| request.line_number.is_none_or(|n| n == l.line_number))
            .map(|l| (l.line_number, l.quantities.open))
            .collect();
        if let Some(n) = request.line_number
            && lines.is_empty()
        {
            return Err(SandboxError::InvalidRequest(format!("purchase order {} has no line {n}", key.po_number)));
        }
        let open: Vec<(u32, u32)> = lines.into_iter().filter(|(_, open)| *open > 0).collect();
        if open.is_empty() {
            return Err(SandboxError::Conflict(format!(
                "purchase order {} has no open quantity left to cancel",
                key.po_number
            )));
        }
        let mut ids = Vec::with_capacity(open.len());
        for _ in &open {
            ids.push(self.next_cancel_request_id);
            self.next_cancel_request_id += 1;
        }
        let account = self.account_mut(key.seller_id.as_deref())?;
        for ((line_number, quantity), id) in open.into_iter().zip(ids) {
            account.cancel_requests.push(CancelRequest {
                cancel_request_id: id,
                po_number: key.po_number.clone(),
                po_date: key.po_date,
                line_number,
                quantity,
                cancel_date: today,
                reason: reason.clone(),
                status: requests::cancel_status::INITIAL.to_owned(),
                customer_comments: comments.clone(),
            });
        }
        account.refresh_warnings(&key.po_number, key.po_date);
        self.order_state(key)
    }

    pub(crate) fn return_request(
        &mut self,
        key: &OrderRef,
        request: NewReturnRequest,
        today: Date,
    ) -> Result<OrderState, SandboxError> {
        let (account, order) = self.order_of(key)?;
        let line = order.line(request.line_number).ok_or_else(|| {
            SandboxError::InvalidRequest(format!(
                "purchase order {} has no line {}",
                key.po_number, request.line_number
            ))
        })?;
        let already: u32 = account
            .return_requests
            .iter()
            .filter(|r| {
                r.po_number == key.po_number && r.po_date == key.po_date && r.line_number == request.line_number
            })
            .map(|r| r.quantity)
            .sum();
        let returnable = line.quantities.shipped.saturating_sub(already);
        if request.quantity == 0 || request.quantity > returnable {
            return Err(SandboxError::Conflict(format!(
                "line {} has {returnable} shipped units that can still be returned; asked for {}",
                request.line_number, request.quantity
            )));
        }
        let id = self.next_return_request_id.to_string();
        self.next_return_request_id += 1;
        let account = self.account_mut(key.seller_id.as_deref())?;
        account.return_requests.push(ReturnRequest {
            return_request_id: id,
            po_number: key.po_number.clone(),
            po_date: key.po_date,
            line_number: request.line_number,
            quantity: request.quantity,
            return_date: today,
            reason: request.reason.unwrap_or_else(|| RETURN_REASONS[9].to_owned()),
            status: PENDING_RETURN.to_owned(),
            customer_comments: request.comments,
        });
        self.order_state(key)
    }

    /// `GET /oms/purchaseorder/v{N}`: a `po-response`, or `No POs found`.
    pub(crate) fn purchase_orders(&self, seller_id: &str, version: PoVersion, query: &PoQuery) -> Vec<u8> {
        let Some(account) = self.sellers.get(seller_id) else {
            return envelopes::error_detail(NO_POS_FOUND);
        };
        let lower = match query.from {
            Some(from) => Bound::Included((from, String::new())),
            None => Bound::Unbounded,
        };
        let upper = match query.to.map(|to| to.tomorrow()) {
            Some(Ok(next_day)) => Bound::Excluded((next_day, String::new())),
            _ => Bound::Unbounded,
        };
        let matches: Vec<&PurchaseOrder> = account
            .orders
            .range((lower, upper))
            .map(|(_, order)| order)
            .filter(|o| {
                query.status.as_deref().is_none_or(|s| s.trim().eq_ignore_ascii_case(&o.status))
                    && query.po_number.as_deref().is_none_or(|n| n == o.po_number)
                    && query.po_date.is_none_or(|d| d == o.po_date)
            })
            .collect();
        if matches.is_empty() {
            return envelopes::error_detail(NO_POS_FOUND);
        }
        po_response::render(version, matches.into_iter())
    }

    pub(crate) fn cancel_requests_feed(&self, seller_id: &str, filter: &RequestFilter) -> Vec<u8> {
        let requests = self.sellers.get(seller_id).map(|a| a.cancel_requests.as_slice()).unwrap_or_default();
        requests::render_cancel_requests(requests.iter(), filter, self.settings.request_statuses)
    }

    pub(crate) fn return_requests_feed(&self, seller_id: &str, filter: &RequestFilter) -> Vec<u8> {
        let requests = self.sellers.get(seller_id).map(|a| a.return_requests.as_slice()).unwrap_or_default();
        requests::render_return_requests(requests.iter(), filter, self.settings.request_statuses)
    }

    fn record_feed(
        &mut self,
        seller_id: &str,
        kind: FeedKind,
        xml: &[u8],
        now: Timestamp,
        outcome: FeedOutcome,
        records: Vec<RecordResult>,
    ) -> Option<u64> {
        let document_id = matches!(outcome, FeedOutcome::Accepted).then(|| {
            let id = self.next_document_id;
            self.next_document_id += 1;
            id
        });
        self.feeds.push(FeedRecord {
            document_id,
            seller_id: seller_id.to_owned(),
            kind,
            received_at: now,
            xml: String::from_utf8_lossy(xml).into_owned(),
            outcome,
            records,
            report_polls: 0,
        });
        document_id
    }

    /// Records a feed refused for its rate limit.
    pub(crate) fn record_rate_limited(&mut self, seller_id: &str, kind: FeedKind, xml: &[u8], now: Timestamp) {
        self.record_feed(seller_id, kind, xml, now, FeedOutcome::RateLimited, Vec::new());
    }

    /// Checks a feed against its schema, applies its records in order and answers with the `api-response`.
    pub(crate) fn receive_feed(&mut self, seller_id: &str, kind: FeedKind, body: &[u8], now: Timestamp) -> Vec<u8> {
        let reject = |m: &mut Self, text: String| {
            m.record_feed(seller_id, kind, body, now, FeedOutcome::Rejected { error_detail: text.clone() }, Vec::new());
            envelopes::error_detail(&text)
        };
        let Ok(text) = std::str::from_utf8(body) else {
            return reject(self, "The feed is not UTF-8 text; send the XML document encoded as UTF-8".to_owned());
        };
        let schema = match kind {
            FeedKind::Asn => &crate::feed_schema::ASN_V7,
            FeedKind::OrderCancel => &crate::feed_schema::ORDER_CANCEL_V1,
        };
        let doc = match schema.check(text) {
            Ok(doc) => doc,
            Err(violations) => return reject(self, violations.to_string()),
        };
        let item_id_limit = self.settings.asn_item_id_reject_from;
        let Ok(account) = self.account_mut(Some(seller_id)) else {
            return reject(self, format!("Unknown seller {seller_id}"));
        };
        let errors: Vec<Vec<String>> = match kind {
            FeedKind::Asn => asn::read(&doc).iter().map(|s| asn::apply(account, s, item_id_limit)).collect(),
            FeedKind::OrderCancel => order_cancel::read(&doc).iter().map(|r| order_cancel::apply(account, r)).collect(),
        };
        let records = errors
            .into_iter()
            .enumerate()
            .map(|(i, errors)| RecordResult { record_id: i as u32 + 1, errors })
            .collect();
        let id = self
            .record_feed(seller_id, kind, body, now, FeedOutcome::Accepted, records)
            .expect("accepted feeds get an id");
        envelopes::document_id(id)
    }

    /// `GET /reports/v1/processing-report/{id}`: `In Process` until the configured polls and age have passed.
    pub(crate) fn processing_report(&mut self, seller_id: &str, document_id: u64, now: Timestamp) -> Vec<u8> {
        let delay = self.settings.processing.clone();
        let Some(feed) = self.feeds.iter_mut().find(|f| f.document_id == Some(document_id) && f.seller_id == seller_id)
        else {
            return envelopes::error_detail(&format!("No processing report found for document-id {document_id}"));
        };
        feed.report_polls += 1;
        let old_enough = now.duration_since(feed.received_at) >= delay.min_age;
        if feed.report_polls <= delay.polls || !old_enough {
            return envelopes::report_in_process(document_id);
        }
        envelopes::report_done(document_id, feed.kind.description(), &feed.records)
    }

    pub(crate) fn feeds(&self, seller_id: Option<&str>) -> Vec<FeedRecord> {
        self.feeds.iter().filter(|f| seller_id.is_none_or(|s| s == f.seller_id)).cloned().collect()
    }

    pub(crate) fn feed(&self, document_id: u64) -> Option<FeedRecord> {
        self.feeds.iter().find(|f| f.document_id == Some(document_id)).cloned()
    }

    /// Sears's sandbox `createpo`: one line per item id, dated now.
    pub(crate) fn create_test_po(
        &mut self,
        seller_id: &str,
        item_ids: &[&str],
        now: Timestamp,
    ) -> Result<OrderState, SandboxError> {
        let lines = item_ids
            .iter()
            .map(|id| crate::orders::NewLine {
                item_name: Some(format!("Sandbox test item {id}")),
                commission: Some(rust_decimal::Decimal::new(200, 2)),
                ..crate::orders::NewLine::new(*id, 1, rust_decimal::Decimal::new(1999, 2))
            })
            .collect();
        let order = NewOrder {
            seller_id: Some(seller_id.to_owned()),
            customer_name: Some("Sandbox Customer".to_owned()),
            customer_email: Some("masked-email@seller.sears.com".to_owned()),
            site: Some("sears".to_owned()),
            channel: Some("FBM".to_owned()),
            lines,
            ..NewOrder::default()
        };
        self.create_order(order, now)
    }

    /// Inserts a generated order unless the seller already has its key.
    pub(crate) fn insert_generated(&mut self, seller_id: &str, order: PurchaseOrder) -> Result<bool, SandboxError> {
        Ok(self.account_mut(Some(seller_id))?.insert(order))
    }

    /// Adds requests the showcase set defines, keeping their documented ids.
    pub(crate) fn insert_showcase_requests(
        &mut self,
        seller_id: &str,
        cancels: Vec<CancelRequest>,
        returns: Vec<ReturnRequest>,
    ) -> Result<(), SandboxError> {
        let account = self.account_mut(Some(seller_id))?;
        for request in cancels {
            if !account.cancel_requests.iter().any(|r| r.cancel_request_id == request.cancel_request_id) {
                let (po_number, po_date) = (request.po_number.clone(), request.po_date);
                account.cancel_requests.push(request);
                account.refresh_warnings(&po_number, po_date);
            }
        }
        for request in returns {
            if !account.return_requests.iter().any(|r| r.return_request_id == request.return_request_id) {
                account.return_requests.push(request);
            }
        }
        Ok(())
    }
}
