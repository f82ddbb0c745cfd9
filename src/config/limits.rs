//! How many webhooks run at once, and how long one waits for a turn.

use std::time::Duration;

/// Default `MAX_CONCURRENT_WEBHOOKS`.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 1024;
/// Default `OVERLOAD_WAIT_MS`.
pub const DEFAULT_QUEUE_WAIT: Duration = Duration::from_secs(1);

/// Bounds the load on PortOne and storage and keeps memory flat under a burst (no unbounded
/// queue): past `max_in_flight` a webhook waits up to `queue_wait` for a turn, then gets 503 with
/// `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_in_flight: usize,
    pub queue_wait: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            queue_wait: DEFAULT_QUEUE_WAIT,
        }
    }
}
