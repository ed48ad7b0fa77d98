//! The `batches` area: batch creation and numbering, the one-open-batch-per-order constraint, results that
//! never undo a bought label, the processing lease, archiving, orders leaving batches, print settings.

use pretty_assertions::assert_eq;
use wharf_domain::{AccountId, BatchId, OrderId, OrderStatus, ShipmentId};
use wharf_storage::StorageError;
use wharf_storage::batches::{
    Batch, BatchCounts, BatchSelection, BatchState, Issue, LabelSummary, NewBatch, OrderOutcome, OrderResult,
    OrderResultWrite, PrintSettings, ProcessingClaim, PurchaseError,
};

use crate::Db;
use crate::fixtures::*;

fn batch_id(n: u32) -> BatchId {
    format!("bat_{n:032}").parse().expect("valid id")
}

fn shipment_id(n: u32) -> ShipmentId {
    format!("shp_{n:032}").parse().expect("valid id")
}

fn new_batch(n: u32, selection: BatchSelection, created: &str) -> NewBatch {
    NewBatch { batch_id: batch_id(n), account_id: account_a(), selection, created_at: at(created) }
}

fn awaiting(limit: Option<u32>) -> BatchSelection {
    BatchSelection::Matching { status: OrderStatus::AwaitingShipment, store_id: None, limit }
}

fn orders(ns: &[u32]) -> BatchSelection {
    BatchSelection::Orders(ns.iter().map(|&n| order_id(n)).collect())
}

async fn member_ids(db: &Db, batch: &BatchId) -> Vec<OrderId> {
    db.batch_orders(&account_a(), batch).await.unwrap().into_iter().map(|o| o.order_id).collect()
}

fn result(order: u32, result: OrderResult, outcome: OrderOutcome, shipment: Option<u32>) -> OrderResultWrite {
    OrderResultWrite {
        order_id: order_id(order),
        result,
        outcome,
        shipment_id: shipment.map(shipment_id),
        attempted: matches!(result, OrderResult::Bought | OrderResult::Failed),
    }
}

fn bought(tracking: &str) -> OrderOutcome {
    OrderOutcome {
        label: Some(LabelSummary {
            tracking_numbers: vec![tracking.into()],
            carrier_fee: Some("12.34 USD".into()),
            service_code: Some("ups_ground".into()),
        }),
        ..Default::default()
    }
}

fn failed(message: &str) -> OrderOutcome {
    OrderOutcome {
        error: Some(PurchaseError { message: message.into(), carrier_code: Some("999999".into()), retryable: true }),
        ..Default::default()
    }
}

/// Five orders of store A on five days: 1, 2, 3 and 5 awaiting shipment, 4 shipped.
async fn five_orders(db: &Db) {
    seed(&**db).await;
    let mut list = Vec::new();
    for n in 1..=5u32 {
        let order = order(n, &format!("100000{n}"), day(&format!("2026-11-2{n}")));
        list.push(if n == 4 { with_status(order, OrderStatus::Shipped) } else { order });
    }
    import_new(&**db, list).await;
}

fn claimed(claim: ProcessingClaim) -> Batch {
    match claim {
        ProcessingClaim::Claimed(batch) => batch,
        ProcessingClaim::Busy { processor, until } => panic!("expected a claim, {processor} holds it until {until}"),
    }
}

pub async fn batches_take_matching_orders_oldest_first_and_are_numbered(db: Db) {
    five_orders(&db).await;
    let first = db.create_batch(&new_batch(1, awaiting(Some(2)), "2026-11-27T08:00:00Z")).await.unwrap().unwrap();
    assert_eq!(first.number, 1);
    assert_eq!(first.state, BatchState::Open);
    assert_eq!(first.store_id, None);
    assert_eq!(first.created_at, at("2026-11-27T08:00:00Z"));
    assert_eq!(first.counts, BatchCounts { total: 2, pending: 2, ..Default::default() });
    assert_eq!(member_ids(&db, &batch_id(1)).await, vec![order_id(1), order_id(2)]);
    let rows = db.batch_orders(&account_a(), &batch_id(1)).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.position).collect::<Vec<_>>(), vec![0, 1]);
    assert!(rows.iter().all(|r| r.result == OrderResult::Pending && r.attempts == 0 && r.shipment_id.is_none()));

    // The next batch takes what the first does not hold; the shipped order 4 is never taken.
    let selection =
        BatchSelection::Matching { status: OrderStatus::AwaitingShipment, store_id: Some(store_a()), limit: None };
    let second = db.create_batch(&new_batch(2, selection, "2026-11-27T08:05:00Z")).await.unwrap().unwrap();
    assert_eq!(second.number, 2);
    assert_eq!(second.store_id, Some(store_a()));
    assert_eq!(member_ids(&db, &batch_id(2)).await, vec![order_id(3), order_id(5)]);

    // Nothing left: no batch, and no number used up.
    assert_eq!(db.create_batch(&new_batch(3, awaiting(None), "2026-11-27T08:10:00Z")).await.unwrap(), None);
    let missing = db.get_batch(&account_a(), &batch_id(3)).await.unwrap_err();
    assert!(matches!(missing, StorageError::NotFound { what: "batch", .. }), "{missing:?}");
    let third = db.create_batch(&new_batch(4, orders(&[4]), "2026-11-27T08:15:00Z")).await.unwrap().unwrap();
    assert_eq!(third.number, 3, "an explicit selection takes any status");
}

pub async fn an_order_is_in_at_most_one_open_batch(db: Db) {
    five_orders(&db).await;
    db.create_batch(&new_batch(1, orders(&[2, 3]), "2026-11-27T08:00:00Z")).await.unwrap().unwrap();
    // Explicit ids: held orders and unknown ids are left out, the rest keep the given order.
    let second = db.create_batch(&new_batch(2, orders(&[5, 3, 1, 9]), "2026-11-27T08:01:00Z")).await.unwrap();
    assert_eq!(second.unwrap().counts.total, 2);
    assert_eq!(member_ids(&db, &batch_id(2)).await, vec![order_id(5), order_id(1)]);
    assert_eq!(db.create_batch(&new_batch(3, orders(&[1, 2]), "2026-11-27T08:02:00Z")).await.unwrap(), None);

    // Archiving batch 1 lets its orders go.
    db.archive_batch(&account_a(), &batch_id(1), at("2026-11-27T09:00:00Z")).await.unwrap();
    let third = db.create_batch(&new_batch(4, orders(&[2, 3]), "2026-11-27T09:01:00Z")).await.unwrap().unwrap();
    assert_eq!(third.number, 3);
    assert_eq!(member_ids(&db, &batch_id(4)).await, vec![order_id(2), order_id(3)]);
}

pub async fn concurrent_batch_creations_never_share_an_order(db: Db) {
    seed(&*db).await;
    let list: Vec<_> = (1..=40u32).map(|n| order(n, &format!("20000{n:02}"), day("2026-11-26"))).collect();
    import_new(&*db, list).await;
    let others = [db.guard.open_another().await, db.guard.open_another().await, db.guard.open_another().await];
    let mut tasks = Vec::new();
    for (i, store) in others.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let mut made = Vec::new();
            for round in 0..4u32 {
                let n = 10 * (i as u32 + 1) + round;
                let batch = new_batch(n, awaiting(Some(5)), "2026-11-27T08:00:00Z");
                if store.create_batch(&batch).await.unwrap().is_some() {
                    made.push(batch_id(n));
                }
            }
            made
        }));
    }
    let mut batches = Vec::new();
    for task in tasks {
        batches.extend(task.await.unwrap());
    }
    let mut members = Vec::new();
    let mut numbers = Vec::new();
    for batch in &batches {
        members.extend(member_ids(&db, batch).await);
        numbers.push(db.get_batch(&account_a(), batch).await.unwrap().number);
    }
    // 12 batches of 5 asked for 60 orders; 40 exist: 8 batches, every order exactly once.
    assert_eq!(batches.len(), 8);
    members.sort();
    assert_eq!(members, (1..=40).map(order_id).collect::<Vec<_>>());
    numbers.sort();
    assert_eq!(numbers, (1..=8).collect::<Vec<u32>>());
}

pub async fn a_bought_order_keeps_its_result(db: Db) {
    five_orders(&db).await;
    db.create_batch(&new_batch(1, orders(&[1, 2]), "2026-11-27T08:00:00Z")).await.unwrap().unwrap();
    let invalid = OrderOutcome {
        problems: vec![Issue::new("weight", "no weight"), Issue::new("service", "no service")],
        warnings: vec![Issue::new("sku_too_long", "SKU is 46 characters")],
        ..Default::default()
    };
    let row = db
        .record_order_result(
            &account_a(),
            &batch_id(1),
            &result(1, OrderResult::Invalid, invalid.clone(), None),
            at("2026-11-27T08:01:00Z"),
        )
        .await
        .unwrap();
    assert_eq!((row.result, row.attempts, row.outcome), (OrderResult::Invalid, 0, invalid));
    db.record_order_result(
        &account_a(),
        &batch_id(1),
        &result(1, OrderResult::Failed, failed("UPS is down"), None),
        at("2026-11-27T08:02:00Z"),
    )
    .await
    .unwrap();
    let row = db
        .record_order_result(
            &account_a(),
            &batch_id(1),
            &result(1, OrderResult::Bought, bought("1Z0001"), Some(7)),
            at("2026-11-27T08:03:00Z"),
        )
        .await
        .unwrap();
    assert_eq!(row.result, OrderResult::Bought);
    assert_eq!(row.attempts, 2);
    assert_eq!(row.shipment_id, Some(shipment_id(7)));
    assert_eq!(row.updated_at, at("2026-11-27T08:03:00Z"));
    assert_eq!(row.outcome, bought("1Z0001"));

    for again in [OrderResult::Failed, OrderResult::Removed, OrderResult::Pending, OrderResult::Bought] {
        let refused = db
            .record_order_result(
                &account_a(),
                &batch_id(1),
                &result(1, again, failed("again"), None),
                at("2026-11-27T08:04:00Z"),
            )
            .await
            .unwrap_err();
        assert!(matches!(refused, StorageError::InvalidWrite { what: "batch order", .. }), "{refused:?}");
    }
    let rows = db.batch_orders(&account_a(), &batch_id(1)).await.unwrap();
    assert_eq!((rows[0].result, rows[0].attempts, &rows[0].outcome), (OrderResult::Bought, 2, &bought("1Z0001")));

    let unknown = db
        .record_order_result(
            &account_a(),
            &batch_id(1),
            &result(3, OrderResult::Failed, failed("x"), None),
            at("2026-11-27T08:05:00Z"),
        )
        .await
        .unwrap_err();
    assert!(matches!(unknown, StorageError::NotFound { what: "batch order", .. }), "{unknown:?}");
    let counts = db.get_batch(&account_a(), &batch_id(1)).await.unwrap().counts;
    assert_eq!(counts, BatchCounts { total: 2, pending: 1, bought: 1, ..Default::default() });
}

pub async fn one_processor_holds_a_batch_until_its_lease_runs_out(db: Db) {
    five_orders(&db).await;
    let batch = batch_id(1);
    db.create_batch(&new_batch(1, orders(&[1, 2]), "2026-11-27T08:00:00Z")).await.unwrap().unwrap();
    let started = claimed(
        db.start_processing(&account_a(), &batch, "cli-1", at("2026-11-27T08:01:00Z"), at("2026-11-27T08:00:00Z"))
            .await
            .unwrap(),
    );
    assert_eq!(started.state, BatchState::Processing);
    assert_eq!(started.processor.as_deref(), Some("cli-1"));
    assert_eq!(started.processor_until, Some(at("2026-11-27T08:01:00Z")));

    assert_eq!(
        db.start_processing(&account_a(), &batch, "worker-2", at("2026-11-27T08:02:00Z"), at("2026-11-27T08:00:30Z"))
            .await
            .unwrap(),
        ProcessingClaim::Busy { processor: "cli-1".into(), until: at("2026-11-27T08:01:00Z") }
    );
    db.extend_processing(&batch, "cli-1", at("2026-11-27T08:02:00Z")).await.unwrap();
    assert!(matches!(
        db.start_processing(&account_a(), &batch, "worker-2", at("2026-11-27T08:03:00Z"), at("2026-11-27T08:01:30Z"))
            .await
            .unwrap(),
        ProcessingClaim::Busy { .. }
    ));
    // The same processor may claim again (a restarted run with the same name).
    claimed(
        db.start_processing(&account_a(), &batch, "cli-1", at("2026-11-27T08:02:30Z"), at("2026-11-27T08:01:40Z"))
            .await
            .unwrap(),
    );

    // cli-1 stops extending (it crashed): once the lease has run out, another processor takes over.
    let taken = claimed(
        db.start_processing(&account_a(), &batch, "worker-2", at("2026-11-27T08:05:00Z"), at("2026-11-27T08:03:00Z"))
            .await
            .unwrap(),
    );
    assert_eq!(taken.processor.as_deref(), Some("worker-2"));
    let lost = db.extend_processing(&batch, "cli-1", at("2026-11-27T08:06:00Z")).await.unwrap_err();
    assert!(matches!(lost, StorageError::LeaseLost(_)), "{lost:?}");
    let lost = db.finish_processing(&account_a(), &batch, "cli-1", at("2026-11-27T08:04:00Z")).await.unwrap_err();
    assert!(matches!(lost, StorageError::LeaseLost(_)), "{lost:?}");

    // A new batch cannot take the orders while batch 1 processes...
    assert_eq!(db.create_batch(&new_batch(2, orders(&[1, 2]), "2026-11-27T08:04:00Z")).await.unwrap(), None);
    db.record_order_result(
        &account_a(),
        &batch,
        &result(1, OrderResult::Bought, bought("1Z0001"), Some(1)),
        at("2026-11-27T08:04:10Z"),
    )
    .await
    .unwrap();
    db.record_order_result(
        &account_a(),
        &batch,
        &result(2, OrderResult::Failed, failed("The carrier is down"), None),
        at("2026-11-27T08:04:20Z"),
    )
    .await
    .unwrap();
    let done = db.finish_processing(&account_a(), &batch, "worker-2", at("2026-11-27T08:04:30Z")).await.unwrap();
    assert_eq!(done.state, BatchState::Processed);
    assert_eq!(done.processed_at, Some(at("2026-11-27T08:04:30Z")));
    assert_eq!((done.processor, done.processor_until), (None, None));
    assert_eq!(done.counts, BatchCounts { total: 2, bought: 1, failed: 1, ..Default::default() });

    // ...and once it is processed they are free again.
    let second = db.create_batch(&new_batch(2, orders(&[2]), "2026-11-27T08:05:00Z")).await.unwrap();
    assert_eq!(second.map(|b| b.number), Some(2));
}

pub async fn processing_again_holds_the_unfinished_orders_or_lets_them_go(db: Db) {
    five_orders(&db).await;
    let batch = batch_id(1);
    db.create_batch(&new_batch(1, orders(&[1, 2, 3]), "2026-11-27T08:00:00Z")).await.unwrap().unwrap();
    claimed(
        db.start_processing(&account_a(), &batch, "p", at("2026-11-27T08:10:00Z"), at("2026-11-27T08:00:00Z"))
            .await
            .unwrap(),
    );
    for (n, outcome, res) in [
        (1, bought("1Z0001"), OrderResult::Bought),
        (2, failed("timeout"), OrderResult::Failed),
        (3, failed("timeout"), OrderResult::Failed),
    ] {
        let shipment = (res == OrderResult::Bought).then_some(n);
        db.record_order_result(&account_a(), &batch, &result(n, res, outcome, shipment), at("2026-11-27T08:01:00Z"))
            .await
            .unwrap();
    }
    db.finish_processing(&account_a(), &batch, "p", at("2026-11-27T08:02:00Z")).await.unwrap();
    // Another batch takes order 3 meanwhile.
    db.create_batch(&new_batch(2, orders(&[3]), "2026-11-27T08:03:00Z")).await.unwrap().unwrap();

    let again = claimed(
        db.start_processing(&account_a(), &batch, "p", at("2026-11-27T08:20:00Z"), at("2026-11-27T08:04:00Z"))
            .await
            .unwrap(),
    );
    assert_eq!(again.state, BatchState::Processing);
    assert_eq!(again.counts, BatchCounts { total: 3, bought: 1, failed: 1, removed: 1, ..Default::default() });
    let rows = db.batch_orders(&account_a(), &batch).await.unwrap();
    assert_eq!(rows[2].result, OrderResult::Removed);
    assert_eq!(rows[2].outcome.removed_reason.as_deref(), Some("the order is now in batch #2"));
    assert_eq!(rows[2].outcome.error, failed("timeout").error, "what happened before is kept");
    assert_eq!(rows[0].outcome, bought("1Z0001"));
    // Order 2 is held again: no new batch can take it.
    assert_eq!(db.create_batch(&new_batch(3, orders(&[2]), "2026-11-27T08:05:00Z")).await.unwrap(), None);
}

pub async fn archiving_releases_orders_and_waits_for_processing(db: Db) {
    five_orders(&db).await;
    let batch = batch_id(1);
    db.create_batch(&new_batch(1, orders(&[1]), "2026-11-27T08:00:00Z")).await.unwrap().unwrap();
    claimed(
        db.start_processing(&account_a(), &batch, "p", at("2026-11-27T08:10:00Z"), at("2026-11-27T08:00:00Z"))
            .await
            .unwrap(),
    );
    let refused = db.archive_batch(&account_a(), &batch, at("2026-11-27T08:01:00Z")).await.unwrap_err();
    assert!(matches!(refused, StorageError::InvalidWrite { what: "batch", .. }), "{refused:?}");
    db.finish_processing(&account_a(), &batch, "p", at("2026-11-27T08:02:00Z")).await.unwrap();
    let archived = db.archive_batch(&account_a(), &batch, at("2026-11-27T08:03:00Z")).await.unwrap();
    assert_eq!(archived.state, BatchState::Archived);
    assert_eq!(archived.archived_at, Some(at("2026-11-27T08:03:00Z")));
    // Archiving twice changes nothing.
    let again = db.archive_batch(&account_a(), &batch, at("2026-11-27T08:04:00Z")).await.unwrap();
    assert_eq!(again.archived_at, Some(at("2026-11-27T08:03:00Z")));
    let refused = db
        .start_processing(&account_a(), &batch, "p", at("2026-11-27T08:20:00Z"), at("2026-11-27T08:05:00Z"))
        .await
        .unwrap_err();
    assert!(matches!(refused, StorageError::InvalidWrite { what: "batch", .. }), "{refused:?}");
}

pub async fn a_cancelled_order_leaves_its_open_batch(db: Db) {
    five_orders(&db).await;
    db.create_batch(&new_batch(1, orders(&[1, 2]), "2026-11-27T08:00:00Z")).await.unwrap().unwrap();
    db.record_order_result(
        &account_a(),
        &batch_id(1),
        &result(2, OrderResult::Bought, bought("1Z0002"), Some(2)),
        at("2026-11-27T08:01:00Z"),
    )
    .await
    .unwrap();
    let reason = "the order was cancelled (Sears status Cancelled)";
    assert_eq!(
        db.remove_from_open_batches(&account_a(), &order_id(1), reason, at("2026-11-27T08:02:00Z")).await.unwrap(),
        vec![batch_id(1)]
    );
    // A bought order never leaves.
    assert_eq!(
        db.remove_from_open_batches(&account_a(), &order_id(2), reason, at("2026-11-27T08:02:00Z")).await.unwrap(),
        Vec::<BatchId>::new()
    );
    let rows = db.batch_orders(&account_a(), &batch_id(1)).await.unwrap();
    assert_eq!((rows[0].result, rows[0].outcome.removed_reason.as_deref()), (OrderResult::Removed, Some(reason)));
    assert_eq!(rows[0].updated_at, at("2026-11-27T08:02:00Z"));
    assert_eq!(rows[1].result, OrderResult::Bought);
    // Out of the batch means free for another one, and processing batch 1 again does not take it back.
    db.create_batch(&new_batch(2, orders(&[1]), "2026-11-27T08:03:00Z")).await.unwrap().unwrap();
    let again = claimed(
        db.start_processing(&account_a(), &batch_id(1), "p", at("2026-11-27T08:20:00Z"), at("2026-11-27T08:04:00Z"))
            .await
            .unwrap(),
    );
    assert_eq!(again.counts, BatchCounts { total: 2, bought: 1, removed: 1, ..Default::default() });
    // Removing an order no batch holds is a no-op.
    assert_eq!(
        db.remove_from_open_batches(&account_a(), &order_id(5), reason, at("2026-11-27T08:05:00Z")).await.unwrap(),
        Vec::<BatchId>::new()
    );
}

pub async fn batches_are_found_listed_and_scoped_by_account(db: Db) {
    five_orders(&db).await;
    seed_b(&*db).await;
    import_new_for(&*db, &account_b(), &store_b(), vec![order_of_b(10, "3000001", day("2026-11-26"))]).await;
    for (n, order) in [(1u32, 1u32), (2, 2), (3, 3)] {
        db.create_batch(&new_batch(n, orders(&[order]), &format!("2026-11-27T08:0{n}:00Z"))).await.unwrap().unwrap();
    }
    let theirs = NewBatch {
        batch_id: batch_id(9),
        account_id: account_b(),
        selection: BatchSelection::Orders(vec![order_id(10)]),
        created_at: at("2026-11-27T08:09:00Z"),
    };
    let theirs = db.create_batch(&theirs).await.unwrap().unwrap();
    assert_eq!(theirs.number, 1, "numbers count per account");
    // Account A cannot put account B's order in a batch, nor see B's batch.
    assert_eq!(db.create_batch(&new_batch(5, orders(&[10]), "2026-11-27T08:10:00Z")).await.unwrap(), None);
    let hidden = db.get_batch(&account_a(), &batch_id(9)).await.unwrap_err();
    assert!(matches!(hidden, StorageError::NotFound { what: "batch", .. }), "{hidden:?}");
    let hidden = db.batch_orders(&account_a(), &batch_id(9)).await.unwrap_err();
    assert!(matches!(hidden, StorageError::NotFound { what: "batch", .. }), "{hidden:?}");

    for key in ["2", "#2", " #2 ", batch_id(2).as_str()] {
        assert_eq!(db.find_batch(&account_a(), key).await.unwrap().batch_id, batch_id(2), "{key:?}");
    }
    for key in ["7", "#x", "bat_nope", ""] {
        let missing = db.find_batch(&account_a(), key).await.unwrap_err();
        assert!(matches!(missing, StorageError::NotFound { what: "batch", .. }), "{key:?}: {missing:?}");
    }

    db.archive_batch(&account_a(), &batch_id(1), at("2026-11-27T09:00:00Z")).await.unwrap();
    let numbers = |list: Vec<Batch>| list.into_iter().map(|b| b.number).collect::<Vec<_>>();
    assert_eq!(numbers(db.list_batches(&account_a(), &[], 10).await.unwrap()), vec![3, 2, 1]);
    assert_eq!(numbers(db.list_batches(&account_a(), &[], 2).await.unwrap()), vec![3, 2]);
    assert_eq!(numbers(db.list_batches(&account_a(), &[BatchState::Open], 10).await.unwrap()), vec![3, 2]);
    let archived = db.list_batches(&account_a(), &[BatchState::Archived, BatchState::Processed], 10).await.unwrap();
    assert_eq!(numbers(archived), vec![1]);
    let listed = db.list_batches(&account_a(), &[], 10).await.unwrap();
    assert_eq!(listed[2].counts, BatchCounts { total: 1, pending: 1, ..Default::default() });
    assert_eq!(numbers(db.list_batches(&account_b(), &[], 10).await.unwrap()), vec![1]);
}

pub async fn print_settings_are_kept_per_account_and_store(db: Db) {
    seed(&*db).await;
    seed_b(&*db).await;
    assert_eq!(db.print_settings(&account_a(), None).await.unwrap(), PrintSettings::default());
    let account_wide = PrintSettings {
        slip_template: Some("<slip><p>{{ order.number }}</p></slip>".into()),
        label_messages: Some(vec!["[Order #]".into(), "[SKU #1] x[Qty #1]".into()]),
        dpi: Some(300),
        slip_size: Some("letter".into()),
        slip_footer: Some("Thank you — merci!".into()),
    };
    db.set_print_settings(&account_a(), None, &account_wide, at("2026-11-27T08:00:00Z")).await.unwrap();
    let store_only = PrintSettings { dpi: Some(203), ..Default::default() };
    db.set_print_settings(&account_a(), Some(&store_a()), &store_only, at("2026-11-27T08:01:00Z")).await.unwrap();
    assert_eq!(db.print_settings(&account_a(), None).await.unwrap(), account_wide);
    assert_eq!(db.print_settings(&account_a(), Some(&store_a())).await.unwrap(), store_only);
    assert_eq!(db.print_settings(&account_b(), None).await.unwrap(), PrintSettings::default());

    // Replacing keeps one row per scope.
    let replaced = PrintSettings { slip_size: Some("4x6".into()), ..Default::default() };
    db.set_print_settings(&account_a(), None, &replaced, at("2026-11-27T08:02:00Z")).await.unwrap();
    assert_eq!(db.print_settings(&account_a(), None).await.unwrap(), replaced);

    // A store of another account, or none at all, cannot have settings here.
    for store in [store_b(), "sto_missing".parse().unwrap()] {
        let refused =
            db.set_print_settings(&account_a(), Some(&store), &replaced, at("2026-11-27T08:03:00Z")).await.unwrap_err();
        assert!(matches!(refused, StorageError::NotFound { what: "store", .. }), "{refused:?}");
    }
    let nobody: AccountId = "acc_nobody".parse().unwrap();
    let refused = db.set_print_settings(&nobody, None, &replaced, at("2026-11-27T08:03:00Z")).await.unwrap_err();
    assert!(matches!(refused, StorageError::NotFound { what: "account", .. }), "{refused:?}");
}
