//! What the use cases need from the outside world, as traits. Adapters implement them; tests use
//! in-memory ones (`crate::adapters::ledger::memory`, `crate::adapters::clock::FixedClock`,
//! `crate::adapters::random::SeededRandom`).
//!
//! [`Ports`] bundles one implementation of each, so a service is generic over one parameter and
//! its bounds are written once.

pub mod bundle;
pub mod clock;
pub mod event_sink;
pub mod gateway;
pub mod ledger;
pub mod random;

pub use bundle::{Adapters, Ports};
pub use clock::Clock;
pub use event_sink::{Delivery, EventSink};
pub use gateway::{
    BillingKeyInfo, BillingKeyStatus, BillingKeys, CancelRequest, Cancellation, CancellationStatus,
    ChargeRequest, Charged, GatewayError, PaymentGateway, PaymentSchedule, Payments, RevokeOutcome,
    ScheduleOutcome, SchedulePage, ScheduleQuery, ScheduleRequest, Schedules,
};
pub use ledger::{
    AttemptOutcome, AttemptRecorded, CheckoutClaim, CheckoutKey, CheckoutLedger, CouponLedger, EventFilter,
    EventLedger, EventPage, Ledger, LedgerError, MonthLedger, PendingEvents, PlanLedger, PlanStored,
    ProrationBegun, ProrationLedger, Readiness, ReconcileLedger, Recorded, Redeemed, Redemption,
    RenewalCursor, RenewalOf, RenewalWindow, Settled, StoredAnswer, SubscriptionLedger, SubscriptionRows,
    Unavailable,
};
pub use random::RandomSource;
