//! The `rate_limits` area: Sears's rate-limit counters, shared by every instance on the database. Expected values
//! follow the limiter's rules (fixed windows from the first call; all buckets or none; the latest wait wins).

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use pretty_assertions::assert_eq;
use wharf_storage::Store;
use wharf_storage::rate_limits::{RateAdmission, RateBucket, RateWindow, WaitCause};

use crate::Db;
use crate::fixtures::*;

fn t0() -> Timestamp {
    at("2026-11-26T10:00:00Z")
}

fn secs(n: i64) -> Timestamp {
    t0() + SignedDuration::from_secs(n)
}

fn minute(limit: u32) -> RateBucket<'static> {
    RateBucket { key: "requests-per-minute", limit, window: SignedDuration::from_mins(1) }
}

fn asn_hour(seller: &'static str, limit: u32) -> RateBucket<'static> {
    let key = match seller {
        "1" => "seller/1/asn-files-per-hour",
        "2" => "seller/2/asn-files-per-hour",
        other => panic!("no key for seller {other}"),
    };
    RateBucket { key, limit, window: SignedDuration::from_hours(1) }
}

fn wait(until: Timestamp, cause: WaitCause) -> RateAdmission {
    RateAdmission::Wait { until, cause }
}

fn window(key: &str, started_at: Timestamp, ends_at: Timestamp, calls: u32) -> RateWindow {
    RateWindow { key: key.into(), started_at, ends_at, calls }
}

pub async fn admissions_count_per_window_and_name_the_earliest_slot(db: Db) {
    let read = [minute(3)];
    assert_eq!(db.admit_call(secs(0), &read).await.unwrap(), RateAdmission::Granted);
    assert_eq!(db.admit_call(secs(10), &read).await.unwrap(), RateAdmission::Granted);
    assert_eq!(db.admit_call(secs(20), &read).await.unwrap(), RateAdmission::Granted);
    assert_eq!(db.rate_windows().await.unwrap(), vec![window("requests-per-minute", secs(0), secs(60), 3)]);
    // Full: the window started with the first call, at 0, and ends a minute later.
    assert_eq!(db.admit_call(secs(30), &read).await.unwrap(), wait(secs(60), WaitCause::Bucket(0)));
    assert_eq!(db.admit_call(secs(59), &read).await.unwrap(), wait(secs(60), WaitCause::Bucket(0)));
    // The refused calls counted nowhere.
    assert_eq!(db.rate_windows().await.unwrap(), vec![window("requests-per-minute", secs(0), secs(60), 3)]);
    // A new window starts with the first call after the old one ended, not at its end.
    assert_eq!(db.admit_call(secs(75), &read).await.unwrap(), RateAdmission::Granted);
    assert_eq!(db.rate_windows().await.unwrap(), vec![window("requests-per-minute", secs(75), secs(135), 1)]);
    assert_eq!(db.admit_call(secs(76), &read).await.unwrap(), RateAdmission::Granted);
    assert_eq!(db.admit_call(secs(77), &read).await.unwrap(), RateAdmission::Granted);
    assert_eq!(db.admit_call(secs(134), &read).await.unwrap(), wait(secs(135), WaitCause::Bucket(0)));
    assert_eq!(db.admit_call(secs(135), &read).await.unwrap(), RateAdmission::Granted);
}

pub async fn a_call_counts_in_every_bucket_or_in_none(db: Db) {
    let asn = [minute(10), asn_hour("1", 2)];
    assert_eq!(db.admit_call(secs(0), &asn).await.unwrap(), RateAdmission::Granted);
    assert_eq!(db.admit_call(secs(100), &asn).await.unwrap(), RateAdmission::Granted);
    // The hour is full: the call waits for the hour's end, and the minute's budget is not spent on it.
    assert_eq!(db.admit_call(secs(130), &asn).await.unwrap(), wait(secs(3600), WaitCause::Bucket(1)));
    assert_eq!(
        db.rate_windows().await.unwrap(),
        vec![
            window("requests-per-minute", secs(100), secs(160), 1),
            window("seller/1/asn-files-per-hour", secs(0), secs(3600), 2),
        ]
    );
    // Another seller has an hour of its own; a plain read only counts in the minute.
    assert_eq!(db.admit_call(secs(130), &[minute(10), asn_hour("2", 2)]).await.unwrap(), RateAdmission::Granted);
    assert_eq!(db.admit_call(secs(131), &[minute(10)]).await.unwrap(), RateAdmission::Granted);
    assert_eq!(
        db.rate_windows().await.unwrap(),
        vec![
            window("requests-per-minute", secs(100), secs(160), 3),
            window("seller/1/asn-files-per-hour", secs(0), secs(3600), 2),
            window("seller/2/asn-files-per-hour", secs(130), secs(3730), 1),
        ]
    );
    assert_eq!(db.admit_call(secs(3600), &asn).await.unwrap(), RateAdmission::Granted);
}

pub async fn the_limit_that_ends_last_is_named(db: Db) {
    let asn = [minute(1), asn_hour("1", 1)];
    assert_eq!(db.admit_call(secs(0), &asn).await.unwrap(), RateAdmission::Granted);
    // Both are full; the caller must wait for both, so for the hour.
    assert_eq!(db.admit_call(secs(1), &asn).await.unwrap(), wait(secs(3600), WaitCause::Bucket(1)));
    // The same buckets in the other order: the hour is still what ends last.
    assert_eq!(
        db.admit_call(secs(2), &[asn_hour("1", 1), minute(1)]).await.unwrap(),
        wait(secs(3600), WaitCause::Bucket(0))
    );
    // Only the minute is full for a read.
    assert_eq!(db.admit_call(secs(3), &[minute(1)]).await.unwrap(), wait(secs(60), WaitCause::Bucket(0)));
    // A back-off ending with the hour wins the tie; one ending later wins outright.
    db.extend_back_off(secs(3600)).await.unwrap();
    assert_eq!(db.admit_call(secs(4), &asn).await.unwrap(), wait(secs(3600), WaitCause::BackOff));
    db.extend_back_off(secs(4000)).await.unwrap();
    assert_eq!(db.admit_call(secs(5), &[minute(1)]).await.unwrap(), wait(secs(4000), WaitCause::BackOff));
}

pub async fn a_back_off_stops_every_call_until_it_ends(db: Db) {
    assert_eq!(db.back_off(secs(0)).await.unwrap(), None);
    db.extend_back_off(secs(900)).await.unwrap();
    // An earlier back-off never shortens the one in force.
    db.extend_back_off(secs(600)).await.unwrap();
    assert_eq!(db.back_off(secs(60)).await.unwrap(), Some(secs(900)));
    for seller in ["1", "2"] {
        assert_eq!(
            db.admit_call(secs(60), &[minute(500), asn_hour(seller, 300)]).await.unwrap(),
            wait(secs(900), WaitCause::BackOff)
        );
    }
    assert_eq!(db.admit_call(secs(899), &[minute(500)]).await.unwrap(), wait(secs(900), WaitCause::BackOff));
    assert_eq!(db.rate_windows().await.unwrap(), vec![], "nothing was counted during the back-off");
    assert_eq!(db.back_off(secs(900)).await.unwrap(), None);
    assert_eq!(db.admit_call(secs(900), &[minute(500)]).await.unwrap(), RateAdmission::Granted);
    // A later back-off replaces an ended one.
    db.extend_back_off(secs(2000)).await.unwrap();
    assert_eq!(db.back_off(secs(1000)).await.unwrap(), Some(secs(2000)));
}

pub async fn counters_and_back_off_are_shared_by_instances(db: Db) {
    let other = db.guard.open_another().await;
    let read = [minute(2)];
    assert_eq!(db.admit_call(secs(0), &read).await.unwrap(), RateAdmission::Granted);
    assert_eq!(other.admit_call(secs(1), &read).await.unwrap(), RateAdmission::Granted);
    assert_eq!(db.admit_call(secs(2), &read).await.unwrap(), wait(secs(60), WaitCause::Bucket(0)));
    assert_eq!(other.admit_call(secs(2), &read).await.unwrap(), wait(secs(60), WaitCause::Bucket(0)));
    other.extend_back_off(secs(900)).await.unwrap();
    assert_eq!(db.back_off(secs(100)).await.unwrap(), Some(secs(900)));
    assert_eq!(db.admit_call(secs(100), &read).await.unwrap(), wait(secs(900), WaitCause::BackOff));
}

pub async fn ended_windows_are_pruned(db: Db) {
    assert_eq!(db.admit_call(secs(0), &[minute(5), asn_hour("1", 5)]).await.unwrap(), RateAdmission::Granted);
    assert_eq!(db.admit_call(secs(10), &[minute(5), asn_hour("2", 5)]).await.unwrap(), RateAdmission::Granted);
    assert_eq!(db.rate_windows().await.unwrap().len(), 3);
    // At 3600 seller 1's hour has ended (seller 2's ends at 3610): the next admitted call drops it.
    assert_eq!(db.admit_call(secs(3600), &[minute(5)]).await.unwrap(), RateAdmission::Granted);
    assert_eq!(
        db.rate_windows().await.unwrap(),
        vec![
            window("requests-per-minute", secs(3600), secs(3660), 1),
            window("seller/2/asn-files-per-hour", secs(10), secs(3610), 1),
        ]
    );
    assert_eq!(db.admit_call(secs(7200), &[asn_hour("1", 5)]).await.unwrap(), RateAdmission::Granted);
    assert_eq!(
        db.rate_windows().await.unwrap(),
        vec![window("seller/1/asn-files-per-hour", secs(7200), secs(10800), 1)]
    );
}

const PER_MINUTE: u32 = 7;
const SELLER_1_PER_HOUR: u32 = 20;

/// Two instances (pools of their own) and eight tasks admit calls at once, round after round; no limit is ever
/// exceeded, and none is under-used either (demand is always above it).
pub async fn concurrent_instances_never_exceed_a_limit(db: Db) {
    const MIXED_ROUNDS: i64 = 12;
    const ASN_ROUNDS: i64 = 4;
    let instances: [Arc<dyn Store>; 2] = [db.store.clone(), db.guard.open_another().await];
    let mut seller_1_granted = 0;
    // Seller 1's hour starts with its first admitted ASN call, in whichever round that is.
    let mut hour_start: Option<Timestamp> = None;
    // Mixed rounds: half the tasks read, half send seller 1's ASN files. Then ASN rounds, which fill the hour.
    for round in 0..MIXED_ROUNDS + ASN_ROUNDS {
        let asn_only = round >= MIXED_ROUNDS;
        // A new minute each round (61 s apart); every round stays within seller 1's first hour.
        let now = secs(round * 61);
        let hour_left = SELLER_1_PER_HOUR - seller_1_granted;
        let granted = admission_round(&instances, now, asn_only).await;
        for &(asn, answer) in &granted {
            match answer {
                RateAdmission::Granted if asn => {
                    seller_1_granted += 1;
                    hour_start.get_or_insert(now);
                }
                RateAdmission::Granted => {}
                RateAdmission::Wait { until, cause: WaitCause::Bucket(0) } => {
                    assert_eq!(until, now + SignedDuration::from_mins(1), "round {round}: the minute's end");
                }
                RateAdmission::Wait { until, cause: WaitCause::Bucket(1) } => {
                    assert!(asn, "round {round}: only ASN calls have an hourly bucket");
                    let start = hour_start.expect("a full hour had a first call");
                    assert_eq!(until, start + SignedDuration::from_hours(1), "round {round}: the hour's end");
                }
                other => panic!("round {round}: unexpected {other:?}"),
            }
        }
        let admitted = granted.iter().filter(|(_, a)| *a == RateAdmission::Granted).count() as u32;
        assert!(seller_1_granted <= SELLER_1_PER_HOUR, "round {round}: seller 1's hour exceeded: {seller_1_granted}");
        if asn_only {
            // Only ASN calls: what the hour has left, at most the minute's budget.
            assert_eq!(admitted, PER_MINUTE.min(hour_left), "round {round}");
        } else {
            assert_eq!(admitted, PER_MINUTE, "round {round}: exactly the minute's budget, shared by both instances");
        }
        if admitted > 0 {
            let windows = db.rate_windows().await.unwrap();
            let minute = windows.iter().find(|w| w.key == "requests-per-minute").unwrap();
            let expected = window("requests-per-minute", now, now + SignedDuration::from_mins(1), admitted);
            assert_eq!(*minute, expected, "round {round}: the stored minute counts what was granted");
        }
    }
    assert_eq!(seller_1_granted, SELLER_1_PER_HOUR, "seller 1's hour is used exactly, never beyond");
    let hour = db.rate_windows().await.unwrap().into_iter().find(|w| w.key == "seller/1/asn-files-per-hour").unwrap();
    let start = hour_start.unwrap();
    let expected =
        window("seller/1/asn-files-per-hour", start, start + SignedDuration::from_hours(1), SELLER_1_PER_HOUR);
    assert_eq!(hour, expected);
}

/// Eight tasks over the instances, six calls each, all at `now`: (was it an ASN call, the answer).
async fn admission_round(
    instances: &[Arc<dyn Store>; 2],
    now: Timestamp,
    asn_only: bool,
) -> Vec<(bool, RateAdmission)> {
    const TASKS: usize = 8;
    const CALLS_PER_TASK: usize = 6;
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..TASKS {
        let store = instances[task % 2].clone();
        // Tasks 0, 1, 4, 5 send ASN files: both instances have readers and senders.
        let asn = asn_only || task % 4 < 2;
        tasks.spawn(async move {
            let mut answers = Vec::new();
            for _ in 0..CALLS_PER_TASK {
                let answer = if asn {
                    store.admit_call(now, &[minute(PER_MINUTE), asn_hour("1", SELLER_1_PER_HOUR)]).await
                } else {
                    store.admit_call(now, &[minute(PER_MINUTE)]).await
                };
                answers.push((asn, answer.expect("an admission")));
            }
            answers
        });
    }
    let mut answers = Vec::new();
    while let Some(task) = tasks.join_next().await {
        answers.extend(task.expect("an admitting task panicked"));
    }
    answers
}
