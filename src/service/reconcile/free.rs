//! Free periods on time: a charge a discount brings to 0 has no PortOne schedule and no webhook,
//! so the time pass records each one whose time has come, every minute (the reconciliation pass's
//! due step records any this misses). Recording is idempotent (`record_paid` and the next
//! schedule are keyed by the period's own ids), so replicas running it at once record a period
//! once.

use chrono::DateTime;

use crate::domain::amount::Amount;
use crate::domain::timestamp::Timestamp;
use crate::ports::{LedgerError, Ports, ReconcileLedger, RenewalCursor, RenewalWindow};

use super::pages::advance;
use super::{Outcome, PassOptions, Reconciler};

/// Open renewals read per page.
const PAGE: u32 = 200;
/// Rounds of recording: a free period recorded late may make the next one due too (a service
/// that was down for months, the sandbox's clock moved by a year).
const MAX_ROUNDS: usize = 100;

impl<P: Ports> Reconciler<P> {
    /// Records every free period due by now; how many were recorded.
    ///
    /// # Errors
    /// [`LedgerError`] when the open renewals cannot be read; a period that could not be
    /// recorded is left for the next minute.
    pub async fn record_free_periods(&self) -> Result<usize, LedgerError> {
        let mut recorded = 0;
        for _ in 0..MAX_ROUNDS {
            let now = self.now();
            let window = RenewalWindow {
                from: Timestamp::from_utc(DateTime::UNIX_EPOCH),
                until: now,
            };
            let mut this_round = 0;
            let mut after: Option<RenewalCursor> = None;
            loop {
                let page = self
                    .ports()
                    .ledger()
                    .open_renewals(&window, after.as_ref(), PAGE)
                    .await?;
                for month in &page {
                    let free = month.next_charge_terms().amount == Amount::default();
                    let Some(charge) = month.pending_charge().filter(|_| free) else {
                        continue;
                    };
                    let (outcome, detail) = self.free(month, charge, PassOptions::default()).await;
                    match outcome {
                        Outcome::Healed => this_round += 1,
                        _ => {
                            tracing::warn!(transaction_key = %month.transaction_key, %detail, "a free period was not recorded")
                        }
                    }
                }
                if page.len() < PAGE as usize {
                    break;
                }
                if let Err(stuck) = advance(&mut after, &page) {
                    tracing::warn!(%stuck, "the free-period pass stopped reading");
                    break;
                }
            }
            recorded += this_round;
            if this_round == 0 {
                break;
            }
        }
        Ok(recorded)
    }

    /// [`Self::record_free_periods`], logged: what the minute timer runs.
    pub async fn record_free_periods_logged(&self) {
        match self.record_free_periods().await {
            Ok(0) => {}
            Ok(recorded) => tracing::info!(recorded, "free periods recorded"),
            Err(error) => tracing::warn!(%error, "the free periods could not be read"),
        }
    }
}
