//! The `payment` table, seen from the use cases.

mod answers;
mod error;
mod shared;

use std::future::Future;
use std::time::Duration;

use uuid::Uuid;

pub use answers::{AttemptRecorded, Recorded, RenewalCursor, RenewalOf, RenewalWindow, SubscriptionRows};
pub use error::{LedgerError, Unavailable};

use crate::domain::attempt::{AfterFailure, FailedAttempt};
use crate::domain::record::{NextTerms, PaymentRecord};
use crate::domain::timestamp::Timestamp;

/// A row, `None` when it does not exist, or a storage failure.
pub type LedgerResult = Result<Option<PaymentRecord>, LedgerError>;

/// The `payment` table. Every method that names a row returns it as stored after the call, or
/// `Ok(None)` when no row has that key.
///
/// # Errors
/// Every method returns [`LedgerError`] only for storage failures, never for a missing row.
pub trait PaymentLedger: Send + Sync + 'static {
    /// Inserts `record` unless a row with its `transaction_key` exists, and returns the stored row.
    ///
    /// MUST NOT fail because the row exists: a replayed webhook gets `Ok` with `inserted: false`
    /// and the stored row, also when a concurrent delivery committed it a moment earlier.
    fn record_paid(
        &self,
        record: &PaymentRecord,
    ) -> impl Future<Output = Result<Recorded, LedgerError>> + Send;

    /// The row of `transaction_key`.
    fn find(&self, transaction_key: &str) -> impl Future<Output = LedgerResult> + Send;

    /// The month `payment_id` was meant to renew: the row whose `next_schedule_id` or pending
    /// `retry_payment_id` it is, or the month of an attempt already recorded with it.
    fn renewal_of(
        &self,
        payment_id: &str,
    ) -> impl Future<Output = Result<Option<RenewalOf>, LedgerError>> + Send;

    /// Records `attempt` unless it is recorded already, and, when it is the month's latest,
    /// moves the month on as `after` says: the retry becomes pending (and `end_grace_at` extends
    /// to its grace) or the month lapses. A month that renewed or lapsed meanwhile is left alone.
    /// `Ok(None)` when the month does not exist.
    ///
    /// MUST be idempotent under concurrency: a replayed or concurrent call gets `inserted: false`
    /// and the month as the first call left it.
    fn record_failed_attempt(
        &self,
        attempt: &FailedAttempt,
        after: &AfterFailure,
    ) -> impl Future<Output = Result<Option<AttemptRecorded>, LedgerError>> + Send;

    /// Sets `lapsed_at` to `at` unless the month lapsed earlier; no retry is pending after it.
    fn mark_lapsed(&self, transaction_key: &str, at: Timestamp) -> impl Future<Output = LedgerResult> + Send;

    /// Sets `status` to `"Cancelled"` (idempotent).
    fn mark_cancelled(&self, transaction_key: &str) -> impl Future<Output = LedgerResult> + Send;

    /// The subscription `key` names (its `subscription_id`, or any month's `transaction_key`):
    /// every month, newest first, with their renewals' failed attempts; `None` when nothing
    /// matches.
    fn subscription(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<Option<SubscriptionRows>, LedgerError>> + Send;

    /// Every subscription with a month of `customer_id`, newest subscription first.
    fn customer_subscriptions(
        &self,
        customer_id: &str,
    ) -> impl Future<Output = Result<Vec<SubscriptionRows>, LedgerError>> + Send;

    /// Sets the month's next-charge terms (a plan change) as given.
    fn set_next_terms(
        &self,
        transaction_key: &str,
        terms: &NextTerms,
    ) -> impl Future<Output = LedgerResult> + Send;

    /// Open renewals (nothing renewed them; not lapsed, cancelled or refunded) whose pending
    /// charge is in `window`, after `after`, at most `limit`, by pending charge time then key.
    fn open_renewals(
        &self,
        window: &RenewalWindow,
        after: Option<&RenewalCursor>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<PaymentRecord>, LedgerError>> + Send;

    /// The stopped months (cancelled, refunded or lapsed, not renewed) whose first charge or
    /// retry is one of `payment_ids`.
    fn stopped_months_for(
        &self,
        payment_ids: &[Uuid],
    ) -> impl Future<Output = Result<Vec<PaymentRecord>, LedgerError>> + Send;

    /// Claims the lease `name` for `holder` for `ttl` (or extends it when `holder` has it).
    /// `Ok(false)` while another holder's lease has not expired.
    fn claim_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> impl Future<Output = Result<bool, LedgerError>> + Send;

    /// Gives the lease back, when `holder` has it.
    fn release_lease(&self, name: &str, holder: &str)
        -> impl Future<Output = Result<(), LedgerError>> + Send;

    /// Sets the subscription's `canceled_at` and `resumed_at` columns as given.
    fn set_subscription_state(
        &self,
        transaction_key: &str,
        cancelled_at: Option<Timestamp>,
        resumed_at: Option<Timestamp>,
    ) -> impl Future<Output = LedgerResult> + Send;

    /// Answers a trivial query (`public.ready()`): storage is reachable, accepts the service's
    /// credentials, and has the migrations applied. `GET /readyz` asks it.
    fn ping(&self) -> impl Future<Output = Result<(), LedgerError>> + Send;
}
