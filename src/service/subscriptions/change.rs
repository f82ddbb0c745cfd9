//! A plan change at period end: the pending charge (the next month's, or during dunning the
//! pending retry) is replaced with the new terms, from the next charge on. No proration and no
//! mid-period upgrade: the current month stays as paid.

use crate::domain::amount::{Amount, PriceError};
use crate::domain::currency::Currency;
use crate::domain::payment_id::PaymentId;
use crate::domain::plan::{name_ok, PlanId, MAX_NAME_CHARS};
use crate::domain::proration_record::ChangeNote;
use crate::domain::quantity::Quantity;
use crate::domain::record::{NextTerms, PaymentRecord};
use crate::domain::subscription_id::SubscriptionId;
use crate::ports::{Ports, SubscriptionLedger};

use super::reschedule::NextChargeChange;
use super::{live, SubscriptionChange, SubscriptionError, SubscriptionService};

/// The new terms, validated: a price (1 to `MAX_AMOUNT`), an order name of 1–100 characters, a
/// currency PortOne accepts (`None`: the subscription's own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanChange {
    pub amount: Amount,
    pub order_name: String,
    pub currency: Option<Currency>,
    /// The plan the terms are, when the change names one.
    pub plan_id: Option<PlanId>,
    /// The seats, when the change sets them.
    pub quantity: Option<Quantity>,
}

/// Why requested terms are not a [`PlanChange`] (400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Amount(#[from] PriceError),
    #[error("orderName must be 1-{MAX_NAME_CHARS} characters, not blank")]
    OrderName,
    #[error(transparent)]
    Currency(#[from] crate::domain::currency::UnknownCurrency),
}

impl PlanChange {
    /// # Errors
    /// [`PlanError`] for the first term that is not acceptable.
    pub fn new(amount: i64, order_name: &str, currency: Option<&str>) -> Result<Self, PlanError> {
        let amount = Amount::price(amount)?;
        if !name_ok(order_name) {
            return Err(PlanError::OrderName);
        }
        Ok(Self {
            amount,
            order_name: order_name.to_owned(),
            currency: currency.map(Currency::parse).transpose()?,
            plan_id: None,
            quantity: None,
        })
    }
}

impl<P: Ports> SubscriptionService<P> {
    /// Applies `plan` from the next charge on: revokes the pending schedule, stores the terms,
    /// and schedules the same payment id with them under a new `Idempotency-Key`. A subscription
    /// canceled at period end keeps no schedule; its terms are stored for a resume. Changing
    /// twice keeps the last change.
    ///
    /// # Errors
    /// [`SubscriptionError::NotFound`] for a key that names no subscription;
    /// [`SubscriptionError::Terminal`] for a `lapsed`, `ended` or `refunded` subscription;
    /// [`SubscriptionError::Conflict`] when the pending charge already ran.
    pub async fn change(
        &self,
        key: &SubscriptionId,
        plan: &PlanChange,
    ) -> Result<SubscriptionChange, SubscriptionError> {
        let record = self.latest(key).await?;
        let now = self.now();
        let status = live(&record, now)?;
        let terms = NextTerms {
            next_amount: Some(plan.amount),
            next_order_name: Some(plan.order_name.clone()),
            next_currency: plan.currency.clone().or_else(|| record.currency.clone()),
            next_plan_id: plan.plan_id.clone(),
            next_quantity: plan.quantity,
        };
        let current = record.current_terms();
        let note = ChangeNote {
            to_plan_id: terms.next_plan_id.clone().or_else(|| current.plan_id.clone()),
            to_quantity: plan.quantity.unwrap_or(current.quantity),
            from_plan_id: current.plan_id,
            from_quantity: current.quantity,
            effective_at: record.end_at,
            amount_due_now: Amount::default(),
            proration_payment_id: None,
        };
        let changed = PaymentRecord {
            next_terms: terms.clone(),
            ..record.clone()
        };
        let change = NextChargeChange {
            record: &record,
            changed: &changed,
            status,
            what: "change",
            already_charged: "다음 결제가 이미 진행되어 요금제를 바꿀 수 없습니다.",
        };
        let store = self.store_terms(&record.transaction_key, &terms, Some(&note));
        self.move_pending_charge(change, store, || self.put_back_terms(&record))
            .await?;
        tracing::info!(
            transaction_key = %record.transaction_key,
            "plan changed from the next charge on"
        );
        let record = self.latest(key).await?;
        self.answer(
            record,
            true,
            ("PLAN_CHANGED", "다음 결제부터 새 요금제로 바꿨습니다."),
        )
        .await
    }

    /// Moves the subscription to the plan `plan_id`, keeping its seats, without an
    /// `Idempotency-Key`: a change at the period's end, or `IdempotencyKeyRequired` for an
    /// upgrade ([`Self::change_to`]).
    ///
    /// # Errors
    /// As [`Self::change_to`].
    pub async fn change_plan(
        &self,
        key: &SubscriptionId,
        plan_id: &PlanId,
    ) -> Result<SubscriptionChange, SubscriptionError> {
        let target = super::ChangeTarget {
            plan_id: Some(plan_id.clone()),
            quantity: None,
        };
        self.change_to(key, &target, None).await
    }

    /// Stores `record`'s own next terms again, after a change that did not happen; a failure is
    /// logged (the answer is already an error, and the stored terms are then the new ones, which
    /// reconciliation schedules).
    async fn put_back_terms(&self, record: &PaymentRecord) {
        if let Err(error) = self
            .store_terms(&record.transaction_key, &record.next_terms, None)
            .await
        {
            tracing::error!(%error, "the previous terms could not be stored again");
        }
    }

    async fn store_terms(
        &self,
        transaction_key: &PaymentId,
        terms: &NextTerms,
        note: Option<&ChangeNote>,
    ) -> Result<(), SubscriptionError> {
        self.ports
            .ledger()
            .set_next_terms(transaction_key, terms, note, self.now())
            .await?
            .map(|_| ())
            .ok_or(SubscriptionError::NotFound)
    }
}
