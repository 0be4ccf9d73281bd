//! Milliseconds for TTLs: the process's monotonic clock, or a manual one that
//! only moves through `advance` so that tests are deterministic.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// A cache's source of time, in whole milliseconds.
#[derive(Debug)]
pub(crate) enum Clock {
    /// Monotonic milliseconds since the first cache of the process was created.
    System,
    /// Starts at 0 and moves only through [`Clock::advance`].
    Manual(AtomicU64),
}

impl Clock {
    pub(crate) fn new(manual: bool) -> Self {
        if manual {
            Clock::Manual(AtomicU64::new(0))
        } else {
            epoch();
            Clock::System
        }
    }

    pub(crate) fn now(&self) -> u64 {
        match self {
            Clock::System => epoch().elapsed().as_millis() as u64,
            Clock::Manual(ms) => ms.load(Ordering::Acquire),
        }
    }

    /// Moves a manual clock forward (saturating at 2^53 - 1); false for the system clock.
    pub(crate) fn advance(&self, ms: u64) -> bool {
        match self {
            Clock::System => false,
            Clock::Manual(now) => {
                let _ = now.fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                    Some(t.saturating_add(ms).min(super::config::MAX_TTL_MS))
                });
                true
            }
        }
    }
}

/// The time of one operation: read from the clock at most once, and only if
/// the operation needs it (a cache without TTLs never reads the clock).
pub(crate) struct Now<'a> {
    clock: &'a Clock,
    value: Cell<Option<u64>>,
}

impl<'a> Now<'a> {
    pub(crate) fn new(clock: &'a Clock) -> Self {
        Self {
            clock,
            value: Cell::new(None),
        }
    }

    pub(crate) fn get(&self) -> u64 {
        if let Some(t) = self.value.get() {
            return t;
        }
        let t = self.clock.now();
        self.value.set(Some(t));
        t
    }
}
