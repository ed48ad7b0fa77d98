//! The notification jobs in the database job queue: one `sears_updates` job per store (so with several
//! instances exactly one sends a store's feeds), and one each per installation for customer e-mails,
//! tracking and alerts. All are recurring: they reschedule themselves and never die.

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};
use wharf_domain::store::Store as SalesStore;
use wharf_domain::{AccountId, StoreId};
use wharf_storage::{Job, JobOutcome, NewJob, StorageError};

use crate::jobs::RECURRING_ATTEMPTS;
use crate::{App, AppResult};

pub const SEARS_UPDATES_JOB: &str = "sears_updates";
pub const EMAIL_JOB: &str = "customer_emails";
pub const TRACKING_JOB: &str = "tracking";
pub const ALERTS_JOB: &str = "alerts";
/// The notification job kinds a worker runs.
pub const NOTIFY_JOB_KINDS: [&str; 4] = [SEARS_UPDATES_JOB, EMAIL_JOB, TRACKING_JOB, ALERTS_JOB];

/// After a pass that failed as a whole (database down, credentials unreadable), how long until the next.
const AFTER_FAILURE: SignedDuration = SignedDuration::from_mins(1);

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StorePayload {
    account_id: AccountId,
    store_id: StoreId,
}

pub fn sears_updates_key(store: &StoreId) -> String {
    format!("{SEARS_UPDATES_JOB}:{store}")
}

async fn enqueue(app: &App, kind: &str, key: String, payload: serde_json::Value) -> AppResult<Job> {
    Ok(app
        .store
        .enqueue(
            &NewJob {
                kind: kind.into(),
                unique_key: Some(key),
                payload,
                run_at: app.now(),
                max_attempts: RECURRING_ATTEMPTS,
            },
            app.now(),
        )
        .await?)
}

/// Makes sure an active store has its Sears-updates job (due now if new). Idempotent.
pub async fn schedule_store_jobs(app: &App, store: &SalesStore) -> AppResult<()> {
    if !store.active {
        return Ok(());
    }
    let payload = StorePayload { account_id: store.account_id.clone(), store_id: store.store_id.clone() };
    let payload = serde_json::to_value(payload).expect("payload serializes");
    enqueue(app, SEARS_UPDATES_JOB, sears_updates_key(&store.store_id), payload).await?;
    Ok(())
}

/// Makes sure the installation's e-mail, tracking and alert jobs exist. Idempotent.
pub async fn schedule_installation_jobs(app: &App) -> AppResult<()> {
    for kind in [EMAIL_JOB, TRACKING_JOB, ALERTS_JOB] {
        enqueue(app, kind, kind.to_owned(), serde_json::json!({})).await?;
    }
    Ok(())
}

/// Runs one notification job; `None` when `job` is of another kind.
pub async fn run(app: &App, job: &Job) -> Option<JobOutcome> {
    let config = app.notify_config().clone();
    let outcome = match job.kind.as_str() {
        SEARS_UPDATES_JOB => run_sears_updates(app, job).await,
        EMAIL_JOB => match super::email::run_emails(app).await {
            Ok((_, next)) => JobOutcome::Reschedule { run_at: next, payload: None },
            Err(e) => failed(app, "customer e-mails", &e),
        },
        TRACKING_JOB => match super::tracking::run_tracking(app).await {
            Ok(_) => JobOutcome::Reschedule { run_at: app.now() + config.tracking_interval, payload: None },
            Err(e) => failed(app, "tracking", &e),
        },
        ALERTS_JOB => match super::alerts::run_alerts(app).await {
            Ok(_) => JobOutcome::Reschedule { run_at: app.now() + config.alert_interval, payload: None },
            Err(e) => failed(app, "alerts", &e),
        },
        _ => return None,
    };
    Some(outcome)
}

fn failed(app: &App, what: &str, e: &crate::AppError) -> JobOutcome {
    tracing::error!(error = %e, "{what} failed; trying again");
    JobOutcome::Reschedule { run_at: app.now() + AFTER_FAILURE, payload: None }
}

async fn run_sears_updates(app: &App, job: &Job) -> JobOutcome {
    let payload: StorePayload = match serde_json::from_value(job.payload.clone()) {
        Ok(p) => p,
        Err(e) => return JobOutcome::Dead { error: format!("unreadable Sears-updates job: {e}") },
    };
    let store = match app.store.get_store(&payload.account_id, &payload.store_id).await {
        Ok(store) => store,
        Err(StorageError::NotFound { .. }) => return JobOutcome::Completed,
        Err(e) => return failed(app, "Sears updates (reading the store)", &e.into()),
    };
    if !store.active {
        return JobOutcome::Completed;
    }
    match super::sears_updates::run_store(app, &store).await {
        Ok((report, next)) => {
            if report != Default::default() {
                tracing::info!(store = %store.store_id, ?report, "Sears updates pass");
            }
            JobOutcome::Reschedule { run_at: next, payload: None }
        }
        Err(e) => failed(app, "Sears updates", &e),
    }
}
