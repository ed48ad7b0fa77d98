//! What only the embedded backend has: a file that `wharf migrate` creates, and that the CLI and a running
//! `wharf serve` write at the same time.

use jiff::Timestamp;
use wharf_domain::sample;
use wharf_domain::store::{Account, Marketplace, SearsConnection, Store as SalesStore, StoreSettings};
use wharf_storage::{Backend, ImportDayWrite, OrderFilter, OrderWrite, SqliteStore, Store};

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

#[tokio::test]
async fn migrate_creates_the_file_and_reports_each_migration_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data").join("wharf.db");
    let location = format!("sqlite://{}", path.display());

    let first = wharf_storage::migrate(&location).await.unwrap();
    assert!(path.exists(), "the data directory and the file are created");
    assert_eq!(first.backend, Backend::Sqlite);
    let mut files: Vec<(i64, String)> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
        .unwrap()
        .map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            let (version, rest) = name.split_once('_').unwrap();
            (version.parse().unwrap(), rest.trim_end_matches(".sql").replace('_', " "))
        })
        .collect();
    files.sort();
    let applied: Vec<(i64, String)> = first.applied_now.iter().map(|m| (m.version, m.description.clone())).collect();
    assert_eq!(applied, files);
    assert!(applied.iter().any(|(_, d)| d == "initial"), "{applied:?}");
    assert_eq!(first.current_version, files.last().map(|(v, _)| *v));

    let again = wharf_storage::migrate(&location).await.unwrap();
    assert_eq!(again.applied_now, vec![]);
    assert_eq!(again.current_version, first.current_version);
}

fn order_write(n: u32, po: &str) -> OrderWrite {
    let order = sample::order(sample::order_id(n).as_str(), po);
    OrderWrite { raw_document: Some(po.as_bytes().to_vec()), history: vec![], expected_modify_date: None, order }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_and_the_server_write_the_same_file_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wharf.db");
    let server = SqliteStore::open(&path).await.unwrap();
    let cli = SqliteStore::open(&path).await.unwrap();
    server
        .insert_account(&Account {
            account_id: sample::account_id(),
            name: "Acme".into(),
            alert_email: None,
            create_date: at("2026-11-01T00:00:00Z"),
        })
        .await
        .unwrap();
    let store = SalesStore {
        store_id: sample::store_id(),
        account_id: sample::account_id(),
        store_name: "Main".into(),
        marketplace: Marketplace::Sears,
        connection: SearsConnection {
            seller_id: "1001".into(),
            email: "seller@example.com".into(),
            base_url: "http://127.0.0.1:9/sears".into(),
        },
        settings: StoreSettings::default(),
        active: true,
        create_date: at("2026-11-01T00:00:00Z"),
        modify_date: at("2026-11-01T00:00:00Z"),
    };
    server.insert_store(&store, b"sealed").await.unwrap();

    // Two processes' worth of writers, each holding SQLite's write lock for a whole import day: the second
    // waits through busy_timeout instead of failing with "database is locked".
    let day = |from: u32| ImportDayWrite {
        new_orders: (from..from + 500).map(|n| order_write(n, &format!("{}", 5_000_000 + n))).collect(),
        ..Default::default()
    };
    let (account, store) = (sample::account_id(), sample::store_id());
    let (a, b) = tokio::join!(
        server.write_import_day(&account, &store, day(1)),
        cli.write_import_day(&account, &store, day(1001)),
    );
    a.unwrap();
    b.unwrap();
    assert_eq!(server.count_orders(&sample::account_id(), &OrderFilter::default()).await.unwrap(), 1000);
    assert_eq!(cli.count_orders(&sample::account_id(), &OrderFilter::default()).await.unwrap(), 1000);
}
