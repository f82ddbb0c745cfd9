//! Subscriptions for the app's own backend: read them (`read`), cancel at period end and resume
//! (`cancel`, the integration guide's "구독 해지" and "구독 재개"), change the plan at period end
//! (`change`), and the admin schedule operations (`admin`). Every operation takes a subscription's
//! id or any of its months' `transaction_key`, and applies to its latest month.

mod abandoned;
mod admin;
mod cancel;
mod change;
mod charge_slot;
mod decide;
mod discount;
mod errors;
mod ownership;
mod preview;
mod read;
mod refund;
mod refund_proration;
mod reschedule;
mod switch;
mod upgrade;

use std::sync::Arc;

use crate::domain::amount::Amount;
use crate::domain::charge_limit::ChargeLimit;
use crate::domain::proration::DEFAULT_MIN_PRORATION_AMOUNT;
use crate::domain::proration_record::Proration;
use crate::domain::record::PaymentRecord;
use crate::domain::subscription::{Subscription, SubscriptionStatus};
use crate::domain::subscription_id::SubscriptionId;
use crate::domain::timestamp::Timestamp;
use crate::ports::{Clock, Ports, SubscriptionLedger, SubscriptionRows};
use crate::service::payer::{payer_of, Payer};

pub use admin::ScheduleLookup;
pub use change::{PlanChange, PlanError};
pub use decide::ChangeTarget;
pub use errors::{SubscriptionError, UpstreamFailure};
pub use preview::ChangePreview;
pub use read::{SubscriptionDetail, SubscriptionSummary};
pub use refund::{RefundRequest, Refunded};

/// A subscription after a cancel, resume or plan change, and whether this call changed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionChange {
    /// The latest month's row, as stored after the call.
    pub record: PaymentRecord,
    /// The read model after the call.
    pub subscription: Subscription,
    pub changed: bool,
    /// What happened, stable for code: `SUBSCRIPTION_CANCELED`, `ALREADY_CANCELED`,
    /// `SUBSCRIPTION_RESUMED`, `ALREADY_RESUMED`, `PLAN_CHANGED`, `REFUNDED`,
    /// `PARTIALLY_REFUNDED`.
    pub code: &'static str,
    /// Korean, for people.
    pub message: &'static str,
    /// The upgrade's proration, when the change took effect now.
    pub proration: Option<Proration>,
}

/// The status of the subscription whose latest month is `latest`, at `now`, when it is live.
///
/// # Errors
/// [`SubscriptionError::Terminal`] for a `lapsed`, `ended` or `refunded` subscription: every
/// change refuses it, so nothing is ever scheduled for a subscription that stopped.
pub(super) fn live(latest: &PaymentRecord, now: Timestamp) -> Result<SubscriptionStatus, SubscriptionError> {
    let status = SubscriptionStatus::of(latest, now);
    if status.is_live() {
        Ok(status)
    } else {
        Err(SubscriptionError::Terminal(status))
    }
}

/// Cancels and resumes subscriptions, and passes schedule operations through to PortOne for
/// admins (`super::admin`).
pub struct SubscriptionService<P> {
    pub(super) ports: Arc<P>,
    /// The least an upgrade's proration charges, in the currency's unit.
    min_proration: Amount,
    /// Charge-triggering calls per customer (an upgrade's charge counts); `None`: no limit.
    charge_limit: Option<ChargeLimit>,
}

impl<P: Ports> SubscriptionService<P> {
    pub fn new(ports: Arc<P>) -> Self {
        Self {
            ports,
            min_proration: Amount::new(DEFAULT_MIN_PRORATION_AMOUNT).unwrap_or_default(),
            charge_limit: None,
        }
    }

    /// Counts each upgrade's charge against the customer's charge limit.
    pub fn with_charge_limit(mut self, limit: Option<ChargeLimit>) -> Self {
        self.charge_limit = limit;
        self
    }

    /// Charges no proration below `min` (`MIN_PRORATION_AMOUNT`).
    pub fn with_min_proration(mut self, min: Amount) -> Self {
        self.min_proration = min;
        self
    }

    fn now(&self) -> Timestamp {
        Timestamp::from_utc(self.ports.clock().now())
    }

    /// Every month of the subscription `key` names.
    async fn rows(&self, key: &SubscriptionId) -> Result<SubscriptionRows, SubscriptionError> {
        self.ports
            .ledger()
            .subscription(key)
            .await?
            .filter(|rows| !rows.months.is_empty())
            .ok_or(SubscriptionError::NotFound)
    }

    /// The latest month of the subscription `key` names.
    async fn latest(&self, key: &SubscriptionId) -> Result<PaymentRecord, SubscriptionError> {
        Ok(self.rows(key).await?.months.swap_remove(0))
    }

    /// Whose card `record`'s next charges go to (`payer_of`); a conflict when no billing key is
    /// known (the subscription was not paid with one).
    async fn payer(&self, record: &PaymentRecord) -> Result<Payer, SubscriptionError> {
        payer_of(&*self.ports, record, None)
            .await?
            .ok_or(SubscriptionError::Conflict(
                "빌링키 결제가 아니어서 다음 결제를 예약할 수 없습니다.",
            ))
    }

    /// The answer after an operation on `record`'s subscription: re-read, so it shows what is
    /// stored now.
    async fn answer(
        &self,
        record: PaymentRecord,
        changed: bool,
        (code, message): (&'static str, &'static str),
    ) -> Result<SubscriptionChange, SubscriptionError> {
        let rows = self
            .rows(&SubscriptionId::from(record.transaction_key.clone()))
            .await?;
        let subscription =
            Subscription::at(&rows.months, &rows.attempts, self.now()).ok_or(SubscriptionError::NotFound)?;
        Ok(SubscriptionChange {
            record,
            subscription,
            changed,
            code,
            message,
            proration: None,
        })
    }
}
