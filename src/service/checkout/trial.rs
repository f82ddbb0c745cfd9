//! Steps 4–5 of a trial start: nothing is charged now. The trial is a month of its own (amount
//! 0, `end_at` the trial's end), and its first charge is scheduled at PortOne for 10:00–10:59 KST
//! on the Seoul day after the trial ends, with a payment id derived as any renewal's: from then
//! on the renewal flows (paid, failed, retried, reconciled) run unchanged.

use crate::domain::checklist::{Step, TRIAL_FLOW};
use crate::domain::checkout::CheckoutIds;
use crate::domain::discount::Discount;
use crate::domain::payment_method::Card;
use crate::domain::payment_schedule_id::ScheduleId;
use crate::domain::period::BillingPeriod;
use crate::domain::plan::Plan;
use crate::domain::record::PaymentRecord;
use crate::domain::subscription_id::SubscriptionId;
use crate::ports::{Clock, MonthLedger, Ports, RandomSource, ScheduleOutcome};
use crate::service::messages::{self, checkout as words};
use crate::service::payer::Payer;
use crate::service::renewal::{renewal_key, schedule_request};
use crate::service::step_data;
use crate::service::steps::{Failure, Halt};

use super::{Checkout, Run, StartRequest, Subscribed};
use crate::service::renewal::schedule_charge;

impl<P: Ports> Checkout<P> {
    pub(super) async fn start_trial(
        &self,
        run: &mut Run,
        request: &StartRequest,
        ids: &CheckoutIds,
        plan: &Plan,
        card: Option<Card>,
        discount: Option<Discount>,
    ) -> Result<Subscribed, Halt> {
        if discount.is_none() {
            run.steps.set_flow(&TRIAL_FLOW);
        }
        let step = Step::SAVE_TRIAL;
        let now = self.ports().clock().now();
        let days = i64::from(plan.terms.trial_days);
        let period = BillingPeriod::lasting(now, days, self.ports().random().schedule_offset());
        // The discount's first period is the first paid one (as Stripe combines trials and
        // coupons): the trial carries it to its first charge.
        let trial = PaymentRecord {
            next_discount: discount,
            ..PaymentRecord::trial(
                ids.trial_key.clone(),
                &request.customer_id,
                &plan.terms,
                request.quantity,
                &period,
            )
        };
        let method = self.store_card(run, step, request, &ids.trial_key, card).await?;
        let ledger = self.ports().ledger();
        let recorded = run
            .steps
            .call(step, ledger.record_paid(&trial), messages::save_failed)
            .await?;
        let message = if recorded.inserted {
            words::TRIAL_SAVED
        } else {
            words::TRIAL_ALREADY_SAVED
        };
        run.steps
            .succeed(step, message, step_data::record(&recorded.record));

        // From the stored row: a repeat schedules what the first run stored.
        let step = Step::SCHEDULE_FIRST_CHARGE;
        let stored = &recorded.record;
        let payer = Payer::of_method(&method);
        let (id, at) = (stored.next_schedule_id.clone(), stored.next_schedule_at);
        let Some(request) = schedule_request(stored, &payer, id, at, renewal_key(stored)) else {
            let failure = Failure::upstream(messages::NO_BILLING_KEY, None);
            return Err(run.steps.fail(step, failure));
        };
        let scheduled = schedule_charge(self.ports().gateway(), &request);
        let outcome = run
            .steps
            .call(step, scheduled, messages::first_charge_schedule_failed)
            .await?;
        let (message, schedule_id) = match outcome {
            Some(ScheduleOutcome::Created { schedule_id }) => {
                (words::FIRST_CHARGE_SCHEDULED, Some(schedule_id))
            }
            Some(ScheduleOutcome::AlreadyExists) => (words::FIRST_CHARGE_ALREADY_SCHEDULED, None),
            None => (messages::FREE_NEXT_PERIOD, None),
        };
        run.steps.succeed(
            step,
            message,
            step_data::scheduled(schedule_id.as_ref().map(ScheduleId::as_str), &request),
        );
        Ok(Subscribed {
            subscription_id: SubscriptionId::from(ids.trial_key.clone()),
        })
    }
}
