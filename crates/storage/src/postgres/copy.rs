//! Rows in PostgreSQL's binary `COPY` format, for the bulk inserts of an import day.
//!
//! `COPY … FROM STDIN (FORMAT binary)` is the fastest way into PostgreSQL: no SQL to plan per row, no
//! arrays to build and unnest, no escaping (each field is length-prefixed). sqlx streams the bytes but has
//! no row encoder, hence this one (format: PostgreSQL docs, "COPY", "Binary Format").

use jiff::Timestamp;
use jiff::civil::Date;

use super::wire::{pg_days, pg_micros};

const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";

/// A growing buffer of binary COPY data; send it in pieces with `take`, end with `finish`.
pub(crate) struct CopyRows {
    buf: Vec<u8>,
}

impl CopyRows {
    pub fn new() -> Self {
        let mut buf = Vec::with_capacity(1 << 20);
        buf.extend_from_slice(SIGNATURE);
        buf.extend_from_slice(&0i32.to_be_bytes()); // flags: no OIDs
        buf.extend_from_slice(&0i32.to_be_bytes()); // no header extension
        CopyRows { buf }
    }

    /// Starts a row of `fields` fields.
    pub fn row(&mut self, fields: i16) -> &mut Self {
        self.buf.extend_from_slice(&fields.to_be_bytes());
        self
    }

    fn field(&mut self, bytes: &[u8]) -> &mut Self {
        let len = i32::try_from(bytes.len()).expect("a field under 2 GiB (PostgreSQL's limit is 1 GiB)");
        self.buf.extend_from_slice(&len.to_be_bytes());
        self.buf.extend_from_slice(bytes);
        self
    }

    pub fn null(&mut self) -> &mut Self {
        self.buf.extend_from_slice(&(-1i32).to_be_bytes());
        self
    }

    /// TEXT (and BYTEA: both are their bytes as they are).
    pub fn text(&mut self, value: &str) -> &mut Self {
        self.field(value.as_bytes())
    }

    pub fn bytes(&mut self, value: &[u8]) -> &mut Self {
        self.field(value)
    }

    /// JSONB: a version byte (1), then the JSON text.
    pub fn jsonb(&mut self, json: &str) -> &mut Self {
        let len = i32::try_from(json.len() + 1).expect("a document under 2 GiB");
        self.buf.extend_from_slice(&len.to_be_bytes());
        self.buf.push(1);
        self.buf.extend_from_slice(json.as_bytes());
        self
    }

    pub fn instant(&mut self, at: Timestamp) -> &mut Self {
        self.field(&pg_micros(at).to_be_bytes())
    }

    pub fn opt_instant(&mut self, at: Option<Timestamp>) -> &mut Self {
        match at {
            Some(at) => self.instant(at),
            None => self.null(),
        }
    }

    pub fn date(&mut self, date: Date) -> &mut Self {
        let days = pg_days(date).expect("jiff dates are within PostgreSQL's range");
        self.field(&days.to_be_bytes())
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// The data so far, leaving the buffer empty for more rows.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::replace(&mut self.buf, Vec::with_capacity(1 << 20))
    }

    /// The rest of the data with the end-of-data marker.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.extend_from_slice(&(-1i16).to_be_bytes());
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_follow_the_binary_copy_format() {
        let mut rows = CopyRows::new();
        rows.row(4).text("ab").jsonb("{}").date("2000-01-02".parse().unwrap()).opt_instant(None);
        rows.row(1).instant("2000-01-01T00:00:01Z".parse().unwrap());
        let expected: Vec<u8> = [
            b"PGCOPY\n\xff\r\n\0".as_slice(),
            &[0, 0, 0, 0, 0, 0, 0, 0],
            &[0, 4],
            &[0, 0, 0, 2, b'a', b'b'],
            &[0, 0, 0, 3, 1, b'{', b'}'],
            &[0, 0, 0, 4, 0, 0, 0, 1],
            &[0xff, 0xff, 0xff, 0xff],
            &[0, 1],
            &[0, 0, 0, 8, 0, 0, 0, 0, 0, 0x0f, 0x42, 0x40],
            &[0xff, 0xff],
        ]
        .concat();
        assert_eq!(rows.finish(), expected);
    }
}
