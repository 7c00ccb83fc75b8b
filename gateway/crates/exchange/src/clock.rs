//! The node's notion of "now", injectable so tests and fixtures can pin it.

use std::sync::Arc;

use time::OffsetDateTime;

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The current instant, in UTC.
    fn now(&self) -> OffsetDateTime;
}

/// Shared handle to a clock.
pub type SharedClock = Arc<dyn Clock>;

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

/// A clock that always answers the same instant (tests, pinned fixtures).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub OffsetDateTime);

// === impl SystemClock ===

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

// === impl FixedClock ===

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}
