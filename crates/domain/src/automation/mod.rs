//! Automation: product defaults, service mapping and rules, applied to one order at a time. Pure: callers
//! pass the order, the compiled rules, the store's mapping, a product lookup and `now`.
//!
//! # The pipeline
//! [`Automation::run`] runs, in order: 1) product defaults ([`defaults`](self#product-defaults)),
//! 2) the store's service mapping, 3) the enabled rules top to bottom by position, stopping after a matching
//! rule with `stop_processing`. It runs on import into Awaiting Shipment, on every later move into Awaiting
//! Shipment, and on demand (any open status); shipped and cancelled orders are skipped with a reason.
//!
//! # Who wins
//! Every value automation sets records its writer in `order.sources` (`ProductDefault`, `ServiceMapping`,
//! `Rule`) and in history (`Actor::…`, field path, old and new JSON). A step overwrites only values from a
//! step at or before its own (rule > mapping > product default > marketplace/catalog), so for one field a
//! rule beats the mapping beats the defaults, and a re-run never lets an earlier step undo a later one. A
//! value the seller set (`ValueSource::Seller`) is never changed; for tags and notes that means once the
//! seller edits them by hand automation stops adding to them.
//!
//! # Re-running changes nothing
//! Running the pipeline on its own output (same inputs, same `now`) changes nothing: set-actions compare
//! before writing, tags are added only when missing (ignoring case), a note line is appended only when that
//! line is not there yet, and holds apply once (below). What makes this hold for any rule set is a check at
//! compile time: a rule may not test a value that an enabled rule below it changes, and a rule that stops
//! processing may not test what it changes itself ([`CompiledRules::compile`] says which rule to move).
//!
//! # Holds
//! `hold_until` / `hold_for_days` move an order awaiting shipment to On Hold with a hold date (US Central).
//! Automation holds an order at most once: not when it is on hold, and never again after a hold (by a rule or
//! the seller) was released — releasing keeps `sources.holdUntilDate` as the record — so neither the seller's
//! release nor the automatic release when the date comes is undone by the rules running again on the move
//! back to Awaiting Shipment. A hold date that is not after today holds nothing. See [`hold`] for release.
//!
//! # Product defaults
//! Multi-line and multi-quantity orders get defaults too; the precedence between lines is documented in the
//! `defaults` module: weight is the catalog fill's sum of item weight × quantity; carrier/service/package
//! from agreeing lines or else the heaviest line; the most protective confirmation; insurance if any product
//! asks; dimensions only for one line of quantity 1; customs data when every line has it.
//!
//! # Rules
//! Rules are data ([`Rule`], serde, readable TOML/JSON via [`RuleFile`]); [`CompiledRule::compile`] checks
//! them once (operators against field types, values parsed, codes checked against the shipping code table —
//! a carrier or service Sears cannot name is refused with the table's reason) into a form that evaluates
//! without allocating. Line criteria take `any`, `all` (not vacuous: an order without lines does not match)
//! or `none`; adjustment lines are never looked at.
//!
//! # Speed
//! Compiled criteria hold folded text, parsed amounts and resolved dates; groups try their cheap members
//! first; each line's product is looked up once per order; unchanged values are compared without allocating
//! and produce no history. `cargo bench -p wharf-domain --bench automation` runs 100 rules over 100,000
//! generated orders.

mod actions;
mod changes;
mod compile;
mod criteria;
mod defaults;
mod fields;
pub mod hold;
mod mapping;
mod pipeline;
mod rule;
mod rule_file;
mod shipping_choice;
mod text_match;

#[cfg(test)]
mod tests;

pub use actions::MAX_HOLD_DAYS;
pub use compile::{CompiledRule, CompiledRules, RuleError, RuleErrors};
pub use criteria::operators_for;
pub use defaults::{NoProducts, ProductLookup};
pub use fields::{FieldSpec, LineField, OrderField, Slot, ValueKind};
pub use mapping::{UnmappedService, unmapped_services, validate_mapping_entry};
pub use pipeline::{Automation, Outcome, RuleMatch, RunReport, SkipReason, Trigger, preview_rule, skip_reason};
pub use rule::{
    Action, Criterion, InsuranceChoice, LineTest, Operand, Operator, OrderTest, Quantifier, Rule, ServiceChoice,
    move_rule,
};
pub use rule_file::{EXAMPLE_RULES_TOML, MappingRow, RuleFile, RuleFileError};
pub use shipping_choice::{ShippingChoice, ShippingChoiceError, check_confirmation, shipping_choice};
