//! Steps 1–2 of a card update, before anything changes: the subscription is the caller's and can
//! still be charged; the new billing key is `ISSUED` and the subscription customer's.

use serde_json::json;

use crate::domain::answer::Ending;
use crate::domain::charge_limit::ChargeSlot;
use crate::domain::checklist::Step;
use crate::domain::customer_id::CustomerId;
use crate::domain::payment_method::Card;
use crate::domain::subscription::SubscriptionStatus;
use crate::domain::timestamp::Timestamp;
use crate::ports::{CheckoutLedger, Clock, Ports, ReconcileLedger, SubscriptionLedger};
use crate::service::billing_key::check_billing_key;
use crate::service::limits::charge_limited;
use crate::service::messages::{self, cards as words};
use crate::service::steps::Halt;

use super::{CardUpdate, CardUpdateRequest, Run, Target, LEASE};

impl<P: Ports> CardUpdate<P> {
    /// Step 1: the subscription exists and is the caller's (else 404: a customer is never told
    /// another's exists), has a known customer, and has not lapsed, ended or been refunded (409:
    /// the customer starts a new subscription instead).
    pub(super) async fn check_subscription(
        &self,
        run: &mut Run,
        request: &CardUpdateRequest,
    ) -> Result<Target, Halt> {
        let step = Step::CHECK_SUBSCRIPTION;
        let read = self.ports().ledger().subscription(&request.subscription);
        let rows = run.steps.call(step, read, messages::storage_failed).await?;
        let Some(latest) = rows.and_then(|rows| rows.months.into_iter().next()) else {
            let message = words::SUBSCRIPTION_NOT_FOUND.to_owned();
            return Err(run.refuse(step, Ending::NotFound, "NOT_FOUND", message, None));
        };
        let customer_id = latest.customer_id.clone();
        if !request.caller.may_act_for(customer_id.as_deref()) {
            tracing::info!("a customer asked to update the card of a subscription that is not theirs");
            let message = words::SUBSCRIPTION_NOT_FOUND.to_owned();
            return Err(run.refuse(step, Ending::NotFound, "NOT_FOUND", message, None));
        }
        let now = Timestamp::from_utc(self.ports().clock().now());
        let status = SubscriptionStatus::of(&latest, now);
        let data = json!({ "subscription_id": latest.subscription_key(), "status": status.as_str() });
        if !status.is_live() {
            let message = words::NOT_RENEWABLE.to_owned();
            let code = "SUBSCRIPTION_NOT_RENEWABLE";
            return Err(run.refuse(step, Ending::Conflict, code, message, Some(data)));
        }
        let Some(customer_id) = customer_id.and_then(|id| CustomerId::parse(id).ok()) else {
            let message = words::NO_CUSTOMER.to_owned();
            return Err(run.refuse(step, Ending::Conflict, "CUSTOMER_UNKNOWN", message, Some(data)));
        };
        // One card update of a subscription at a time: two at once (two tabs, two cards) could
        // otherwise leave the stored card and the live schedule on different keys.
        let name = format!("card_update:{}", latest.subscription_key());
        let holder = uuid::Uuid::new_v4().to_string();
        let claim = self.ports().ledger().claim_lease(&name, &holder, LEASE);
        if !run.steps.call(step, claim, messages::storage_failed).await? {
            let message = words::IN_PROGRESS.to_owned();
            return Err(run.refuse(
                step,
                Ending::Conflict,
                "CARD_UPDATE_IN_PROGRESS",
                message,
                Some(data),
            ));
        }
        run.lease = Some((name, holder));
        // Counted once the update will run: a repeat refused as in progress never counts.
        if let Some(limit) = &self.charge_limit {
            let take = self.ports().ledger().take_charge_slot(&customer_id, limit, now);
            if let ChargeSlot::Full { retry_after_seconds } =
                run.steps.call(step, take, messages::storage_failed).await?
            {
                charge_limited(retry_after_seconds);
                run.retry_after = Some(retry_after_seconds);
                let message = words::too_many(retry_after_seconds);
                return Err(run.refuse(step, Ending::Limited, "TOO_MANY_REQUESTS", message, Some(data)));
            }
        }
        let message = format!("구독 상태를 확인했습니다 ({}).", status.as_str());
        run.steps.succeed(step, message, Some(data));
        Ok(Target {
            latest,
            status,
            customer_id,
        })
    }

    /// Step 2: PortOne knows the new key (404 with PortOne's code), it is `ISSUED` (409), and it
    /// was issued for the subscription's customer (403).
    pub(super) async fn check_billing_key(
        &self,
        run: &mut Run,
        request: &CardUpdateRequest,
        target: &Target,
    ) -> Result<Option<Card>, Halt> {
        check_billing_key(self.ports(), run, &request.billing_key, &target.customer_id).await
    }
}
