//! Changing an order on automation's behalf: who may overwrite what, provenance in `order.sources`, and the
//! history of what changed.
//!
//! Precedence: every automated value records its writer in `order.sources`. A step may overwrite a value
//! whose source ranks at or below its own: marketplace / catalog / items < product default < service mapping
//! < rule; a value the seller set (`Seller`) is never touched. Since the steps run in that order, "a rule beats
//! the mapping beats product defaults" holds within one run, and a re-run never lets an earlier step undo a
//! later one.
//!
//! History is recorded per field as the net change of the run (old value before the run, value after it),
//! attributed to the last step that set it, so a run that sets a field and sets it back records nothing.
//! Tags and internal notes only ever grow; for them each step that added something gets its own entry.

use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::Value;

use super::fields::Slot;
use super::shipping_choice::{ShippingChoice, package_belongs_elsewhere};
use crate::history::{Actor, HistoryEntry};
use crate::ids::RuleId;
use crate::money::Money;
use crate::order::{InsuranceOptions, Order, ValueSource};
use crate::sears_time::central_date;
use crate::status::OrderStatus;

/// Who is changing the order.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Writer<'a> {
    ProductDefault { sku: &'a str },
    ServiceMapping { requested: &'a str },
    Rule { id: &'a RuleId, name: &'a str },
}

impl Writer<'_> {
    fn rank(self) -> u8 {
        match self {
            Writer::ProductDefault { .. } => 1,
            Writer::ServiceMapping { .. } => 2,
            Writer::Rule { .. } => 3,
        }
    }

    pub(crate) fn actor(self) -> Actor {
        match self {
            Writer::ProductDefault { sku } => Actor::ProductDefault { sku: sku.to_owned() },
            Writer::ServiceMapping { requested } => Actor::ServiceMapping { requested: requested.to_owned() },
            Writer::Rule { id, name } => Actor::Rule { rule_id: id.clone(), rule_name: name.to_owned() },
        }
    }

    fn source(self) -> ValueSource {
        match self {
            Writer::ProductDefault { sku } => ValueSource::ProductDefault { sku: sku.to_owned() },
            Writer::ServiceMapping { requested } => ValueSource::ServiceMapping { requested: requested.to_owned() },
            Writer::Rule { id, name } => ValueSource::Rule { rule_id: id.clone(), rule_name: name.to_owned() },
        }
    }

    fn is_source(self, source: &ValueSource) -> bool {
        match (self, source) {
            (Writer::ProductDefault { sku }, ValueSource::ProductDefault { sku: s }) => sku == s,
            (Writer::ServiceMapping { requested }, ValueSource::ServiceMapping { requested: r }) => requested == r,
            (Writer::Rule { id, name }, ValueSource::Rule { rule_id, rule_name }) => id == rule_id && name == rule_name,
            _ => false,
        }
    }

    fn is_actor(self, actor: &Actor) -> bool {
        match (self, actor) {
            (Writer::ProductDefault { sku }, Actor::ProductDefault { sku: s }) => sku == s,
            (Writer::ServiceMapping { requested }, Actor::ServiceMapping { requested: r }) => requested == r,
            (Writer::Rule { id, name }, Actor::Rule { rule_id, rule_name }) => id == rule_id && name == rule_name,
            _ => false,
        }
    }
}

fn source_rank(source: &ValueSource) -> u8 {
    match source {
        ValueSource::Marketplace | ValueSource::Catalog | ValueSource::Items => 0,
        ValueSource::ProductDefault { .. } => 1,
        ValueSource::ServiceMapping { .. } => 2,
        ValueSource::Rule { .. } => 3,
        ValueSource::Seller => u8::MAX,
    }
}

struct Pending {
    slot: Option<Slot>,
    field: String,
    old: Value,
    /// Known for entries closed during the run; otherwise read from the order at the end.
    new: Option<Value>,
    actor: Actor,
    note: Option<&'static str>,
}

/// One run's changes to one order.
pub(crate) struct Session<'o> {
    pub(crate) order: &'o mut Order,
    pub(crate) now: Timestamp,
    pending: Vec<Pending>,
    /// `order.sources` entries as they were when the run first claimed them.
    sources_before: Vec<(&'static str, Option<ValueSource>)>,
    /// Changes history does not show net (the catalog fill's provenance, its item values).
    dirty: bool,
}

impl<'o> Session<'o> {
    pub(crate) fn new(order: &'o mut Order, now: Timestamp) -> Self {
        Session { order, now, pending: Vec::new(), sources_before: Vec::new(), dirty: false }
    }

    /// Whether `writer` may change `slot` (see the module docs).
    pub(crate) fn may_write(&self, slot: Slot, writer: Writer<'_>) -> bool {
        self.rank_of(slot) <= writer.rank()
    }

    /// The rank of whoever set `slot` (0 when no step did).
    fn rank_of(&self, slot: Slot) -> u8 {
        self.order.sources.get(slot.key()).map_or(0, source_rank)
    }

    /// Records `writer` as the source of `slot`. When the run already changed the slot, its history entry
    /// names `writer` too: the last step that set a value is the one history and provenance both name.
    fn claim(&mut self, slot: Slot, writer: Writer<'_>) {
        if !slot.is_additive()
            && let Some(pending) = self.pending.iter_mut().rev().find(|p| p.slot == Some(slot))
            && !writer.is_actor(&pending.actor)
        {
            pending.actor = writer.actor();
            pending.note = None;
        }
        let current = self.order.sources.get(slot.key());
        if !current.is_some_and(|s| writer.is_source(s)) {
            if !self.sources_before.iter().any(|(key, _)| *key == slot.key()) {
                self.sources_before.push((slot.key(), current.cloned()));
            }
            self.order.sources.insert(slot.key().to_owned(), writer.source());
        }
    }

    /// Notes the value of `slot` before `writer` changes it.
    fn touch(&mut self, slot: Slot, writer: Writer<'_>) {
        let last = self.pending.iter().rposition(|p| p.slot == Some(slot));
        if slot.is_additive() {
            if let Some(i) = last {
                if writer.is_actor(&self.pending[i].actor) {
                    return;
                }
                self.pending[i].new = Some(slot.json(self.order));
            }
        } else if let Some(i) = last {
            if !writer.is_actor(&self.pending[i].actor) {
                self.pending[i].actor = writer.actor();
                self.pending[i].note = None;
            }
            return;
        }
        self.pending.push(Pending {
            slot: Some(slot),
            field: slot.key().to_owned(),
            old: slot.json(self.order),
            new: None,
            actor: writer.actor(),
            note: None,
        });
    }

    /// Changes `slot` with `write` unless `is_current` says the value is already there, if `writer` may;
    /// returns whether the value changed. A step that finds the value already there takes over its provenance
    /// only from a lower-ranked step: among rules that agree, the first one keeps it (so re-running, whichever
    /// of them match, leaves provenance alone).
    pub(crate) fn set_with(
        &mut self,
        slot: Slot,
        writer: Writer<'_>,
        is_current: impl FnOnce(&Order) -> bool,
        write: impl FnOnce(&mut Order),
    ) -> bool {
        let rank = self.rank_of(slot);
        if rank > writer.rank() {
            return false;
        }
        if is_current(self.order) {
            if rank < writer.rank() {
                self.claim(slot, writer);
            }
            return false;
        }
        self.touch(slot, writer);
        write(self.order);
        self.claim(slot, writer);
        true
    }

    /// Sets `slot` to `new` (see [`Session::set_with`]).
    pub(crate) fn set<T: PartialEq>(
        &mut self,
        slot: Slot,
        writer: Writer<'_>,
        new: T,
        access: impl Fn(&mut Order) -> &mut T,
    ) -> bool {
        let rank = self.rank_of(slot);
        if rank > writer.rank() {
            return false;
        }
        if *access(self.order) == new {
            if rank < writer.rank() {
                self.claim(slot, writer);
            }
            return false;
        }
        self.touch(slot, writer);
        *access(self.order) = new;
        self.claim(slot, writer);
        true
    }

    /// [`Session::set`] for optional text, without allocating when the value is already there.
    pub(crate) fn set_text(
        &mut self,
        slot: Slot,
        writer: Writer<'_>,
        new: Option<&str>,
        access: impl Fn(&mut Order) -> &mut Option<String>,
    ) -> bool {
        let rank = self.rank_of(slot);
        self.set_text_at(slot, rank, writer, new, access)
    }

    /// [`Session::set_text`] when the caller already knows the rank of the slot's source.
    fn set_text_at(
        &mut self,
        slot: Slot,
        rank: u8,
        writer: Writer<'_>,
        new: Option<&str>,
        access: impl Fn(&mut Order) -> &mut Option<String>,
    ) -> bool {
        if rank > writer.rank() {
            return false;
        }
        if access(self.order).as_deref() == new {
            if rank < writer.rank() {
                self.claim(slot, writer);
            }
            return false;
        }
        self.touch(slot, writer);
        *access(self.order) = new.map(str::to_owned);
        self.claim(slot, writer);
        true
    }

    /// Insurance through the carrier for `value`, or none; compared without building the options.
    pub(crate) fn set_insurance(&mut self, writer: Writer<'_>, value: Option<Money>) -> bool {
        let is_current = |order: &Order| {
            let current = &order.insurance_options;
            match value {
                Some(v) => {
                    current.insure_shipment
                        && current.provider.as_deref() == Some("carrier")
                        && current.insured_value == v
                }
                None => *current == InsuranceOptions::default(),
            }
        };
        self.set_with(Slot::Insurance, writer, is_current, |order| {
            order.insurance_options = match value {
                Some(v) => {
                    InsuranceOptions { provider: Some("carrier".into()), insure_shipment: true, insured_value: v }
                }
                None => InsuranceOptions::default(),
            };
        })
    }

    /// Carrier, service and package together: either all of them may be written, or none is (a pair of a
    /// seller's carrier and a rule's service would be nonsense). A package of another carrier is cleared.
    pub(crate) fn set_shipping(&mut self, choice: &ShippingChoice, writer: Writer<'_>) -> bool {
        let clear_package = choice.package.is_none()
            && self.order.package_code.as_deref().is_some_and(|p| package_belongs_elsewhere(p, choice.carrier));
        let touches_package = choice.package.is_some() || clear_package;
        let (carrier, service) = (self.rank_of(Slot::Carrier), self.rank_of(Slot::Service));
        let package = if touches_package { self.rank_of(Slot::Package) } else { 0 };
        if carrier.max(service).max(package) > writer.rank() {
            return false;
        }
        let mut changed =
            self.set_text_at(Slot::Carrier, carrier, writer, Some(choice.carrier), |o| &mut o.carrier_code);
        changed |= self.set_text_at(Slot::Service, service, writer, Some(choice.service), |o| &mut o.service_code);
        if touches_package {
            changed |= self.set_text_at(Slot::Package, package, writer, choice.package, |o| &mut o.package_code);
        }
        changed
    }

    /// Adds a tag unless present (ignoring case).
    pub(crate) fn add_tag(&mut self, tag: &str, writer: Writer<'_>) -> bool {
        if self.order.has_tag(tag) || !self.may_write(Slot::Tags, writer) {
            return false;
        }
        self.touch(Slot::Tags, writer);
        self.order.tags.push(tag.to_owned());
        self.claim(Slot::Tags, writer);
        true
    }

    /// Appends a line to the internal notes unless a line with that text (ignoring surrounding blanks) is
    /// already there, so re-running never repeats it.
    pub(crate) fn add_internal_note(&mut self, note: &str, writer: Writer<'_>) -> bool {
        let note = note.trim();
        let present =
            self.order.internal_notes.as_deref().is_some_and(|notes| notes.lines().any(|line| line.trim() == note));
        if present || !self.may_write(Slot::InternalNotes, writer) {
            return false;
        }
        self.touch(Slot::InternalNotes, writer);
        self.order.append_internal_note(note);
        self.claim(Slot::InternalNotes, writer);
        true
    }

    /// Puts an awaiting-shipment order on hold until `until` (US Central). Automation holds an order at most
    /// once: not when it is not awaiting shipment, not when it has a hold date, and not when it was ever held
    /// before (`sources.holdUntilDate` stays after a release), so a seller's release is final. A date that is
    /// not after today holds nothing.
    pub(crate) fn hold(&mut self, until: Date, writer: Writer<'_>) -> bool {
        let order = &*self.order;
        if order.order_status != OrderStatus::AwaitingShipment
            || order.hold_until_date.is_some()
            || order.sources.contains_key(Slot::HoldUntil.key())
            || until <= central_date(self.now)
            || !self.may_write(Slot::Status, writer)
            || !self.may_write(Slot::HoldUntil, writer)
        {
            return false;
        }
        self.set(Slot::Status, writer, OrderStatus::OnHold, |o| &mut o.order_status);
        self.set(Slot::HoldUntil, writer, Some(until), |o| &mut o.hold_until_date);
        true
    }

    /// Notes a change that history does not show (provenance only).
    pub(crate) fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    /// Records a change made outside the slot setters (item values filled from the catalog).
    pub(crate) fn record(
        &mut self,
        field: String,
        old: Value,
        new: Value,
        writer: Writer<'_>,
        note: Option<&'static str>,
    ) {
        self.dirty = true;
        self.pending.push(Pending { slot: None, field, old, new: Some(new), actor: writer.actor(), note });
    }

    /// Records a change to `slot` that has already been made, given its old value.
    pub(crate) fn record_slot(&mut self, slot: Slot, old: Value, writer: Writer<'_>, note: Option<&'static str>) {
        if self.pending.iter().any(|p| p.slot == Some(slot)) {
            // An earlier entry holds the value from before the run.
            return;
        }
        self.pending.push(Pending {
            slot: Some(slot),
            field: slot.key().to_owned(),
            old,
            new: None,
            actor: writer.actor(),
            note,
        });
    }

    /// The history of the run (only fields whose value differs in the end) and whether the order changed at
    /// all (values or provenance).
    pub(crate) fn finish(self) -> (Vec<HistoryEntry>, bool) {
        let Session { order, now, pending, sources_before, dirty } = self;
        let entries = pending
            .into_iter()
            .filter_map(|p| {
                let new = match (p.new, p.slot) {
                    (Some(new), _) => new,
                    (None, Some(slot)) => slot.json(order),
                    (None, None) => unreachable!("slot-less entries carry their new value"),
                };
                (new != p.old).then(|| HistoryEntry {
                    at: now,
                    actor: p.actor,
                    field: p.field,
                    old: p.old,
                    new,
                    note: p.note.map(str::to_owned),
                })
            })
            .collect::<Vec<_>>();
        let changed = dirty
            || !entries.is_empty()
            || sources_before.iter().any(|(key, before)| order.sources.get(*key) != before.as_ref());
        (entries, changed)
    }
}
