//! A customer's new card (`POST /api/subscriptions/{id}/payment-method`), the recovery tool of
//! dunning. The checks (`checks`: whose subscription, its state, the new billing key), then the
//! charge the subscription waits for moves to the new card (`pending`):
//! - **outside dunning** the pending charge is revoked and the same `paymentId` scheduled again on
//!   the new card (PortOne has no schedule update: revoke, then create; `createPaymentSchedule`);
//! - **during dunning** (`recovery`) the pending retry is charged now on the new card: paid, the
//!   renewal is recorded at once and the next month scheduled, as the `Transaction.Paid` webhook
//!   would; declined, the retry is scheduled again on the new card at its own time (402);
//! - **canceling**, the card is only stored, for a resume.
//!
//! The new card is stored as the subscription's payment method before anything is scheduled on
//! it, so every later schedule (resume, plan change, reconciliation, the next renewal) uses it.

mod answer;
mod checks;
mod last_grace;
mod pending;
mod recovery;
mod restore;

use tokio::time::Instant;

use crate::domain::billing_key::BillingKey;
use crate::domain::charge_limit::ChargeLimit;
use crate::domain::checklist::CARD_UPDATE_FLOW;
use crate::domain::rejection::Rejection;
use crate::domain::subscription::SubscriptionStatus;
use crate::domain::subscription_id::SubscriptionId;
use crate::ports::{Ports, ReconcileLedger};

use super::flows::PaymentFlows;
use super::run::Run as SharedRun;
use super::steps::Halt;
use super::Caller;

pub use answer::CardAnswer;

/// A card update, checked for shape by the HTTP layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardUpdateRequest {
    /// The subscription's id, or any of its months' `transaction_key`.
    pub subscription: SubscriptionId,
    /// The new card's billing key (the browser SDK's `requestIssueBillingKey`).
    pub billing_key: BillingKey,
    pub caller: Caller,
}

/// Moves subscriptions to new cards: charges and schedules on its ports, and records a recovered
/// retry through the paid flow.
pub struct CardUpdate<P> {
    /// The ports it charges and schedules on (`flows.ports()`), and the paid flow a recovered
    /// retry runs, as its webhook would.
    flows: PaymentFlows<P>,
    /// Charge-triggering calls per customer; `None`: no limit.
    charge_limit: Option<ChargeLimit>,
}

/// One card update while it runs: its checklist, why it was refused when it was, the lease it
/// holds on its subscription, and the card it replaces.
struct Run {
    /// The checklist and the refusal, as every customer request keeps them.
    base: SharedRun,
    /// `(name, holder)` of the lease serialising the subscription's card updates, once held.
    lease: Option<(String, String)>,
    /// The card the pending charge was on, once its schedule was revoked: put back if the new
    /// card cannot be scheduled.
    previous: Option<restore::Previous>,
    /// During dunning, what became of the charge on the new card, once it was tried.
    charge: Option<restore::Charge>,
    /// Seconds to wait before sending the update again, when the answer says so.
    retry_after: Option<u64>,
}

impl std::ops::Deref for Run {
    type Target = SharedRun;

    fn deref(&self) -> &SharedRun {
        &self.base
    }
}

impl std::ops::DerefMut for Run {
    fn deref_mut(&mut self) -> &mut SharedRun {
        &mut self.base
    }
}

/// How long one card update holds its subscription: past its own deadline.
const LEASE: std::time::Duration = std::time::Duration::from_secs(60);

/// How a card update that ran to its end ended.
enum Moved {
    /// The card is stored and the pending charge (if any) scheduled on it.
    Updated,
    /// The pending retry was charged on the new card and the renewal recorded.
    Recovered,
    /// The pending retry was declined on the new card and scheduled again on it.
    Declined(Rejection),
}

/// The subscription as the update found it.
struct Target {
    latest: crate::domain::record::PaymentRecord,
    status: SubscriptionStatus,
    /// PortOne's `customer.id` of the subscription.
    customer_id: crate::domain::customer_id::CustomerId,
}

impl<P: Ports> CardUpdate<P> {
    pub fn new(flows: PaymentFlows<P>) -> Self {
        Self {
            flows,
            charge_limit: None,
        }
    }

    /// Limits each customer's card updates (with starts and prorations) to `limit`.
    pub fn with_charge_limit(mut self, limit: Option<ChargeLimit>) -> Self {
        self.charge_limit = limit;
        self
    }

    fn ports(&self) -> &P {
        self.flows.ports()
    }

    /// Moves `request`'s subscription to its new card. Never fails as a whole: every outcome is
    /// a [`CardAnswer`] saying how it ended. Sending the same request again after a failure is
    /// safe: a retry's `paymentId` is charged at most once, and the steps pick up where the
    /// stored state is.
    pub async fn update(&self, request: &CardUpdateRequest) -> CardAnswer {
        let deadline = Instant::now() + self.flows.deadline();
        let mut run = Run {
            base: SharedRun::new(&CARD_UPDATE_FLOW, deadline),
            lease: None,
            previous: None,
            charge: None,
            retry_after: None,
        };
        let result = self.steps(&mut run, request).await;
        if let Some((name, holder)) = run.lease.take() {
            if let Err(error) = self.ports().ledger().release_lease(&name, &holder).await {
                // It expires on its own.
                tracing::warn!(%error, "a card update's lease could not be given back");
            }
        }
        self.answer(run, result).await
    }

    async fn steps(&self, run: &mut Run, request: &CardUpdateRequest) -> Result<(Moved, Target), Halt> {
        let target = self.check_subscription(run, request).await?;
        let card = self.check_billing_key(run, request, &target).await?;
        let under_way = self.revoke_pending(run, &target).await?;
        let method = self.save_method(run, request, &target, card).await?;
        let moved = if target.status == SubscriptionStatus::PastDue {
            self.charge_retry_now(run, &target, &method, under_way).await
        } else {
            self.schedule_on_new_card(run, &target, &method, under_way).await
        };
        match moved {
            Ok(moved) => Ok((moved, target)),
            Err(halt) => {
                self.restore(run, &target, &method).await;
                Err(halt)
            }
        }
    }
}
