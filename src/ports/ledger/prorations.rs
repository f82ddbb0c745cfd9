//! Upgrades made mid-period (`public.proration`): written before PortOne charges, settled once.

use std::future::Future;

use super::LedgerError;
use crate::domain::payment_id::PaymentId;
use crate::domain::proration_record::Proration;
use crate::domain::record::PaymentRecord;
use crate::domain::timestamp::Timestamp;

/// What writing a proration found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProrationBegun {
    /// The row under its `payment_id`: the one just written, or the one a first request (the
    /// same change sent again) wrote, whatever came of it since.
    Stored(Box<Proration>),
    /// Another change of the same period is being charged: try again shortly.
    Busy,
    /// The period is not what the change was computed on any more (another change applied, or
    /// the period renewed): compute it again.
    Stale,
}

/// What settling a proration did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub proration: Proration,
    /// The month, with the new terms in effect and as its next-charge terms.
    pub month: PaymentRecord,
    /// `true` when this call applied it; `false` when it was settled before.
    pub applied: bool,
}

/// Prorations. A clone is a handle on the same storage.
///
/// # Errors
/// Every method returns [`LedgerError`] only for storage failures.
pub trait ProrationLedger: Clone + Send + Sync + 'static {
    /// Writes `proration` (status `pending`) unless its `payment_id` is stored; refuses while
    /// another proration of the month is pending, or when the month's terms in effect are no
    /// longer `proration.from` or the month renewed.
    fn begin_proration(
        &self,
        proration: &Proration,
    ) -> impl Future<Output = Result<ProrationBegun, LedgerError>> + Send;

    /// Marks a pending proration declined with `reason`; the row as stored (`None`: unknown).
    fn fail_proration(
        &self,
        payment_id: &PaymentId,
        reason: &str,
        at: Timestamp,
    ) -> impl Future<Output = Result<Option<Proration>, LedgerError>> + Send;

    /// Settles a pending proration paid at `paid_at`, atomically: the month's terms in effect
    /// become its `to`, and so do the next-charge terms, and `subscription.plan_changed` is
    /// written at `at`. A settled one is answered as it is (`applied: false`); a declined one
    /// or an unknown id: `None`.
    fn settle_proration(
        &self,
        payment_id: &PaymentId,
        paid_at: Timestamp,
        at: Timestamp,
    ) -> impl Future<Output = Result<Option<Settled>, LedgerError>> + Send;

    /// Notes that the pending schedule was moved to the proration's terms.
    fn mark_rescheduled(
        &self,
        payment_id: &PaymentId,
        at: Timestamp,
    ) -> impl Future<Output = Result<(), LedgerError>> + Send;

    /// Records that PortOne refunded `total` of the proration `payment_id` so far (the total only
    /// grows); the row as stored (`None`: unknown).
    fn record_proration_refund(
        &self,
        payment_id: &PaymentId,
        total: crate::domain::amount::Amount,
    ) -> impl Future<Output = Result<Option<Proration>, LedgerError>> + Send;

    /// The subscription's prorations, oldest first.
    fn prorations(
        &self,
        subscription_id: &str,
    ) -> impl Future<Output = Result<Vec<Proration>, LedgerError>> + Send;
}
