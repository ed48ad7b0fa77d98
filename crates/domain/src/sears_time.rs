//! Sears's civil dates and times are US Central (America/Chicago); Wharf stores instants in UTC.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// Sears orders must ship within 48 hours (SPEC.md decision 4).
pub const SEARS_HANDLING_TIME: SignedDuration = SignedDuration::from_hours(48);

/// America/Chicago, from the time-zone database bundled into the binary (so it works on any host).
pub fn central() -> TimeZone {
    TimeZone::get("America/Chicago").expect("the bundled tz database has America/Chicago")
}

/// The instant of a Central civil date and time; an ambiguous time (the autumn repeated hour) takes the
/// earlier instant, a skipped one (spring) the later, as Sears's own clocks would.
pub fn central_instant(date: Date, time: Time) -> Timestamp {
    DateTime::from_parts(date, time)
        .to_zoned_datetime(central())
        .expect("every Central civil time maps to an instant")
        .timestamp()
}

/// The Central calendar date an instant falls on.
pub fn central_date(at: Timestamp) -> Date {
    at.to_zoned_datetime(central()).date()
}

/// Ship-by per decision 4: the end of `expected-ship-date` (Central) when Sears sends it, otherwise 48 hours
/// after the order was placed.
pub fn sears_ship_by(po_date: Date, po_time: Option<Time>, expected_ship_date: Option<Date>) -> Timestamp {
    match expected_ship_date {
        Some(date) => central_instant(date, Time::constant(23, 59, 59, 0)),
        None => central_instant(po_date, po_time.unwrap_or(Time::midnight())) + SEARS_HANDLING_TIME,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn central_dates_follow_daylight_saving() {
        // 2026-07-01 10:00 CDT is 15:00 UTC; 2026-01-15 10:00 CST is 16:00 UTC.
        let summer = central_instant(date(2026, 7, 1), Time::constant(10, 0, 0, 0));
        assert_eq!(summer.to_string(), "2026-07-01T15:00:00Z");
        let winter = central_instant(date(2026, 1, 15), Time::constant(10, 0, 0, 0));
        assert_eq!(winter.to_string(), "2026-01-15T16:00:00Z");
        // 03:30 UTC on Nov 27 is still Nov 26 in Chicago.
        assert_eq!(central_date("2026-11-27T03:30:00Z".parse().unwrap()), date(2026, 11, 26));
    }

    #[test]
    fn ship_by_is_expected_ship_date_or_48_hours() {
        let with_date = sears_ship_by(date(2026, 11, 20), None, Some(date(2026, 11, 22)));
        assert_eq!(with_date.to_string(), "2026-11-23T05:59:59Z");
        let derived = sears_ship_by(date(2026, 11, 20), Some(Time::constant(14, 30, 0, 0)), None);
        assert_eq!(derived.to_string(), "2026-11-22T20:30:00Z");
    }
}
