//! The ledger (the `payment` table and what hangs off it), seen from the use cases, split by use:
//! - [`MonthLedger`]: the webhook flows' writes and reads of single months;
//! - [`SubscriptionLedger`]: the read model and the changes a subscription's owner makes;
//! - [`ReconcileLedger`]: what a reconciliation pass pages through, and its lease;
//! - [`PlanLedger`]: the plan catalog;
//! - [`CheckoutLedger`]: idempotency claims of starting a subscription;
//! - [`CouponLedger`]: coupons, promotion codes and their redemptions;
//! - [`EventLedger`]: the outbox of subscription events and their deliveries;
//! - [`ProrationLedger`]: upgrades made mid-period and their charges;
//! - [`Readiness`]: whether storage can serve at all.
//!
//! [`Ledger`] is all of them: what the [`Ports`](super::Ports) bundle holds. Adding an operation
//! touches its trait here, the SQL adapter's module of the same use, the memory ledger, and a
//! migration; nothing forwards methods.

mod answers;
mod checkout;
mod coupons;
mod error;
mod events;
mod months;
mod plans;
mod prorations;
mod readiness;
mod reconcile;
mod subscriptions;

pub use answers::{AttemptRecorded, Recorded, RenewalCursor, RenewalOf, RenewalWindow, SubscriptionRows};
pub use checkout::{CheckoutClaim, CheckoutKey, CheckoutLedger, StoredAnswer};
pub use coupons::{CouponLedger, Redeemed, Redemption};
pub use error::{LedgerError, Unavailable};
pub use events::{AttemptOutcome, EventFilter, EventLedger, EventPage, PendingEvents};
pub use months::MonthLedger;
pub use plans::{PlanLedger, PlanStored};
pub use prorations::{ProrationBegun, ProrationLedger, Settled};
pub use readiness::Readiness;
pub use reconcile::ReconcileLedger;
pub use subscriptions::SubscriptionLedger;

use crate::domain::record::PaymentRecord;

/// A row, `None` when it does not exist, or a storage failure.
pub type LedgerResult = Result<Option<PaymentRecord>, LedgerError>;

/// Every use of the ledger: what one storage adapter implements.
pub trait Ledger:
    MonthLedger
    + SubscriptionLedger
    + ReconcileLedger
    + PlanLedger
    + CheckoutLedger
    + CouponLedger
    + EventLedger
    + ProrationLedger
    + Readiness
{
}

impl<T> Ledger for T where
    T: MonthLedger
        + SubscriptionLedger
        + ReconcileLedger
        + PlanLedger
        + CheckoutLedger
        + CouponLedger
        + CouponLedger
        + EventLedger
        + ProrationLedger
        + Readiness
{
}
