//! Time as a port, so every timestamp in a test is exact.

use chrono::{DateTime, Utc};

/// The current instant.
pub trait Clock: Send + Sync + 'static {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// Shared clocks (tests and the sandbox advance one the service also reads).
impl<T: Clock> Clock for std::sync::Arc<T> {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }
}
