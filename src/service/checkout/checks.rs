//! Steps 1–3 of a start, before anything is charged: the plan, the billing key, the customer.

use serde_json::json;

use crate::domain::checklist::Step;
use crate::domain::checkout::CheckoutIds;
use crate::domain::payment_method::Card;
use crate::domain::plan::{Plan, PlanId};
use crate::domain::subscription::Subscription;
use crate::domain::timestamp::Timestamp;
use crate::ports::{Clock, PlanLedger, Ports, SubscriptionLedger};
use crate::service::billing_key::check_billing_key;
use crate::service::messages::{self, checkout as words};
use crate::service::steps::Halt;

use super::{Checkout, StartRequest};
use crate::domain::answer::Ending;
use crate::service::run::Run;

impl<P: Ports> Checkout<P> {
    /// Step 1: the plan exists (404) and is active (409).
    pub(super) async fn check_plan(&self, run: &mut Run, id: &PlanId) -> Result<Plan, Halt> {
        let step = Step::CHECK_PLAN;
        let read = self.ports().ledger().plan(id);
        let found = run.steps.call(step, read, messages::storage_failed).await?;
        let Some(plan) = found else {
            let message = words::plan_not_found(id);
            return Err(run.refuse(step, Ending::NotFound, "PLAN_NOT_FOUND", message, None));
        };
        let data = json!({
            "plan_id": plan.terms.id, "name": plan.terms.name, "amount": plan.terms.amount,
            "currency": plan.terms.currency, "trial_days": plan.terms.trial_days, "active": plan.active,
        });
        if !plan.active {
            let message = words::plan_archived(id);
            return Err(run.refuse(step, Ending::Conflict, "PLAN_ARCHIVED", message, Some(data)));
        }
        run.steps.succeed(step, words::PLAN_OK, Some(data));
        Ok(plan)
    }

    /// Step 2: PortOne knows the billing key (404 with PortOne's code), it is `ISSUED` (409),
    /// and it was issued for this customer (403): a key is only ever charged for its customer.
    pub(super) async fn check_billing_key(
        &self,
        run: &mut Run,
        request: &StartRequest,
    ) -> Result<Option<Card>, Halt> {
        check_billing_key(self.ports(), run, &request.billing_key, &request.customer_id).await
    }

    /// Step 3: the customer has no live subscription (409, naming it); whether this start is
    /// a trial (the plan has one, and it is the customer's first subscription). A subscription
    /// this very request started (a repeat after a failure) is its own, not a conflict.
    pub(super) async fn check_customer(
        &self,
        run: &mut Run,
        request: &StartRequest,
        ids: &CheckoutIds,
        plan: &Plan,
    ) -> Result<CustomerCheck, Halt> {
        let step = Step::CHECK_CUSTOMER;
        let read = self.ports().ledger().customer_subscriptions(&request.customer_id);
        let all = run.steps.call(step, read, messages::storage_failed).await?;
        let now = Timestamp::from_utc(self.ports().clock().now());
        let own = |id: &str| id == ids.payment_id.as_str() || id == ids.trial_key.as_str();
        let mut earlier = 0_usize;
        for rows in &all {
            let Some(subscription) = Subscription::at(&rows.months, &rows.attempts, now) else {
                continue;
            };
            if own(&subscription.subscription_id) {
                let trial = subscription.subscription_id == ids.trial_key.as_str();
                let data = json!({ "subscription_id": subscription.subscription_id, "trial": trial });
                run.steps.succeed(step, words::OWN_SUBSCRIPTION, Some(data));
                // A repeat of this start: what the first run found (it was the first when the
                // subscription it started is the only one).
                let first_subscription = all.len() == 1;
                return Ok(CustomerCheck {
                    trial,
                    first_subscription,
                });
            }
            earlier += 1;
            if subscription.status.is_live() {
                let data = json!({
                    "subscription_id": subscription.subscription_id,
                    "status": subscription.status.as_str(),
                });
                let message = words::live_subscription(&subscription.subscription_id);
                let code = "LIVE_SUBSCRIPTION_EXISTS";
                return Err(run.refuse(step, Ending::Conflict, code, message, Some(data)));
            }
        }
        let trial = plan.terms.trial_days > 0 && earlier == 0;
        let message = if plan.terms.trial_days > 0 && !trial {
            words::NO_SECOND_TRIAL
        } else {
            words::CUSTOMER_OK
        };
        let data = json!({ "earlier_subscriptions": earlier, "trial": trial });
        run.steps.succeed(step, message, Some(data));
        Ok(CustomerCheck {
            trial,
            first_subscription: earlier == 0,
        })
    }
}

/// What step 3 found of the customer.
pub(super) struct CustomerCheck {
    /// This start is a free trial.
    pub trial: bool,
    /// The customer never had a subscription (a first-subscription-only code applies).
    pub first_subscription: bool,
}
