//! What a reconciliation pass reads, page by page, and the lease that keeps passes apart.

use std::future::Future;
use std::time::Duration;

use crate::domain::payment_id::PaymentId;

use super::{LedgerError, RenewalCursor, RenewalWindow};
use crate::domain::record::PaymentRecord;
use crate::domain::timestamp::Timestamp;

/// Open renewals in pages, the owners of orphan schedules, and the lease. A clone is a handle on
/// the same storage.
///
/// # Errors
/// Every method returns [`LedgerError`] only for storage failures.
pub trait ReconcileLedger: Clone + Send + Sync + 'static {
    /// Open renewals (nothing renewed them; not lapsed, canceled or refunded) whose pending
    /// charge is in `window`, after `after`, at most `limit`, by pending charge time then key.
    fn open_renewals(
        &self,
        window: &RenewalWindow,
        after: Option<&RenewalCursor>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<PaymentRecord>, LedgerError>> + Send;

    /// The stopped months (canceled, refunded or lapsed, not renewed) whose first charge or
    /// retry is one of `payment_ids`.
    fn stopped_months_for(
        &self,
        payment_ids: &[PaymentId],
    ) -> impl Future<Output = Result<Vec<PaymentRecord>, LedgerError>> + Send;

    /// Latest months whose grace ran out before `now` with nothing renewing, stopping or lapsing
    /// them (not renewed, canceled or refunded, `lapsed_at` unset): their pending charge may have
    /// been paid with its webhook lost, so none lapses before PortOne says it was not. Oldest
    /// grace first, at most `limit`.
    fn grace_ended(
        &self,
        now: Timestamp,
        limit: u32,
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
}
