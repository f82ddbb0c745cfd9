//! Step 5 of a card update during dunning: the pending retry charged now on the new card
//! (`payWithBillingKey` on the retry's own `paymentId`, so it can be paid at most once).
//!
//! The charge is sent with `skipWebhook`: its answer is handled here. Paid, steps 6–8 are the
//! `Transaction.Paid` webhook's flow (the renewal is recorded, recovered, and the next month
//! scheduled). Declined, the retry is scheduled again on the new card at its own time; a
//! `Transaction.Failed` webhook would instead have counted the customer's try as a dunning
//! attempt and moved the retry on.

use crate::domain::answer::Ending;
use crate::ports::Payments;
use serde_json::json;

use crate::domain::checklist::{Step, CARD_DECLINED_FLOW, CARD_RECOVERY_FLOW};
use crate::domain::payment_method::PaymentMethod;
use crate::domain::payment_schedule_id::ScheduleId;
use crate::domain::rejection::{Rejection, RejectionKind};
use crate::ports::{ChargeRequest, GatewayError, Ports, ScheduleOutcome, ScheduleRequest};
use crate::service::failure::Failure;
use crate::service::messages::{self, cards as words};
use crate::service::step_data;
use crate::service::steps::Halt;
use crate::service::verdict::Verdict;

use super::last_grace::LastGrace;
use super::pending::card_key;
use super::restore::Charge;
use super::{CardUpdate, Moved, Run, Target};
use crate::service::renewal::schedule_charge;

impl<P: Ports> CardUpdate<P> {
    /// Step 5 (and 6–8): charges the pending retry now on the new card.
    pub(super) async fn charge_retry_now(
        &self,
        run: &mut Run,
        target: &Target,
        method: &PaymentMethod,
        under_way: bool,
    ) -> Result<Moved, Halt> {
        let step = Step::CHARGE_RETRY_NOW;
        run.steps.set_flow(&CARD_RECOVERY_FLOW);
        if under_way {
            run.steps.skip_rest(words::CHARGE_UNDER_WAY);
            return Ok(Moved::Updated);
        }
        let now = self.now();
        let (schedule, last_grace) = match self.pending_on(target, method, |id| card_key("retry", id, now)) {
            Some(Err(())) => return Err(self.terms_unknown(run, step)),
            Some(Ok(schedule)) => (schedule, false),
            None => match self.last_grace_charge(run, target, method, now).await? {
                LastGrace::Nothing => {
                    run.steps.skip_rest(words::NOTHING_TO_SCHEDULE);
                    return Ok(Moved::Updated);
                }
                LastGrace::AlreadyPaid(payment_id) => {
                    run.charge = Some(Charge::Done);
                    let data = json!({ "paymentId": payment_id });
                    run.steps.succeed(step, words::RETRY_ALREADY_CHARGED, Some(data));
                    self.flows.paid(&mut run.steps, payment_id).await?;
                    return Ok(Moved::Recovered);
                }
                LastGrace::Charge(schedule) => (*schedule, true),
            },
        };
        let Some(charge) =
            ChargeRequest::now_instead_of(&schedule, card_key("charge", &schedule.payment_id, now), true)
        else {
            return Err(self.terms_unknown(run, step));
        };
        let paid = run
            .steps
            .within(self.ports().gateway().pay_with_billing_key(&charge))
            .await;
        let message = match paid {
            Ok(_) => {
                run.charge = Some(Charge::Done);
                words::RETRY_CHARGED
            }
            Err(GatewayError::Rejected(rejection)) if rejection.kind == RejectionKind::AlreadyPaid => {
                run.charge = Some(Charge::Done);
                words::RETRY_ALREADY_CHARGED
            }
            Err(GatewayError::Rejected(rejection))
                if matches!(rejection.kind, RejectionKind::Declined { .. }) && last_grace =>
            {
                // No retry is left to put back on the schedule: the customer may try another card
                // until the grace ends.
                run.charge = Some(Charge::Done);
                let _recorded = run.steps.fail(step, declined_failure(&rejection));
                run.steps.skip_rest(words::NO_RETRY_LEFT);
                return Ok(Moved::Declined(rejection));
            }
            Err(GatewayError::Rejected(rejection))
                if matches!(rejection.kind, RejectionKind::Declined { .. }) =>
            {
                return self.reschedule_declined(run, &schedule, rejection).await;
            }
            Err(GatewayError::Rejected(rejection)) if rejection.kind.billing_key_gone() => {
                let message = messages::rejection_message(words::NEW_CARD_UNUSABLE, &rejection);
                let data = Some(messages::rejection_data(&rejection));
                return Err(run.refuse(step, Ending::Conflict, &rejection.code, message, data));
            }
            Err(error) => {
                tracing::error!(step = step.code, %error, "step failed");
                run.charge = Some(Charge::Unknown);
                return Err(run.steps.fail(step, messages::retry_charge_failed(&error)));
            }
        };
        let data = json!({ "paymentId": charge.payment_id, "amount": charge.amount });
        run.steps.succeed(step, message, Some(data));
        self.flows.paid(&mut run.steps, charge.payment_id.clone()).await?;
        Ok(Moved::Recovered)
    }

    /// Step 6 after a decline: the retry scheduled again on the new card, at its own time.
    async fn reschedule_declined(
        &self,
        run: &mut Run,
        schedule: &ScheduleRequest,
        rejection: Rejection,
    ) -> Result<Moved, Halt> {
        run.steps.set_flow(&CARD_DECLINED_FLOW);
        // The decline is this step's outcome, not the end of the flow: the retry goes on.
        let _recorded = run
            .steps
            .fail(Step::CHARGE_RETRY_NOW, declined_failure(&rejection));
        let step = Step::SCHEDULE_RETRY;
        let scheduled = schedule_charge(self.ports().gateway(), schedule);
        let outcome = run
            .steps
            .call(step, scheduled, messages::card_schedule_failed)
            .await?;
        let (message, schedule_id) = match outcome {
            Some(ScheduleOutcome::Created { schedule_id }) => (words::RETRY_RESCHEDULED, Some(schedule_id)),
            Some(ScheduleOutcome::AlreadyExists) => (words::RETRY_ALREADY_RESCHEDULED, None),
            None => (messages::FREE_NEXT_PERIOD, None),
        };
        run.steps.succeed(
            step,
            message,
            step_data::scheduled(schedule_id.as_ref().map(ScheduleId::as_str), schedule),
        );
        Ok(Moved::Declined(rejection))
    }
}

/// The charge step's failure when the card company declined, with its reason.
fn declined_failure(rejection: &Rejection) -> Failure {
    Failure {
        message: words::declined(rejection.decline_reason().unwrap_or("사유 없음")),
        data: Some(messages::rejection_data(rejection)),
        verdict: Verdict::BadRequest,
    }
}
