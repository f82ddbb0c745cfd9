//! Starting a subscription (`POST /api/subscriptions`): the checks, then the first month charged
//! now (`charge`) or a free trial whose first charge is scheduled (`trial`). Exactly once per
//! customer and `Idempotency-Key`: a claim in storage (`CheckoutLedger`) serialises the
//! customer's starts, the answer is stored for repeats, and the first charge's `paymentId` is
//! derived from the key, so PortOne itself refuses to charge it twice.

mod answer;
mod charge;
mod checks;
mod discount;
mod trial;

use std::time::Duration;

use tokio::time::Instant;

use crate::domain::answer::Answer;
use crate::domain::answer::Ending;
use crate::domain::billing_key::BillingKey;
use crate::domain::charge_limit::{ChargeLimit, ChargeSlot};
use crate::domain::checklist::{CHECKOUT_CODE_FLOW, CHECKOUT_FLOW, TRIAL_CODE_FLOW};
use crate::domain::checkout::{request_hash, CheckoutIds, IdempotencyKey};
use crate::domain::coupon::PromotionCode;
use crate::domain::customer_id::CustomerId;
use crate::domain::plan::PlanId;
use crate::domain::quantity::Quantity;
use crate::domain::subscription_id::SubscriptionId;
use crate::domain::timestamp::Timestamp;
use crate::ports::{CheckoutClaim, CheckoutKey, CheckoutLedger, Clock, CouponLedger, Ports};
use crate::service::limits::charge_limited;

use super::flows::PaymentFlows;
use super::run::Run;

pub use answer::{Answered, StartAnswer};

/// How long a claim holds a customer's start before a repeat may take it over: past the
/// deadline of the start itself.
const CLAIM_LEASE: Duration = Duration::from_secs(60);

/// What `POST /api/subscriptions` asks for, checked for shape by the HTTP layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartRequest {
    /// PortOne's `customer.id`: the app's user id.
    pub customer_id: CustomerId,
    pub plan_id: PlanId,
    /// Issued by the browser SDK's `requestIssueBillingKey` for `customer_id`.
    pub billing_key: BillingKey,
    /// Seats: each charge is the plan's amount times it.
    pub quantity: Quantity,
    /// A promotion code (`SPRING50`, any case): its coupon discounts the charges it says.
    pub promotion_code: Option<PromotionCode>,
    pub idempotency_key: IdempotencyKey,
}

/// Starts subscriptions: charges on its ports, then records through the paid flow.
pub struct Checkout<P> {
    /// The ports it charges on (`flows.ports()`), and the paid flow a first charge runs, as its
    /// webhook would.
    flows: PaymentFlows<P>,
    /// Charge-triggering calls per customer; `None`: no limit.
    charge_limit: Option<ChargeLimit>,
}

impl<P: Ports> Checkout<P> {
    pub fn new(flows: PaymentFlows<P>) -> Self {
        Self {
            flows,
            charge_limit: None,
        }
    }

    /// Limits each customer's starts (with card updates and prorations) to `limit`.
    pub fn with_charge_limit(mut self, limit: Option<ChargeLimit>) -> Self {
        self.charge_limit = limit;
        self
    }

    fn ports(&self) -> &P {
        self.flows.ports()
    }

    /// Starts `request`'s subscription, or answers what its first run answered.
    ///
    /// Never fails as a whole: every outcome is a [`StartAnswer`] with its HTTP status. Only a
    /// definite outcome (charged, trial started, declined) is kept for repeats; a refusal before
    /// charging or an upstream failure gives the key back, so the same request may be sent again
    /// and completes exactly once. Only a request that runs counts against the customer's charge
    /// limit: a repeat of a known key (answered, or running) never does.
    pub async fn start(&self, request: &StartRequest) -> StartAnswer {
        let ids = CheckoutIds::new(&request.customer_id, &request.idempotency_key);
        let key = CheckoutKey {
            customer_id: &request.customer_id,
            idempotency_key: &request.idempotency_key,
        };
        // One seat hashes as before seats existed, so a stored claim still matches its repeat.
        let mut plan = match request.quantity.get() {
            1 => request.plan_id.to_string(),
            seats => format!("{}\n{seats}", request.plan_id),
        };
        // Likewise without a code; codes differing only in case are the same request.
        if let Some(code) = &request.promotion_code {
            plan = format!("{plan}\ncode:{}", code.key());
        }
        let hash = request_hash(request.customer_id.as_str(), &plan, request.billing_key.expose());
        let ledger = self.ports().ledger();
        let claim = ledger
            .claim_checkout(&key, &hash, &ids.payment_id, CLAIM_LEASE)
            .await;
        match claim {
            Ok(CheckoutClaim::Claimed) => {}
            Ok(CheckoutClaim::Completed(stored)) => return StartAnswer::replayed(stored),
            Ok(
                CheckoutClaim::InProgress { retry_after_seconds }
                | CheckoutClaim::Busy { retry_after_seconds },
            ) => return StartAnswer::in_progress(retry_after_seconds),
            Ok(CheckoutClaim::Mismatch) => return StartAnswer::key_reused(),
            Err(error) => {
                tracing::error!(%error, "the checkout could not be claimed");
                return StartAnswer::storage_failed();
            }
        }
        if let Some(limited) = self.over_limit(&request.customer_id).await {
            if let Err(error) = ledger.release_checkout(&key).await {
                tracing::warn!(%error, "the checkout's claim could not be given back");
            }
            return limited;
        }
        let answer = self.run(request, &ids).await;
        // Nothing was charged (declined, refused): the code's redemption is given back. An
        // unknown outcome keeps it for the repeat, which finds it under the same key.
        let charged_or_unknown = matches!(answer.ending, Ending::Done | Ending::UpstreamFailed);
        if request.promotion_code.is_some() && !charged_or_unknown {
            if let Err(error) = ledger.release_redemption(ids.payment_id.as_str()).await {
                tracing::warn!(%error, "a declined start's redemption could not be given back");
            }
        }
        let kept = if answer.ending.is_definite() {
            ledger.complete_checkout(&key, &answer).await
        } else {
            ledger.release_checkout(&key).await
        };
        if let Err(error) = kept {
            // The claim expires on its own; a repeat then re-runs, which PortOne's idempotency
            // and the idempotent record make harmless.
            tracing::warn!(%error, "the checkout's claim could not be settled");
        }
        StartAnswer::ran(answer)
    }

    /// Counts this start against the customer's charge limit: `Some` answer (429, or 502 when
    /// storage fails) when it may not run.
    async fn over_limit(&self, customer_id: &CustomerId) -> Option<StartAnswer> {
        let limit = self.charge_limit?;
        let now = Timestamp::from_utc(self.ports().clock().now());
        match self
            .ports()
            .ledger()
            .take_charge_slot(customer_id, &limit, now)
            .await
        {
            Ok(ChargeSlot::Taken) => None,
            Ok(ChargeSlot::Full { retry_after_seconds }) => {
                charge_limited(retry_after_seconds);
                Some(StartAnswer::too_many(retry_after_seconds))
            }
            Err(error) => {
                tracing::error!(%error, "the charge limit could not be counted");
                Some(StartAnswer::storage_failed())
            }
        }
    }

    async fn run(&self, request: &StartRequest, ids: &CheckoutIds) -> Answer {
        let deadline = Instant::now() + self.flows.deadline();
        let mut run = Run::new(&CHECKOUT_FLOW, deadline);
        let result = self.steps(&mut run, request, ids).await;
        self.answer(run, result, request, ids).await
    }

    async fn steps(
        &self,
        run: &mut Run,
        request: &StartRequest,
        ids: &CheckoutIds,
    ) -> Result<Subscribed, super::steps::Halt> {
        if request.promotion_code.is_some() {
            run.steps.set_flow(&CHECKOUT_CODE_FLOW);
        }
        let plan = self.check_plan(run, &request.plan_id).await?;
        let card = self.check_billing_key(run, request).await?;
        let customer = self.check_customer(run, request, ids, &plan).await?;
        if customer.trial && request.promotion_code.is_some() {
            run.steps.set_flow(&TRIAL_CODE_FLOW);
        }
        let discount = self
            .redeem_code(run, request, ids, &plan, customer.first_subscription)
            .await?;
        if customer.trial {
            self.start_trial(run, request, ids, &plan, card, discount).await
        } else {
            self.charge_first_month(run, request, ids, &plan, card, discount)
                .await
        }
    }
}

/// Which subscription a start made: the id to read its read model by.
struct Subscribed {
    subscription_id: SubscriptionId,
}
