//! What a plan or seat change would do, decided once for the change and its preview: which
//! plan and seats, the new price per period, and when it takes effect ([`crate::domain::proration`]).

use crate::domain::amount::Amount;
use crate::domain::plan::{Plan, PlanId};
use crate::domain::proration::{timing, PeriodClock, PeriodPrice, Timing};
use crate::domain::quantity::Quantity;
use crate::domain::record::PaymentRecord;
use crate::domain::subscription::SubscriptionStatus;
use crate::domain::subscription_id::SubscriptionId;
use crate::ports::{PlanLedger, Ports};

use super::{live, SubscriptionError, SubscriptionService};

/// What a change asks for: another plan, other seats, or both (`None`: keep the one in effect).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeTarget {
    pub plan_id: Option<PlanId>,
    pub quantity: Option<Quantity>,
}

/// What a change would do, decided once for the change and its preview.
pub(super) struct Decision {
    /// The subscription's latest month, as read.
    pub record: PaymentRecord,
    pub plan: Plan,
    pub quantity: Quantity,
    /// The new price per period: the plan's amount times the seats.
    pub total: Amount,
    pub timing: Timing,
}

impl<P: Ports> SubscriptionService<P> {
    /// Decides what moving `key`'s subscription to `target` does at `now`: only an `active`
    /// subscription is upgraded now (a trial, a renewal in dunning, or a cancellation at period
    /// end takes its change at the period's end).
    ///
    /// # Errors
    /// `NotFound`, `Terminal`, `PlanNotFound`, `PlanArchived` (a plan other than the one in
    /// effect), a conflict for a seat change of a subscription with no plan, or `Upstream`.
    pub(super) async fn decide(
        &self,
        key: &SubscriptionId,
        target: &ChangeTarget,
    ) -> Result<Decision, SubscriptionError> {
        // An unknown plan is refused before anything else is read.
        let named = self.named_plan(target).await?;
        let record = self.latest(key).await?;
        self.decide_on(record, named, target).await
    }

    /// The plan `target` names, if it names one.
    ///
    /// # Errors
    /// `PlanNotFound` for an unknown plan; `Upstream` when storage fails.
    pub(super) async fn named_plan(&self, target: &ChangeTarget) -> Result<Option<Plan>, SubscriptionError> {
        match &target.plan_id {
            Some(id) => Ok(Some(
                self.ports
                    .ledger()
                    .plan(id)
                    .await?
                    .ok_or(SubscriptionError::PlanNotFound)?,
            )),
            None => Ok(None),
        }
    }

    /// [`Self::decide`] on the subscription's latest month `record`, already read, and the plan
    /// `target` names (`named`, from [`Self::named_plan`]).
    pub(super) async fn decide_on(
        &self,
        record: PaymentRecord,
        named: Option<Plan>,
        target: &ChangeTarget,
    ) -> Result<Decision, SubscriptionError> {
        let now = self.now();
        let status = live(&record, now)?;
        let current = record.current_terms();
        let plan = match (named, &current.plan_id) {
            // Another plan must be active; the plan in effect keeps its subscribers even archived.
            (Some(plan), in_effect) => {
                if !plan.active && Some(&plan.terms.id) != in_effect.as_ref() {
                    return Err(SubscriptionError::PlanArchived);
                }
                plan
            }
            (None, Some(id)) => self
                .ports
                .ledger()
                .plan(id)
                .await?
                .ok_or(SubscriptionError::PlanNotFound)?,
            (None, None) => {
                return Err(SubscriptionError::Conflict(
                    "요금제 없이 시작된 구독은 좌석 수를 바꿀 수 없습니다. plan_id를 함께 보내 주세요.",
                ))
            }
        };
        let quantity = target.quantity.unwrap_or(current.quantity);
        let total = quantity.total(plan.terms.amount);
        let timing = if status == SubscriptionStatus::Active {
            // Prices as the customer pays them: this period at its own discount; the new terms
            // within the same interval (an upgrade, charged the discounted difference) at this
            // period's discount too, and a longer interval's new period (the next paid one) at
            // the next charge's.
            let same_interval = plan.terms.interval == record.period_rule.map(|rule| rule.interval);
            let this_period = record.discount.as_ref();
            let new_terms = if same_interval {
                this_period
            } else {
                record.next_discount.as_ref()
            };
            let price = crate::domain::discount::price;
            let from = PeriodPrice {
                total: price(current.amount, this_period).amount,
                interval: record.period_rule.map(|rule| rule.interval),
            };
            let to = PeriodPrice {
                total: price(total, new_terms).amount,
                interval: plan.terms.interval,
            };
            let clock = PeriodClock {
                start_at: record.start_at,
                end_at: record.end_at,
                now,
            };
            timing(from, to, clock, self.min_proration)
        } else {
            Timing::PeriodEnd
        };
        Ok(Decision {
            record,
            plan,
            quantity,
            total,
            timing,
        })
    }
}
