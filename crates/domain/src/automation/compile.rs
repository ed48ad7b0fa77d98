//! Rules checked and compiled once into an evaluable form, singly and as a set.
//!
//! A rule set is refused when a rule tests a value that an enabled rule below it changes (e.g. rule 1 tests
//! the tags and rule 3 adds a tag): rule 1 would see rule 3's tag only on the next run, so running the rules
//! again would change the order again. Refusing this keeps one run complete and a second run a no-op. For
//! the same reason a rule that tests what it changes itself (it may no longer match once it has run) must
//! not stop processing (the rules below it would run the next time), and no rule above it may set what it
//! sets (that rule's value would come back the next time).

use std::fmt;

use jiff::Timestamp;

use super::actions::{Effect, compile_actions};
use super::changes::{Session, Writer};
use super::criteria::{Check, Context, compile_criteria};
use super::defaults::ProductLookup;
use super::fields::SlotSet;
use super::rule::Rule;
use crate::ids::RuleId;
use crate::order::Order;

/// A problem with a rule, naming the rule and where in it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("rule {rule_name:?} ({rule_id}), {location}: {message}")]
pub struct RuleError {
    pub rule_id: RuleId,
    pub rule_name: String,
    /// `criteria[0].any[1] (weight)`, `actions[2] (set_service)`, `name`...
    pub location: String,
    pub message: String,
}

/// Every problem found in a rule or a rule set.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct RuleErrors(pub Vec<RuleError>);

impl fmt::Display for RuleErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

/// A checked rule, ready to evaluate.
#[derive(Clone, Debug)]
pub struct CompiledRule {
    pub id: RuleId,
    pub name: String,
    pub position: u32,
    pub enabled: bool,
    check: Check,
    effects: Vec<Effect>,
    reads: SlotSet,
    writes: SlotSet,
    stops: bool,
}

impl CompiledRule {
    /// Checks a rule: names, criteria (operators against field types, values), actions (codes against the
    /// shipping code table; a carrier or service without a Sears code is refused with the table's reason).
    pub fn compile(rule: &Rule) -> Result<CompiledRule, RuleErrors> {
        let error = |location: &str, message: String| RuleError {
            rule_id: rule.id.clone(),
            rule_name: rule.name.clone(),
            location: location.to_owned(),
            message,
        };
        let mut errors = Vec::new();
        if rule.name.trim().is_empty() {
            errors.push(error("name", "the rule has no name; give it one that says what it does".into()));
        }
        if rule.actions.is_empty() {
            errors.push(error("actions", "the rule has no actions; add at least one".into()));
        }
        let mut reads = SlotSet::default();
        let check = compile_criteria(&rule.criteria, &mut reads).map_err(|issues| {
            errors.extend(issues.into_iter().map(|i| error(&i.location, i.message)));
        });
        let mut writes = SlotSet::default();
        let mut stops = false;
        let effects = compile_actions(&rule.actions, &mut writes, &mut stops).map_err(|issues| {
            errors.extend(issues.into_iter().map(|i| error(&i.location, i.message)));
        });
        match (check, effects) {
            (Ok(check), Ok(effects)) if errors.is_empty() => Ok(CompiledRule {
                id: rule.id.clone(),
                name: rule.name.trim().to_owned(),
                position: rule.position,
                enabled: rule.enabled,
                check,
                effects,
                reads,
                writes,
                stops,
            }),
            _ => Err(RuleErrors(errors)),
        }
    }

    /// Whether the rule's criteria hold for `order` at `now`.
    pub fn matches(&self, order: &Order, products: &dyn ProductLookup, now: Timestamp) -> bool {
        self.check.eval(order, &Context::new(now, products))
    }

    pub fn stops_processing(&self) -> bool {
        self.stops
    }

    pub(crate) fn matches_in(&self, order: &Order, cx: &Context<'_>) -> bool {
        self.check.eval(order, cx)
    }

    pub(crate) fn apply(&self, session: &mut Session<'_>) {
        let writer = Writer::Rule { id: &self.id, name: &self.name };
        for effect in &self.effects {
            effect.apply(session, writer);
        }
    }
}

/// The enabled rules of an account, checked as a set, in the order they run.
#[derive(Clone, Debug, Default)]
pub struct CompiledRules {
    rules: Vec<CompiledRule>,
}

impl CompiledRules {
    /// Compiles every rule (disabled ones too: a broken rule is reported even when off) and checks the
    /// enabled ones as a set: unique ids, and no rule testing what a rule below it changes.
    pub fn compile(rules: &[Rule]) -> Result<CompiledRules, RuleErrors> {
        let mut errors = Vec::new();
        let mut compiled = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            if rules[..i].iter().any(|r| r.id == rule.id) {
                errors.push(RuleError {
                    rule_id: rule.id.clone(),
                    rule_name: rule.name.clone(),
                    location: "id".into(),
                    message: "another rule has the same id; every rule needs its own".into(),
                });
            }
            match CompiledRule::compile(rule) {
                Ok(c) => compiled.push(c),
                Err(RuleErrors(e)) => errors.extend(e),
            }
        }
        compiled.retain(|r| r.enabled);
        compiled.sort_by(|a, b| (a.position, &a.id).cmp(&(b.position, &b.id)));
        for (i, rule) in compiled.iter().enumerate() {
            let error = |message: String| RuleError {
                rule_id: rule.id.clone(),
                rule_name: rule.name.clone(),
                location: "criteria".into(),
                message,
            };
            if let Some(slot) = rule.reads.intersection(rule.writes).first().filter(|_| rule.stops) {
                errors.push(error(format!(
                    "it tests {} and changes it, and stops processing: once it has run it no longer matches, so \
                     the rules below it would run when the rules run again. Remove stop_processing, or test \
                     something the rule does not change",
                    slot.describe()
                )));
            }
            if let Some(own) = rule.reads.intersection(rule.writes).first() {
                for earlier in &compiled[..i] {
                    if let Some(slot) = rule.writes.intersection(earlier.writes).overwritable().first() {
                        errors.push(error(format!(
                            "it tests {} and changes it itself, and rule {:?} (position {}) above it also sets {}: \
                             once this rule has run it may no longer match, and {:?}'s value would come back the \
                             next time the rules run. Let only one of the two set {}, or make this rule test \
                             something it does not change",
                            own.describe(),
                            earlier.name,
                            earlier.position,
                            slot.describe(),
                            earlier.name,
                            slot.describe()
                        )));
                    }
                }
            }
            for later in &compiled[i + 1..] {
                if let Some(slot) = rule.reads.intersection(later.writes).first() {
                    errors.push(error(format!(
                        "it tests {}, which rule {:?} (position {}) below it changes; a rule sees only what the \
                         rules above it did, so move {:?} above this rule (or this rule below it)",
                        slot.describe(),
                        later.name,
                        later.position,
                        later.name
                    )));
                }
            }
        }
        if errors.is_empty() { Ok(CompiledRules { rules: compiled }) } else { Err(RuleErrors(errors)) }
    }

    /// The enabled rules in the order they run.
    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}
