//! The automation area: rule sets saved whole under their revision, pages of open orders, due holds, and
//! order batches written in one transaction.

use pretty_assertions::assert_eq;
use serde_json::json;
use wharf_domain::automation::{Rule, RuleFile};
use wharf_domain::history::{Actor, HistoryEntry};
use wharf_domain::{Order, OrderStatus};
use wharf_storage::rules::{OpenOrderPage, RULE, RULE_SET, RuleSet};
use wharf_storage::{OrderWrite, StorageError};

use crate::Db;
use crate::fixtures::*;

fn rule(id: &str, position: u32, tag: &str) -> Rule {
    serde_json::from_value(json!({
        "id": id, "name": format!("Tag {tag}"), "position": position,
        "criteria": [{"field": "gift", "op": "is_true"}],
        "actions": [{"add_tag": tag}],
    }))
    .expect("test rules are well-formed")
}

fn ids(set: &RuleSet) -> Vec<&str> {
    set.rules.iter().map(|r| r.rule.id.as_str()).collect()
}

pub async fn rule_sets_are_saved_whole_and_read_in_position_order(db: Db) {
    seed(&*db).await;
    let empty = db.rule_set(&account_a()).await.unwrap();
    assert_eq!((empty.revision, empty.rules.len()), (0, 0), "no rules yet");

    let first_save = at("2026-11-26T10:00:00Z");
    let rules = vec![rule("rul_c", 3, "c"), rule("rul_a", 1, "a"), rule("rul_b", 2, "b")];
    assert_eq!(db.save_rule_set(&account_a(), 0, &rules, first_save).await.unwrap(), 1);
    let set = db.rule_set(&account_a()).await.unwrap();
    assert_eq!(set.revision, 1);
    assert_eq!(ids(&set), vec!["rul_a", "rul_b", "rul_c"], "by position");
    assert_eq!(set.rules[0].rule, rules[1]);
    assert_eq!((set.rules[0].create_date, set.rules[0].modify_date), (first_save, first_save));

    // Keep a as it is, change b, drop c, add d: one save.
    let second_save = at("2026-11-27T10:00:00Z");
    let mut b = rule("rul_b", 2, "b");
    b.enabled = false;
    let rules = vec![rule("rul_a", 1, "a"), b.clone(), rule("rul_d", 1, "d")];
    assert_eq!(db.save_rule_set(&account_a(), 1, &rules, second_save).await.unwrap(), 2);
    let set = db.rule_set(&account_a()).await.unwrap();
    assert_eq!(set.revision, 2);
    assert_eq!(ids(&set), vec!["rul_a", "rul_d", "rul_b"], "by position, then id");
    let dates: Vec<_> = set.rules.iter().map(|r| (r.rule.id.as_str(), r.create_date, r.modify_date)).collect();
    assert_eq!(
        dates,
        vec![
            ("rul_a", first_save, first_save),
            ("rul_d", second_save, second_save),
            ("rul_b", first_save, second_save),
        ]
    );
    assert_eq!(set.rules[2].rule, b);

    // Saving no rules empties the set, and the revision still counts.
    assert_eq!(db.save_rule_set(&account_a(), 2, &[], second_save).await.unwrap(), 3);
    let set = db.rule_set(&account_a()).await.unwrap();
    assert_eq!((set.revision, set.rules.len()), (3, 0));
}

pub async fn a_stale_rule_set_revision_conflicts_and_writes_nothing(db: Db) {
    seed(&*db).await;
    let now = at("2026-11-26T10:00:00Z");
    db.save_rule_set(&account_a(), 0, &[rule("rul_a", 1, "a")], now).await.unwrap();
    for stale in [0, 2, 7] {
        let err = db.save_rule_set(&account_a(), stale, &[rule("rul_x", 1, "x")], now).await.unwrap_err();
        assert!(matches!(err, StorageError::Conflict { what: RULE_SET, .. }), "revision {stale}: {err:?}");
        assert!(err.is_retryable());
    }
    let set = db.rule_set(&account_a()).await.unwrap();
    assert_eq!((set.revision, ids(&set)), (1, vec!["rul_a"]));

    // Two instances saving from the same revision at once: exactly one wins.
    let other = db.guard.open_another().await;
    let mine = [rule("rul_mine", 1, "mine")];
    let theirs = [rule("rul_theirs", 1, "theirs")];
    let account = account_a();
    let (a, b) =
        tokio::join!(db.save_rule_set(&account, 1, &mine, now), other.save_rule_set(&account, 1, &theirs, now));
    assert_eq!(u8::from(a.is_ok()) + u8::from(b.is_ok()), 1, "{a:?} / {b:?}");
    let loser = if a.is_ok() { b } else { a };
    assert!(matches!(loser, Err(StorageError::Conflict { what: RULE_SET, .. })), "{loser:?}");
    let set = db.rule_set(&account_a()).await.unwrap();
    assert_eq!(set.revision, 2);
    assert_eq!(set.rules.len(), 1, "one set, not a mix of both");
}

pub async fn a_rule_set_naming_an_id_twice_or_an_unknown_account_is_refused(db: Db) {
    seed(&*db).await;
    let now = at("2026-11-26T10:00:00Z");
    let twice = [rule("rul_a", 1, "a"), rule("rul_a", 2, "again")];
    let err = db.save_rule_set(&account_a(), 0, &twice, now).await.unwrap_err();
    assert!(matches!(&err, StorageError::Duplicate { what: RULE, key } if key == "rul_a"), "{err:?}");
    assert_eq!(db.rule_set(&account_a()).await.unwrap(), RuleSet::default(), "nothing saved");

    let err = db.save_rule_set(&account_b(), 0, &[rule("rul_a", 1, "a")], now).await.unwrap_err();
    assert!(matches!(err, StorageError::NotFound { what: "account", .. }), "{err:?}");
}

pub async fn rules_are_scoped_by_account_and_round_trip_exactly(db: Db) {
    seed(&*db).await;
    seed_b(&*db).await;
    let now = at("2026-11-26T10:00:00Z");
    // The documented example: groups, lists, numbers, weights, dates relative to now, every kind of action.
    let example = RuleFile::example().rules;
    db.save_rule_set(&account_a(), 0, &example, now).await.unwrap();
    // The same ids in another account are other rules.
    db.save_rule_set(&account_b(), 0, &[rule("rul_demo-gift", 1, "b")], now).await.unwrap();

    assert_eq!(db.rule_set(&account_a()).await.unwrap().rules(), example);
    let b = db.rule_set(&account_b()).await.unwrap();
    assert_eq!(b.rules(), vec![rule("rul_demo-gift", 1, "b")]);
    db.save_rule_set(&account_b(), 1, &[], now).await.unwrap();
    assert_eq!(db.rule_set(&account_a()).await.unwrap().rules().len(), example.len(), "untouched");
}

fn order_numbers(orders: &[Order]) -> Vec<&str> {
    orders.iter().map(|o| o.order_number.as_str()).collect()
}

pub async fn open_orders_are_paged_by_id_and_filtered(db: Db) {
    seed(&*db).await;
    seed_b(&*db).await;
    let d = day("2026-11-26");
    import_new(
        &*db,
        vec![
            order(1, "1000001", d),
            with_status(order(2, "1000002", d), OrderStatus::Shipped),
            with_status(order(3, "1000003", d), OrderStatus::OnHold),
            order(4, "1000004", d),
            with_status(order(5, "1000005", d), OrderStatus::Cancelled),
            with_status(order(6, "1000006", d), OrderStatus::Unmapped),
            order(7, "1000007", d),
        ],
    )
    .await;
    import_new_for(&*db, &account_b(), &store_b(), vec![order_of_b(8, "1000008", d)]).await;

    let mut page = OpenOrderPage::first(2);
    let first = db.open_orders_page(&account_a(), &page).await.unwrap();
    assert_eq!(order_numbers(&first), vec!["1000001", "1000003"], "shipped and cancelled are not open");
    // A change between pages (order 4 goes on hold) neither skips nor repeats an order.
    let mut held = db.get_order(&account_a(), &order_id(4)).await.unwrap();
    let read_at = held.modify_date;
    held.order_status = OrderStatus::OnHold;
    db.update_order(&OrderWrite {
        order: held,
        raw_document: None,
        history: vec![],
        expected_modify_date: Some(read_at),
    })
    .await
    .unwrap();
    page.after = Some(first[1].order_id.clone());
    let second = db.open_orders_page(&account_a(), &page).await.unwrap();
    assert_eq!(order_numbers(&second), vec!["1000004", "1000006"]);
    page.after = Some(second[1].order_id.clone());
    let third = db.open_orders_page(&account_a(), &page).await.unwrap();
    assert_eq!(order_numbers(&third), vec!["1000007"], "account B's order is not A's");
    page.after = Some(third[0].order_id.clone());
    assert!(db.open_orders_page(&account_a(), &page).await.unwrap().is_empty());

    let on_hold = OpenOrderPage { status: Some(OrderStatus::OnHold), ..OpenOrderPage::first(100) };
    assert_eq!(order_numbers(&db.open_orders_page(&account_a(), &on_hold).await.unwrap()), vec!["1000003", "1000004"]);
    let shipped = OpenOrderPage { status: Some(OrderStatus::Shipped), ..OpenOrderPage::first(100) };
    assert!(db.open_orders_page(&account_a(), &shipped).await.unwrap().is_empty(), "never a finished order");
    let other_store = OpenOrderPage { store_id: Some(store_b()), ..OpenOrderPage::first(100) };
    assert!(db.open_orders_page(&account_a(), &other_store).await.unwrap().is_empty());
    let b_store = OpenOrderPage { store_id: Some(store_b()), ..OpenOrderPage::first(100) };
    assert_eq!(order_numbers(&db.open_orders_page(&account_b(), &b_store).await.unwrap()), vec!["1000008"]);
}

fn held(mut order: Order, until: Option<&str>) -> Order {
    order.order_status = OrderStatus::OnHold;
    order.hold_until_date = until.map(day);
    order
}

pub async fn due_holds_are_found_in_every_account(db: Db) {
    seed(&*db).await;
    seed_b(&*db).await;
    let d = day("2026-11-26");
    import_new(
        &*db,
        vec![
            held(order(1, "1000001", d), Some("2026-11-27")),
            held(order(2, "1000002", d), Some("2026-11-28")),
            held(order(3, "1000003", d), None),
            held(order(4, "1000004", d), Some("2026-11-20")),
            // A hold date on an order that is no longer on hold is not a hold.
            with_status(held(order(5, "1000005", d), Some("2026-11-20")), OrderStatus::AwaitingShipment),
        ],
    )
    .await;
    import_new_for(&*db, &account_b(), &store_b(), vec![held(order_of_b(6, "1000006", d), Some("2026-11-27"))]).await;

    let due = db.due_holds(day("2026-11-27"), None, 100).await.unwrap();
    assert_eq!(order_numbers(&due), vec!["1000001", "1000004", "1000006"], "on or before the day, any account");
    let after_first = db.due_holds(day("2026-11-27"), Some(&order_id(1)), 1).await.unwrap();
    assert_eq!(order_numbers(&after_first), vec!["1000004"]);
    assert_eq!(order_numbers(&db.due_holds(day("2026-11-19"), None, 100).await.unwrap()), Vec::<&str>::new());
}

fn tagged(mut order: Order, tag: &str, at_text: &str) -> OrderWrite {
    let read_at = order.modify_date;
    order.tags.push(tag.into());
    order.modify_date = at(at_text);
    OrderWrite {
        history: vec![HistoryEntry {
            at: at(at_text),
            actor: Actor::System,
            field: "tags".into(),
            old: json!([]),
            new: json!([tag]),
            note: None,
        }],
        order,
        raw_document: None,
        expected_modify_date: Some(read_at),
    }
}

pub async fn order_batches_are_written_whole_or_not_at_all(db: Db) {
    seed(&*db).await;
    seed_b(&*db).await;
    let d = day("2026-11-26");
    // More orders than one statement of either backend takes (SQLite 100, PostgreSQL 1,000).
    let orders: Vec<Order> = (1..=1001).map(|n| order(n, &format!("{}", 2_000_000 + n), d)).collect();
    import_new(&*db, orders.clone()).await;
    import_new_for(&*db, &account_b(), &store_b(), vec![order_of_b(2000, "3000000", d)]).await;
    let b_order = db.get_order(&account_b(), &order_id(2000)).await.unwrap();

    let mut writes: Vec<OrderWrite> =
        orders.iter().map(|o| tagged(o.clone(), "batch", "2026-11-26T18:00:00Z")).collect();
    writes.push(tagged(b_order, "batch", "2026-11-26T18:00:00Z"));
    db.update_orders(&writes).await.unwrap();
    for n in [1, 100, 101, 1000, 1001] {
        let stored = db.get_order(&account_a(), &order_id(n)).await.unwrap();
        assert_eq!(stored, writes[n as usize - 1].order, "order {n}");
        let history = db.order_history(&account_a(), &order_id(n)).await.unwrap();
        assert_eq!(history.last(), writes[n as usize - 1].history.last(), "order {n}");
        assert_eq!(history.len(), 2, "created, then tagged");
    }
    assert_eq!(db.get_order(&account_b(), &order_id(2000)).await.unwrap().tags, vec!["batch".to_string()]);
    // Large pages read back what the batch wrote, in id order, page after page.
    let mut page = OpenOrderPage::first(600);
    let mut read: Vec<Order> = Vec::new();
    loop {
        let orders = db.open_orders_page(&account_a(), &page).await.unwrap();
        let Some(last) = orders.last() else { break };
        page.after = Some(last.order_id.clone());
        read.extend(orders);
    }
    assert_eq!(read.len(), 1001);
    assert!(read.iter().zip(&writes).all(|(r, w)| *r == w.order), "every order as written, in id order");

    // One stale order (written from what was read before the batch) fails the whole next batch.
    let fresh: Vec<Order> =
        stored_orders(&*db, &[1, 2, 3]).await.into_iter().chain([orders[3].clone()]).collect::<Vec<_>>();
    let again: Vec<OrderWrite> = fresh.iter().map(|o| tagged(o.clone(), "again", "2026-11-26T19:00:00Z")).collect();
    let err = db.update_orders(&again).await.unwrap_err();
    assert!(matches!(&err, StorageError::Conflict { what: "order", key } if key.contains("2000004")), "{err:?}");
    let untouched = db.get_order(&account_a(), &order_id(1)).await.unwrap();
    assert_eq!(untouched.tags, vec!["batch".to_string()], "nothing of the batch was written");
    assert_eq!(db.order_history(&account_a(), &order_id(1)).await.unwrap().len(), 2);

    // An order that is not there, or is another account's, is not found.
    let mut stranger = fresh[0].clone();
    stranger.order_id = order_id(9999);
    let err = db.update_orders(&[tagged(stranger, "x", "2026-11-26T19:00:00Z")]).await.unwrap_err();
    assert!(matches!(err, StorageError::NotFound { what: "order", .. }), "{err:?}");
    let mut misplaced = fresh[0].clone();
    misplaced.account_id = account_b();
    let err = db.update_orders(&[tagged(misplaced, "x", "2026-11-26T19:00:00Z")]).await.unwrap_err();
    assert!(matches!(err, StorageError::NotFound { what: "order", .. }), "{err:?}");

    // The same order twice in one batch is the caller's mistake.
    let twice =
        [tagged(fresh[0].clone(), "x", "2026-11-26T19:00:00Z"), tagged(fresh[0].clone(), "y", "2026-11-26T19:00:00Z")];
    let err = db.update_orders(&twice).await.unwrap_err();
    assert!(matches!(err, StorageError::InvalidWrite { what: "order", .. }), "{err:?}");
    db.update_orders(&[]).await.unwrap();
}

/// The stored orders `n` of account A.
async fn stored_orders(db: &dyn wharf_storage::Store, ns: &[u32]) -> Vec<Order> {
    let mut orders = Vec::new();
    for n in ns {
        orders.push(db.get_order(&account_a(), &order_id(*n)).await.unwrap());
    }
    orders
}
