//! What a plan change would do, without doing it (`GET …/change-preview`): the numbers
//! [`SubscriptionService::change_plan`] would act on, computed the same way. Every change takes
//! effect at the period's end today, so nothing is due now.

use crate::domain::amount::Amount;
use crate::domain::attempt::charge_time;
use crate::domain::plan::{Plan, PlanId};
use crate::domain::subscription::SubscriptionStatus;
use crate::domain::subscription_id::SubscriptionId;
use crate::domain::timestamp::Timestamp;
use crate::ports::Ports;

use super::{live, SubscriptionError, SubscriptionService};

/// A plan change's preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangePreview {
    /// The plan it would move to.
    pub plan: Plan,
    /// Charged now, in the currency's unit: 0, as every change waits for the period's end.
    pub due_now: Amount,
    /// When the new terms start: the current period's end (UTC).
    pub effective_at: Timestamp,
    /// When the next charge (at the new plan's amount) would be made; `None` when none is
    /// pending (canceled at period end, or nothing left to charge).
    pub next_charge_at: Option<Timestamp>,
}

impl<P: Ports> SubscriptionService<P> {
    /// The preview of moving the subscription `key` names to `plan_id`.
    ///
    /// # Errors
    /// As [`Self::change_plan`]: `NotFound`, `PlanNotFound`, `PlanArchived`, `Terminal`, or
    /// `Upstream` when storage fails.
    pub async fn preview_plan_change(
        &self,
        key: &SubscriptionId,
        plan_id: &PlanId,
    ) -> Result<ChangePreview, SubscriptionError> {
        let plan = self.plan_to_move_to(plan_id).await?;
        let record = self.latest(key).await?;
        let now = self.now();
        let status = live(&record, now)?;
        // The same charge `change` would move, at the time it would schedule it.
        let next_charge_at = match (status, record.pending_charge()) {
            (SubscriptionStatus::Canceling, _) | (_, None) => None,
            (_, Some(charge)) => Some(charge_time(charge.at, now)),
        };
        Ok(ChangePreview {
            plan,
            due_now: Amount::default(),
            effective_at: record.end_at,
            next_charge_at,
        })
    }
}
