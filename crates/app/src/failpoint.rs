//! Named failpoints for crash tests: `WHARF_FAILPOINT=import.after_day_write` (optionally `NAME@N` for the
//! N-th time the point is reached) makes the process announce the point on stderr and stop dead there, so
//! a test can SIGKILL it at exactly that point and then check that a restart finishes the work.
//!
//! Unset (always, outside tests) a failpoint costs one relaxed atomic load.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

struct Armed {
    name: String,
    nth: u32,
    hits: AtomicU32,
}

static ARMED: OnceLock<Option<Armed>> = OnceLock::new();

fn armed() -> &'static Option<Armed> {
    ARMED.get_or_init(|| {
        let spec = std::env::var("WHARF_FAILPOINT").ok().filter(|s| !s.trim().is_empty())?;
        let (name, nth) = match spec.split_once('@') {
            Some((name, n)) => (name.trim().to_owned(), n.trim().parse().unwrap_or(1)),
            None => (spec.trim().to_owned(), 1),
        };
        Some(Armed { name, nth: nth.max(1), hits: AtomicU32::new(0) })
    })
}

/// Marks a point where a crash must be survivable. When armed for `name`, prints
/// `WHARF FAILPOINT REACHED: name` to stderr and blocks this thread forever (the test kills the process).
pub fn failpoint(name: &str) {
    let Some(armed) = armed() else { return };
    if armed.name != name {
        return;
    }
    if armed.hits.fetch_add(1, Ordering::SeqCst) + 1 == armed.nth {
        eprintln!("WHARF FAILPOINT REACHED: {name}");
        loop {
            std::thread::park();
        }
    }
}
