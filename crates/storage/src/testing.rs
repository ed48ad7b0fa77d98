//! Fresh databases for tests (feature `test-support`): this crate's conformance suite and other crates'
//! end-to-end tests get a migrated store on a database of their own, removed when the guard drops.
//!
//! ```no_run
//! # async fn example() {
//! let (store, _db) = wharf_storage::testing::fresh_sqlite().await;
//! // Keep `_db` alive for the whole test: `let (store, _) = …` would remove the database at once.
//! # drop(store);
//! # }
//! ```
//!
//! PostgreSQL databases are created through `WHARF_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), whose user must be allowed to create databases.
//! An unreachable server fails the test with what to do; it is never skipped.

use std::sync::Arc;

use sqlx::Connection;
use sqlx::postgres::PgConnection;

use crate::location::redact;
use crate::{Backend, PostgresStore, SqliteStore, Store};

/// The variable naming the PostgreSQL server tests create their databases on.
pub const PG_URL_VAR: &str = "WHARF_TEST_PG_URL";
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Connections per test pool: enough for the concurrency tests, few enough that a parallel test run stays
/// well under PostgreSQL's default of 100 connections.
const TEST_POOL_CONNECTIONS: u32 = 5;

/// A test's database. Dropping it removes the database (the SQLite directory, or `DROP DATABASE … WITH
/// (FORCE)` on PostgreSQL, which also ends connections still open).
#[must_use = "the database is removed when this guard drops; bind it to a named variable such as `_db`"]
pub struct TestDatabase {
    backend: Backend,
    location: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, database: String },
}

impl TestDatabase {
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The location of this database, as `wharf_storage::connect` takes it (for a server under test).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// A second, independent store on the same database: its own pool, as another Wharf instance (or the
    /// CLI beside `wharf serve`) would have.
    pub async fn open_another(&self) -> Arc<dyn Store> {
        match self.backend {
            Backend::Sqlite => {
                Arc::new(SqliteStore::open(&self.location).await.expect("reopening the test's SQLite file"))
            }
            Backend::Postgres => Arc::new(
                PostgresStore::connect_with(&self.location, TEST_POOL_CONNECTIONS)
                    .await
                    .expect("connecting again to the test's PostgreSQL database"),
            ),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Cleanup::Postgres { admin_url, database } = &self.cleanup else {
            return; // the TempDir removes the SQLite files itself
        };
        let (admin_url, database) = (admin_url.clone(), database.clone());
        // Drop runs inside the test's runtime, which cannot block on async work: use a thread of its own.
        let dropped = std::thread::spawn(move || -> Result<(), String> {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&admin_url).await.map_err(|e| e.to_string())?;
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)")))
                    .execute(&mut admin)
                    .await
                    .map_err(|e| e.to_string())?;
                admin.close().await.map_err(|e| e.to_string())
            })
        })
        .join();
        if let Err(e) | Ok(Err(e)) = dropped.map_err(|_| "the cleanup thread panicked".to_string()) {
            eprintln!("warning: could not drop the test database {}: {e}", self.location_redacted());
        }
    }
}

impl TestDatabase {
    fn location_redacted(&self) -> String {
        redact(&self.location)
    }
}

/// A migrated store on a new database of `backend`.
pub async fn fresh(backend: Backend) -> (Arc<dyn Store>, TestDatabase) {
    match backend {
        Backend::Sqlite => fresh_sqlite().await,
        Backend::Postgres => fresh_postgres().await,
    }
}

/// A migrated SQLite store on a new file in a temporary directory.
pub async fn fresh_sqlite() -> (Arc<dyn Store>, TestDatabase) {
    let dir = tempfile::Builder::new()
        .prefix("wharf-test-")
        .tempdir()
        .expect("creating a temporary directory for the test database");
    let path = dir.path().join("wharf.db");
    let store = SqliteStore::open(&path).await.expect("opening a fresh SQLite database");
    let db = TestDatabase {
        backend: Backend::Sqlite,
        location: path.to_str().expect("temporary paths are UTF-8").to_owned(),
        cleanup: Cleanup::Sqlite(dir),
    };
    (Arc::new(store), db)
}

/// A migrated PostgreSQL store on a new database `wharf_test_<random>` of the server at `WHARF_TEST_PG_URL`.
///
/// # Panics
/// When the server cannot be reached or refuses to create the database, with what to do about it.
pub async fn fresh_postgres() -> (Arc<dyn Store>, TestDatabase) {
    let admin_url = std::env::var(PG_URL_VAR).unwrap_or_else(|_| DEFAULT_PG_URL.to_owned());
    let mut admin = match PgConnection::connect(&admin_url).await {
        Ok(conn) => conn,
        Err(e) => panic!(
            "PostgreSQL is unreachable at {} ({e}).\nThe storage tests run against PostgreSQL and never skip it: \
             start the server (e.g. `pg_ctlcluster 15 main start` or `service postgresql start`), or set {PG_URL_VAR} \
             to a server whose user may CREATE DATABASE.",
            redact(&admin_url)
        ),
    };
    let database = format!("wharf_test_{}", uuid::Uuid::new_v4().simple());
    if let Err(e) =
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{database}\""))).execute(&mut admin).await
    {
        panic!(
            "cannot create the test database {database} at {} ({e}); give the user of {PG_URL_VAR} the CREATEDB right",
            redact(&admin_url)
        );
    }
    let _ = admin.close().await;
    let mut url = url::Url::parse(&admin_url).expect("a PostgreSQL URL that just connected parses");
    url.set_path(&format!("/{database}"));
    let location = url.to_string();
    // The guard exists before the store opens, so a failed migration still removes the database.
    let db = TestDatabase {
        backend: Backend::Postgres,
        location: location.clone(),
        cleanup: Cleanup::Postgres { admin_url, database },
    };
    let store = PostgresStore::connect_with(&location, TEST_POOL_CONNECTIONS)
        .await
        .expect("connecting to the fresh PostgreSQL database");
    store.migrate().await.expect("migrating the fresh PostgreSQL database");
    (Arc::new(store), db)
}
