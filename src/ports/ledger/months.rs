//! Single months, as the webhook flows write and read them.

use std::future::Future;

use super::{AttemptRecorded, LedgerError, LedgerResult, Recorded, RenewalOf};
use crate::domain::amount::Amount;
use crate::domain::attempt::{AfterFailure, FailedAttempt};
use crate::domain::payment_id::PaymentId;
use crate::domain::record::PaymentRecord;
use crate::domain::timestamp::Timestamp;

/// The `payment` table's months. Every method that names a row returns it as stored after the
/// call, or `Ok(None)` when no row has that key. A clone is a handle on the same storage.
///
/// # Errors
/// Every method returns [`LedgerError`] only for storage failures, never for a missing row.
pub trait MonthLedger: Clone + Send + Sync + 'static {
    /// Inserts `record` unless a row with its `transaction_key` exists, and returns the stored row.
    ///
    /// MUST NOT fail because the row exists: a replayed webhook gets `Ok` with `inserted: false`
    /// and the stored row, also when a concurrent delivery committed it a moment earlier.
    fn record_paid(
        &self,
        record: &PaymentRecord,
    ) -> impl Future<Output = Result<Recorded, LedgerError>> + Send;

    /// The row of `transaction_key`.
    fn find(&self, transaction_key: &PaymentId) -> impl Future<Output = LedgerResult> + Send;

    /// The month `payment_id` was meant to renew: the row whose `next_schedule_id` or pending
    /// `retry_payment_id` it is, or the month of an attempt already recorded with it.
    fn renewal_of(
        &self,
        payment_id: &PaymentId,
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

    /// Names `payment_id` the charge the month's renewal waits for, charged at `at`, when every
    /// retry failed and the last grace still runs (`renewal_attempts` > 0, not renewed, `lapsed_at`
    /// after `at`): a customer's new card, charged now. The payment it makes then renews the month
    /// as a retry's would. `Ok(None)` when the month does not exist or is not in that state.
    fn open_recovery_charge(
        &self,
        transaction_key: &PaymentId,
        payment_id: &PaymentId,
        at: Timestamp,
    ) -> impl Future<Output = LedgerResult> + Send;

    /// Sets `lapsed_at` to `at` unless the month lapsed earlier; no retry is pending after it.
    fn mark_lapsed(
        &self,
        transaction_key: &PaymentId,
        at: Timestamp,
    ) -> impl Future<Output = LedgerResult> + Send;

    /// Records that PortOne refunded `refunded_amount` of the month's payment in all (its
    /// `amount.cancelled`): the stored total only grows, so a late or replayed webhook cannot
    /// lower it. When the total grew, the `subscription.refunded` event is written with it, at
    /// `at`.
    fn record_refund(
        &self,
        transaction_key: &PaymentId,
        refunded_amount: Amount,
        at: Timestamp,
    ) -> impl Future<Output = LedgerResult> + Send;

    /// Sets `status` to `"Cancelled"` (idempotent); the first time, with the
    /// `subscription.refunded` event (full) at `at`.
    fn mark_cancelled(
        &self,
        transaction_key: &PaymentId,
        at: Timestamp,
    ) -> impl Future<Output = LedgerResult> + Send;
}
