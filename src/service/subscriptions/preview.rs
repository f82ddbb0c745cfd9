//! What a plan or seat change would do, without doing it (`GET …/change-preview`): decided by
//! [`SubscriptionService::decide`], as [`SubscriptionService::change_to`] decides, so the
//! preview and the change never disagree.

use crate::domain::amount::Amount;
use crate::domain::attempt::charge_time;
use crate::domain::interval::PeriodRule;
use crate::domain::period::BillingPeriod;
use crate::domain::plan::Plan;
use crate::domain::proration::Timing;
use crate::domain::quantity::Quantity;
use crate::domain::subscription::SubscriptionStatus;
use crate::domain::subscription_id::SubscriptionId;
use crate::domain::timestamp::Timestamp;
use crate::ports::{Ports, RandomSource};

use super::{ChangeTarget, SubscriptionError, SubscriptionService};

/// A change's preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangePreview {
    /// The plan it would move to (the one in effect for a seat change).
    pub plan: Plan,
    pub quantity: Quantity,
    /// Charged now, in the currency's unit: an upgrade's prorated difference (0 below the
    /// minimum), else 0.
    pub due_now: Amount,
    /// When the new terms start (UTC): now for an upgrade, else the current period's end.
    pub effective_at: Timestamp,
    /// `true` when the change takes effect now.
    pub immediate: bool,
    /// When the next charge (at the new terms) would be made; `None` when none is pending
    /// (canceled at period end, or nothing left to charge).
    pub next_charge_at: Option<Timestamp>,
    /// The next charge's amount: the plan's amount times the seats, in the currency's unit.
    pub next_charge_amount: Amount,
}

impl<P: Ports> SubscriptionService<P> {
    /// The preview of moving the subscription `key` names to `target`.
    ///
    /// # Errors
    /// As [`Self::change_to`]'s decision: `NotFound`, `PlanNotFound`, `PlanArchived`, `Terminal`,
    /// or `Upstream` when storage fails.
    pub async fn preview_change(
        &self,
        key: &SubscriptionId,
        target: &ChangeTarget,
    ) -> Result<ChangePreview, SubscriptionError> {
        let decision = self.decide(key, target).await?;
        let now = self.now();
        let record = &decision.record;
        // The same charge a change would move, at the time it would schedule it.
        let next_charge_at = match (SubscriptionStatus::of(record, now), record.pending_charge()) {
            (SubscriptionStatus::Canceling, _) | (_, None) => None,
            (_, Some(charge)) => Some(charge_time(charge.at, now)),
        };
        let (due_now, effective_at, immediate) = match decision.timing {
            Timing::Now { due } => (due, now, true),
            Timing::NewPeriod { due } => (due, now, true),
            Timing::PeriodEnd => (Amount::default(), record.end_at, false),
        };
        // A switch to a longer interval starts a period now: its charge follows that period (the
        // minute within 10:xx KST is drawn again when it is scheduled).
        let next_charge_at = match (decision.timing, decision.plan.terms.interval) {
            (Timing::NewPeriod { .. }, Some(interval)) => {
                let rule = PeriodRule {
                    interval,
                    anchor_at: now,
                };
                let offset = self.ports.random().schedule_offset();
                Some(BillingPeriod::between(now, rule.end_of(now), offset).next_schedule_at)
            }
            _ => next_charge_at,
        };
        Ok(ChangePreview {
            plan: decision.plan,
            quantity: decision.quantity,
            due_now,
            effective_at,
            immediate,
            next_charge_at,
            next_charge_amount: decision.total,
        })
    }
}
