//! The scheduler lives in the database: with several Wharf instances on one database, exactly one imports a
//! store each time it is due, and a crashed instance's job is taken over once its lease runs out.

mod support;

use std::sync::Arc;

use jiff::SignedDuration;
use support::{Backend, Harness, SandboxTime};
use wharf_app::{App, MasterKey, jobs};
use wharf_sears::{RateLimiter, SearsConfig};

/// A second Wharf instance: its own connection pool on the same database, the same master key file.
async fn second_instance(h: &Harness, clock: wharf_sears_sandbox::SandboxClock) -> App {
    App::new(
        h.db.open_another().await,
        Arc::new(SandboxTime(clock)),
        MasterKey::load_or_create(&h.data_dir.path().join("master.key")).unwrap(),
        SearsConfig::default(),
        RateLimiter::in_memory(),
        h.data_dir.path().to_owned(),
    )
}

async fn exactly_one_instance_imports_a_due_store(backend: Backend) {
    let h = Harness::start(backend).await;
    let other = second_instance(&h, h.sandbox.control().clock().clone()).await;
    for round in 0..3 {
        let (a, b) = tokio::join!(jobs::drain(&h.app, "instance-a"), jobs::drain(&other, "instance-b"));
        a.unwrap();
        b.unwrap();
        assert_eq!(h.import_runs().await, round + 1, "round {round}: one import between the two instances");
        // The job rescheduled itself at the store's interval.
        h.advance(SignedDuration::from_mins(5));
    }
}

async fn a_crashed_instances_job_is_taken_over_after_its_lease(backend: Backend) {
    let h = Harness::start(backend).await;
    let claimed =
        h.app.store.claim_job("crashed-instance", &[jobs::IMPORT_JOB], h.app.now(), jobs::LEASE).await.unwrap();
    assert!(claimed.is_some(), "the crashed instance held the job");
    h.drain_jobs().await;
    assert_eq!(h.import_runs().await, 0, "nobody else runs it while the lease holds");
    h.advance(jobs::LEASE + SignedDuration::from_secs(1));
    h.drain_jobs().await;
    assert_eq!(h.import_runs().await, 1, "taken over");
    assert_eq!(h.orders().await.len(), 13);
}

on_both_backends!(exactly_one_instance_imports_a_due_store, a_crashed_instances_job_is_taken_over_after_its_lease);
