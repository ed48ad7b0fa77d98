//! The pipeline as a whole: step order and precedence, provenance and history, multi-line product defaults,
//! holds, refusals, previews, the rule file, and (as properties) that a second run changes nothing.

use jiff::Timestamp;
use jiff::civil::date;
use pretty_assertions::assert_eq;
use rust_decimal_macros::dec;
use serde_json::{Value, json};

use super::*;
use crate::history::{Actor, HistoryEntry};
use crate::measure::{Dimensions, Weight};
use crate::money::Money;
use crate::order::{Confirmation, CustomsItem, InsuranceOptions, InternationalOptions, Order, ValueSource};
use crate::product::{CustomsInfo, Product, ProductShippingDefaults};
use crate::sample;
use crate::service_mapping::{ServiceMapping, ServiceMappingEntry};
use crate::status::OrderStatus;

/// 2026-11-26 12:00 US Central; the sample order was placed at 10:15 that day and ships by 2026-11-28T16:15Z.
fn now() -> Timestamp {
    "2026-11-26T18:00:00Z".parse().unwrap()
}

fn rule(id: &str, name: &str, position: u32, criteria: Value, actions: Value) -> Rule {
    serde_json::from_value(json!({
        "id": id, "name": name, "position": position, "criteria": criteria, "actions": actions,
    }))
    .expect("test rules are well-formed")
}

fn compiled(rules: &[Rule]) -> CompiledRules {
    CompiledRules::compile(rules).unwrap_or_else(|e| panic!("{e}"))
}

fn mapping(rows: &[(&str, &str, &str, Option<&str>)]) -> ServiceMapping {
    let mut m = ServiceMapping::default();
    for (requested, carrier, service, package) in rows {
        m.set(ServiceMappingEntry {
            requested: requested.to_string(),
            carrier_code: carrier.to_string(),
            service_code: service.to_string(),
            package_code: package.map(str::to_owned),
        });
    }
    m
}

fn product(sku: &str, ounces: i64, defaults: ProductShippingDefaults) -> Product {
    let mut p = sample::product(sku, ounces, "A-1");
    p.defaults = defaults;
    p.options = vec![];
    p.image_url = None;
    p
}

fn ship_default(carrier: &str, service: &str) -> ProductShippingDefaults {
    ProductShippingDefaults {
        carrier_code: Some(carrier.into()),
        service_code: Some(service.into()),
        ..Default::default()
    }
}

fn run(automation: &Automation<'_>, order: &mut Order) -> RunReport {
    match automation.run(order, Trigger::Import, now()) {
        Outcome::Ran(report) => report,
        Outcome::Skipped(reason) => panic!("unexpectedly {reason}"),
    }
}

/// For orders the first run put on hold.
fn run_on_demand(automation: &Automation<'_>, order: &mut Order) -> RunReport {
    match automation.run(order, Trigger::OnDemand, now()) {
        Outcome::Ran(report) => report,
        Outcome::Skipped(reason) => panic!("unexpectedly {reason}"),
    }
}

fn rule_actor(id: &str, name: &str) -> Actor {
    Actor::Rule { rule_id: id.parse().unwrap(), rule_name: name.into() }
}

fn rule_source(id: &str, name: &str) -> ValueSource {
    ValueSource::Rule { rule_id: id.parse().unwrap(), rule_name: name.into() }
}

fn entry(actor: Actor, field: &str, old: Value, new: Value) -> HistoryEntry {
    HistoryEntry { at: now(), actor, field: field.into(), old, new, note: None }
}

fn example() -> (CompiledRules, ServiceMapping) {
    let file = RuleFile::example();
    (file.compile().unwrap(), file.service_mapping().unwrap())
}

#[test]
fn demo_rules_on_a_gift_order_record_every_change_and_its_source() {
    let (rules, mapping) = example();
    let automation = Automation { rules: &rules, service_mapping: &mapping, products: &NoProducts };
    let mut order = sample::order("ord_1", "5550001");
    order.gift = true;
    let report = run(&automation, &mut order);

    let mapped = || Actor::ServiceMapping { requested: "Ground".into() };
    let gift = || rule_actor("rul_demo-gift", "Gift orders: tag, note and gift packing slip");
    let note = "Gift order: include the gift message, no prices on the packing slip.";
    assert_eq!(
        report.changes,
        vec![
            entry(mapped(), "carrierCode", Value::Null, json!("ups")),
            entry(mapped(), "serviceCode", Value::Null, json!("ups_ground")),
            entry(mapped(), "packageCode", Value::Null, json!("package")),
            entry(gift(), "tags", json!([]), json!(["gift"])),
            entry(gift(), "internalNotes", Value::Null, json!(note)),
            entry(gift(), "advancedOptions.packingSlipTemplate", Value::Null, json!("gift")),
        ]
    );
    assert_eq!(report.matched_rules, vec!["rul_demo-gift".parse().unwrap()]);
    assert!(report.order_changed);
    assert_eq!(order.modify_date, now());
    assert_eq!(order.tags, vec!["gift".to_string()]);
    assert_eq!(order.internal_notes.as_deref(), Some(note));
    assert_eq!(order.sources.get("serviceCode"), Some(&ValueSource::ServiceMapping { requested: "Ground".into() }));
    assert_eq!(
        order.sources.get("advancedOptions.packingSlipTemplate"),
        Some(&rule_source("rul_demo-gift", "Gift orders: tag, note and gift packing slip"))
    );

    // The second run changes nothing, not even the modify date.
    let before = order.clone();
    let later: Timestamp = "2026-11-26T18:05:00Z".parse().unwrap();
    let Outcome::Ran(again) = automation.run(&mut order, Trigger::OnDemand, later) else {
        panic!("runs on demand");
    };
    assert_eq!(again.changes, vec![]);
    assert!(!again.order_changed);
    assert_eq!(order, before);
}

#[test]
fn demo_rules_flag_long_skus_rush_express_and_hold_appliances() {
    let (rules, mapping) = example();
    let automation = Automation { rules: &rules, service_mapping: &mapping, products: &NoProducts };
    let mut order = sample::order("ord_2", "5550002");
    order.requested_shipping_service = Some("Express".into());
    order.items[0].sku = "KNMR-REFRIGERATOR-DOOR-SHELF-BIN-GALLON-WHT-XL".into();
    order.items[1].sku = "APPL-MICRO-SLV".into();
    let report = run(&automation, &mut order);

    assert_eq!(
        report.matched_rules,
        ["rul_demo-long-sku", "rul_demo-rush", "rul_demo-appliance"].map(|id| id.parse().unwrap())
    );
    assert_eq!(order.service_code.as_deref(), Some("ups_next_day_air"));
    assert_eq!(order.tags, ["manual-sears-update", "rush", "appliance"]);
    assert_eq!(order.advanced_options.custom_field1.as_deref(), Some("RUSH"));
    assert_eq!(order.order_status, OrderStatus::OnHold);
    // Held one day from today, 2026-11-26 in Chicago.
    assert_eq!(order.hold_until_date, Some(date(2026, 11, 27)));
    // Each rule that added a tag has its own history entry.
    let tag_entries: Vec<(&Actor, &Value)> =
        report.changes.iter().filter(|c| c.field == "tags").map(|c| (&c.actor, &c.new)).collect();
    assert_eq!(
        tag_entries,
        vec![
            (
                &rule_actor("rul_demo-long-sku", "SKU of 42+ characters: update Sears by hand"),
                &json!(["manual-sears-update"])
            ),
            (
                &rule_actor("rul_demo-rush", "Rush: Express or due within 24 hours"),
                &json!(["manual-sears-update", "rush"])
            ),
            (
                &rule_actor("rul_demo-appliance", "Appliances: hold one day for stock"),
                &json!(["manual-sears-update", "rush", "appliance"])
            ),
        ]
    );
    let hold: Vec<&HistoryEntry> =
        report.changes.iter().filter(|c| c.field == "orderStatus" || c.field == "holdUntilDate").collect();
    assert_eq!(
        hold,
        vec![
            &entry(
                rule_actor("rul_demo-appliance", "Appliances: hold one day for stock"),
                "orderStatus",
                json!("awaiting_shipment"),
                json!("on_hold")
            ),
            &entry(
                rule_actor("rul_demo-appliance", "Appliances: hold one day for stock"),
                "holdUntilDate",
                Value::Null,
                json!("2026-11-27")
            ),
        ]
    );
}

#[test]
fn heavy_orders_go_ups_ground_with_signature_and_the_rule_owns_the_values() {
    let (rules, mapping) = example();
    let products = vec![product("MUG-BLUE", 160, Default::default()), product("TEE-L", 8, Default::default())];
    let automation = Automation { rules: &rules, service_mapping: &mapping, products: &products };
    let mut order = sample::order("ord_3", "5550003");
    let report = run(&automation, &mut order);
    // 2 x 160 oz + 1 x 8 oz = 328 oz = 20.5 lb.
    assert_eq!(order.weight, Some(Weight::ounces(dec!(328))));
    assert_eq!(report.matched_rules, vec!["rul_demo-heavy".parse().unwrap()]);
    assert_eq!(order.service_code.as_deref(), Some("ups_ground"));
    assert_eq!(order.confirmation, Confirmation::Signature);
    let heavy = || rule_actor("rul_demo-heavy", "Heavy orders: UPS Ground with signature");
    // The mapping set UPS Ground first, the rule set it too: history and provenance both name the rule.
    let service = report.changes.iter().find(|c| c.field == "serviceCode").unwrap();
    assert_eq!(service, &entry(heavy(), "serviceCode", Value::Null, json!("ups_ground")));
    assert_eq!(
        order.sources.get("serviceCode"),
        Some(&rule_source("rul_demo-heavy", "Heavy orders: UPS Ground with signature"))
    );
    let weight = report.changes.iter().find(|c| c.field == "weight").unwrap();
    assert_eq!(
        weight,
        &HistoryEntry {
            note: Some("the items' weights times their quantities".into()),
            ..entry(
                Actor::ProductDefault { sku: "MUG-BLUE, TEE-L".into() },
                "weight",
                Value::Null,
                json!({"value": 328, "units": "ounces"})
            )
        }
    );
    assert_eq!(order.sources.get("weight"), Some(&ValueSource::Items));
    // The catalog fill's item values are in history under the line's SKU.
    assert!(report.changes.contains(&entry(
        Actor::ProductDefault { sku: "TEE-L".into() },
        "items[1].weight",
        Value::Null,
        json!({"value": 8, "units": "ounces"})
    )));
}

/// One product default, one mapping and one rule all choose the service.
fn precedence_setup() -> (Vec<Product>, ServiceMapping, Rule) {
    let products =
        vec![product("MUG-BLUE", 14, ship_default("fedex", "fedex_ground")), product("TEE-L", 6, Default::default())];
    let mapping = mapping(&[("Ground", "usps", "usps_priority_mail", None)]);
    let rule = rule(
        "rul_air",
        "Everything by air",
        1,
        json!([]),
        json!([{"set_service": {"carrier": "ups", "service": "ups_2nd_day_air"}}, {"add_tag": "air"}]),
    );
    (products, mapping, rule)
}

#[test]
fn a_rule_beats_the_mapping_beats_product_defaults() {
    let (products, mapping, air) = precedence_setup();
    let service_after = |rules: &[Rule], mapping: &ServiceMapping| {
        let rules = compiled(rules);
        let automation = Automation { rules: &rules, service_mapping: mapping, products: &products };
        let mut order = sample::order("ord_1", "5550001");
        run(&automation, &mut order);
        (order.carrier_code.clone(), order.service_code.clone(), order.sources.get("serviceCode").cloned())
    };
    let none = ServiceMapping::default();
    assert_eq!(
        service_after(&[], &none),
        (
            Some("fedex".into()),
            Some("fedex_ground".into()),
            Some(ValueSource::ProductDefault { sku: "MUG-BLUE".into() })
        )
    );
    assert_eq!(
        service_after(&[], &mapping),
        (
            Some("usps".into()),
            Some("usps_priority_mail".into()),
            Some(ValueSource::ServiceMapping { requested: "Ground".into() })
        )
    );
    assert_eq!(
        service_after(std::slice::from_ref(&air), &mapping),
        (Some("ups".into()), Some("ups_2nd_day_air".into()), Some(rule_source("rul_air", "Everything by air")))
    );
}

#[test]
fn values_the_seller_set_are_never_changed() {
    let (products, mapping, air) = precedence_setup();
    let rules = compiled(&[air]);
    let automation = Automation { rules: &rules, service_mapping: &mapping, products: &products };
    let mut order = sample::order("ord_1", "5550001");
    order.carrier_code = Some("dhl".into());
    order.service_code = Some("dhl_economy".into());
    order.sources.insert("carrierCode".into(), ValueSource::Seller);
    order.weight = Some(Weight::pounds(dec!(3)));
    order.sources.insert("weight".into(), ValueSource::Seller);
    let report = run(&automation, &mut order);
    assert_eq!(order.carrier_code.as_deref(), Some("dhl"));
    // The service goes with the seller's carrier, so no step touched it either.
    assert_eq!(order.service_code.as_deref(), Some("dhl_economy"));
    assert_eq!(order.weight, Some(Weight::pounds(dec!(3))));
    assert_eq!(order.sources.get("carrierCode"), Some(&ValueSource::Seller));
    // The rule's other action still applies.
    assert_eq!(order.tags, ["air"]);
    let fields: Vec<&str> = report.changes.iter().map(|c| c.field.as_str()).collect();
    assert!(
        !fields.contains(&"carrierCode") && !fields.contains(&"serviceCode") && !fields.contains(&"weight"),
        "{fields:?}"
    );

    // Tags the seller edited by hand are the seller's too.
    let mut edited = sample::order("ord_2", "5550002");
    edited.sources.insert("tags".into(), ValueSource::Seller);
    run(&automation, &mut edited);
    assert_eq!(edited.tags, Vec::<String>::new());
}

#[test]
fn an_earlier_step_never_undoes_a_later_one_on_a_rerun() {
    let (products, mapping, air) = precedence_setup();
    let rules = compiled(std::slice::from_ref(&air));
    let mut order = sample::order("ord_1", "5550001");
    run(&Automation { rules: &rules, service_mapping: &mapping, products: &products }, &mut order);
    // The rule is switched off and the order reprocessed: the mapping does not take the rule's value back.
    let mut off = air.clone();
    off.enabled = false;
    let rules = compiled(&[off]);
    let report = run(&Automation { rules: &rules, service_mapping: &mapping, products: &products }, &mut order);
    assert_eq!(report.changes, vec![]);
    assert_eq!(order.service_code.as_deref(), Some("ups_2nd_day_air"));
}

#[test]
fn product_defaults_apply_to_multi_line_orders_by_documented_precedence() {
    let automation_for = |products: &Vec<Product>, order: &mut Order| -> RunReport {
        let rules = CompiledRules::default();
        let mapping = ServiceMapping::default();
        run(&Automation { rules: &rules, service_mapping: &mapping, products }, order)
    };
    // MUG-BLUE x2 at 14 oz (28 oz in all) and TEE-L x1 at 6 oz; order total 44.99.
    let mut mug =
        ProductShippingDefaults { confirmation: Some(Confirmation::Delivery), ..ship_default("ups", "ups_ground") };
    mug.package_code = Some("package".into());
    let tee = ProductShippingDefaults {
        confirmation: Some(Confirmation::AdultSignature),
        insure: Some(true),
        ..ship_default("usps", "usps_priority_mail")
    };
    let mut products = vec![product("MUG-BLUE", 14, mug.clone()), product("TEE-L", 6, tee)];
    products[0].dimensions = Some(Dimensions::inches(dec!(6), dec!(6), dec!(6)));
    let mut order = sample::order("ord_1", "5550001");
    let report = automation_for(&products, &mut order);
    // The lines disagree on the service: the heaviest line (the mugs) decides.
    assert_eq!(
        (order.carrier_code.as_deref(), order.service_code.as_deref(), order.package_code.as_deref()),
        (Some("ups"), Some("ups_ground"), Some("package"))
    );
    assert_eq!(order.sources.get("serviceCode"), Some(&ValueSource::ProductDefault { sku: "MUG-BLUE".into() }));
    // The most protective confirmation, from the T-shirt.
    assert_eq!(order.confirmation, Confirmation::AdultSignature);
    assert_eq!(order.sources.get("confirmation"), Some(&ValueSource::ProductDefault { sku: "TEE-L".into() }));
    // Insured for the goods: 2 x 12.50 + 19.99.
    assert_eq!(
        order.insurance_options,
        InsuranceOptions {
            provider: Some("carrier".into()),
            insure_shipment: true,
            insured_value: Money::new(dec!(44.99)),
        }
    );
    // Two lines: the mug's box is not the parcel.
    assert_eq!(order.dimensions, None);
    assert_eq!(order.weight, Some(Weight::ounces(dec!(34))));
    assert_eq!(report.warnings, Vec::<String>::new());

    // When the T-shirt is the heavier line, its service wins.
    products[1].weight = Some(Weight::ounces(dec!(40)));
    let mut order = sample::order("ord_1", "5550001");
    automation_for(&products, &mut order);
    assert_eq!(order.service_code.as_deref(), Some("usps_priority_mail"));
    // A carrier-specific package cannot go with it... here the mug's neutral "package" stays unset: the
    // T-shirt's defaults name none, and the order had none.
    assert_eq!(order.package_code, None);

    // When the lines agree, that choice.
    products[1].defaults = mug.clone();
    let mut order = sample::order("ord_1", "5550001");
    automation_for(&products, &mut order);
    assert_eq!(order.service_code.as_deref(), Some("ups_ground"));
    assert_eq!(order.confirmation, Confirmation::Delivery);

    // One line of quantity 1: the product's dimensions are the parcel's.
    let mut single = sample::order("ord_2", "5550002");
    single.items.truncate(1);
    single.items[0].quantity = 1;
    automation_for(&products, &mut single);
    assert_eq!(single.dimensions, Some(Dimensions::inches(dec!(6), dec!(6), dec!(6))));
    // Quantity 2 of it: no dimensions.
    let mut two = sample::order("ord_3", "5550003");
    two.items.truncate(1);
    automation_for(&products, &mut two);
    assert_eq!(two.dimensions, None);
}

#[test]
fn product_defaults_sears_cannot_take_are_not_applied_and_said_why() {
    let products = vec![product("MUG-BLUE", 14, ship_default("ups", "ups_3_day_select"))];
    let rules = CompiledRules::default();
    let mapping = ServiceMapping::default();
    let mut order = sample::order("ord_1", "5550001");
    let report = run(&Automation { rules: &rules, service_mapping: &mapping, products: &products }, &mut order);
    assert_eq!(order.service_code, None);
    assert_eq!(report.warnings.len(), 1);
    assert!(
        report.warnings[0].starts_with(
            "product MUG-BLUE: its default service is not applied: Sears lists no shipping method for UPS 3 Day Select"
        ),
        "{}",
        report.warnings[0]
    );
    assert_eq!(report.unknown_skus, vec!["TEE-L".to_string()]);
}

#[test]
fn customs_data_fills_the_declaration_when_every_line_has_it() {
    let customs = |description: &str, value: Option<Money>| CustomsInfo {
        description: description.into(),
        value,
        harmonized_tariff_code: Some("6912.00".into()),
        country_of_origin: Some("PT".into()),
    };
    let mut products = vec![product("MUG-BLUE", 14, Default::default()), product("TEE-L", 6, Default::default())];
    products[0].customs = Some(customs("Stoneware mug", Some(Money::new(dec!(9)))));
    let rules = CompiledRules::default();
    let mapping = ServiceMapping::default();
    let run_for = |products: &Vec<Product>, order: &mut Order| {
        run(&Automation { rules: &rules, service_mapping: &mapping, products }, order)
    };
    let mut order = sample::order("ord_1", "5550001");
    order.ship_to.state = "AE".into(); // a US military address
    let report = run_for(&products, &mut order);
    assert_eq!(order.international_options, None);
    assert_eq!(
        report.warnings,
        vec![
            "this order needs a customs declaration and the catalog has no customs data for TEE-L; it is not \
              filled (add it with `wharf products edit`, or fill the declaration on the order)"
                .to_string()
        ]
    );

    products[1].customs = Some(customs("Cotton T-shirt", None));
    let mut order = sample::order("ord_1", "5550001");
    order.ship_to.country = "CA".into();
    run_for(&products, &mut order);
    assert_eq!(
        order.international_options,
        Some(InternationalOptions {
            contents: Some("merchandise".into()),
            customs_items: vec![
                CustomsItem {
                    description: "Stoneware mug".into(),
                    quantity: 2,
                    value: Money::new(dec!(9)),
                    harmonized_tariff_code: Some("6912.00".into()),
                    country_of_origin: Some("PT".into()),
                },
                CustomsItem {
                    description: "Cotton T-shirt".into(),
                    quantity: 1,
                    value: Money::new(dec!(19.99)),
                    harmonized_tariff_code: Some("6912.00".into()),
                    country_of_origin: Some("PT".into()),
                },
            ],
            non_delivery: Some("return_to_sender".into()),
        })
    );
    // A domestic order needs none.
    let mut domestic = sample::order("ord_2", "5550002");
    run_for(&products, &mut domestic);
    assert_eq!(domestic.international_options, None);
}

#[test]
fn shipped_and_cancelled_orders_are_skipped_and_imports_wait_for_awaiting_shipment() {
    let (rules, mapping) = example();
    let automation = Automation { rules: &rules, service_mapping: &mapping, products: &NoProducts };
    for (status, trigger, expected) in [
        (OrderStatus::Shipped, Trigger::OnDemand, Some(SkipReason::Shipped)),
        (OrderStatus::Cancelled, Trigger::Import, Some(SkipReason::Cancelled)),
        (
            OrderStatus::AwaitingPayment,
            Trigger::Import,
            Some(SkipReason::NotAwaitingShipment(OrderStatus::AwaitingPayment)),
        ),
        (OrderStatus::AwaitingPayment, Trigger::OnDemand, None),
        (OrderStatus::OnHold, Trigger::OnDemand, None),
        (OrderStatus::AwaitingShipment, Trigger::MovedToAwaitingShipment, None),
    ] {
        let mut order = sample::order("ord_1", "5550001");
        order.order_status = status;
        let before = order.clone();
        match (automation.run(&mut order, trigger, now()), expected) {
            (Outcome::Skipped(reason), Some(expected)) => {
                assert_eq!(reason, expected);
                assert_eq!(order, before);
            }
            (Outcome::Ran(_), None) => {}
            (outcome, expected) => {
                panic!("{status} {trigger:?}: {outcome:?}, expected {expected:?}")
            }
        }
    }
    assert_eq!(SkipReason::Shipped.to_string(), "skipped: the order is shipped; automation changes only open orders");
    assert_eq!(
        SkipReason::NotAwaitingShipment(OrderStatus::AwaitingPayment).to_string(),
        "skipped: the order is awaiting_payment; automation runs when it moves to awaiting_shipment (or run it now \
         with `wharf orders reprocess`)"
    );
}

#[test]
fn a_rule_holds_an_order_once_and_releases_are_final() {
    let hold = rule(
        "rul_hold",
        "Hold mugs two days",
        1,
        json!([{"lines": "any", "field": "sku", "op": "starts_with", "value": "MUG"}]),
        json!([{"hold_for_days": 2}]),
    );
    let rules = compiled(&[hold]);
    let mapping = ServiceMapping::default();
    let automation = Automation { rules: &rules, service_mapping: &mapping, products: &NoProducts };
    let mut order = sample::order("ord_1", "5550001");
    run(&automation, &mut order);
    assert_eq!((order.order_status, order.hold_until_date), (OrderStatus::OnHold, Some(date(2026, 11, 28))));
    // Running again, on demand, changes nothing.
    let Outcome::Ran(again) = automation.run(&mut order, Trigger::OnDemand, now()) else { panic!() };
    assert_eq!(again.changes, vec![]);

    // Due from the first instant of Nov 28 in Chicago (06:00 UTC), not before.
    assert!(!hold::hold_is_due(&order, "2026-11-28T05:59:59Z".parse().unwrap()));
    let release_at: Timestamp = "2026-11-28T06:00:00Z".parse().unwrap();
    let orders = [order.clone(), sample::order("ord_2", "5550002")];
    let due: Vec<&str> = hold::due_holds(&orders, release_at).iter().map(|o| o.order_number.as_str()).collect();
    assert_eq!(due, vec!["5550001"]);

    let released = hold::release_hold(&mut order, Actor::System, release_at).unwrap();
    assert_eq!(
        released,
        vec![
            HistoryEntry {
                at: release_at,
                actor: Actor::System,
                field: "orderStatus".into(),
                old: json!("on_hold"),
                new: json!("awaiting_shipment"),
                note: Some("held until 2026-11-28".into()),
            },
            HistoryEntry {
                at: release_at,
                actor: Actor::System,
                field: "holdUntilDate".into(),
                old: json!("2026-11-28"),
                new: Value::Null,
                note: None,
            },
        ]
    );
    assert_eq!((order.order_status, order.hold_until_date), (OrderStatus::AwaitingShipment, None));
    // Back in Awaiting Shipment the rules run again, and do not hold it again.
    let Outcome::Ran(after) = automation.run(&mut order, Trigger::MovedToAwaitingShipment, release_at) else {
        panic!()
    };
    assert_eq!(after.changes, vec![]);
    assert_eq!(order.order_status, OrderStatus::AwaitingShipment);
    assert_eq!(
        hold::release_hold(&mut order, Actor::Seller, release_at),
        Err(hold::HoldError::NotOnHold { order_number: "5550001".into(), status: OrderStatus::AwaitingShipment })
    );

    // The seller's own hold and release: automation does not hold that order either.
    let mut seller = sample::order("ord_3", "5550003");
    hold::hold_by_seller(&mut seller, None, now()).unwrap();
    assert_eq!((seller.order_status, seller.hold_until_date), (OrderStatus::OnHold, None));
    hold::release_hold(&mut seller, Actor::Seller, now()).unwrap();
    run(&automation, &mut seller);
    assert_eq!(seller.order_status, OrderStatus::AwaitingShipment);
    assert_eq!(
        hold::hold_by_seller(&mut seller, Some(date(2026, 11, 26)), now()),
        Err(hold::HoldError::DateNotInFuture { until: date(2026, 11, 26), today: date(2026, 11, 26) })
    );
}

#[test]
fn a_hold_date_in_the_past_holds_nothing() {
    let past = rule("rul_past", "Hold until Black Friday", 1, json!([]), json!([{"hold_until": "2026-11-26"}]));
    let rules = compiled(&[past]);
    let mapping = ServiceMapping::default();
    let mut order = sample::order("ord_1", "5550001");
    let report = run(&Automation { rules: &rules, service_mapping: &mapping, products: &NoProducts }, &mut order);
    assert_eq!(order.order_status, OrderStatus::AwaitingShipment);
    assert_eq!(report.changes, vec![]);
}

#[test]
fn notes_are_not_repeated_and_stop_processing_stops() {
    let rules = compiled(&[
        rule(
            "rul_a",
            "Pack with care",
            1,
            json!([]),
            json!([{"add_internal_note": "  Pack with extra padding "}, "stop_processing"]),
        ),
        rule("rul_b", "Never reached", 2, json!([]), json!([{"add_tag": "late"}])),
    ]);
    let mapping = ServiceMapping::default();
    let automation = Automation { rules: &rules, service_mapping: &mapping, products: &NoProducts };
    // The line is already among the notes Sears sent: not added again.
    let mut order = sample::order("ord_1", "5550001");
    order.internal_notes = Some("Line 1: Wrap in blue paper\nPack with extra padding".into());
    let report = run(&automation, &mut order);
    assert_eq!(order.internal_notes.as_deref(), Some("Line 1: Wrap in blue paper\nPack with extra padding"));
    assert_eq!(report.stopped_by, Some("rul_a".parse().unwrap()));
    assert_eq!(report.matched_rules, vec!["rul_a".parse().unwrap()]);
    assert!(order.tags.is_empty());

    let mut fresh = sample::order("ord_2", "5550002");
    fresh.internal_notes = Some("Line 1: Wrap in blue paper".into());
    run(&automation, &mut fresh);
    assert_eq!(fresh.internal_notes.as_deref(), Some("Line 1: Wrap in blue paper\nPack with extra padding"));
}

#[test]
fn actions_without_a_sears_code_are_refused_with_the_tables_reason() {
    let bad = rule(
        "rul_3day",
        "Three-day select",
        1,
        json!([{"field": "weight", "op": "contains", "value": "x"}]),
        json!([{"set_service": {"carrier": "ups", "service": "ups_3_day_select"}}, {"set_confirmation": "direct_signature"}]),
    );
    let errors = CompiledRule::compile(&bad).unwrap_err();
    let located: Vec<(&str, &str)> = errors.0.iter().map(|e| (e.rule_name.as_str(), e.location.as_str())).collect();
    assert_eq!(
        located,
        vec![
            ("Three-day select", "criteria[0] (weight)"),
            ("Three-day select", "actions[0] (set_service)"),
            ("Three-day select", "actions[1] (set_confirmation)"),
        ]
    );
    assert!(
        errors.0[1].message.starts_with("Sears lists no shipping method for UPS 3 Day Select; its UPS methods are")
    );
    assert!(errors.to_string().starts_with(
        "rule \"Three-day select\" (rul_3day), criteria[0] (weight): operator contains does not apply to weight"
    ));

    let international = rule(
        "rul_world",
        "Worldwide",
        1,
        json!([]),
        json!([{"set_service": {"carrier": "ups", "service": "ups_worldwide_saver"}}]),
    );
    let errors = CompiledRule::compile(&international).unwrap_err();
    assert!(errors.0[0].message.contains("international service and Sears ships only within the US"), "{errors}");

    // The same refusal when importing a file: nothing is imported.
    let file = RuleFile::new(vec![bad]);
    match RuleFile::from_toml(&file.to_toml()) {
        Err(RuleFileError::Rules(errors)) => assert_eq!(errors.0.len(), 3),
        other => panic!("{other:?}"),
    }
}

#[test]
fn other_rule_problems_are_refused_with_the_rule_and_field() {
    let cases = [
        (json!([{"add_tag": " "}]), "actions[0] (add_tag)", "the tag is empty"),
        (json!([{"add_internal_note": "one\ntwo"}]), "actions[0] (add_internal_note)", "a note is one line"),
        (json!([{"hold_for_days": 0}]), "actions[0] (hold_for_days)", "takes 1 to 365 days"),
        (json!([{"set_weight": "0 oz"}]), "actions[0] (set_weight)", "must be more than zero"),
        (json!([{"set_insurance": "0"}]), "actions[0] (set_insurance)", "to insure nothing write \"none\""),
        (json!([{"set_email_template": ""}]), "actions[0] (set_email_template)", "the template name is empty"),
        (json!([]), "actions", "the rule has no actions"),
    ];
    for (actions, location, message) in cases {
        let errors = CompiledRule::compile(&rule("rul_x", "X", 1, json!([]), actions.clone())).unwrap_err();
        assert_eq!(errors.0[0].location, location, "{actions}");
        assert!(errors.0[0].message.contains(message), "{actions}: {errors}");
    }
    let unnamed = rule("rul_x", " ", 1, json!([]), json!([{"add_tag": "x"}]));
    assert_eq!(CompiledRule::compile(&unnamed).unwrap_err().0[0].location, "name");
}

#[test]
fn a_rule_may_not_test_what_a_rule_below_it_changes() {
    let reads_tags = rule(
        "rul_vip",
        "VIPs sign",
        1,
        json!([{"field": "tags", "op": "contains", "value": "vip"}]),
        json!([{"set_confirmation": "signature"}]),
    );
    let adds_tag = rule(
        "rul_tag",
        "Big spenders are VIPs",
        2,
        json!([{"field": "order_total", "op": "greater_than", "value": 500}]),
        json!([{"add_tag": "vip"}]),
    );
    let errors = CompiledRules::compile(&[reads_tags.clone(), adds_tag.clone()]).unwrap_err();
    assert_eq!(
        errors.to_string(),
        "rule \"VIPs sign\" (rul_vip), criteria: it tests the tags, which rule \"Big spenders are VIPs\" (position 2) \
         below it changes; a rule sees only what the rules above it did, so move \"Big spenders are VIPs\" above \
         this rule (or this rule below it)"
    );
    // Moved above, it works; disabled, it does not count.
    let mut rules = vec![reads_tags.clone(), adds_tag.clone()];
    assert!(move_rule(&mut rules, &"rul_tag".parse().unwrap(), 1));
    assert!(CompiledRules::compile(&rules).is_ok());
    let mut off = adds_tag;
    off.enabled = false;
    assert!(CompiledRules::compile(&[reads_tags, off]).is_ok());

    let self_stop = rule(
        "rul_once",
        "Once",
        1,
        json!([{"field": "custom_field_1", "op": "blank"}]),
        json!([{"set_custom_field_1": "seen"}, "stop_processing"]),
    );
    let errors = CompiledRules::compile(&[self_stop]).unwrap_err();
    assert!(
        errors.0[0].message.starts_with("it tests custom field 1 and changes it, and stops processing"),
        "{errors}"
    );

    let twice = rule("rul_a", "A", 1, json!([]), json!([{"add_tag": "x"}]));
    let errors = CompiledRules::compile(&[twice.clone(), twice]).unwrap_err();
    assert_eq!(errors.0[0].location, "id");
}

#[test]
fn preview_matches_the_run_without_changing_anything() {
    let (rules, mapping) = example();
    let automation = Automation { rules: &rules, service_mapping: &mapping, products: &NoProducts };
    let mut gift = sample::order("ord_1", "5550001");
    gift.gift = true;
    let mut shipped = sample::order("ord_2", "5550002");
    shipped.gift = true;
    shipped.order_status = OrderStatus::Shipped;
    let plain = sample::order("ord_3", "5550003");
    let orders = vec![gift.clone(), shipped, plain];
    let untouched = orders.clone();

    let gift_rule = rules.rules().iter().find(|r| r.id.as_str() == "rul_demo-gift").unwrap();
    let matches = preview_rule(gift_rule, &orders, &NoProducts, now());
    assert_eq!(orders, untouched);
    assert_eq!(matches.len(), 1, "only the open gift order");
    assert_eq!(matches[0].order_number, "5550001");
    let fields: Vec<&str> = matches[0].changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["tags", "internalNotes", "advancedOptions.packingSlipTemplate"]);

    // The pipeline preview is the run, on a copy.
    let (previewed, would_be) = automation.preview(&gift, Trigger::Import, now());
    assert_eq!(gift, orders[0]);
    let mut real = gift.clone();
    let ran = automation.run(&mut real, Trigger::Import, now());
    assert_eq!(previewed, ran);
    assert_eq!(would_be, real);
    // The rule's preview lists the same changes the rule makes in the run.
    let rule_changes: Vec<&HistoryEntry> = ran
        .changes()
        .iter()
        .filter(|c| matches!(&c.actor, Actor::Rule { rule_id, .. } if rule_id.as_str() == "rul_demo-gift"))
        .collect();
    assert_eq!(rule_changes, matches[0].changes.iter().collect::<Vec<_>>());
}

#[test]
fn the_example_file_round_trips_through_toml_and_json() {
    let example = RuleFile::example();
    assert_eq!(example.rules.len(), 5);
    assert_eq!(example.service_mapping.len(), 3);
    let toml = example.to_toml();
    assert_eq!(RuleFile::from_toml(&toml).unwrap(), example, "{toml}");
    let json = example.to_json();
    assert_eq!(RuleFile::from_json(&json).unwrap(), example, "{json}");
    // The export reads like the hand-written file.
    assert!(
        toml.contains(
            "criteria = [\n    { any = [\n        { field = \"requested_service\", op = \"equals\", value = \"Express\" },\n"
        ),
        "{toml}"
    );
    assert!(
        toml.contains(
            "    { set_service = { carrier = \"ups\", service = \"ups_ground\", package = \"package\" } },\n"
        ),
        "{toml}"
    );
    assert_eq!(
        example.service_mapping().unwrap().map("express").map(|e| e.service_code.as_str()),
        Some("ups_next_day_air")
    );
}

#[test]
fn every_criterion_and_action_kind_round_trips() {
    let everything = rule(
        "rul_all",
        "Every kind of thing \"quoted\"",
        7,
        json!([
            {"field": "ship_to_state", "op": "in_list", "value": ["AK", "HI"]},
            {"field": "order_total", "op": "between", "value": [10.5, 99.99]},
            {"lines": "any", "field": "weight", "op": "less_than", "value": "1.5 lb"},
            {"field": "order_date", "op": "within", "value": "3d"},
            {"field": "ship_to_residential", "op": "blank"},
            {"any": [
                {"all": []},
                {"lines": "none", "field": "option", "option": "Size", "op": "ends_with", "value": "XL"},
                {"any": [{"lines": "all", "field": "product_tags", "op": "not_in_list", "value": ["hazmat"]}]},
            ]},
        ]),
        json!([
            {"set_service": {"carrier": "fedex", "service": "fedex_2day", "package": "package"}},
            {"set_weight": "2.5 lb"},
            {"set_dimensions": "12x8x4 in"},
            {"set_confirmation": "adult_signature"},
            {"set_insurance": "items_total"},
            {"set_insurance": "125.50"},
            {"add_tag": "tag with \"quotes\" and \\ backslash"},
            {"add_internal_note": "note"},
            {"hold_until": "2026-12-24"},
            {"hold_for_days": 3},
            {"set_custom_field_1": "a"},
            {"set_custom_field_2": ""},
            {"set_custom_field_3": "c"},
            {"set_packing_slip_template": "gift"},
            {"set_email_template": "thanks"},
            "stop_processing",
        ]),
    );
    let mut disabled = rule("rul_off", "Off", 8, json!([]), json!([{"add_tag": "off"}]));
    disabled.enabled = false;
    let file = RuleFile::new(vec![everything, disabled]);
    let toml = file.to_toml();
    assert_eq!(RuleFile::from_toml(&toml).unwrap(), file, "{toml}");
    assert_eq!(RuleFile::from_json(&file.to_json()).unwrap(), file);
}

#[test]
fn rule_files_with_problems_say_so() {
    assert!(matches!(RuleFile::from_toml("version = 2\n"), Err(RuleFileError::Version(2))));
    let err = RuleFile::from_toml(
        "version = 1\n[[rules]]\nid = \"rul_a\"\nname = \"A\"\nposition = 1\nactions = [{ add_tagg = \"x\" }]\n",
    )
    .unwrap_err();
    assert!(matches!(err, RuleFileError::Toml(_)));
    assert!(err.to_string().contains("add_tagg"), "{err}");
    let err = RuleFile::from_toml(
        "version = 1\n[[service_mapping]]\nrequested = \"Express\"\ncarrier = \"ups\"\nservice = \"ups_3_day_select\"\n",
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("service_mapping[0]: \"Express\": Sears lists no shipping method for UPS 3 Day Select"),
        "{err}"
    );
    let err = RuleFile::from_toml("version = 1\n[[rules]]\nid = \"rul_a\"\nname = \"A\"\nposition = 1\ncriteria = [{ field = \"order_date\", op = \"before\", value = 2026-11-30 }]\nactions = [\"stop_processing\"]\n").unwrap_err();
    assert!(err.to_string().contains("write dates and times in quotes"), "{err}");
}

#[test]
fn every_action_sets_what_it_says() {
    let rules = compiled(&[rule(
        "rul_all",
        "All actions",
        1,
        json!([]),
        json!([
            {"set_service": {"carrier": "fedex", "service": "fedex_2day", "package": "package"}},
            {"set_weight": "2.5 lb"},
            {"set_dimensions": "12x8x4 in"},
            {"set_confirmation": "adult_signature"},
            {"set_insurance": "items_total"},
            {"add_tag": "Checked"},
            {"add_tag": "checked"},
            {"add_internal_note": "Call before delivery"},
            {"set_custom_field_1": "A"},
            {"set_custom_field_3": "C"},
            {"set_packing_slip_template": "plain"},
            {"set_email_template": "thanks"},
            {"hold_until": "2026-12-01"},
        ]),
    )]);
    let mapping = ServiceMapping::default();
    let automation = Automation { rules: &rules, service_mapping: &mapping, products: &NoProducts };
    let mut order = sample::order("ord_1", "5550001");
    order.advanced_options.custom_field2 = Some("kept".into());
    run(&automation, &mut order);
    assert_eq!(
        (order.carrier_code.as_deref(), order.service_code.as_deref(), order.package_code.as_deref()),
        (Some("fedex"), Some("fedex_2day"), Some("package"))
    );
    assert_eq!(order.weight, Some(Weight::pounds(dec!(2.5))));
    assert_eq!(order.dimensions, Some(Dimensions::inches(dec!(12), dec!(8), dec!(4))));
    assert_eq!(order.confirmation, Confirmation::AdultSignature);
    // Items: 2 x 12.50 + 1 x 19.99.
    assert_eq!(
        order.insurance_options,
        InsuranceOptions {
            provider: Some("carrier".into()),
            insure_shipment: true,
            insured_value: Money::new(dec!(44.99))
        }
    );
    assert_eq!(order.tags, ["Checked"]);
    assert_eq!(order.internal_notes.as_deref(), Some("Call before delivery"));
    let advanced = &order.advanced_options;
    assert_eq!(
        (advanced.custom_field1.as_deref(), advanced.custom_field2.as_deref(), advanced.custom_field3.as_deref()),
        (Some("A"), Some("kept"), Some("C"))
    );
    assert_eq!(advanced.packing_slip_template.as_deref(), Some("plain"));
    assert_eq!(advanced.email_template.as_deref(), Some("thanks"));
    assert_eq!((order.order_status, order.hold_until_date), (OrderStatus::OnHold, Some(date(2026, 12, 1))));

    // Later rule sets (the order is on hold now, so on demand): insure for the order total, a fixed amount,
    // nothing; clear custom field 1.
    let later = |actions: Value| compiled(&[rule("rul_b", "Later", 1, json!([]), actions)]);
    for (actions, expected) in [
        (
            json!([{"set_insurance": "order_total"}]),
            InsuranceOptions {
                provider: Some("carrier".into()),
                insure_shipment: true,
                insured_value: Money::new(dec!(44.99)),
            },
        ),
        (
            json!([{"set_insurance": "250"}]),
            InsuranceOptions {
                provider: Some("carrier".into()),
                insure_shipment: true,
                insured_value: Money::new(dec!(250)),
            },
        ),
        (json!([{"set_insurance": "none"}]), InsuranceOptions::default()),
    ] {
        let rules = later(actions);
        let automation = Automation { rules: &rules, service_mapping: &mapping, products: &NoProducts };
        run_on_demand(&automation, &mut order);
        assert_eq!(order.insurance_options, expected);
    }
    let rules = later(json!([{"set_custom_field_1": ""}]));
    run_on_demand(&Automation { rules: &rules, service_mapping: &mapping, products: &NoProducts }, &mut order);
    assert_eq!(order.advanced_options.custom_field1, None);
}

#[test]
fn rules_run_by_position_and_disabled_rules_do_not_run() {
    let mut off = rule("rul_a", "Off", 1, json!([]), json!([{"add_tag": "off"}]));
    off.enabled = false;
    let rules = compiled(&[
        rule("rul_z", "Third", 5, json!([]), json!([{"add_tag": "third"}])),
        off,
        rule("rul_c", "Second (same position, later id)", 2, json!([]), json!([{"add_tag": "second"}])),
        rule("rul_b", "First", 2, json!([]), json!([{"add_tag": "first"}])),
    ]);
    let ids: Vec<&str> = rules.rules().iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["rul_b", "rul_c", "rul_z"]);
    let mapping = ServiceMapping::default();
    let mut order = sample::order("ord_1", "5550001");
    run(&Automation { rules: &rules, service_mapping: &mapping, products: &NoProducts }, &mut order);
    assert_eq!(order.tags, ["first", "second", "third"]);
}

mod properties {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::{select, subsequence};

    /// Criteria that read values rules also write, and some that do not.
    const CRITERIA: &[&str] = &[
        r#"{"field": "gift", "op": "is_true"}"#,
        r#"{"field": "tags", "op": "contains", "value": "a"}"#,
        r#"{"field": "tags", "op": "blank"}"#,
        r#"{"field": "weight", "op": "greater_than", "value": "1 lb"}"#,
        r#"{"field": "weight", "op": "blank"}"#,
        r#"{"field": "carrier", "op": "equals", "value": "ups"}"#,
        r#"{"field": "service", "op": "blank"}"#,
        r#"{"field": "custom_field_1", "op": "blank"}"#,
        r#"{"field": "internal_notes", "op": "contains", "value": "fragile"}"#,
        r#"{"field": "status", "op": "equals", "value": "awaiting_shipment"}"#,
        r#"{"field": "requested_service", "op": "in_list", "value": ["Ground", "Express"]}"#,
        r#"{"field": "order_date", "op": "within", "value": "2d"}"#,
        r#"{"lines": "any", "field": "sku", "op": "starts_with", "value": "MUG"}"#,
        r#"{"lines": "all", "field": "quantity", "op": "equals", "value": 1}"#,
        r#"{"lines": "none", "field": "product_tags", "op": "contains", "value": "fragile"}"#,
        r#"{"any": [{"field": "tags", "op": "contains", "value": "b"}, {"field": "gift", "op": "is_false"}]}"#,
    ];

    const ACTIONS: &[&str] = &[
        r#"{"add_tag": "a"}"#,
        r#"{"add_tag": "b"}"#,
        r#"{"add_internal_note": "fragile: pad it"}"#,
        r#"{"set_service": {"carrier": "ups", "service": "ups_ground", "package": "package"}}"#,
        r#"{"set_service": {"carrier": "fedex", "service": "fedex_2day"}}"#,
        r#"{"set_weight": "2 lb"}"#,
        r#"{"set_confirmation": "signature"}"#,
        r#"{"set_insurance": "order_total"}"#,
        r#"{"set_dimensions": "10x8x6 in"}"#,
        r#"{"set_custom_field_1": "one"}"#,
        r#"{"hold_for_days": 1}"#,
        r#"{"set_packing_slip_template": "gift"}"#,
        r#""stop_processing""#,
    ];

    fn rules_strategy() -> impl Strategy<Value = Vec<Rule>> {
        let one = (
            subsequence((0..CRITERIA.len()).collect::<Vec<_>>(), 0..3),
            subsequence((0..ACTIONS.len()).collect::<Vec<_>>(), 1..4),
            prop::bool::weighted(0.85),
        );
        prop::collection::vec(one, 0..6).prop_map(|specs| {
            specs
                .into_iter()
                .enumerate()
                .map(|(i, (criteria, actions, enabled))| {
                    let criteria: Vec<Value> =
                        criteria.iter().map(|c| serde_json::from_str(CRITERIA[*c]).unwrap()).collect();
                    let actions: Vec<Value> =
                        actions.iter().map(|a| serde_json::from_str(ACTIONS[*a]).unwrap()).collect();
                    let mut r =
                        rule(&format!("rul_{i}"), &format!("Rule {i}"), i as u32 + 1, json!(criteria), json!(actions));
                    r.enabled = enabled;
                    r
                })
                .collect()
        })
    }

    /// Drops the rules the set check refuses, until the rest is a valid set.
    fn valid_subset(mut rules: Vec<Rule>) -> (Vec<Rule>, CompiledRules) {
        loop {
            match CompiledRules::compile(&rules) {
                Ok(compiled) => return (rules, compiled),
                Err(errors) => {
                    let bad = errors.0[0].rule_id.clone();
                    rules.retain(|r| r.id != bad);
                }
            }
        }
    }

    const SERVICES: &[(&str, &str)] = &[
        ("ups", "ups_ground"),
        ("ups", "ups_next_day_air"),
        ("usps", "usps_priority_mail"),
        ("ups", "ups_3_day_select"),
    ];

    fn products_strategy() -> impl Strategy<Value = Vec<Product>> {
        let one = (
            1i64..200,
            prop::option::of(0..SERVICES.len()),
            prop::option::of(select(vec![
                Confirmation::Delivery,
                Confirmation::Signature,
                Confirmation::AdultSignature,
            ])),
            prop::option::of(any::<bool>()),
            any::<bool>(),
            any::<bool>(),
        );
        prop::collection::vec(one, 4).prop_map(|specs| {
            ["MUG-BLUE", "TEE-L", "CAP-1", "MUG-RED"]
                .iter()
                .zip(specs)
                .map(|(sku, (ounces, service, confirmation, insure, dims, tagged))| {
                    let mut p = product(sku, ounces, Default::default());
                    if let Some(s) = service {
                        p.defaults = ship_default(SERVICES[s].0, SERVICES[s].1);
                    }
                    p.defaults.confirmation = confirmation;
                    p.defaults.insure = insure;
                    if dims {
                        p.dimensions = Some(Dimensions::inches(dec!(5), dec!(4), dec!(3)));
                    }
                    if tagged {
                        p.tags = vec!["Fragile".into()];
                    }
                    p.customs = Some(CustomsInfo { description: format!("{sku} goods"), ..Default::default() });
                    p
                })
                .collect()
        })
    }

    fn mapping_strategy() -> impl Strategy<Value = ServiceMapping> {
        subsequence(vec![0usize, 1, 2, 3], 0..4).prop_map(|rows| {
            let all = [
                ("Ground", "ups", "ups_ground", Some("package")),
                ("Express", "ups", "ups_next_day_air", None),
                ("Priority", "usps", "usps_priority_mail", None),
                ("Freight", "ups", "ups_3_day_select", None),
            ];
            mapping(&rows.iter().map(|r| all[*r]).collect::<Vec<_>>())
        })
    }

    #[derive(Debug, Clone)]
    struct OrderSpec {
        lines: Vec<(usize, u32, bool)>,
        gift: bool,
        tags: Vec<&'static str>,
        requested: Option<&'static str>,
        status: OrderStatus,
        seller_slots: Vec<&'static str>,
        notes: Option<&'static str>,
        abroad: bool,
    }

    fn order_strategy() -> impl Strategy<Value = OrderSpec> {
        (
            prop::collection::vec((0usize..5, 1u32..4, prop::bool::weighted(0.1)), 0..4),
            any::<bool>(),
            subsequence(vec!["a", "B", "vip"], 0..3),
            prop::option::of(select(vec!["Ground", "express", "Priority", "Freight", "Pony"])),
            select(vec![
                OrderStatus::AwaitingShipment,
                OrderStatus::AwaitingShipment,
                OrderStatus::OnHold,
                OrderStatus::AwaitingPayment,
            ]),
            subsequence(vec!["carrierCode", "tags", "weight", "internalNotes", "confirmation"], 0..2),
            prop::option::of(select(vec!["fragile", "Line 1: fragile: pad it"])),
            prop::bool::weighted(0.2),
        )
            .prop_map(|(lines, gift, tags, requested, status, seller_slots, notes, abroad)| OrderSpec {
                lines,
                gift,
                tags,
                requested,
                status,
                seller_slots,
                notes,
                abroad,
            })
    }

    fn build(spec: &OrderSpec) -> Order {
        let mut o = sample::order("ord_1", "5550001");
        let template = o.items[0].clone();
        o.items = spec
            .lines
            .iter()
            .enumerate()
            .map(|(i, (sku, quantity, adjustment))| crate::order::OrderItem {
                line_item_key: (i + 1).to_string(),
                sku: ["MUG-BLUE", "TEE-L", "CAP-1", "MUG-RED", "UNKNOWN-9"][*sku].into(),
                quantity: *quantity,
                adjustment: *adjustment,
                ..template.clone()
            })
            .collect();
        o.gift = spec.gift;
        o.tags = spec.tags.iter().map(|t| t.to_string()).collect();
        o.requested_shipping_service = spec.requested.map(str::to_owned);
        o.order_status = spec.status;
        if spec.status == OrderStatus::OnHold {
            o.hold_until_date = Some(date(2026, 12, 1));
        }
        o.internal_notes = spec.notes.map(str::to_owned);
        if spec.abroad {
            o.ship_to.country = "CA".into();
        }
        for slot in &spec.seller_slots {
            o.sources.insert(slot.to_string(), ValueSource::Seller);
        }
        o
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// pipeline(pipeline(o)) == pipeline(o), and the second run reports no change, for any valid rule set,
        /// catalog, mapping and order; values the seller set survive both runs.
        #[test]
        fn a_second_run_changes_nothing(
            rules in rules_strategy(),
            products in products_strategy(),
            mapping in mapping_strategy(),
            spec in order_strategy(),
        ) {
            let (_, compiled) = valid_subset(rules);
            let automation = Automation { rules: &compiled, service_mapping: &mapping, products: &products };
            let original = build(&spec);
            let mut order = original.clone();
            let first = automation.run(&mut order, Trigger::OnDemand, now());
            let once = order.clone();
            let second = automation.run(&mut order, Trigger::OnDemand, now());
            prop_assert_eq!(&order, &once);
            match second {
                Outcome::Ran(report) => {
                    prop_assert_eq!(report.changes, vec![]);
                    prop_assert!(!report.order_changed);
                }
                Outcome::Skipped(_) => prop_assert!(matches!(first, Outcome::Skipped(_))),
            }
            // History explains every changed slot, and nothing the seller set moved.
            let original_json = serde_json::to_value(&original).unwrap();
            let once_json = serde_json::to_value(&once).unwrap();
            for slot in &spec.seller_slots {
                prop_assert_eq!(&original_json[slot], &once_json[slot], "{}", slot);
            }
            for change in first.changes() {
                prop_assert!(change.old != change.new, "{:?}", change);
            }
            if first.changes().is_empty() {
                prop_assert_eq!(original.tags, once.tags);
            }
        }

        /// A preview is the run on a copy: same outcome, same resulting order, the original untouched.
        #[test]
        fn preview_is_the_run_without_writing(
            rules in rules_strategy(),
            products in products_strategy(),
            mapping in mapping_strategy(),
            spec in order_strategy(),
        ) {
            let (_, compiled) = valid_subset(rules);
            let automation = Automation { rules: &compiled, service_mapping: &mapping, products: &products };
            let order = build(&spec);
            let (previewed, would_be) = automation.preview(&order, Trigger::Import, now());
            prop_assert_eq!(&order, &build(&spec));
            let mut real = order.clone();
            let ran = automation.run(&mut real, Trigger::Import, now());
            prop_assert_eq!(previewed, ran);
            prop_assert_eq!(would_be, real);
            // A rule's preview: it matches exactly the open orders it matches in evaluation, untouched.
            for rule in compiled.rules() {
                let matches = preview_rule(rule, std::slice::from_ref(&order), &products, now());
                let expected = !order.order_status.is_final() && rule.matches(&order, &products, now());
                prop_assert_eq!(matches.len() == 1, expected);
            }
            prop_assert_eq!(&order, &build(&spec));
        }

        /// Rule files survive export and import, whatever the rules.
        #[test]
        fn rule_files_round_trip(rules in rules_strategy()) {
            let file = RuleFile::new(rules);
            let toml = file.to_toml();
            let back: RuleFile = toml::from_str(&toml).map_err(|e| TestCaseError::fail(format!("{e}\n{toml}")))?;
            prop_assert_eq!(&back, &file);
            let back: RuleFile = serde_json::from_str(&file.to_json()).unwrap();
            prop_assert_eq!(back, file);
        }
    }
}
