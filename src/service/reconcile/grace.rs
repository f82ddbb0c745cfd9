//! The grace pass: a subscription lapses only once PortOne confirmed that the charge it waited
//! for was not paid. A renewal's webhook can be lost (PortOne resends for about 5.5 hours, then
//! gives up), so a grace that ran out says nothing by itself: each month whose grace ended
//! without a renewal, a stop or a lapse is checked with PortOne exactly as a reconciliation pass
//! checks a due renewal (`due`), and
//! - paid (or paid and refunded since): the paid flow records it, and the subscription goes on;
//! - failed: the failed flow records the attempt and schedules the retry;
//! - not paid, and nothing left that could pay it (no payment, no live schedule): it lapses, at
//!   the first instant after its grace (`mark_lapsed`, which writes `subscription.lapsed`);
//! - anything else (PortOne still processing, or unreachable): it waits for the next pass, shown
//!   as `past_due`.
//!
//! It runs every minute with the time pass, at most [`GRACE_BATCH`] months at a time.

use crate::ports::{LedgerError, MonthLedger, Ports, ReconcileLedger};

use super::{Outcome, PassOptions, Reconciler};

/// Months checked per grace pass.
pub const GRACE_BATCH: u32 = 100;

/// What one grace pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GraceReport {
    pub checked: u64,
    /// PortOne had a payment: the paid or failed flow ran.
    pub healed: u64,
    /// PortOne confirmed nothing was paid: lapsed.
    pub lapsed: u64,
    /// Still open: PortOne is processing the charge, or could not be asked.
    pub waiting: u64,
}

impl<P: Ports> Reconciler<P> {
    /// One grace pass, its outcome logged: what the minute's timer runs.
    pub async fn settle_graces_logged(&self) {
        match self.settle_graces().await {
            Ok(report) if report.checked > 0 => tracing::info!(
                checked = report.checked,
                healed = report.healed,
                lapsed = report.lapsed,
                waiting = report.waiting,
                "grace pass finished"
            ),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "the grace pass could not read the months"),
        }
    }

    /// One grace pass (see the module's documentation).
    ///
    /// # Errors
    /// [`LedgerError`] when the months cannot be read; a failure of one month is counted as
    /// waiting and tried again next time.
    pub async fn settle_graces(&self) -> Result<GraceReport, LedgerError> {
        let now = self.now();
        let months = self.ports().ledger().grace_ended(now, GRACE_BATCH).await?;
        let mut report = GraceReport::default();
        for month in months {
            report.checked += 1;
            let action = self.due_one(&month, PassOptions::default(), now).await;
            match action.outcome {
                Outcome::Healed => report.healed += 1,
                Outcome::Unhealable | Outcome::Reported => {
                    let at = month.end_grace_at.plus_millis(1);
                    match self
                        .ports()
                        .ledger()
                        .mark_lapsed(&month.transaction_key, at)
                        .await
                    {
                        Ok(_) => {
                            tracing::info!(
                                transaction_key = %month.transaction_key,
                                detail = action.detail,
                                "PortOne confirmed the renewal was not paid: lapsed"
                            );
                            report.lapsed += 1;
                        }
                        Err(error) => {
                            tracing::warn!(%error, "a confirmed lapse could not be stored");
                            report.waiting += 1;
                        }
                    }
                }
                Outcome::Waiting | Outcome::Failed | Outcome::WouldHeal | Outcome::Revoked => {
                    tracing::info!(
                        transaction_key = %month.transaction_key,
                        detail = action.detail,
                        "a grace ran out without a confirmation yet"
                    );
                    report.waiting += 1;
                }
            }
        }
        Ok(report)
    }
}
