//! The clocks Wharf runs on: the system clock in production, a manual one in tests; one value serves both
//! the domain's and the Sears client's clock traits.

use std::fmt;
use std::sync::Arc;

use jiff::Timestamp;
use wharf_domain::clock::Clock;

/// The machine's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// Lends a domain clock to the Sears client, so signing and rate limits follow the same (possibly manual) time.
#[derive(Clone)]
pub struct SearsClock(pub Arc<dyn Clock>);

impl fmt::Debug for SearsClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SearsClock")
    }
}

impl wharf_sears::Clock for SearsClock {
    fn now(&self) -> Timestamp {
        self.0.now()
    }
}
