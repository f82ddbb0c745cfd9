//! What the use case needs from the outside world, as traits. Adapters implement them; tests use
//! in-memory ones (`crate::adapters::memory`, `crate::adapters::fixed`).

pub mod clock;
pub mod gateway;
pub mod ledger;
pub mod random;

pub use clock::Clock;
pub use gateway::{
    GatewayError, PaymentGateway, PaymentSchedule, RevokeOutcome, ScheduleOutcome, ScheduleRequest,
};
pub use ledger::{LedgerError, PaymentLedger, Recorded};
pub use random::RandomSource;
