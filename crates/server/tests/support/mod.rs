//! The end-to-end harness: a fresh database (SQLite file or a new PostgreSQL database), the Sears sandbox on
//! a loopback port with a fixed clock, and Wharf's app on both, with a job queue tests drain synchronously.
#![allow(dead_code)]

pub mod notify;
pub mod shipping;

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use secrecy::SecretString;
use wharf_app::stores::{SearsConnect, connect_sears};
use wharf_app::{App, MasterKey, jobs};
use wharf_domain::clock::Clock;
use wharf_domain::store::Store as SalesStore;
use wharf_domain::{AccountId, Order};
use wharf_sears::{SearsConfig, SearsLimits};
use wharf_sears_sandbox::{RunningSandbox, SandboxClock, SandboxConfig};
pub use wharf_storage::Backend;
use wharf_storage::testing::{TestDatabase, fresh};

/// 2024-05-03 15:00 CDT: SEED.md's "T" is 2024-05-03.
pub const NOW: &str = "2024-05-03T20:00:00Z";

/// Wharf reads the sandbox's clock, so moving one moves both.
pub struct SandboxTime(pub SandboxClock);

impl Clock for SandboxTime {
    fn now(&self) -> Timestamp {
        self.0.now()
    }
}

pub struct Harness {
    pub app: App,
    pub sandbox: RunningSandbox,
    pub db: TestDatabase,
    pub account: AccountId,
    pub store: SalesStore,
    pub data_dir: tempfile::TempDir,
}

pub struct Setup {
    pub random_orders: usize,
    pub seed: u64,
    /// The random orders' PO dates spread over this many Central days ending today.
    pub days: u32,
    /// Real time instead of the fixed `NOW` (needed when a `wharf` process, which reads the system clock,
    /// talks to the sandbox).
    pub system_clock: bool,
}

impl Default for Setup {
    fn default() -> Self {
        Setup { random_orders: 0, seed: 7, days: 3, system_clock: false }
    }
}

impl Harness {
    pub async fn start(backend: Backend) -> Harness {
        Harness::with(backend, Setup::default()).await
    }

    pub async fn with(backend: Backend, setup: Setup) -> Harness {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let clock = if setup.system_clock { SandboxClock::system() } else { SandboxClock::fixed(NOW.parse().unwrap()) };
        let sandbox = SandboxConfig {
            seed: setup.seed,
            orders: setup.random_orders,
            days: setup.days,
            clock: clock.clone(),
            ..Default::default()
        }
        .start()
        .await
        .expect("the Sears sandbox starts");
        let (store, db) = fresh(backend).await;
        let data_dir = tempfile::tempdir().unwrap();
        // The key file a `wharf` process started on the same data directory finds.
        let master_key = MasterKey::load_or_create(&data_dir.path().join("master.key")).unwrap();
        // As `wharf` runs: Sears's limits counted in the database, shared with other instances and processes.
        let limiter = wharf_app::sears_limits::database_limiter(store.clone(), SearsLimits::default());
        let app = App::new(
            store,
            Arc::new(SandboxTime(clock)),
            master_key,
            SearsConfig { timeout: std::time::Duration::from_secs(5), ..SearsConfig::default() },
            limiter,
            data_dir.path().to_owned(),
        );
        let account = app.store.default_account(app.now()).await.unwrap().account_id;
        let seller = sandbox.default_seller();
        let connected = connect_sears(
            &app,
            &account,
            SearsConnect {
                name: "Sears test store".into(),
                email: seller.email.clone(),
                seller_id: seller.seller_id.clone(),
                auth_key: SecretString::from(seller.auth_key.clone()),
                base_url: Some(sandbox.base_url()),
            },
        )
        .await
        .expect("the sandbox accepts its own seller's credentials");
        Harness { app, sandbox, db, account, store: connected.store, data_dir }
    }

    pub fn advance(&self, by: SignedDuration) {
        self.sandbox.control().advance(by);
    }

    /// Runs every due job now (the store's scheduled import among them).
    pub async fn drain_jobs(&self) -> usize {
        jobs::drain(&self.app, "test-worker").await.expect("the job queue works")
    }

    /// How many import runs the store has recorded (other recurring jobs run when the queue drains, too).
    pub async fn import_runs(&self) -> usize {
        self.app.store.list_import_runs(&self.account, Some(&self.store.store_id), 1000).await.unwrap().len()
    }

    pub async fn orders(&self) -> Vec<Order> {
        let filter = wharf_storage::OrderFilter { limit: Some(100_000), ..Default::default() };
        self.app.store.list_orders(&self.account, &filter).await.unwrap()
    }

    /// The one order with this PO number (panics if there is none or several).
    pub async fn order(&self, po_number: &str) -> Order {
        let mut found: Vec<Order> = self.orders().await.into_iter().filter(|o| o.order_number == po_number).collect();
        assert_eq!(found.len(), 1, "expected exactly one order {po_number}");
        found.remove(0)
    }

    /// A `wharf` command on this harness's data directory and database.
    pub fn wharf(&self) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_wharf"));
        command
            .arg("--data-dir")
            .arg(self.data_dir.path())
            .arg("--database-url")
            .arg(self.db.location())
            .env_remove("WHARF_FAILPOINT")
            .env("WHARF_LOG", "warn")
            .kill_on_drop(true);
        command
    }

    pub async fn reload_store(&mut self) {
        self.store = self.app.store.get_store(&self.account, &self.store.store_id).await.unwrap();
    }
}

/// Instantiates each listed async test fn (taking a `Backend`) once per backend: `sqlite::name`, `postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::support::Backend::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::support::Backend::Postgres).await })*
        }
    };
}
