//! A new card in the last grace: every retry of the renewal failed, but the grace after the last
//! one still runs (`past_due` until `lapsed_at`). The customer's card update must still rescue
//! the subscription, so it charges the renewal now on the new card, under a payment id of its
//! own (`recovery_payment_id`) that the month names first (`open_recovery_charge`): the payment it
//! makes renews the month exactly as a retry's would. Declined, nothing is rescheduled (the
//! policy's retries are spent) and the customer may try another card until the grace ends.

use crate::domain::checklist::Step;
use crate::domain::payment::PaymentStatus;
use crate::domain::payment_id::PaymentId;
use crate::domain::payment_method::PaymentMethod;
use crate::domain::rejection::RejectionKind;
use crate::domain::schedule_id::recovery_payment_id;
use crate::domain::timestamp::Timestamp;
use crate::ports::Payments;
use crate::ports::{MonthLedger, Ports, ScheduleRequest};
use crate::service::messages;
use crate::service::payer::Payer;
use crate::service::renewal::schedule_request;
use crate::service::steps::Halt;

use super::pending::card_key;
use super::{CardUpdate, Run, Target};

/// What a card update in a renewal's last grace charges.
pub(super) enum LastGrace {
    /// Not in a last grace: nothing to charge.
    Nothing,
    /// An earlier update's charge was paid (its answer was lost): record it.
    AlreadyPaid(PaymentId),
    /// Charge this now.
    Charge(Box<ScheduleRequest>),
}

impl<P: Ports> CardUpdate<P> {
    /// The charge a card update makes when every retry failed and the last grace still runs.
    pub(super) async fn last_grace_charge(
        &self,
        run: &mut Run,
        target: &Target,
        method: &PaymentMethod,
        now: Timestamp,
    ) -> Result<LastGrace, Halt> {
        let month = &target.latest;
        let renewal = &month.renewal;
        let in_last_grace = renewal.renewal_attempts > 0
            && renewal.renewed_by.is_none()
            && renewal.lapsed_at.is_some_and(|lapse| lapse > now);
        if !in_last_grace {
            return Ok(LastGrace::Nothing);
        }
        let step = Step::CHARGE_RETRY_NOW;
        // The charge the month names may be an earlier update's whose answer was lost.
        if let Some(earlier) = renewal.retry_payment_id.clone() {
            match run
                .steps
                .within(self.ports().gateway().get_payment(&earlier))
                .await
            {
                Ok(payment) if payment.status == PaymentStatus::Paid => {
                    return Ok(LastGrace::AlreadyPaid(earlier))
                }
                Ok(_) => {}
                Err(error) if error.rejection() == Some(&RejectionKind::PaymentNotFound) => {}
                Err(error) => {
                    tracing::error!(step = step.code, %error, "step failed");
                    return Err(run.steps.fail(step, messages::retry_charge_failed(&error)));
                }
            }
        }
        let payment_id = recovery_payment_id(&month.next_schedule_id, now);
        let open = self
            .ports()
            .ledger()
            .open_recovery_charge(&month.transaction_key, &payment_id, now);
        let Some(opened) = run.steps.call(step, open, messages::storage_failed).await? else {
            return Ok(LastGrace::Nothing);
        };
        let key = card_key("recovery", &payment_id, now);
        match schedule_request(&opened, &Payer::of_method(method), payment_id, now, key) {
            Some(request) => Ok(LastGrace::Charge(Box::new(request))),
            None => Err(self.terms_unknown(run, step)),
        }
    }
}
