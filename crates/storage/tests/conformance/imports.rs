use pretty_assertions::assert_eq;
use wharf_domain::import_policy::SkipReason;
use wharf_domain::import_run::{ImportCounts, ImportOutcome, ImportRun, ImportTrigger, SkippedOrder};
use wharf_storage::{ImportDayWrite, OrderKey, StorageError};

use crate::Db;
use crate::fixtures::*;

fn skipped(po: &str, po_date: &str, reason: SkipReason, seen: &str) -> SkippedOrder {
    SkippedOrder {
        store_id: store_a(),
        po_number: po.into(),
        po_date: day(po_date),
        order_date: Some(at("2026-11-20T15:00:00Z")),
        reason,
        message: format!("skipped {po}"),
        first_seen: at(seen),
        last_seen: at(seen),
    }
}

fn skip_day(skipped: Vec<SkippedOrder>, no_longer: Vec<OrderKey>) -> ImportDayWrite {
    ImportDayWrite { skipped, no_longer_skipped: no_longer, ..Default::default() }
}

pub async fn skipped_order_upsert_keeps_first_seen(db: Db) {
    seed(&*db).await;
    seed_b(&*db).await;
    let old = SkipReason::OutsideImportWindow { order_date: at("2026-11-20T15:00:00Z"), window_hours: 72 };
    db.write_import_day(
        &account_a(),
        &store_a(),
        skip_day(
            vec![
                skipped("1000001", "2026-11-20", SkipReason::NoShippingAddress, "2026-11-26T10:00:00Z"),
                skipped("1000002", "2026-11-20", old.clone(), "2026-11-26T10:00:00Z"),
            ],
            vec![],
        ),
    )
    .await
    .unwrap();

    // Seen again an hour later, now for another reason: first_seen stays, the rest is refreshed.
    let mut again = skipped(
        "1000001",
        "2026-11-20",
        SkipReason::Unreadable { detail: "no line items".into() },
        "2026-11-26T11:00:00Z",
    );
    again.first_seen = at("2026-11-26T11:00:00Z");
    again.message = "Sears sent an order Wharf could not read: no line items".into();
    db.write_import_day(&account_a(), &store_a(), skip_day(vec![again.clone()], vec![])).await.unwrap();

    let mut expected_first = again.clone();
    expected_first.first_seen = at("2026-11-26T10:00:00Z");
    let second = skipped("1000002", "2026-11-20", old, "2026-11-26T10:00:00Z");
    // Most recently seen first.
    assert_eq!(db.list_skipped(&account_a(), None).await.unwrap(), vec![expected_first.clone(), second.clone()]);
    assert_eq!(db.list_skipped(&account_a(), Some(&store_a())).await.unwrap().len(), 2);
    assert_eq!(db.list_skipped(&account_a(), Some(&store_b())).await.unwrap(), vec![]);
    assert_eq!(db.list_skipped(&account_b(), None).await.unwrap(), vec![]);

    // The seller fixed the address; the order imports and is no longer listed as skipped.
    db.write_import_day(
        &account_a(),
        &store_a(),
        ImportDayWrite {
            new_orders: vec![new_write(order(1, "1000001", day("2026-11-20")))],
            no_longer_skipped: vec![OrderKey::new("1000001", day("2026-11-20"))],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(db.list_skipped(&account_a(), None).await.unwrap(), vec![second]);
}

/// A day of many new orders clears exactly the skipped ones among them (the keys go in chunks).
pub async fn a_large_day_clears_only_its_skipped_orders(db: Db) {
    seed(&*db).await;
    seed_b(&*db).await;
    let reason = SkipReason::NoShippingAddress;
    let skipped_pos = ["2000000", "2000499", "2000500", "2001200"];
    let kept = skipped("2000001", "2026-11-21", reason.clone(), "2026-11-26T10:00:00Z");
    let mut skips: Vec<SkippedOrder> =
        skipped_pos.iter().map(|po| skipped(po, "2026-11-20", reason.clone(), "2026-11-26T10:00:00Z")).collect();
    skips.push(kept.clone());
    db.write_import_day(&account_a(), &store_a(), skip_day(skips, vec![])).await.unwrap();
    // Store B's order of the same key is not store A's to clear.
    let mut other = skipped("2000000", "2026-11-20", reason, "2026-11-26T10:00:00Z");
    other.store_id = store_b();
    db.write_import_day(&account_b(), &store_b(), skip_day(vec![other.clone()], vec![])).await.unwrap();

    // 1,201 keys of 2026-11-20, past two chunk boundaries; 2000001 of 2026-11-21 is not among them.
    let keys: Vec<OrderKey> =
        (0..=1200).map(|n| OrderKey::new((2_000_000 + n).to_string(), day("2026-11-20"))).collect();
    db.write_import_day(&account_a(), &store_a(), skip_day(vec![], keys)).await.unwrap();

    assert_eq!(db.list_skipped(&account_a(), None).await.unwrap(), vec![kept]);
    assert_eq!(db.list_skipped(&account_b(), None).await.unwrap(), vec![other]);
}

fn run(id: &str, store: &wharf_domain::StoreId, started: &str) -> ImportRun {
    ImportRun {
        run_id: id.parse().unwrap(),
        account_id: account_a(),
        store_id: store.clone(),
        trigger: ImportTrigger::Scheduled,
        started_at: at(started),
        finished_at: None,
        window_from: day("2026-11-23"),
        window_to: day("2026-11-26"),
        counts: ImportCounts::default(),
        errors: vec![],
        outcome: ImportOutcome::Running,
    }
}

pub async fn import_runs_round_trip(db: Db) {
    seed(&*db).await;
    seed_b(&*db).await;
    let outlet: wharf_domain::StoreId = "sto_outlet".parse().unwrap();
    db.insert_store(&store(&outlet, &account_a(), "Outlet", "1002"), b"x").await.unwrap();

    let mut first = run("imp_first", &store_a(), "2026-11-26T10:00:00Z");
    db.insert_import_run(&first).await.unwrap();
    db.insert_import_run(&run("imp_second", &outlet, "2026-11-26T10:05:00Z")).await.unwrap();
    db.insert_import_run(&run("imp_third", &store_a(), "2026-11-26T10:10:00Z")).await.unwrap();

    first.finished_at = Some(at("2026-11-26T10:01:30Z"));
    first.counts = ImportCounts { fetched: 12, new: 9, updated: 1, unchanged: 1, skipped: 1, failed: 0 };
    first.errors = vec!["2026-11-24: Sears answered 503; that day is read again next run".into()];
    first.outcome = ImportOutcome::Partial;
    db.update_import_run(&first).await.unwrap();
    assert_eq!(db.get_import_run(&account_a(), &first.run_id).await.unwrap(), first);

    let ids = |runs: Vec<ImportRun>| runs.into_iter().map(|r| r.run_id.to_string()).collect::<Vec<_>>();
    assert_eq!(
        ids(db.list_import_runs(&account_a(), None, 10).await.unwrap()),
        ["imp_third", "imp_second", "imp_first"]
    );
    assert_eq!(ids(db.list_import_runs(&account_a(), None, 2).await.unwrap()), ["imp_third", "imp_second"]);
    assert_eq!(ids(db.list_import_runs(&account_a(), Some(&store_a()), 10).await.unwrap()), ["imp_third", "imp_first"]);

    // Another account sees none of it.
    assert_eq!(db.list_import_runs(&account_b(), None, 10).await.unwrap(), vec![]);
    let hidden = db.get_import_run(&account_b(), &first.run_id).await.unwrap_err();
    assert!(matches!(hidden, StorageError::NotFound { what: "import run", .. }), "{hidden:?}");
    let mut foreign = first.clone();
    foreign.account_id = account_b();
    foreign.store_id = store_b();
    let hidden = db.update_import_run(&foreign).await.unwrap_err();
    assert!(matches!(hidden, StorageError::NotFound { what: "import run", .. }), "{hidden:?}");

    let twice = db.insert_import_run(&first).await.unwrap_err();
    assert!(matches!(twice, StorageError::Duplicate { what: "import run", .. }), "{twice:?}");
    let nowhere = run("imp_nowhere", &"sto_nothing".parse().unwrap(), "2026-11-26T10:00:00Z");
    let missing = db.insert_import_run(&nowhere).await.unwrap_err();
    assert!(matches!(missing, StorageError::NotFound { what: "store", .. }), "{missing:?}");
}
