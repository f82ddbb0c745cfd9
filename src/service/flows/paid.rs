//! The paid flow (steps 3–5): fetch the payment from PortOne, record its month, schedule the next.

use crate::domain::charge_kind::ChargeKind;
use crate::domain::checklist::Step;
use crate::domain::interval::PeriodRule;
use crate::domain::payment::{Payment, PaymentStatus};
use crate::domain::payment_id::PaymentId;
use crate::domain::payment_schedule_id::ScheduleId;
use crate::domain::period::{BillingPeriod, ScheduleOffset};
use crate::domain::record::PaymentRecord;
use crate::domain::timestamp::Timestamp;
use crate::ports::{
    Clock, LedgerError, MonthLedger, PlanLedger, Ports, RandomSource, Recorded, ScheduleOutcome,
};
use crate::service::payer::Payer;
use crate::service::renewal::{renewal_key, schedule_request};
use crate::service::steps::{Halt, Steps};
use crate::service::{messages, step_data};
use crate::telemetry::metrics;

use super::PaymentFlows;
use crate::service::renewal::schedule_charge;

impl<P: Ports> PaymentFlows<P> {
    /// Steps 3–5 of a paid payment: also what a subscription's start runs after its first
    /// charge, so the month is recorded and the next one scheduled exactly as the webhook would.
    ///
    /// A payment refunded since it was paid (`PARTIAL_CANCELLED`, or `CANCELLED` with a `paidAt`)
    /// was still paid: its month is recorded with the refunded total (a late or replayed webhook
    /// whose first delivery was lost must not leave money PortOne took unrecorded), and the next
    /// month is scheduled unless the refund was whole.
    pub(in crate::service) async fn paid(
        &self,
        steps: &mut Steps,
        payment_id: PaymentId,
    ) -> Result<(), Halt> {
        // Refunded since it was paid; a payment cancelled before it was ever paid has no month.
        let refunded_since = |payment: &Payment| {
            matches!(
                payment.status,
                PaymentStatus::PartialCancelled | PaymentStatus::Cancelled
            ) && payment.paid_at.is_some()
        };
        let payment = self
            .fetch_where(steps, &payment_id, PaymentStatus::Paid, refunded_since)
            .await?;
        // An upgrade's prorated charge pays no period: it settles its change instead.
        if payment.kind == ChargeKind::Proration {
            return self.proration_paid(steps, &payment).await;
        }
        self.record_payment(steps, &payment).await
    }

    /// Steps 4–5 of a paid `payment` (fetched from PortOne, or a free period's own): records its
    /// month and schedules the next.
    pub(in crate::service) async fn record_payment(
        &self,
        steps: &mut Steps,
        payment: &Payment,
    ) -> Result<(), Halt> {
        // Step 4: `paidAt` is stable across PortOne's retries; the clock is only a fallback.
        let paid_at = Timestamp::from_utc(payment.paid_at.unwrap_or_else(|| self.ports.clock().now()));
        let rule = steps
            .call(
                Step::SAVE_PAYMENT,
                self.period_rule(payment, paid_at),
                messages::save_failed,
            )
            .await?;
        let period = period_of(rule.as_ref(), paid_at, self.ports.random().schedule_offset());
        let record = PaymentRecord {
            period_rule: rule.map(|(rule, _)| rule),
            ..PaymentRecord::paid(payment, &period)
        };
        let write = self.ports.ledger().record_paid(&record);
        let recorded = steps
            .call(Step::SAVE_PAYMENT, write, messages::save_failed)
            .await?;
        let recorded = self.record_refunds(steps, payment, recorded).await?;
        let recovered = recorded
            .renewed
            .as_ref()
            .is_some_and(|renewed| renewed.renewal.renewal_attempts > 0);
        if recorded.inserted && recovered {
            metrics::dunning_recovered();
        }
        let message = match (recorded.inserted, recovered) {
            (true, true) => messages::SAVED_RECOVERED,
            (true, false) => messages::SAVED,
            (false, _) => messages::ALREADY_SAVED,
        };
        steps.succeed(Step::SAVE_PAYMENT, message, step_data::record(&recorded.record));

        // Step 5: schedule from the stored row, so a replay schedules exactly what was recorded.
        self.schedule_next(steps, payment, &recorded).await
    }

    async fn schedule_next(
        &self,
        steps: &mut Steps,
        payment: &Payment,
        recorded: &Recorded,
    ) -> Result<(), Halt> {
        let step = Step::SCHEDULE_NEXT_PAYMENT;
        let record = &recorded.record;
        // The subscription's stored card (answered with the record) wins over the one that
        // paid: a card update since.
        let payer = match &recorded.payment_method {
            Some(method) => Some(Payer::of_method(method)),
            None => Payer::of_payment(payment),
        };
        let request = payer.and_then(|payer| {
            let (id, at) = (record.next_schedule_id.clone(), record.next_schedule_at);
            schedule_request(record, &payer, id, at, renewal_key(record))
        });
        let Some(request) = request else {
            steps.skip_rest(messages::NO_BILLING_KEY);
            return Ok(());
        };
        if let Some(reason) = no_next_month(recorded) {
            steps.skip_rest(reason);
            return Ok(());
        }
        let scheduled = schedule_charge(self.ports.gateway(), &request);
        let (message, schedule_id) = match steps.call(step, scheduled, messages::schedule_failed).await? {
            Some(ScheduleOutcome::Created { schedule_id }) => (messages::SCHEDULED, Some(schedule_id)),
            Some(ScheduleOutcome::AlreadyExists) => (messages::ALREADY_SCHEDULED, None),
            None => (messages::FREE_NEXT_PERIOD, None),
        };
        let data = step_data::scheduled(schedule_id.as_ref().map(ScheduleId::as_str), &request);
        steps.succeed(step, message, data);
        Ok(())
    }
}

/// The period a payment paid at `paid_at` buys: with a rule, from where it starts to the rule's
/// end; without one, the route spec's 30 days from `paid_at`.
fn period_of(
    rule: Option<&(PeriodRule, Timestamp)>,
    paid_at: Timestamp,
    offset: ScheduleOffset,
) -> BillingPeriod {
    match rule {
        Some((rule, start)) => BillingPeriod::between(*start, rule.end_of(*start), offset),
        None => BillingPeriod::starting_at(paid_at.as_utc(), offset),
    }
}

impl<P: Ports> PaymentFlows<P> {
    /// How `payment`'s period is cut, and where it starts: a renewal keeps the rule of the month
    /// it renews (an anchored period starts where that one ended, so a late or recovered renewal
    /// never shifts the anchor; a day or week period starts when paid); a first payment takes
    /// its plan's interval (`customData`'s plan), anchored at `paid_at`. `None`: 30 days.
    async fn period_rule(
        &self,
        payment: &Payment,
        paid_at: Timestamp,
    ) -> Result<Option<(PeriodRule, Timestamp)>, LedgerError> {
        let ledger = self.ports.ledger();
        // Renewals and retries are paid under ids this service derives (UUIDs); a merchant's own
        // id (`pay_123456`) renews nothing, so it costs no lookup.
        let renewal = match payment.id.as_uuid() {
            Some(_) => ledger.renewal_of(&payment.id).await?,
            None => None,
        };
        if let Some(renewal) = renewal {
            let month = renewal.month;
            // An anchored period is followed from where it ended; any other from the payment.
            let start = match month.period_rule {
                Some(rule) if rule.interval.is_anchored() => month.end_at,
                _ => paid_at,
            };
            // A plan change made for this charge brings its plan's interval, anchored where the
            // new plan's first period starts (a monthly subscription moved to a yearly plan is
            // charged a year and gets a year).
            let switched = payment
                .plan_id
                .as_ref()
                .filter(|plan| Some(*plan) != month.plan_id.as_ref());
            if let Some(plan_id) = switched {
                let interval = ledger.plan(plan_id).await?.and_then(|plan| plan.terms.interval);
                if interval != month.period_rule.map(|rule| rule.interval) {
                    // Paid before the period ended: a switch to a longer interval, charged now
                    // (the renewal's own payment id, charged early), starts its period now.
                    let start = if paid_at < month.end_at { paid_at } else { start };
                    return Ok(interval.map(|interval| {
                        (
                            PeriodRule {
                                interval,
                                anchor_at: start,
                            },
                            start,
                        )
                    }));
                }
            }
            return Ok(month.period_rule.map(|rule| (rule, start)));
        }
        let Some(plan_id) = &payment.plan_id else {
            return Ok(None);
        };
        let interval = ledger.plan(plan_id).await?.and_then(|plan| plan.terms.interval);
        Ok(interval.map(|interval| {
            (
                PeriodRule {
                    interval,
                    anchor_at: paid_at,
                },
                paid_at,
            )
        }))
    }

    /// The refunds PortOne made of `payment` since it was paid, written to its month (the
    /// refunded total only grows, and a whole refund marks the month refunded), so the row is
    /// what PortOne says even when the webhooks of the refunds came before this one.
    async fn record_refunds(
        &self,
        steps: &mut Steps,
        payment: &Payment,
        mut recorded: Recorded,
    ) -> Result<Recorded, Halt> {
        if payment.cancelled_amount.value() == 0 {
            return Ok(recorded);
        }
        let key = recorded.record.transaction_key.clone();
        let now = self.now();
        let write = self
            .ports
            .ledger()
            .record_refund(&key, payment.cancelled_amount, now);
        let stored = steps
            .call(Step::SAVE_PAYMENT, write, messages::save_failed)
            .await?;
        if let Some(stored) = stored {
            recorded.record = stored;
        }
        if payment.status == PaymentStatus::Cancelled {
            let write = self.ports.ledger().mark_cancelled(&key, now);
            let stored = steps
                .call(Step::SAVE_PAYMENT, write, messages::save_failed)
                .await?;
            if let Some(stored) = stored {
                recorded.record = stored;
            }
        }
        Ok(recorded)
    }
}

/// Why the month after `recorded` must not be scheduled, if it must not: the payment was
/// refunded; the subscription was cancelled or had lapsed before this payment renewed it (a
/// charge that raced the revoke, or came after the lapse, is recorded but ends the chain; one
/// paid in the last grace, a new card's, recovers it);
/// or, for a replay, the month's renewal already moved on (charged, or being retried under
/// payment ids of its own: its first charge's id must not be scheduled twice).
fn no_next_month(recorded: &Recorded) -> Option<&'static str> {
    let record = &recorded.record;
    let renewed = recorded.renewed.as_ref();
    if record.renewal.renewed_by.is_some() {
        Some(messages::NEXT_ALREADY_PAID)
    } else if record.renewal.renewal_attempts > 0 && record.renewal.lapsed_at.is_none() {
        Some(messages::RENEWAL_BEING_RETRIED)
    } else if record.is_refunded() {
        Some(messages::PAYMENT_CANCELLED)
    } else if record.renewal.lapsed_at.is_some()
        || renewed.is_some_and(|m| m.renewal.lapsed_at.is_some_and(|at| at <= record.start_at))
    {
        Some(messages::LAPSED_NO_NEXT)
    } else if record.is_canceled() || renewed.is_some_and(PaymentRecord::is_canceled) {
        Some(messages::SUBSCRIPTION_CANCELLED)
    } else {
        None
    }
}
