use std::collections::HashSet;

use jiff::{SignedDuration, Timestamp};
use pretty_assertions::assert_eq;
use serde_json::json;
use wharf_storage::{Job, JobOutcome, JobState, NewJob, StorageError};

use crate::Db;
use crate::fixtures::*;

const LEASE: SignedDuration = SignedDuration::from_secs(30);

fn t0() -> Timestamp {
    at("2026-11-26T10:00:00Z")
}

fn secs(n: i64) -> Timestamp {
    t0() + SignedDuration::from_secs(n)
}

fn new_job(kind: &str, key: Option<&str>, run_at: Timestamp, max_attempts: u32) -> NewJob {
    NewJob {
        kind: kind.into(),
        unique_key: key.map(str::to_owned),
        payload: json!({"store": "sto_sample"}),
        run_at,
        max_attempts,
    }
}

async fn claim(db: &Db, worker: &str, kinds: &[&str], now: Timestamp) -> Option<Job> {
    db.claim_job(worker, kinds, now, LEASE).await.unwrap()
}

pub async fn enqueue_dedupes_live_jobs_by_unique_key(db: Db) {
    let import = NewJob {
        payload: json!({"store": "sto_sample", "n": 1}),
        ..new_job("import", Some("import:sto_sample"), secs(60), 5)
    };
    let first = db.enqueue(&import, t0()).await.unwrap();
    assert!(first.id.as_str().starts_with("job_"), "{}", first.id);
    assert_eq!(
        first,
        Job {
            id: first.id.clone(),
            kind: "import".into(),
            unique_key: Some("import:sto_sample".into()),
            payload: json!({"store": "sto_sample", "n": 1}),
            run_at: secs(60),
            attempts: 0,
            max_attempts: 5,
            last_error: None,
            locked_by: None,
            locked_until: None,
            state: JobState::Queued,
            created_at: t0(),
            updated_at: t0(),
        }
    );

    // The same key again changes nothing and returns the job that holds it.
    let again = NewJob {
        payload: json!({"store": "sto_sample", "n": 2}),
        ..new_job("import", Some("import:sto_sample"), secs(5), 9)
    };
    assert_eq!(db.enqueue(&again, secs(1)).await.unwrap(), first);
    assert_eq!(db.get_job_by_key("import:sto_sample").await.unwrap(), Some(first.clone()));

    // Still one job while it runs.
    let running = claim(&db, "w1", &["import"], secs(60)).await.unwrap();
    assert_eq!(running.id, first.id);
    let while_running = db.enqueue(&again, secs(61)).await.unwrap();
    assert_eq!(while_running.id, first.id);
    assert_eq!(while_running.state, JobState::Running);
    assert_eq!(while_running.locked_by.as_deref(), Some("w1"));

    // Jobs without a key are never merged.
    let a = db.enqueue(&new_job("email", None, t0(), 3), t0()).await.unwrap();
    let b = db.enqueue(&new_job("email", None, t0(), 3), t0()).await.unwrap();
    assert_ne!(a.id, b.id);
    assert_eq!(db.get_job_by_key("import:sto_other").await.unwrap(), None);
}

pub async fn claim_takes_due_jobs_by_run_at(db: Db) {
    let later = db.enqueue(&new_job("email", None, secs(120), 3), t0()).await.unwrap();
    let sooner = db.enqueue(&new_job("email", None, secs(60), 3), t0()).await.unwrap();
    let not_due = db.enqueue(&new_job("email", None, secs(600), 3), t0()).await.unwrap();
    let report = db.enqueue(&new_job("report", None, t0(), 3), t0()).await.unwrap();

    let now = secs(300);
    let first = claim(&db, "w1", &["email"], now).await.unwrap();
    assert_eq!(first.id, sooner.id);
    assert_eq!(first.state, JobState::Running);
    assert_eq!(first.attempts, 1);
    assert_eq!(first.locked_by.as_deref(), Some("w1"));
    assert_eq!(first.locked_until, Some(secs(330)));
    assert_eq!(first.updated_at, now);
    assert_eq!(claim(&db, "w1", &["email"], now).await.unwrap().id, later.id);
    assert_eq!(claim(&db, "w1", &["email"], now).await, None, "the third email is not due yet");
    assert_eq!(claim(&db, "w1", &["other"], now).await, None);
    assert_eq!(claim(&db, "w1", &["email", "report"], now).await.unwrap().id, report.id);
    for done in [&sooner, &later, &report] {
        db.finish_job(&done.id, "w1", JobOutcome::Completed, now).await.unwrap();
    }
    assert_eq!(claim(&db, "w1", &["email"], secs(599)).await, None);
    assert_eq!(claim(&db, "w1", &["email"], secs(600)).await.unwrap().id, not_due.id);
}

pub async fn concurrent_instances_claim_each_job_exactly_once(db: Db) {
    // Two instances, each with its own pool, and four workers on each, race for every job.
    let instances = [db.store.clone(), db.guard.open_another().await];
    const ROUNDS: usize = 15;
    const JOBS: usize = 12;
    for round in 0..ROUNDS {
        let now = secs(round as i64 * 3600);
        let mut enqueued = HashSet::new();
        for _ in 0..JOBS {
            enqueued.insert(db.enqueue(&new_job("sync", None, now, 3), now).await.unwrap().id);
        }
        let mut workers = tokio::task::JoinSet::new();
        for w in 0..8 {
            let store = instances[w % 2].clone();
            workers.spawn(async move {
                let worker = format!("instance{}-worker{w}", w % 2);
                let mut claimed = Vec::new();
                while let Some(job) = store.claim_job(&worker, &["sync"], now, LEASE).await.unwrap() {
                    assert_eq!(job.locked_by.as_deref(), Some(worker.as_str()));
                    claimed.push((job.id, worker.clone()));
                }
                claimed
            });
        }
        let mut claimed = Vec::new();
        while let Some(result) = workers.join_next().await {
            claimed.extend(result.expect("a claiming task panicked"));
        }
        let distinct: HashSet<_> = claimed.iter().map(|(id, _)| id.clone()).collect();
        assert_eq!(claimed.len(), JOBS, "round {round}: every job claimed exactly once, not {claimed:?}");
        assert_eq!(distinct, enqueued, "round {round}");
        for (id, worker) in claimed {
            db.finish_job(&id, &worker, JobOutcome::Completed, now).await.unwrap();
        }
    }
}

pub async fn expired_lease_is_claimed_again(db: Db) {
    let job = db.enqueue(&new_job("import", Some("import:sto_sample"), t0(), 5), t0()).await.unwrap();
    let a = claim(&db, "worker-a", &["import"], t0()).await.unwrap();
    assert_eq!((a.id.clone(), a.attempts, a.locked_until), (job.id.clone(), 1, Some(secs(30))));

    assert_eq!(claim(&db, "worker-b", &["import"], secs(10)).await, None, "the lease still holds");
    assert_eq!(claim(&db, "worker-b", &["import"], secs(29)).await, None);
    // Worker A crashed: once its lease runs out, B takes the job over.
    let b = claim(&db, "worker-b", &["import"], secs(31)).await.unwrap();
    assert_eq!(b.id, job.id);
    assert_eq!(b.attempts, 2);
    assert_eq!(b.locked_by.as_deref(), Some("worker-b"));
    assert_eq!(b.locked_until, Some(secs(61)));

    let lost = db.extend_lease(&job.id, "worker-a", secs(90)).await.unwrap_err();
    assert!(matches!(&lost, StorageError::LeaseLost(id) if *id == job.id.to_string()), "{lost:?}");
    assert_eq!(lost.to_string(), format!("job {} is no longer held by this worker (its lease ran out)", job.id));
    let lost = db.finish_job(&job.id, "worker-a", JobOutcome::Completed, secs(40)).await.unwrap_err();
    assert!(matches!(lost, StorageError::LeaseLost(_)), "{lost:?}");
    assert_eq!(db.get_job_by_key("import:sto_sample").await.unwrap().unwrap().locked_by.as_deref(), Some("worker-b"));

    db.finish_job(&job.id, "worker-b", JobOutcome::Completed, secs(45)).await.unwrap();
    assert_eq!(db.get_job_by_key("import:sto_sample").await.unwrap(), None);
    let gone = db.finish_job(&job.id, "worker-b", JobOutcome::Completed, secs(46)).await.unwrap_err();
    assert!(matches!(gone, StorageError::LeaseLost(_)), "{gone:?}");
}

pub async fn extend_lease_keeps_the_job(db: Db) {
    let job = db.enqueue(&new_job("label", None, t0(), 5), t0()).await.unwrap();
    claim(&db, "worker-a", &["label"], t0()).await.unwrap();
    db.extend_lease(&job.id, "worker-a", secs(90)).await.unwrap();
    assert_eq!(claim(&db, "worker-b", &["label"], secs(60)).await, None);
    let taken = claim(&db, "worker-b", &["label"], secs(90)).await.unwrap();
    assert_eq!((taken.id, taken.attempts), (job.id.clone(), 2));

    let unknown = "job_unknown".parse().unwrap();
    let lost = db.extend_lease(&unknown, "worker-a", secs(120)).await.unwrap_err();
    assert!(matches!(lost, StorageError::LeaseLost(_)), "{lost:?}");
    // Only a running job has a lease.
    let queued = db.enqueue(&new_job("label", None, secs(1000), 5), t0()).await.unwrap();
    let lost = db.extend_lease(&queued.id, "worker-a", secs(120)).await.unwrap_err();
    assert!(matches!(lost, StorageError::LeaseLost(_)), "{lost:?}");
}

pub async fn retry_reschedule_dead_and_completed_outcomes(db: Db) {
    let key = "import:sto_sample";
    let job = db.enqueue(&new_job("import", Some(key), t0(), 5), t0()).await.unwrap();

    claim(&db, "w", &["import"], t0()).await.unwrap();
    let retry = JobOutcome::Retry { error: "Sears answered 503 Service Unavailable".into(), retry_at: secs(60) };
    db.finish_job(&job.id, "w", retry, secs(5)).await.unwrap();
    let waiting = db.get_job_by_key(key).await.unwrap().unwrap();
    assert_eq!(waiting.state, JobState::Queued);
    assert_eq!(waiting.attempts, 1);
    assert_eq!(waiting.run_at, secs(60));
    assert_eq!(waiting.last_error.as_deref(), Some("Sears answered 503 Service Unavailable"));
    assert_eq!((waiting.locked_by, waiting.locked_until), (None, None));
    assert_eq!(waiting.updated_at, secs(5));
    assert_eq!(claim(&db, "w", &["import"], secs(59)).await, None);
    assert_eq!(claim(&db, "w", &["import"], secs(60)).await.unwrap().attempts, 2);

    // A recurring job runs again later with fresh attempts and, if given, a new payload.
    let next = JobOutcome::Reschedule {
        run_at: secs(360),
        payload: Some(json!({"store": "sto_sample", "cursor": "2026-11-26"})),
    };
    db.finish_job(&job.id, "w", next, secs(61)).await.unwrap();
    let rescheduled = db.get_job_by_key(key).await.unwrap().unwrap();
    assert_eq!(rescheduled.state, JobState::Queued);
    assert_eq!(rescheduled.attempts, 0);
    assert_eq!(rescheduled.last_error, None);
    assert_eq!(rescheduled.run_at, secs(360));
    assert_eq!(rescheduled.payload, json!({"store": "sto_sample", "cursor": "2026-11-26"}));
    claim(&db, "w", &["import"], secs(360)).await.unwrap();
    let keep_payload = JobOutcome::Reschedule { run_at: secs(660), payload: None };
    db.finish_job(&job.id, "w", keep_payload, secs(361)).await.unwrap();
    let kept = db.get_job_by_key(key).await.unwrap().unwrap();
    assert_eq!(kept.payload, json!({"store": "sto_sample", "cursor": "2026-11-26"}));

    // A terminal failure keeps the job, dead, with its error; it no longer holds its key.
    claim(&db, "w", &["import"], secs(660)).await.unwrap();
    let dead = JobOutcome::Dead { error: "Sears rejected the authorization key; reconnect the store".into() };
    db.finish_job(&job.id, "w", dead, secs(661)).await.unwrap();
    assert_eq!(db.get_job_by_key(key).await.unwrap(), None);
    let buried = db.dead_jobs(10).await.unwrap();
    assert_eq!(buried.len(), 1);
    assert_eq!(buried[0].id, job.id);
    assert_eq!(buried[0].state, JobState::Dead);
    assert_eq!(buried[0].attempts, 1);
    assert_eq!(buried[0].updated_at, secs(661));
    assert_eq!(buried[0].last_error.as_deref(), Some("Sears rejected the authorization key; reconnect the store"));
    assert_eq!(claim(&db, "w", &["import"], secs(10_000)).await, None);

    // The key is free for a new job, which completes and disappears.
    let fresh = db.enqueue(&new_job("import", Some(key), secs(700), 5), secs(700)).await.unwrap();
    assert_ne!(fresh.id, job.id);
    claim(&db, "w", &["import"], secs(700)).await.unwrap();
    db.finish_job(&fresh.id, "w", JobOutcome::Completed, secs(701)).await.unwrap();
    assert_eq!(db.get_job_by_key(key).await.unwrap(), None);
    assert_eq!(db.dead_jobs(10).await.unwrap().len(), 1);
}

pub async fn exhausted_attempts_make_a_job_dead(db: Db) {
    let job = db.enqueue(&new_job("webhook", None, t0(), 2), t0()).await.unwrap();
    let retry =
        |n: i64| JobOutcome::Retry { error: format!("connection refused (attempt {n})"), retry_at: secs(n * 100) };
    claim(&db, "w", &["webhook"], t0()).await.unwrap();
    db.finish_job(&job.id, "w", retry(1), secs(1)).await.unwrap();
    let second = claim(&db, "w", &["webhook"], secs(100)).await.unwrap();
    assert_eq!(second.attempts, 2);
    db.finish_job(&job.id, "w", retry(2), secs(101)).await.unwrap();

    assert_eq!(claim(&db, "w", &["webhook"], secs(10_000)).await, None);
    let dead = db.dead_jobs(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].id, job.id);
    assert_eq!(dead[0].state, JobState::Dead);
    assert_eq!(dead[0].attempts, 2);
    assert_eq!(dead[0].last_error.as_deref(), Some("connection refused (attempt 2)"));
    assert_eq!(dead[0].run_at, secs(100), "a dead job keeps the time of its last attempt");
}

pub async fn expired_lease_on_the_last_attempt_buries_the_job(db: Db) {
    let job = db.enqueue(&new_job("label", None, t0(), 1), t0()).await.unwrap();
    claim(&db, "worker-a", &["label"], t0()).await.unwrap();
    // Worker A vanished during its only allowed attempt.
    assert_eq!(claim(&db, "worker-b", &["label"], secs(31)).await, None);
    let dead = db.dead_jobs(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].id, job.id);
    assert_eq!(dead[0].state, JobState::Dead);
    assert_eq!(
        dead[0].last_error.as_deref(),
        Some("the worker running attempt 1 of 1 stopped before finishing (its lease ran out)")
    );
    assert_eq!(dead[0].updated_at, secs(31));
    let late = db.finish_job(&job.id, "worker-a", JobOutcome::Completed, secs(40)).await.unwrap_err();
    assert!(matches!(late, StorageError::LeaseLost(_)), "{late:?}");
}

pub async fn dead_jobs_can_be_retried(db: Db) {
    let key = "asn:ord_1";
    let job = db.enqueue(&new_job("asn", Some(key), t0(), 3), t0()).await.unwrap();
    claim(&db, "w", &["asn"], t0()).await.unwrap();
    let dead = JobOutcome::Dead { error: "Sears refused the carrier code".into() };
    db.finish_job(&job.id, "w", dead, secs(1)).await.unwrap();

    let requeued = db.retry_dead_job(&job.id, secs(100)).await.unwrap();
    assert_eq!(requeued.id, job.id);
    assert_eq!(requeued.state, JobState::Queued);
    assert_eq!(requeued.attempts, 0);
    assert_eq!(requeued.run_at, secs(100));
    assert_eq!(requeued.last_error.as_deref(), Some("Sears refused the carrier code"));
    assert_eq!(db.dead_jobs(10).await.unwrap(), vec![]);
    assert_eq!(db.get_job_by_key(key).await.unwrap(), Some(requeued));
    let not_dead = db.retry_dead_job(&job.id, secs(101)).await.unwrap_err();
    assert!(matches!(not_dead, StorageError::NotFound { what: "dead job", .. }), "{not_dead:?}");

    // While a live job holds the key, the dead one cannot come back.
    claim(&db, "w", &["asn"], secs(100)).await.unwrap();
    db.finish_job(&job.id, "w", JobOutcome::Dead { error: "again".into() }, secs(102)).await.unwrap();
    db.enqueue(&new_job("asn", Some(key), secs(103), 3), secs(103)).await.unwrap();
    let blocked = db.retry_dead_job(&job.id, secs(104)).await.unwrap_err();
    assert!(matches!(blocked, StorageError::Duplicate { .. }), "{blocked:?}");
}

pub async fn dead_jobs_are_listed_newest_first(db: Db) {
    let mut ids = Vec::new();
    for (n, died) in [(1, 10), (2, 30), (3, 20)] {
        let job = db.enqueue(&new_job("email", None, t0(), 1), t0()).await.unwrap();
        claim(&db, "w", &["email"], secs(died - 1)).await.unwrap();
        let dead = JobOutcome::Dead { error: format!("mailbox {n} does not exist") };
        db.finish_job(&job.id, "w", dead, secs(died)).await.unwrap();
        ids.push(job.id);
    }
    let listed: Vec<_> = db.dead_jobs(2).await.unwrap().into_iter().map(|j| j.id).collect();
    assert_eq!(listed, [ids[1].clone(), ids[2].clone()]);
    assert_eq!(db.dead_jobs(10).await.unwrap().len(), 3);
}
