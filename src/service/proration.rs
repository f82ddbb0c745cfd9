//! Finishing an upgrade made mid-period, whoever finishes it: the request that charged it, the
//! same request sent again after a lost answer, or the charge's `Transaction.Paid` webhook.
//! Settling is one atomic ledger call ([`ProrationLedger::settle_proration`]); the pending
//! schedule then moves to the new terms (PortOne has no schedule update: revoke, then schedule
//! the same `paymentId` under a new `Idempotency-Key`).

use std::time::Duration;

use crate::domain::attempt::charge_time;
use crate::domain::payment_id::PaymentId;
use crate::domain::timestamp::Timestamp;
use crate::ports::{GatewayError, Ports, ProrationLedger, Settled};
use crate::service::payer::{payer_of, PayerError};
use crate::service::renewal::schedule_charge;
use crate::service::renewal::{fresh_key, schedule_request};
use crate::service::revoke::{revoke_pending, Revocation};

/// How long the caller that settled a proration has to move the schedule before another
/// (the same request sent again) takes over: past any request's deadline.
const RESCHEDULE_TAKEOVER: Duration = Duration::from_secs(60);

/// Where the schedule stands after [`finish`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rescheduled {
    /// Moved to the new terms by this call (or nothing was pending to move).
    Now,
    /// Moved before.
    Before,
    /// Another caller settled it moments ago and is moving it.
    InProgress,
}

/// Why a proration could not be finished.
#[derive(Debug, thiserror::Error)]
pub enum FinishError {
    /// The webhook's deadline passed.
    #[error("the deadline passed")]
    Deadline,
    #[error(transparent)]
    Payer(#[from] PayerError),
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    #[error(transparent)]
    Ledger(#[from] crate::ports::LedgerError),
}

/// Settles the proration `payment_id` paid at `paid_at` and moves the schedule to its terms;
/// `None` for an unknown or declined proration.
///
/// # Errors
/// [`FinishError`] when storage or PortOne fails; the same call again finishes it.
pub async fn finish<P: Ports>(
    ports: &P,
    payment_id: &PaymentId,
    paid_at: Timestamp,
    now: Timestamp,
) -> Result<Option<(Settled, Rescheduled)>, FinishError> {
    let Some(settled) = ports.ledger().settle_proration(payment_id, paid_at, now).await? else {
        return Ok(None);
    };
    let rescheduled = move_schedule(ports, &settled, now).await?;
    Ok(Some((settled, rescheduled)))
}

/// Moves the pending schedule to `settled`'s terms, unless it was moved before or the caller
/// that settled it is moving it now (a caller that settled it over a minute ago is taken over
/// from: it died).
///
/// # Errors
/// [`FinishError`] when storage or PortOne fails; the same call again moves it.
pub async fn move_schedule<P: Ports>(
    ports: &P,
    settled: &Settled,
    now: Timestamp,
) -> Result<Rescheduled, FinishError> {
    let proration = &settled.proration;
    if proration.rescheduled_at.is_some() {
        return Ok(Rescheduled::Before);
    }
    let abandoned = proration.paid_at.is_some_and(|at| {
        let takeover = i64::try_from(RESCHEDULE_TAKEOVER.as_millis()).unwrap_or(i64::MAX);
        at.plus_millis(takeover) <= now
    });
    if !settled.applied && !abandoned {
        return Ok(Rescheduled::InProgress);
    }
    reschedule(ports, settled, now).await?;
    ports
        .ledger()
        .mark_rescheduled(&proration.payment_id, now)
        .await?;
    Ok(Rescheduled::Now)
}

/// Moves the settled month's pending charge to its new next-charge terms, at the time it was
/// due. A subscription canceled at period end keeps no schedule (its terms wait for a resume);
/// one with no pending charge or billing key has nothing to move.
async fn reschedule<P: Ports>(ports: &P, settled: &Settled, now: Timestamp) -> Result<(), FinishError> {
    let month = &settled.month;
    let Some(charge) = month.pending_charge().filter(|_| !month.is_canceled()) else {
        return Ok(());
    };
    let Some(payer) = payer_of(ports, month, None).await? else {
        return Ok(());
    };
    if let Revocation::AlreadyCharged { .. } = revoke_pending(ports, month, &payer).await? {
        tracing::error!(
            payment_id = %settled.proration.payment_id,
            "the renewal was charged on the old terms while an upgrade was settled"
        );
        return Ok(());
    }
    let key = fresh_key("proration", &charge.payment_id, now);
    let at = charge_time(charge.at, now);
    if let Some(request) = schedule_request(month, &payer, charge.payment_id, at, key) {
        schedule_charge(ports.gateway(), &request).await?;
    }
    Ok(())
}

impl crate::service::deadline::DeadlinePassed for FinishError {
    fn deadline_passed() -> Self {
        Self::Deadline
    }
}
