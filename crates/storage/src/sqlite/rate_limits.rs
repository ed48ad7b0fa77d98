//! The `rate_limits` area on SQLite (see `crate::rate_limits`). An admission reads and writes under
//! `BEGIN IMMEDIATE`: SQLite's one writer at a time is what makes it atomic across processes.

use std::collections::HashMap;

use async_trait::async_trait;
use jiff::Timestamp;
use sqlx::{QueryBuilder, Row, Sqlite};

use super::{SqliteStore, opt_ts, parse_opt_ts, parse_ts, ts};
use crate::Result;
use crate::codec::{corrupt, stored_instant};
use crate::rate_limits::{OpenWindow, RateAdmission, RateBucket, RateLimitStore, RateWindow, decide, window_end};

const BACK_OFF: &str = "SELECT back_off_until FROM sears_rate_back_off WHERE installation = 1";

fn calls(n: i64, key: &str) -> Result<u32> {
    u32::try_from(n).map_err(|e| corrupt("rate-limit window", &key, e))
}

#[async_trait]
impl RateLimitStore for SqliteStore {
    async fn admit_call(&self, now: Timestamp, buckets: &[RateBucket<'_>]) -> Result<RateAdmission> {
        // Cut to what is stored, so a window's start and the instant it ends read back exactly.
        let now = stored_instant(now);
        let mut write = self.begin_write().await?;
        let back_off: Option<String> = sqlx::query_scalar(BACK_OFF).fetch_one(&mut *write.tx).await?;
        let back_off = parse_opt_ts(back_off, "rate-limit back-off", &"installation")?;

        let mut windows = HashMap::with_capacity(buckets.len());
        if !buckets.is_empty() {
            let mut select: QueryBuilder<Sqlite> = QueryBuilder::new(
                "SELECT bucket_key, window_start, calls FROM sears_rate_windows WHERE bucket_key IN (",
            );
            let mut keys = select.separated(", ");
            for bucket in buckets {
                keys.push_bind(bucket.key);
            }
            select.push(")");
            for row in select.build().fetch_all(&mut *write.tx).await? {
                let key: String = row.try_get("bucket_key")?;
                let start = parse_ts(&row.try_get::<String, _>("window_start")?, "rate-limit window", &key)?;
                let calls = calls(row.try_get("calls")?, &key)?;
                windows.insert(key, OpenWindow { start, calls });
            }
        }

        let admission = decide(now, back_off, buckets, &mut windows);
        if admission != RateAdmission::Granted {
            return Ok(admission); // nothing was counted: the transaction rolls back as it drops
        }
        for bucket in buckets {
            let window = windows[bucket.key];
            sqlx::query(
                "INSERT INTO sears_rate_windows (bucket_key, window_start, window_end, calls) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (bucket_key) DO UPDATE SET window_start = excluded.window_start, \
                 window_end = excluded.window_end, calls = excluded.calls",
            )
            .bind(bucket.key)
            .bind(ts(window.start))
            .bind(ts(window_end(window.start, bucket.window)))
            .bind(i64::from(window.calls))
            .execute(&mut *write.tx)
            .await?;
        }
        // Windows that have ended count for nothing: prune them (the ones just counted are kept).
        let mut prune: QueryBuilder<Sqlite> = QueryBuilder::new("DELETE FROM sears_rate_windows WHERE window_end <= ");
        prune.push_bind(ts(now));
        if !buckets.is_empty() {
            prune.push(" AND bucket_key NOT IN (");
            let mut keys = prune.separated(", ");
            for bucket in buckets {
                keys.push_bind(bucket.key);
            }
            prune.push(")");
        }
        prune.build().execute(&mut *write.tx).await?;
        write.tx.commit().await?;
        Ok(RateAdmission::Granted)
    }

    async fn extend_back_off(&self, until: Timestamp) -> Result<()> {
        let mut write = self.begin_write().await?;
        let current: Option<String> = sqlx::query_scalar(BACK_OFF).fetch_one(&mut *write.tx).await?;
        let current = parse_opt_ts(current, "rate-limit back-off", &"installation")?;
        let until = stored_instant(until);
        if current.is_none_or(|current| until > current) {
            sqlx::query("UPDATE sears_rate_back_off SET back_off_until = ? WHERE installation = 1")
                .bind(opt_ts(Some(until)))
                .execute(&mut *write.tx)
                .await?;
            write.tx.commit().await?;
        }
        Ok(())
    }

    async fn back_off(&self, now: Timestamp) -> Result<Option<Timestamp>> {
        let until: Option<String> = sqlx::query_scalar(BACK_OFF).fetch_one(&self.pool).await?;
        Ok(parse_opt_ts(until, "rate-limit back-off", &"installation")?.filter(|&until| until > now))
    }

    async fn rate_windows(&self) -> Result<Vec<RateWindow>> {
        let rows = sqlx::query(
            "SELECT bucket_key, window_start, window_end, calls FROM sears_rate_windows ORDER BY bucket_key",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let key: String = row.try_get("bucket_key")?;
                Ok(RateWindow {
                    started_at: parse_ts(&row.try_get::<String, _>("window_start")?, "rate-limit window", &key)?,
                    ends_at: parse_ts(&row.try_get::<String, _>("window_end")?, "rate-limit window", &key)?,
                    calls: calls(row.try_get("calls")?, &key)?,
                    key,
                })
            })
            .collect()
    }
}
