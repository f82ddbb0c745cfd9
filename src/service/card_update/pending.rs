//! Steps 3–5 of a card update outside dunning: the pending charge's schedule revoked (found under
//! the old card's billing key), the new card stored, the same `paymentId` scheduled on it.
//!
//! The order matters for a retry after a failure: revoked first, so a stored new card never hides
//! the old card's schedule from the revoke (it is looked up by billing key); stored before
//! scheduling, so every later schedule uses it. A schedule that fails puts the old card and its
//! schedule back (`restore`).

use crate::domain::answer::Ending;
use serde_json::json;

use crate::domain::attempt::charge_time;
use crate::domain::checklist::Step;
use crate::domain::payment_id::PaymentId;
use crate::domain::payment_method::{Card, PaymentMethod};
use crate::domain::payment_schedule_id::ScheduleId;
use crate::domain::subscription::SubscriptionStatus;
use crate::domain::timestamp::Timestamp;
use crate::ports::{Clock, Ports, ScheduleOutcome, ScheduleRequest, SubscriptionLedger};
use crate::service::messages::{self, cards as words};
use crate::service::payer::Payer;
use crate::service::renewal::{fresh_key, schedule_request};
use crate::service::revoke::{revoke_pending, Revocation};
use crate::service::step_data;
use crate::service::steps::Halt;

use super::{CardUpdate, CardUpdateRequest, Moved, Run, Target};
use crate::service::renewal::schedule_charge;

/// The `Idempotency-Key` of a card update's call for `payment_id` (`what`: the charge or the
/// schedule): [`fresh_key`], so PortOne does not replay an earlier update's answer.
pub(super) fn card_key(what: &str, payment_id: &PaymentId, now: Timestamp) -> String {
    fresh_key(&format!("card-{what}"), payment_id, now)
}

impl<P: Ports> CardUpdate<P> {
    pub(super) fn now(&self) -> Timestamp {
        Timestamp::from_utc(self.ports().clock().now())
    }

    /// Step 3: revokes the pending charge's schedule, found under the card it was made with.
    /// `true` when that charge is already under way (it completes on the old card).
    pub(super) async fn revoke_pending(&self, run: &mut Run, target: &Target) -> Result<bool, Halt> {
        let step = Step::REVOKE_PENDING_CHARGE;
        if target.status == SubscriptionStatus::Canceling {
            run.steps.succeed(step, words::CANCELING_NO_SCHEDULE, None);
            return Ok(false);
        }
        let previous = self.previous_card(&target.latest);
        let previous = run.steps.call(step, previous, messages::revoke_failed).await?;
        let revocation = match &previous {
            Some(previous) => {
                let revoke = revoke_pending(self.ports(), &target.latest, &previous.payer);
                run.steps
                    .call(step, revoke, messages::revoke_failed_at_portone)
                    .await?
            }
            None => Revocation::NothingScheduled,
        };
        if matches!(revocation, Revocation::Revoked { .. }) {
            run.previous = previous;
        }
        let message = match &revocation {
            Revocation::Revoked { .. } => words::REVOKED_PENDING,
            Revocation::AlreadyRevoked { .. } | Revocation::NothingScheduled => words::NOTHING_PENDING,
            Revocation::AlreadyCharged { .. } => words::CHARGE_UNDER_WAY,
        };
        run.steps
            .succeed(step, message, Some(revocation.data(&target.latest)));
        Ok(matches!(revocation, Revocation::AlreadyCharged { .. }))
    }

    /// Step 4: stores the new card as the subscription's payment method.
    pub(super) async fn save_method(
        &self,
        run: &mut Run,
        request: &CardUpdateRequest,
        target: &Target,
        card: Option<Card>,
    ) -> Result<PaymentMethod, Halt> {
        let step = Step::SAVE_PAYMENT_METHOD;
        let method = PaymentMethod {
            subscription_id: target.latest.subscription_key().to_string(),
            customer_id: Some(target.customer_id.to_string()),
            billing_key: request.billing_key.clone(),
            card: card.unwrap_or_default(),
            updated_at: self.now(),
        };
        let save = self.ports().ledger().set_payment_method(&method);
        let stored = run.steps.call(step, save, messages::storage_failed).await?;
        run.steps
            .succeed(step, words::METHOD_SAVED, Some(json!({ "card": stored.card })));
        Ok(stored)
    }

    /// The pending charge of `target` on `method`'s card, at its own time (or shortly, when that
    /// passed), under `key`; `None` when no charge is pending.
    pub(super) fn pending_on(
        &self,
        target: &Target,
        method: &PaymentMethod,
        key: impl FnOnce(&PaymentId) -> String,
    ) -> Option<Result<ScheduleRequest, ()>> {
        let charge = target.latest.pending_charge()?;
        let at = charge_time(charge.at, self.now());
        let payer = Payer::of_method(method);
        let key = key(&charge.payment_id);
        Some(schedule_request(&target.latest, &payer, charge.payment_id, at, key).ok_or(()))
    }

    /// Step 5: schedules the pending charge again, same `paymentId`, on the new card. Nothing to
    /// schedule when canceling (a resume schedules on the new card), when the charge is already
    /// under way on the old card, or when no charge is pending.
    pub(super) async fn schedule_on_new_card(
        &self,
        run: &mut Run,
        target: &Target,
        method: &PaymentMethod,
        under_way: bool,
    ) -> Result<Moved, Halt> {
        let step = Step::SCHEDULE_WITH_NEW_CARD;
        if target.status == SubscriptionStatus::Canceling {
            run.steps.skip_rest(words::CANCELING_NO_SCHEDULE);
            return Ok(Moved::Updated);
        }
        if under_way {
            run.steps.skip_rest(words::CHARGE_UNDER_WAY);
            return Ok(Moved::Updated);
        }
        let now = self.now();
        let request = match self.pending_on(target, method, |id| card_key("schedule", id, now)) {
            None => {
                run.steps.skip_rest(words::NOTHING_TO_SCHEDULE);
                return Ok(Moved::Updated);
            }
            Some(Err(())) => return Err(self.terms_unknown(run, step)),
            Some(Ok(request)) => request,
        };
        let scheduled = schedule_charge(self.ports().gateway(), &request);
        let outcome = run
            .steps
            .call(step, scheduled, messages::card_schedule_failed)
            .await?;
        let (message, schedule_id) = match outcome {
            Some(ScheduleOutcome::Created { schedule_id }) => {
                (words::SCHEDULED_ON_NEW_CARD, Some(schedule_id))
            }
            Some(ScheduleOutcome::AlreadyExists) => (words::ALREADY_SCHEDULED_ON_NEW_CARD, None),
            None => (messages::FREE_NEXT_PERIOD, None),
        };
        run.steps.succeed(
            step,
            message,
            step_data::scheduled(schedule_id.as_ref().map(ScheduleId::as_str), &request),
        );
        Ok(Moved::Updated)
    }

    /// The month knows no order name or currency to charge with (a row recorded before they were
    /// kept): nothing can be scheduled (409).
    pub(super) fn terms_unknown(&self, run: &mut Run, step: Step) -> Halt {
        let message = words::TERMS_UNKNOWN.to_owned();
        run.refuse(step, Ending::Conflict, "CHARGE_TERMS_UNKNOWN", message, None)
    }
}
