//! Actions compiled into effects (codes checked against the shipping code table, texts checked) and applied
//! through the session, which keeps seller values, provenance and history.

use jiff::Span;
use jiff::civil::Date;

use super::changes::{Session, Writer};
use super::criteria::Issue;
use super::defaults::items_total;
use super::fields::{Slot, SlotSet};
use super::rule::{Action, InsuranceChoice};
use super::shipping_choice::{ShippingChoice, check_confirmation, shipping_choice};
use crate::measure::{Dimensions, Weight};
use crate::order::{Confirmation, Order};
use crate::sears_time::central_date;

/// The longest hold a rule may set, in days.
pub const MAX_HOLD_DAYS: u32 = 365;

#[derive(Clone, Debug)]
pub(crate) enum Effect {
    Shipping(ShippingChoice),
    Weight(Weight),
    Dimensions(Dimensions),
    Confirmation(Confirmation),
    Insurance(InsuranceChoice),
    AddTag(String),
    AddNote(String),
    HoldUntil(Date),
    HoldForDays(u32),
    CustomField(Slot, Option<String>),
    PackingSlipTemplate(String),
    EmailTemplate(String),
    Stop,
}

/// Compiles a rule's actions, collecting every problem, the slots they write and whether the rule stops
/// processing.
pub(crate) fn compile_actions(
    actions: &[Action],
    writes: &mut SlotSet,
    stops: &mut bool,
) -> Result<Vec<Effect>, Vec<Issue>> {
    let mut issues = Vec::new();
    let mut effects = Vec::with_capacity(actions.len());
    for (i, action) in actions.iter().enumerate() {
        match compile_action(action, writes) {
            Ok(Effect::Stop) => {
                *stops = true;
                effects.push(Effect::Stop);
            }
            Ok(effect) => effects.push(effect),
            Err(message) => issues.push(Issue { location: format!("actions[{i}] ({})", action.name()), message }),
        }
    }
    if issues.is_empty() { Ok(effects) } else { Err(issues) }
}

fn non_empty(text: &str, what: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("the {what} is empty"));
    }
    Ok(text.to_owned())
}

fn compile_action(action: &Action, writes: &mut SlotSet) -> Result<Effect, String> {
    Ok(match action {
        Action::SetService(choice) => {
            let checked =
                shipping_choice(&choice.carrier, &choice.service, choice.package.as_deref()).map_err(|e| e.message)?;
            writes.insert(Slot::Carrier);
            writes.insert(Slot::Service);
            writes.insert(Slot::Package);
            Effect::Shipping(checked)
        }
        Action::SetWeight(weight) => {
            if weight.value <= rust_decimal::Decimal::ZERO {
                return Err(format!("the weight must be more than zero, not {weight}"));
            }
            writes.insert(Slot::Weight);
            Effect::Weight(*weight)
        }
        Action::SetDimensions(dimensions) => {
            writes.insert(Slot::Dimensions);
            Effect::Dimensions(*dimensions)
        }
        Action::SetConfirmation(confirmation) => {
            check_confirmation(*confirmation).map_err(|e| e.message)?;
            writes.insert(Slot::Confirmation);
            Effect::Confirmation(*confirmation)
        }
        Action::SetInsurance(choice) => {
            if let InsuranceChoice::Amount(amount) = choice
                && amount.amount() <= rust_decimal::Decimal::ZERO
            {
                return Err(format!(
                    "the insured amount must be more than zero, not {amount}; to insure nothing write \"none\""
                ));
            }
            writes.insert(Slot::Insurance);
            Effect::Insurance(*choice)
        }
        Action::AddTag(tag) => {
            writes.insert(Slot::Tags);
            Effect::AddTag(non_empty(tag, "tag")?)
        }
        Action::AddInternalNote(note) => {
            let note = non_empty(note, "note")?;
            if note.contains(['\n', '\r']) {
                return Err("a note is one line; add one add_internal_note per line".into());
            }
            writes.insert(Slot::InternalNotes);
            Effect::AddNote(note)
        }
        Action::HoldUntil(date) => {
            writes.insert(Slot::Status);
            writes.insert(Slot::HoldUntil);
            Effect::HoldUntil(*date)
        }
        Action::HoldForDays(days) => {
            if *days == 0 || *days > MAX_HOLD_DAYS {
                return Err(format!("hold_for_days takes 1 to {MAX_HOLD_DAYS} days, not {days}"));
            }
            writes.insert(Slot::Status);
            writes.insert(Slot::HoldUntil);
            Effect::HoldForDays(*days)
        }
        Action::SetCustomField1(value) | Action::SetCustomField2(value) | Action::SetCustomField3(value) => {
            let slot = match action {
                Action::SetCustomField1(_) => Slot::CustomField1,
                Action::SetCustomField2(_) => Slot::CustomField2,
                _ => Slot::CustomField3,
            };
            writes.insert(slot);
            // An empty value clears the field.
            let value = value.trim();
            Effect::CustomField(slot, (!value.is_empty()).then(|| value.to_owned()))
        }
        Action::SetPackingSlipTemplate(name) => {
            writes.insert(Slot::PackingSlipTemplate);
            Effect::PackingSlipTemplate(non_empty(name, "template name")?)
        }
        Action::SetEmailTemplate(name) => {
            writes.insert(Slot::EmailTemplate);
            Effect::EmailTemplate(non_empty(name, "template name")?)
        }
        Action::StopProcessing => Effect::Stop,
    })
}

fn custom_field(slot: Slot) -> impl Fn(&mut Order) -> &mut Option<String> {
    move |o: &mut Order| match slot {
        Slot::CustomField1 => &mut o.advanced_options.custom_field1,
        Slot::CustomField2 => &mut o.advanced_options.custom_field2,
        _ => &mut o.advanced_options.custom_field3,
    }
}

impl Effect {
    pub(crate) fn apply(&self, session: &mut Session<'_>, writer: Writer<'_>) {
        match self {
            Effect::Shipping(choice) => {
                session.set_shipping(choice, writer);
            }
            Effect::Weight(weight) => {
                session.set(Slot::Weight, writer, Some(*weight), |o| &mut o.weight);
            }
            Effect::Dimensions(dimensions) => {
                session.set(Slot::Dimensions, writer, Some(*dimensions), |o| &mut o.dimensions);
            }
            Effect::Confirmation(confirmation) => {
                session.set(Slot::Confirmation, writer, *confirmation, |o| &mut o.confirmation);
            }
            Effect::Insurance(choice) => {
                let value = match choice {
                    InsuranceChoice::None => None,
                    InsuranceChoice::OrderTotal => Some(session.order.order_total),
                    InsuranceChoice::ItemsTotal => Some(items_total(session.order)),
                    InsuranceChoice::Amount(amount) => Some(*amount),
                };
                session.set_insurance(writer, value);
            }
            Effect::AddTag(tag) => {
                session.add_tag(tag, writer);
            }
            Effect::AddNote(note) => {
                session.add_internal_note(note, writer);
            }
            Effect::HoldUntil(date) => {
                session.hold(*date, writer);
            }
            Effect::HoldForDays(days) => {
                let today = central_date(session.now);
                if let Ok(until) = today.checked_add(Span::new().days(i64::from(*days))) {
                    session.hold(until, writer);
                }
            }
            Effect::CustomField(slot, value) => {
                session.set_text(*slot, writer, value.as_deref(), custom_field(*slot));
            }
            Effect::PackingSlipTemplate(name) => {
                session.set_text(Slot::PackingSlipTemplate, writer, Some(name), |o| {
                    &mut o.advanced_options.packing_slip_template
                });
            }
            Effect::EmailTemplate(name) => {
                session.set_text(Slot::EmailTemplate, writer, Some(name), |o| &mut o.advanced_options.email_template);
            }
            Effect::Stop => {}
        }
    }
}
