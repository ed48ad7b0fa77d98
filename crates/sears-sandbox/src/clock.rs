//! The sandbox's injectable clock. Every check that depends on time (auth windows, rate limits, processing delays,
//! seed dates, "today" in US Central) reads this clock and nothing else, so tests can pin and advance time.

use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// Sears dates are US Central civil dates (SPEC.md §4.7).
static CENTRAL: LazyLock<TimeZone> = LazyLock::new(|| {
    // The tz database is bundled into the binary (jiff feature `tzdb-bundle-always`), so this cannot fail.
    TimeZone::get("America/Chicago").expect("America/Chicago is in jiff's bundled tz database")
});

pub(crate) fn central() -> &'static TimeZone {
    &CENTRAL
}

/// The US Central civil date and time of an instant, truncated to whole seconds as Sears writes them.
pub(crate) fn central_datetime(at: Timestamp) -> DateTime {
    let dt = central().to_datetime(at);
    dt.with().subsec_nanosecond(0).build().unwrap_or(dt)
}

/// The instant of a US Central civil date and time (the earlier one when a DST change makes it ambiguous).
pub(crate) fn central_instant(at: DateTime) -> Timestamp {
    // Only dates near the limits of jiff's range fail; they do not occur in seeds.
    central().to_timestamp(at).or_else(|_| TimeZone::UTC.to_timestamp(at)).unwrap_or(Timestamp::UNIX_EPOCH)
}

#[derive(Debug, Clone, Copy)]
enum ClockMode {
    /// Real time plus an offset that `advance`/`set` move.
    System { offset: SignedDuration },
    /// Frozen time that moves only when told to.
    Fixed { now: Timestamp },
}

/// A clock shared by every part of one sandbox: the system clock (optionally shifted), or a fixed instant that tests
/// set and advance.
#[derive(Clone)]
pub struct SandboxClock {
    mode: Arc<Mutex<ClockMode>>,
}

impl SandboxClock {
    /// Real time. `advance` and `set` shift it by an offset; it keeps ticking.
    pub fn system() -> Self {
        Self::with_mode(ClockMode::System { offset: SignedDuration::ZERO })
    }

    /// A frozen instant that only `advance` and `set` move.
    pub fn fixed(now: Timestamp) -> Self {
        Self::with_mode(ClockMode::Fixed { now })
    }

    fn with_mode(mode: ClockMode) -> Self {
        Self { mode: Arc::new(Mutex::new(mode)) }
    }

    fn mode(&self) -> ClockMode {
        *self.mode.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The sandbox's current instant.
    pub fn now(&self) -> Timestamp {
        match self.mode() {
            ClockMode::System { offset } => {
                Timestamp::now().saturating_add(offset).unwrap_or_else(|_| Timestamp::now())
            }
            ClockMode::Fixed { now } => now,
        }
    }

    /// Moves the clock to `now` (a system clock keeps ticking from there).
    pub fn set(&self, now: Timestamp) {
        let mut mode = self.mode.lock().unwrap_or_else(PoisonError::into_inner);
        *mode = match *mode {
            ClockMode::System { .. } => ClockMode::System { offset: now.duration_since(Timestamp::now()) },
            ClockMode::Fixed { .. } => ClockMode::Fixed { now },
        };
    }

    /// Moves the clock forward (or back, for a negative duration).
    pub fn advance(&self, by: SignedDuration) {
        let mut mode = self.mode.lock().unwrap_or_else(PoisonError::into_inner);
        *mode = match *mode {
            ClockMode::System { offset } => ClockMode::System { offset: offset.saturating_add(by) },
            ClockMode::Fixed { now } => ClockMode::Fixed { now: now.saturating_add(by).unwrap_or(now) },
        };
    }

    /// True for a frozen clock.
    pub fn is_fixed(&self) -> bool {
        matches!(self.mode(), ClockMode::Fixed { .. })
    }

    /// Today's date in US Central time.
    pub fn central_today(&self) -> Date {
        central_datetime(self.now()).date()
    }
}

impl Default for SandboxClock {
    fn default() -> Self {
        Self::system()
    }
}

impl std::fmt::Debug for SandboxClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.mode() {
            ClockMode::System { offset } => write!(f, "SandboxClock::System(offset {offset})"),
            ClockMode::Fixed { now } => write!(f, "SandboxClock::Fixed({now})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let start: Timestamp = "2024-05-03T15:00:00Z".parse().unwrap();
        let clock = SandboxClock::fixed(start);
        assert_eq!(clock.now(), start);
        clock.advance(SignedDuration::from_mins(90));
        assert_eq!(clock.now(), "2024-05-03T16:30:00Z".parse::<Timestamp>().unwrap());
        clock.set("2024-01-01T00:00:00Z".parse().unwrap());
        assert_eq!(clock.now(), "2024-01-01T00:00:00Z".parse::<Timestamp>().unwrap());
    }

    #[test]
    fn central_today_follows_chicago_not_utc() {
        // 03:00 UTC on May 4th is 22:00 CDT on May 3rd.
        let clock = SandboxClock::fixed("2024-05-04T03:00:00Z".parse().unwrap());
        assert_eq!(clock.central_today(), jiff::civil::date(2024, 5, 3));
        // 05:30 UTC on January 10th is 23:30 CST on January 9th.
        clock.set("2024-01-10T05:30:00Z".parse().unwrap());
        assert_eq!(clock.central_today(), jiff::civil::date(2024, 1, 9));
    }

    #[test]
    fn system_clock_advances_by_an_offset() {
        let clock = SandboxClock::system();
        let before = Timestamp::now();
        clock.advance(SignedDuration::from_hours(2));
        assert!(clock.now() >= before.saturating_add(SignedDuration::from_hours(2)).unwrap());
        assert!(!clock.is_fixed());
    }
}
