use pretty_assertions::assert_eq;
use wharf_domain::status::OrderStatus;
use wharf_storage::{StorageError, StoreImportState};

use crate::Db;
use crate::fixtures::*;

pub async fn stores_insert_and_read_back(db: Db) {
    seed(&*db).await;
    seed_b(&*db).await;
    let main = store(&store_a(), &account_a(), "Main", "1001");
    let mut outlet = store(&"sto_outlet".parse().unwrap(), &account_a(), "Outlet", "1002");
    outlet.active = false;
    outlet.settings.import_window_days = 7;
    outlet.settings.status_mapping.set("Awaiting Pickup", OrderStatus::AwaitingShipment).unwrap();
    db.insert_store(&outlet, b"sealed-outlet").await.unwrap();

    assert_eq!(db.get_store(&account_a(), &store_a()).await.unwrap(), main);
    assert_eq!(db.get_store(&account_a(), &outlet.store_id).await.unwrap(), outlet);
    assert_eq!(db.find_store_by_name(&account_a(), "Outlet").await.unwrap(), Some(outlet.clone()));
    assert_eq!(db.find_store_by_name(&account_a(), "outlet").await.unwrap(), None);
    assert_eq!(db.find_store_by_seller_id(&account_a(), "1001").await.unwrap(), Some(main.clone()));
    assert_eq!(db.find_store_by_seller_id(&account_a(), "9999").await.unwrap(), None);

    let names: Vec<String> = db.list_stores(&account_a()).await.unwrap().into_iter().map(|s| s.store_name).collect();
    assert_eq!(names, ["Main", "Outlet"]);
    // The scheduler sees the active stores of every account, by id.
    let active: Vec<String> =
        db.list_all_active_stores().await.unwrap().into_iter().map(|s| s.store_id.to_string()).collect();
    assert_eq!(active, ["sto_other", "sto_sample"]);

    let missing = db.get_store(&account_a(), &"sto_nothing".parse().unwrap()).await.unwrap_err();
    assert!(matches!(missing, StorageError::NotFound { what: "store", .. }), "{missing:?}");
}

pub async fn store_secrets_round_trip_exactly(db: Db) {
    seed(&*db).await;
    assert_eq!(db.store_secret(&account_a(), &store_a()).await.unwrap(), b"sealed-a");
    // Sealed secrets are ciphertext: any byte may occur.
    let sealed: Vec<u8> = vec![0x00, 0xff, 0xfe, 0x80, 0x0a, 0x00, 0xc3, 0x28];
    db.set_store_secret(&account_a(), &store_a(), &sealed).await.unwrap();
    assert_eq!(db.store_secret(&account_a(), &store_a()).await.unwrap(), sealed);

    let missing = db.set_store_secret(&account_a(), &"sto_nothing".parse().unwrap(), b"x").await.unwrap_err();
    assert!(matches!(missing, StorageError::NotFound { what: "store", .. }), "{missing:?}");
}

pub async fn duplicate_store_name_or_seller_is_refused(db: Db) {
    seed(&*db).await;
    seed_b(&*db).await;
    let same_name = store(&"sto_second".parse().unwrap(), &account_a(), "Main", "1003");
    let refused = db.insert_store(&same_name, b"x").await.unwrap_err();
    match &refused {
        StorageError::Duplicate { what, key } => {
            assert_eq!(*what, "store name");
            assert_eq!(key, "\"Main\"");
        }
        other => panic!("expected a duplicate store name, got {other:?}"),
    }
    assert_eq!(refused.to_string(), "store name already exists: \"Main\"");

    let same_seller = store(&"sto_second".parse().unwrap(), &account_a(), "Second", "1001");
    let refused = db.insert_store(&same_seller, b"x").await.unwrap_err();
    match &refused {
        StorageError::Duplicate { what, key } => {
            assert_eq!(*what, "store for this Sears seller ID");
            assert_eq!(key, "1001");
        }
        other => panic!("expected a duplicate seller, got {other:?}"),
    }

    let same_id = store(&store_a(), &account_a(), "Third", "1004");
    let refused = db.insert_store(&same_id, b"x").await.unwrap_err();
    assert!(matches!(refused, StorageError::Duplicate { what: "store", .. }), "{refused:?}");

    // Names and sellers are unique per account only.
    let other_account = store(&"sto_b2".parse().unwrap(), &account_b(), "Main", "1001");
    db.insert_store(&other_account, b"x").await.unwrap();
    assert_eq!(db.list_stores(&account_a()).await.unwrap().len(), 1);
}

pub async fn update_store_replaces_settings(db: Db) {
    seed(&*db).await;
    db.insert_store(&store(&"sto_outlet".parse().unwrap(), &account_a(), "Outlet", "1002"), b"x").await.unwrap();
    let mut main = store(&store_a(), &account_a(), "Main", "1001");
    main.store_name = "Main Street".into();
    main.active = false;
    main.settings.import_interval_minutes = 15;
    main.settings.branding.company_name = Some("Acme Outdoor".into());
    main.modify_date = at("2026-11-20T12:00:00Z");
    db.update_store(&main).await.unwrap();
    assert_eq!(db.get_store(&account_a(), &store_a()).await.unwrap(), main);
    assert_eq!(db.find_store_by_name(&account_a(), "Main").await.unwrap(), None);
    assert!(db.list_all_active_stores().await.unwrap().iter().all(|s| s.store_id != store_a()));
    // The secret is not part of the store and stays.
    assert_eq!(db.store_secret(&account_a(), &store_a()).await.unwrap(), b"sealed-a");

    main.store_name = "Outlet".into();
    let taken = db.update_store(&main).await.unwrap_err();
    assert!(matches!(taken, StorageError::Duplicate { what: "store name", .. }), "{taken:?}");

    let mut elsewhere = main.clone();
    elsewhere.store_name = "Main".into();
    elsewhere.account_id = account_b();
    let missing = db.update_store(&elsewhere).await.unwrap_err();
    assert!(matches!(missing, StorageError::NotFound { what: "store", .. }), "{missing:?}");
}

pub async fn store_of_unknown_account_is_refused(db: Db) {
    let orphan = store(&store_b(), &account_b(), "Other", "2002");
    let refused = db.insert_store(&orphan, b"x").await.unwrap_err();
    match refused {
        StorageError::NotFound { what, key } => {
            assert_eq!(what, "account");
            assert_eq!(key, "acc_other");
        }
        other => panic!("expected the account to be missing, got {other:?}"),
    }
}

pub async fn store_import_state_round_trip(db: Db) {
    seed(&*db).await;
    assert_eq!(db.store_import_state(&store_a()).await.unwrap(), StoreImportState::default());

    let failing = StoreImportState {
        last_success_at: Some(at("2026-11-26T10:00:00Z")),
        last_attempt_at: Some(at("2026-11-26T10:05:00.123456Z")),
        current_error: Some("Sears refused the authorization key; reconnect the store".into()),
        failing_since: Some(at("2026-11-26T10:05:00Z")),
        consecutive_failures: 3,
        next_run_at: Some(at("2026-11-26T10:20:00Z")),
        waiting_reason: Some("Sears rate limit: waiting until 10:20".into()),
    };
    db.set_store_import_state(&store_a(), &failing).await.unwrap();
    assert_eq!(db.store_import_state(&store_a()).await.unwrap(), failing);

    let recovered = StoreImportState {
        last_success_at: Some(at("2026-11-26T10:20:30Z")),
        last_attempt_at: Some(at("2026-11-26T10:20:00Z")),
        next_run_at: Some(at("2026-11-26T10:25:00Z")),
        ..StoreImportState::default()
    };
    db.set_store_import_state(&store_a(), &recovered).await.unwrap();
    assert_eq!(db.store_import_state(&store_a()).await.unwrap(), recovered);

    let nowhere = "sto_nothing".parse().unwrap();
    let missing = db.store_import_state(&nowhere).await.unwrap_err();
    assert!(matches!(missing, StorageError::NotFound { what: "store", .. }), "{missing:?}");
    let missing = db.set_store_import_state(&nowhere, &recovered).await.unwrap_err();
    assert!(matches!(missing, StorageError::NotFound { what: "store", .. }), "{missing:?}");
}

pub async fn stores_are_scoped_by_account(db: Db) {
    seed(&*db).await;
    seed_b(&*db).await;
    let b = account_b();
    let not_found = |e: StorageError| assert!(matches!(e, StorageError::NotFound { what: "store", .. }), "{e:?}");
    not_found(db.get_store(&b, &store_a()).await.unwrap_err());
    not_found(db.store_secret(&b, &store_a()).await.unwrap_err());
    not_found(db.set_store_secret(&b, &store_a(), b"stolen").await.unwrap_err());
    assert_eq!(db.find_store_by_name(&b, "Main").await.unwrap(), None);
    assert_eq!(db.find_store_by_seller_id(&b, "1001").await.unwrap(), None);
    let names: Vec<String> = db.list_stores(&b).await.unwrap().into_iter().map(|s| s.store_name).collect();
    assert_eq!(names, ["Other"]);
    // A's secret is untouched by B's attempt.
    assert_eq!(db.store_secret(&account_a(), &store_a()).await.unwrap(), b"sealed-a");
}
