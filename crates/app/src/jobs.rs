//! The job queue's workers and the scheduler. Jobs live in the database, so with several Wharf instances on
//! one database exactly one instance runs each job (each store has one import job, claimed under a lease).

use std::time::Duration;

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tracing::Instrument;
use wharf_domain::import_run::ImportTrigger;
use wharf_domain::store::Store as SalesStore;
use wharf_domain::{AccountId, StoreId};
use wharf_storage::{Job, JobOutcome, NewJob};

use crate::import::{NoProgress, import_store};
use crate::{App, AppResult};

pub const IMPORT_JOB: &str = "import";
/// Every kind of job a worker runs.
pub const JOB_KINDS: &[&str] = &[
    IMPORT_JOB,
    crate::batches::process::BATCH_PROCESS_JOB,
    crate::automation::RELEASE_HOLDS_JOB,
    crate::notify::SEARS_UPDATES_JOB,
    crate::notify::EMAIL_JOB,
    crate::notify::TRACKING_JOB,
    crate::notify::ALERTS_JOB,
];
/// How long a claimed job is held before another worker may take it over (a crashed worker's job).
pub const LEASE: SignedDuration = SignedDuration::from_mins(10);
/// Recurring jobs reschedule themselves and reset their attempts; they never run out (the largest count
/// every backend stores).
pub(crate) const RECURRING_ATTEMPTS: u32 = i32::MAX as u32;
/// How long an idle worker sleeps before asking for work again.
const IDLE_POLL: Duration = Duration::from_millis(500);

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ImportPayload {
    account_id: AccountId,
    store_id: StoreId,
}

pub fn import_job_key(store: &StoreId) -> String {
    format!("import:{store}")
}

/// Makes sure a store with auto-import on has its import job queued (due now). Idempotent: the job's unique
/// key keeps one job per store.
pub async fn schedule_store_import(app: &App, store: &SalesStore) -> AppResult<()> {
    // Notify: the store's Sears updates go out whether or not it imports automatically.
    crate::notify::schedule_store_jobs(app, store).await?;
    if !store.active || !store.settings.auto_import {
        return Ok(());
    }
    let payload = ImportPayload { account_id: store.account_id.clone(), store_id: store.store_id.clone() };
    app.store
        .enqueue(
            &NewJob {
                kind: IMPORT_JOB.into(),
                unique_key: Some(import_job_key(&store.store_id)),
                payload: serde_json::to_value(payload).expect("payload serializes"),
                run_at: app.now(),
                max_attempts: RECURRING_ATTEMPTS,
            },
            app.now(),
        )
        .await?;
    Ok(())
}

/// At start-up: every active store with auto-import gets its job (a no-op for those that have one).
pub async fn ensure_schedules(app: &App) -> AppResult<()> {
    for store in app.store.list_all_active_stores().await? {
        schedule_store_import(app, &store).await?;
    }
    // Automation: one job per installation releases holds whose date has come.
    crate::automation::schedule_hold_release(app).await?;
    // Notify: customer e-mails, tracking and alerts, one job each per installation.
    crate::notify::schedule_installation_jobs(app).await?;
    Ok(())
}

/// Claims one due job and runs it; `None` when nothing is due.
pub async fn work_once(app: &App, worker: &str) -> AppResult<Option<(Job, JobOutcome)>> {
    let Some(job) = app.store.claim_job(worker, JOB_KINDS, app.now(), LEASE).await? else {
        return Ok(None);
    };
    let outcome = run_job(app, &job).await;
    app.store.finish_job(&job.id, worker, outcome.clone(), app.now()).await?;
    Ok(Some((job, outcome)))
}

/// Runs every job that is due now, until none is (tests drain the queue with this).
pub async fn drain(app: &App, worker: &str) -> AppResult<usize> {
    let mut ran = 0;
    while work_once(app, worker).await?.is_some() {
        ran += 1;
    }
    Ok(ran)
}

/// A worker loop: runs due jobs until `shutdown` turns true.
pub async fn run_worker(app: App, worker: String, mut shutdown: watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        match work_once(&app, &worker).await {
            Ok(Some(_)) => continue,
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, worker, "the job queue failed; trying again"),
        }
        tokio::select! {
            _ = tokio::time::sleep(IDLE_POLL) => {}
            _ = shutdown.changed() => {}
        }
    }
}

async fn run_job(app: &App, job: &Job) -> JobOutcome {
    let span = tracing::info_span!("job", id = %job.id, kind = %job.kind);
    // Each kind's future is boxed: their state machines are large, and inline they would all add up in the
    // caller's future (a drain on a 2 MiB test thread overflowed its stack in debug builds).
    async {
        match job.kind.as_str() {
            IMPORT_JOB => Box::pin(run_import_job(app, job)).await,
            crate::batches::process::BATCH_PROCESS_JOB => {
                Box::pin(crate::batches::process::run_process_job(app, job)).await
            }
            crate::automation::RELEASE_HOLDS_JOB => Box::pin(crate::automation::run_release_holds_job(app, job)).await,
            kind if crate::notify::jobs::NOTIFY_JOB_KINDS.contains(&kind) => {
                let unknown = || JobOutcome::Dead { error: format!("unknown notify job kind '{kind}'") };
                Box::pin(crate::notify::jobs::run(app, job)).await.unwrap_or_else(unknown)
            }
            other => JobOutcome::Dead { error: format!("unknown job kind '{other}' (written by a newer Wharf?)") },
        }
    }
    .instrument(span)
    .await
}

/// A store's scheduled import. It always reschedules itself while the store has auto-import on, failures
/// included (with backoff): Wharf never silently stops importing.
async fn run_import_job(app: &App, job: &Job) -> JobOutcome {
    let payload: ImportPayload = match serde_json::from_value(job.payload.clone()) {
        Ok(p) => p,
        Err(e) => {
            return JobOutcome::Dead { error: format!("unreadable import job: {e}") };
        }
    };
    let store = match app.store.get_store(&payload.account_id, &payload.store_id).await {
        Ok(store) => store,
        Err(wharf_storage::StorageError::NotFound { .. }) => return JobOutcome::Completed,
        Err(e) => {
            return JobOutcome::Retry { error: e.to_string(), retry_at: app.now() + SignedDuration::from_mins(1) };
        }
    };
    if !store.active || !store.settings.auto_import {
        return JobOutcome::Completed;
    }
    // Sears throttles the installation: wait for the end of the back-off without calling Sears (decision 13).
    match crate::import::wait_out_back_off(app, &store).await {
        Ok(Some(until)) => return JobOutcome::Reschedule { run_at: until, payload: None },
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, store = %store.store_id, "the Sears back-off could not be read"),
    }
    let result = import_store(app, &store, ImportTrigger::Scheduled, &NoProgress).await;
    let state = app.store.store_import_state(&store.store_id).await.unwrap_or_default();
    let run_at = match (&result, state.next_run_at) {
        (Ok(_), Some(next)) => next,
        _ => crate::import::next_run_at(&store, &state, app.now(), None),
    };
    if let Err(e) = &result {
        tracing::error!(error = %e, store = %store.store_id, "scheduled import failed");
    }
    JobOutcome::Reschedule { run_at, payload: None }
}
