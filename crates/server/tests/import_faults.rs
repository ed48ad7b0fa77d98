//! Each fault Sears can throw at an import (rate limit, outage page, malformed XML, refused credentials) leaves
//! a visible store error, loses nothing, and recovers by itself through the scheduled import job.

mod support;

use jiff::SignedDuration;
use support::{Backend, Harness};
use wharf_domain::import_run::ImportOutcome;
use wharf_sears_sandbox::{FaultKind, FaultSpec};

/// Injects `kind` for ten minutes of sandbox time, lets the scheduled import fail, checks what the seller sees,
/// then moves time on and lets the schedule recover.
async fn fault_then_recovery(backend: Backend, kind: FaultKind, expected_error: &str, retry_after: SignedDuration) {
    let h = Harness::start(backend).await;
    h.sandbox.control().add_fault(FaultSpec::during(kind, SignedDuration::from_mins(10)));

    h.drain_jobs().await;
    assert_eq!(h.import_runs().await, 1, "the store's import job ran once");
    let state = h.app.store.store_import_state(&h.store.store_id).await.unwrap();
    let error = state.current_error.clone().expect("the failure is visible on the store");
    assert!(error.contains(expected_error), "store error: {error}");
    assert_eq!(state.consecutive_failures, 1);
    assert!(state.failing_since.is_some());
    assert!(state.last_success_at.is_none());
    let next = state.next_run_at.expect("auto-import is never switched off");
    assert!(next > h.app.now(), "the retry waits: {next}");
    let runs = h.app.store.list_import_runs(&h.account, Some(&h.store.store_id), 10).await.unwrap();
    assert_eq!(runs[0].outcome, ImportOutcome::Failed);
    assert!(h.orders().await.is_empty());
    let job = h.app.store.get_job_by_key(&format!("import:{}", h.store.store_id)).await.unwrap();
    assert!(job.is_some(), "the import job is still scheduled");

    // Nothing due yet: the schedule waits for its backoff.
    h.drain_jobs().await;
    assert_eq!(h.import_runs().await, 1, "no import before the backoff ends");
    h.advance(retry_after);
    h.sandbox.control().clear_faults();
    h.drain_jobs().await;
    assert_eq!(h.import_runs().await, 2, "the schedule retried by itself");
    let state = h.app.store.store_import_state(&h.store.store_id).await.unwrap();
    assert_eq!(state.current_error, None, "recovered");
    assert_eq!(state.consecutive_failures, 0);
    assert!(state.last_success_at.is_some());
    assert_eq!(h.orders().await.len(), 13, "every order of the window arrived after all");
    let skipped = h.app.store.list_skipped(&h.account, None).await.unwrap();
    assert_eq!(skipped.len(), 2);
}

async fn rate_limit(backend: Backend) {
    // Sears's 403 backs every store off for 15 minutes (decision 13).
    fault_then_recovery(backend, FaultKind::RateLimit, "rate limit", SignedDuration::from_mins(16)).await;
}

async fn html_outage_page(backend: Backend) {
    fault_then_recovery(backend, FaultKind::Html500, "outage", SignedDuration::from_mins(11)).await;
}

async fn malformed_xml(backend: Backend) {
    fault_then_recovery(backend, FaultKind::MalformedXml, "could not be read", SignedDuration::from_mins(11)).await;
}

async fn refused_credentials(backend: Backend) {
    fault_then_recovery(
        backend,
        FaultKind::AuthFailure,
        "refused the store's credentials",
        SignedDuration::from_mins(11),
    )
    .await;
}

on_both_backends!(rate_limit, html_outage_page, malformed_xml, refused_credentials);
