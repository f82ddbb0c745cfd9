//! Creating a month's pending schedule at PortOne, as the webhook would have, and running a flow
//! for a payment a webhook never delivered.

use crate::domain::attempt::charge_time;
use crate::domain::payment::PaymentStatus;
use crate::domain::payment_id::PaymentId;
use crate::domain::record::{PaymentRecord, PendingCharge};
use crate::domain::rejection::RejectionKind;
use crate::domain::timestamp::Timestamp;
use crate::domain::webhook::WebhookEvent;
use crate::ports::Payments;
use crate::ports::{ChargeRequest, Ports, ScheduleOutcome};
use crate::service::flows::free_payment;
use crate::service::outcome::Verdict;
use crate::service::payer::payer_of;
use crate::service::renewal::{renewal_key, retry_key, schedule_charge, schedule_request};

use super::{Outcome, PassOptions, Reconciler};

/// The `Idempotency-Key` of a charge whose time had passed when it was finally scheduled: its own,
/// because the body differs from the webhook's (a new `timeToPay`).
fn late_key(payment_id: &PaymentId) -> String {
    format!("late-{payment_id}")
}

impl<P: Ports> Reconciler<P> {
    /// Schedules `charge` of `month` at PortOne with the month's terms: at its own time with the
    /// webhook's payment id and `Idempotency-Key` when that is still ahead, else shortly after
    /// `now` under a key of its own. `Err` carries what failed, for the report.
    pub(super) async fn schedule(
        &self,
        month: &PaymentRecord,
        charge: PendingCharge,
        now: Timestamp,
    ) -> Result<(Outcome, String), String> {
        let gateway = self.ports().gateway();
        let payer = payer_of(self.ports(), month, None)
            .await
            .map_err(|e| format!("reading the paid payment failed: {e}"))?;
        let on_time = charge.at > now;
        let key = match (on_time, charge.attempt) {
            (false, _) => late_key(&charge.payment_id),
            (true, 0) => renewal_key(month),
            (true, _) => retry_key(&charge.payment_id),
        };
        let at = charge_time(charge.at, now);
        let id = charge.payment_id;
        let request = payer.and_then(|payer| schedule_request(month, &payer, id.clone(), at, key));
        let Some(request) = request else {
            return Ok((
                Outcome::Reported,
                "the paid payment has no billing key".to_owned(),
            ));
        };
        match schedule_charge(gateway, &request).await {
            // PortOne charges no 0 amount: the due pass records it at its time.
            Ok(None) => Ok((
                Outcome::Waiting,
                "a free period: recorded when it is due".to_owned(),
            )),
            Ok(Some(ScheduleOutcome::Created { schedule_id })) => Ok((
                Outcome::Healed,
                format!("scheduled {schedule_id} at {}", request.time_to_pay),
            )),
            Ok(Some(ScheduleOutcome::AlreadyExists)) => Ok((
                Outcome::Reported,
                "PortOne already holds a schedule for it".to_owned(),
            )),
            // Paid before its time (a card update's charge whose answer was lost): record it.
            Err(error) if error.rejection() == Some(&RejectionKind::AlreadyPaidOrWaiting) => {
                let paid = matches!(
                    gateway.get_payment(&id).await.map(|payment| payment.status),
                    Ok(PaymentStatus::Paid)
                );
                if paid {
                    Ok(self.replay(WebhookEvent::Paid(id), "paid").await)
                } else {
                    Ok((
                        Outcome::Waiting,
                        "PortOne reports the charge paid or waiting; left to its webhook".to_owned(),
                    ))
                }
            }
            Err(error) => Err(format!("scheduling failed: {error}")),
        }
    }

    /// Runs the flow a lost webhook would have run for `event`; healed when it ended 200.
    /// Records `charge` of `month`, which a discount brings to 0, as paid at its charge time:
    /// PortOne is never asked (`flows::free`).
    pub(super) async fn free(
        &self,
        month: &PaymentRecord,
        charge: PendingCharge,
        options: PassOptions,
    ) -> (Outcome, String) {
        if options.dry_run {
            return (Outcome::WouldHeal, "a free period: would record it".into());
        }
        let payer = match payer_of(self.ports(), month, None).await {
            Ok(Some(payer)) => payer,
            Ok(None) => return (Outcome::Reported, "the paid payment has no billing key".into()),
            Err(error) => {
                return (
                    Outcome::Failed,
                    format!("reading the paid payment failed: {error}"),
                )
            }
        };
        let (id, at) = (charge.payment_id, charge.at);
        let key = renewal_key(month);
        let request = schedule_request(month, &payer, id, at, key.clone())
            .and_then(|schedule| ChargeRequest::now_instead_of(&schedule, key, true));
        let Some(request) = request else {
            return (Outcome::Reported, "the month names no customer or order".into());
        };
        let outcome = self.flows.record_free(&free_payment(&request, at)).await;
        if outcome.verdict == Verdict::Done {
            (Outcome::Healed, format!("recorded the free period paid at {at}"))
        } else {
            (Outcome::Failed, "recording the free period did not finish".into())
        }
    }

    pub(super) async fn replay(&self, event: WebhookEvent, flow: &str) -> (Outcome, String) {
        let outcome = self.flows.replay(event).await;
        if outcome.verdict == Verdict::Done {
            return (Outcome::Healed, format!("ran the {flow} flow"));
        }
        let failed = outcome
            .checklist
            .items()
            .iter()
            .find(|item| item.status == crate::domain::checklist::StepStatus::Failed)
            .map_or_else(String::new, |item| {
                format!(": {} failed ({})", item.code, item.message)
            });
        (Outcome::Failed, format!("the {flow} flow did not finish{failed}"))
    }
}
