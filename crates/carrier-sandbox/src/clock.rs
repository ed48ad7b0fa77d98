//! The sandbox clock: token expiry, label dates and tracking progress all read it, and the control
//! API sets and advances it. Nothing else in the sandbox reads the system clock.

use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};

#[derive(Debug, Clone, Copy)]
enum Mode {
    /// Stands still at this instant until set or advanced.
    Fixed(Timestamp),
    /// Follows the system clock, shifted by this much.
    System(SignedDuration),
}

/// A clock shared by the sandbox and whoever controls it (clones share one clock).
#[derive(Debug, Clone)]
pub struct SandboxClock {
    mode: Arc<Mutex<Mode>>,
}

impl SandboxClock {
    /// A clock that stands still at `at` until set or advanced: what tests use.
    pub fn fixed(at: Timestamp) -> Self {
        SandboxClock { mode: Arc::new(Mutex::new(Mode::Fixed(at))) }
    }

    /// A clock that follows the system clock (and can still be set or advanced): what the demo uses.
    pub fn system() -> Self {
        SandboxClock { mode: Arc::new(Mutex::new(Mode::System(SignedDuration::ZERO))) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Mode> {
        self.mode.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The sandbox's current instant.
    pub fn now(&self) -> Timestamp {
        match *self.lock() {
            Mode::Fixed(at) => at,
            Mode::System(offset) => Timestamp::now().saturating_add(offset).unwrap_or(Timestamp::MAX),
        }
    }

    /// Sets the current instant (a following clock keeps following from there).
    pub fn set(&self, at: Timestamp) {
        let mut mode = self.lock();
        *mode = match *mode {
            Mode::Fixed(_) => Mode::Fixed(at),
            Mode::System(_) => Mode::System(at.duration_since(Timestamp::now())),
        };
    }

    /// Moves the clock by `by` (which may be negative).
    pub fn advance(&self, by: SignedDuration) {
        let mut mode = self.lock();
        *mode = match *mode {
            Mode::Fixed(at) => Mode::Fixed(at.saturating_add(by).unwrap_or(Timestamp::MAX)),
            Mode::System(offset) => Mode::System(offset.saturating_add(by)),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_moves_only_when_told() {
        let start: Timestamp = "2026-03-02T15:00:00Z".parse().expect("instant");
        let clock = SandboxClock::fixed(start);
        let shared = clock.clone();
        assert_eq!(clock.now(), start);
        shared.advance(SignedDuration::from_hours(5));
        assert_eq!(clock.now().to_string(), "2026-03-02T20:00:00Z");
        shared.set("2026-01-01T00:00:00Z".parse().expect("instant"));
        assert_eq!(clock.now().to_string(), "2026-01-01T00:00:00Z");
    }
}
