//! Sears's rate limits are the installation's, not a process's (decision 13): the counters and the back-off live
//! in the database, so every Wharf instance on it keeps one budget, and a `403 rate limited` seen by one store of
//! one instance makes every store of every instance wait, visibly, and resume by itself.
//!
//! Calls that reach the sandbox are counted with a counted fault that changes nothing (a zero-millisecond "slow"
//! answer): each call that reaches the sandbox uses one of its calls.

mod support;

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use pretty_assertions::assert_eq;
use secrecy::SecretString;
use serde_json::Value;
use support::{Backend, Harness, SandboxTime};
use wharf_app::import::{NoProgress, import_store};
use wharf_app::sears_limits::database_limiter;
use wharf_app::stores::{SearsConnect, connect_sears};
use wharf_app::{App, MasterKey, jobs};
use wharf_domain::import_run::{ImportOutcome, ImportTrigger};
use wharf_domain::store::Store as SalesStore;
use wharf_sears::{SearsConfig, SearsLimits};
use wharf_sears_sandbox::{FaultKind, FaultSpec, SellerCredentials};

/// Large enough never to run out in a test.
const COUNTER_CALLS: u32 = 100_000;

/// A second seller account in the sandbox, connected as a second store of the same Wharf account.
async fn connect_second_store(h: &Harness) -> SalesStore {
    let seller = SellerCredentials::new("80005678", "second@sandbox.wharf.test", "U2Vjb25kU2FuZGJveEtleTch");
    h.sandbox.control().add_seller(seller.clone()).expect("the sandbox takes a second seller");
    connect_sears(
        &h.app,
        &h.account,
        SearsConnect {
            name: "Second Sears store".into(),
            email: seller.email,
            seller_id: seller.seller_id,
            auth_key: SecretString::from(seller.auth_key),
            base_url: Some(h.sandbox.base_url()),
        },
    )
    .await
    .expect("the sandbox accepts its second seller")
    .store
}

/// Another Wharf instance on the harness's database: its own pool, the same clock and master key, the limiter in
/// the database with `limits`.
async fn instance(h: &Harness, limits: SearsLimits) -> App {
    let store = h.db.open_another().await;
    App::new(
        store.clone(),
        Arc::new(SandboxTime(h.sandbox.control().clock().clone())),
        MasterKey::load_or_create(&h.data_dir.path().join("master.key")).unwrap(),
        SearsConfig { timeout: Duration::from_secs(5), ..SearsConfig::default() },
        database_limiter(store, limits),
        h.data_dir.path().to_owned(),
    )
}

/// Starts counting the calls that reach the sandbox.
fn count_calls(h: &Harness) {
    h.sandbox.control().add_fault(FaultSpec::next_calls(FaultKind::Slow { millis: 0 }, COUNTER_CALLS));
}

/// Calls that reached the sandbox since `count_calls`.
fn calls_seen(h: &Harness) -> u32 {
    let counter = h.sandbox.control().faults().into_iter().find(|f| f.spec.kind == FaultKind::Slow { millis: 0 });
    COUNTER_CALLS - counter.expect("the counter is in force").remaining.expect("a counted fault")
}

async fn wharf_status(h: &Harness) -> Value {
    let out = h.wharf().args(["status", "--json"]).output().await.expect("wharf runs");
    assert!(out.status.success(), "wharf status failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("wharf status --json prints JSON")
}

fn store_status<'a>(status: &'a Value, store: &SalesStore) -> &'a Value {
    let stores = status["stores"].as_array().expect("a list of stores");
    stores.iter().find(|s| s["storeId"] == store.store_id.to_string()).expect("the store is listed")
}

async fn a_403_backs_off_every_store_of_every_instance(backend: Backend) {
    let h = Harness::start(backend).await;
    let first = h.store.clone();
    let second = connect_second_store(&h).await;
    // Both stores import once, normally.
    h.drain_jobs().await;
    for store in [&first, &second] {
        let state = h.app.store.store_import_state(&store.store_id).await.unwrap();
        assert_eq!(state.last_success_at, Some(h.app.now()), "{}", store.store_name);
    }

    // Another instance imports the first store by hand; Sears answers its first call `403 rate limited`.
    let other = instance(&h, SearsLimits::default()).await;
    h.sandbox.control().add_fault(FaultSpec::next_calls(FaultKind::RateLimit, 1));
    count_calls(&h);
    let run = import_store(&other, &first, ImportTrigger::Manual, &NoProgress).await.unwrap();
    assert_eq!(run.outcome, ImportOutcome::Failed);
    assert!(run.errors[0].contains("Sears answered 'rate limited'"), "{:?}", run.errors);
    assert_eq!(calls_seen(&h), 0, "the import stopped at the 403");
    let runs_before = h.app.store.list_import_runs(&h.account, None, 100).await.unwrap().len();

    // 403 at 20:00:00Z: every store of the installation waits 15 minutes.
    let back_off_end: Timestamp = "2024-05-03T20:15:00Z".parse().unwrap();
    let reason = "Sears rate limit: Sears answered 'rate limited' and throttles this installation, so every store \
                  waits; no call to Sears before 2024-05-03T20:15:00Z, Wharf resumes by itself";

    // Five minutes later both scheduled imports are due on the first instance: neither calls Sears.
    h.advance(SignedDuration::from_mins(5));
    assert!(h.drain_jobs().await >= 2, "both stores' import jobs ran");
    assert_eq!(calls_seen(&h), 0, "no call reached the sandbox during the back-off");
    let runs = h.app.store.list_import_runs(&h.account, None, 100).await.unwrap();
    assert_eq!(runs.len(), runs_before, "a store that waits records no import run");
    for store in [&first, &second] {
        let job = h.app.store.get_job_by_key(&jobs::import_job_key(&store.store_id)).await.unwrap().unwrap();
        assert_eq!(job.run_at, back_off_end, "{} imports next when the back-off ends", store.store_name);
        let state = h.app.store.store_import_state(&store.store_id).await.unwrap();
        assert_eq!(state.waiting_reason.as_deref(), Some(reason), "{}", store.store_name);
        assert_eq!(state.next_run_at, Some(back_off_end), "{}", store.store_name);
    }
    // The second store did not fail: it waits.
    let second_state = h.app.store.store_import_state(&second.store_id).await.unwrap();
    assert_eq!((second_state.current_error, second_state.consecutive_failures), (None, 0));

    // What the seller sees, from another process.
    let status = wharf_status(&h).await;
    for store in [&first, &second] {
        let shown = store_status(&status, store);
        assert_eq!(shown["waitingReason"], reason, "{}", store.store_name);
        assert_eq!(shown["nextRunAt"], "2024-05-03T20:15:00Z", "{}", store.store_name);
    }
    assert!(store_status(&status, &first)["currentError"].as_str().unwrap().contains("rate limited"));

    // Nothing is due before the back-off ends; at its end both stores import by themselves.
    h.advance(SignedDuration::from_mins(9));
    h.drain_jobs().await;
    assert_eq!(calls_seen(&h), 0, "still waiting at 20:14");
    h.advance(SignedDuration::from_mins(1));
    h.drain_jobs().await;
    assert!(calls_seen(&h) >= 2 * 5, "each store asked Sears for the five days of its window");
    for store in [&first, &second] {
        let state = h.app.store.store_import_state(&store.store_id).await.unwrap();
        assert_eq!(state.last_success_at, Some(back_off_end), "{}", store.store_name);
        assert_eq!((state.current_error.as_deref(), state.waiting_reason.as_deref()), (None, None));
    }
    let status = wharf_status(&h).await;
    for store in [&first, &second] {
        assert_eq!(store_status(&status, store)["waitingReason"], Value::Null, "{}", store.store_name);
    }
    assert_eq!(h.orders().await.len(), 13, "the first store's orders are all there");
}

async fn two_instances_share_one_budget_of_requests_per_minute(backend: Backend) {
    const PER_MINUTE: u32 = 6;
    let h = Harness::start(backend).await;
    let first = h.store.clone();
    let second = connect_second_store(&h).await;
    // The sandbox enforces the same budget: a call beyond it would be answered `403 rate limited`.
    let mut settings = h.sandbox.control().settings();
    settings.limits.requests_per_ip = PER_MINUTE;
    h.sandbox.control().set_settings(settings);
    let limits = SearsLimits {
        requests_per_minute: PER_MINUTE,
        max_inline_wait: Duration::ZERO, // the sandbox's clock stands still: never sleep for a window's end
        ..SearsLimits::default()
    };
    let (a, b) = (instance(&h, limits.clone()).await, instance(&h, limits).await);
    count_calls(&h);
    for round in 0..4 {
        // A fresh minute for Wharf and the sandbox alike (the stores' connection checks used the first one).
        h.advance(SignedDuration::from_secs(61));
        let minute_end = h.app.now() + SignedDuration::from_mins(1);
        let before = calls_seen(&h);
        // Each import wants one call per day of its five-day window: ten calls, for six in the budget.
        let (run_a, run_b) = tokio::join!(
            import_store(&a, &first, ImportTrigger::Manual, &NoProgress),
            import_store(&b, &second, ImportTrigger::Manual, &NoProgress),
        );
        let calls = calls_seen(&h) - before;
        assert_eq!(calls, PER_MINUTE, "round {round}: the minute's budget, shared by both instances, and no more");
        run_a.unwrap();
        run_b.unwrap();
        // A store whose import the budget cut short says so (at least one was: ten calls wanted, six allowed).
        let expected = format!(
            "Sears rate limit: this installation used its Sears budget of requests per minute (Sears allows 500 per \
             minute per IP); no call to Sears before {minute_end}, Wharf resumes by itself"
        );
        let mut waiting = 0;
        for store in [&first, &second] {
            let state = h.app.store.store_import_state(&store.store_id).await.unwrap();
            if let Some(reason) = state.waiting_reason {
                assert_eq!(reason, expected, "round {round}: {}", store.store_name);
                waiting += 1;
            }
        }
        assert!(waiting >= 1, "round {round}: a store waits for the next minute");
    }
    // Sears itself never had to refuse a call.
    assert_eq!(a.sears_limiter().state().back_off(a.now()).await, Ok(None));
    let runs = h.app.store.list_import_runs(&h.account, None, 100).await.unwrap();
    assert!(runs.iter().flat_map(|r| &r.errors).all(|e| !e.contains("Sears answered")), "{runs:?}");
}

on_both_backends!(a_403_backs_off_every_store_of_every_instance, two_instances_share_one_budget_of_requests_per_minute);
