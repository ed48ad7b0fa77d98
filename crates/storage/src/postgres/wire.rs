//! jiff instants and dates on PostgreSQL's wire (TIMESTAMPTZ, DATE and their arrays).
//!
//! Hand-written because sqlx has no jiff support and `jiff-sqlx` (0.2) is built for jiff 0.2, not the jiff 1
//! Wharf uses. The binary formats are PostgreSQL's: microseconds and days since 2000-01-01 (UTC).

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::types::Oid;
use sqlx::postgres::{PgArgumentBuffer, PgHasArrayType, PgTypeInfo, PgValueFormat, PgValueRef, Postgres};
use sqlx::{Decode, Encode, Type};

/// 2000-01-01T00:00:00Z, PostgreSQL's epoch.
const PG_EPOCH: Timestamp = Timestamp::constant(946_684_800, 0);
const PG_EPOCH_DATE: Date = jiff::civil::date(2000, 1, 1);

// Type OIDs from PostgreSQL's pg_type.dat; stable across versions.
const TIMESTAMPTZ: Oid = Oid(1184);
const TIMESTAMPTZ_ARRAY: Oid = Oid(1185);
const DATE: Oid = Oid(1082);
const DATE_ARRAY: Oid = Oid(1182);

/// A TIMESTAMPTZ. Encoding keeps microseconds (what PostgreSQL stores), truncating any nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PgInstant(pub Timestamp);

/// A DATE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PgDate(pub Date);

impl Type<Postgres> for PgInstant {
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_oid(TIMESTAMPTZ)
    }
}

impl PgHasArrayType for PgInstant {
    fn array_type_info() -> PgTypeInfo {
        PgTypeInfo::with_oid(TIMESTAMPTZ_ARRAY)
    }
}

/// An instant on the wire: microseconds since 2000-01-01T00:00:00Z.
pub(crate) fn pg_micros(at: Timestamp) -> i64 {
    i64::try_from(at.duration_since(PG_EPOCH).as_micros()).expect("jiff's ±9999 years are ±3.2e17 µs, within an i64")
}

/// A date on the wire: days since 2000-01-01 (jiff's range fits in an i32 of them).
pub(crate) fn pg_days(date: Date) -> Result<i32, jiff::Error> {
    Ok(date.since((jiff::Unit::Day, PG_EPOCH_DATE))?.get_days())
}

impl Encode<'_, Postgres> for PgInstant {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<Postgres>>::encode(pg_micros(self.0), buf)
    }

    fn size_hint(&self) -> usize {
        std::mem::size_of::<i64>()
    }
}

impl<'r> Decode<'r, Postgres> for PgInstant {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        match value.format() {
            PgValueFormat::Binary => {
                let micros = <i64 as Decode<Postgres>>::decode(value)?;
                Ok(PgInstant(PG_EPOCH.checked_add(SignedDuration::from_micros(micros))?))
            }
            // Text only comes back from simple (unprepared) queries, e.g. "2026-11-26 16:15:00+00".
            PgValueFormat::Text => Ok(PgInstant(value.as_str()?.replacen(' ', "T", 1).parse()?)),
        }
    }
}

impl Type<Postgres> for PgDate {
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_oid(DATE)
    }
}

impl PgHasArrayType for PgDate {
    fn array_type_info() -> PgTypeInfo {
        PgTypeInfo::with_oid(DATE_ARRAY)
    }
}

impl Encode<'_, Postgres> for PgDate {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <i32 as Encode<Postgres>>::encode(pg_days(self.0)?, buf)
    }

    fn size_hint(&self) -> usize {
        std::mem::size_of::<i32>()
    }
}

impl<'r> Decode<'r, Postgres> for PgDate {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        match value.format() {
            PgValueFormat::Binary => {
                let days = <i32 as Decode<Postgres>>::decode(value)?;
                Ok(PgDate(PG_EPOCH_DATE.checked_add(jiff::Span::new().try_days(days)?)?))
            }
            PgValueFormat::Text => Ok(PgDate(value.as_str()?.parse()?)),
        }
    }
}
