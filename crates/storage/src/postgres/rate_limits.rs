//! The `rate_limits` area on PostgreSQL (see `crate::rate_limits`). An admission is one call of the
//! `sears_rate_admit` function (migration `20261127080000_rate_limits`): one round trip, one transaction, the
//! installation's back-off row locked first so that admissions of every instance take turns.

use async_trait::async_trait;
use jiff::Timestamp;
use sqlx::Row;

use super::wire::PgInstant;
use super::{PostgresStore, instant, opt_instant};
use crate::Result;
use crate::codec::corrupt;
use crate::rate_limits::{RateAdmission, RateBucket, RateLimitStore, RateWindow, WaitCause};

#[async_trait]
impl RateLimitStore for PostgresStore {
    async fn admit_call(&self, now: Timestamp, buckets: &[RateBucket<'_>]) -> Result<RateAdmission> {
        let keys: Vec<&str> = buckets.iter().map(|b| b.key).collect();
        // A limit beyond i32 is never reached within a window: the largest INTEGER stands for it.
        let limits: Vec<i32> = buckets.iter().map(|b| i32::try_from(b.limit).unwrap_or(i32::MAX)).collect();
        let windows: Vec<i64> =
            buckets.iter().map(|b| i64::try_from(b.window.as_micros()).unwrap_or(i64::MAX)).collect();
        let row = sqlx::query("SELECT wait_until, wait_on FROM sears_rate_admit($1, $2, $3, $4)")
            .bind(PgInstant(now))
            .bind(&keys)
            .bind(&limits)
            .bind(&windows)
            .fetch_one(&self.pool)
            .await?;
        let (Some(until), Some(on)) = (opt_instant(&row, "wait_until")?, row.try_get::<Option<i32>, _>("wait_on")?)
        else {
            return Ok(RateAdmission::Granted);
        };
        let cause = match usize::try_from(on) {
            Ok(0) => WaitCause::BackOff,
            Ok(n) if n <= buckets.len() => WaitCause::Bucket(n - 1),
            _ => return Err(corrupt("rate-limit admission", &"sears_rate_admit", format_args!("wait_on {on}"))),
        };
        Ok(RateAdmission::Wait { until, cause })
    }

    async fn extend_back_off(&self, until: Timestamp) -> Result<()> {
        sqlx::query("UPDATE sears_rate_back_off SET back_off_until = GREATEST(back_off_until, $1) WHERE installation")
            .bind(PgInstant(until))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn back_off(&self, now: Timestamp) -> Result<Option<Timestamp>> {
        let row = sqlx::query("SELECT back_off_until FROM sears_rate_back_off WHERE installation")
            .fetch_one(&self.pool)
            .await?;
        Ok(opt_instant(&row, "back_off_until")?.filter(|&until| until > now))
    }

    async fn rate_windows(&self) -> Result<Vec<RateWindow>> {
        let rows =
            sqlx::query("SELECT bucket_key, window_start, window_end, calls FROM sears_rate_windows ORDER BY bucket_key COLLATE \"C\"")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|row| {
                let key: String = row.try_get("bucket_key")?;
                let calls: i32 = row.try_get("calls")?;
                Ok(RateWindow {
                    started_at: instant(row, "window_start")?,
                    ends_at: instant(row, "window_end")?,
                    calls: u32::try_from(calls).map_err(|e| corrupt("rate-limit window", &key, e))?,
                    key,
                })
            })
            .collect()
    }
}
