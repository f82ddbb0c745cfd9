//! Subscriptions: start one, list a customer's, read one, cancel at period end, resume, change
//! the plan at period end, update the card, refund. The app's server calls them with
//! `ADMIN_API_TOKEN`; a signed-in customer calls all but the refund with their Supabase access
//! token, on their own subscriptions only (another customer's answers 404, so its existence is
//! not revealed). Every `{subscription_id}` also accepts any of its months' `transaction_key`.

mod card;
mod change;
mod changes;
mod discount;
mod failures;
mod history;
mod model;
mod payment_model;
mod preview;
mod proration_model;
mod refund;
mod responses;
mod start;

use std::sync::Arc;

use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::OpenApi;

use super::api_error::{amount_problem, error};
use super::auth::{AdminAuth, CallerAuth};
use super::ApiTags;
use crate::adapters::http::subscription_path::SubscriptionPath;
use crate::domain::amount::Amount;
use crate::domain::billing_key::BillingKey;
use crate::domain::checkout::IdempotencyKey;
use crate::domain::coupon::PromotionCode;
use crate::domain::customer_id::CustomerId;
use crate::domain::payment_id::PaymentId;
use crate::domain::plan::PlanId;
use crate::domain::quantity::Quantity;
use crate::ports::Ports;
use crate::service::card_update::{CardUpdate, CardUpdateRequest};
use crate::service::checkout::{Checkout, StartRequest};
use crate::service::{Caller, RefundRequest, SubscriptionService};
use card::{card_response, CardBody, CardResponse};
use change::{start_for, StartFor, BILLING_KEY_PROBLEM, IDEMPOTENCY_KEY_PROBLEM, QUANTITY_PROBLEM};
pub use changes::ChangeApi;
pub use discount::DiscountApi;
pub use history::HistoryApi;
use refund::{RefundBody, RefundResponse};
use responses::{ChangeResponse, DetailResponse, ListResponse};
use start::{start_response, StartBody, StartResponse};

/// The subscription operations, generic over the ports.
pub struct SubscriptionApi<P> {
    service: Arc<SubscriptionService<P>>,
    checkout: Arc<Checkout<P>>,
    cards: Arc<CardUpdate<P>>,
}

impl<P> SubscriptionApi<P> {
    pub fn new(
        service: Arc<SubscriptionService<P>>,
        checkout: Arc<Checkout<P>>,
        cards: Arc<CardUpdate<P>>,
    ) -> Self {
        Self {
            service,
            checkout,
            cards,
        }
    }
}

#[OpenApi(tag = "ApiTags::Subscription")]
impl<P: Ports> SubscriptionApi<P> {
    /// Start a subscription: check the plan, the billing key (`getBillingKeyInfo`: `ISSUED`,
    /// issued for this customer) and that the customer has no live subscription; then charge
    /// the first month now (`payWithBillingKey`; recorded and the next month scheduled as the
    /// `Transaction.Paid` webhook would) or, on a plan with a trial and the customer's first
    /// subscription, start the trial and schedule its first charge. Requires `Idempotency-Key`:
    /// the same key and body answer what the first request did and never charge twice.
    #[oai(path = "/api/subscriptions", method = "post")]
    async fn start(
        &self,
        CallerAuth(caller): CallerAuth,
        #[oai(name = "Idempotency-Key")] idempotency_key: Header<String>,
        body: Json<StartBody>,
    ) -> StartResponse {
        let Ok(idempotency_key) = IdempotencyKey::parse(&idempotency_key) else {
            let message = IDEMPOTENCY_KEY_PROBLEM;
            return StartResponse::BadRequest(error("BAD_REQUEST", message));
        };
        let customer_id = match start_for(&caller, body.customer_id.as_deref()) {
            StartFor::Customer(id) => id,
            StartFor::Forbidden => return StartResponse::customer_mismatch(),
            StartFor::Invalid(message) => return StartResponse::BadRequest(error("BAD_REQUEST", message)),
        };
        let Ok(plan_id) = PlanId::parse(body.plan_id.as_str()) else {
            return StartResponse::BadRequest(error("BAD_REQUEST", "plan_id가 올바르지 않습니다."));
        };
        let Ok(billing_key) = BillingKey::parse(body.billing_key.trim()) else {
            return StartResponse::BadRequest(error("BAD_REQUEST", BILLING_KEY_PROBLEM));
        };
        // The schema bounds it; a quantity outside them never reaches here.
        let quantity = body.quantity.map_or(Ok(Quantity::ONE), Quantity::new);
        let Ok(quantity) = quantity else {
            return StartResponse::BadRequest(error("BAD_REQUEST", QUANTITY_PROBLEM));
        };
        let promotion_code = body
            .promotion_code
            .as_deref()
            .map(PromotionCode::parse)
            .transpose();
        let Ok(promotion_code) = promotion_code else {
            let message = "promotion_code는 영문·숫자로 시작하는 1–64자의 A-Z a-z 0-9 _ . - 여야 합니다.";
            return StartResponse::BadRequest(error("BAD_REQUEST", message));
        };
        let request = StartRequest {
            customer_id,
            plan_id,
            billing_key,
            quantity,
            promotion_code,
            idempotency_key,
        };
        start_response(self.checkout.start(&request).await, &caller)
    }

    /// Refund the latest paid month (`cancelPayment`, with `currentCancellableAmount` so two
    /// concurrent refunds cannot both go through). Without `amount` a full refund: the
    /// subscription ends now, its pending charge revoked, status `refunded`. With `amount` a
    /// partial refund: the refunded total is recorded and the subscription goes on.
    #[oai(path = "/api/subscriptions/:subscription_id/refund", method = "post")]
    async fn refund(
        &self,
        _auth: AdminAuth,
        subscription_id: Path<SubscriptionPath>,
        body: Json<RefundBody>,
    ) -> RefundResponse {
        if body.reason.trim().is_empty() {
            return RefundResponse::BadRequest(error("BAD_REQUEST", "reason이 비어 있습니다."));
        }
        let amount = match body.amount {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => {
                let message = "amount는 null일 수 없습니다. 전액 환불은 amount를 빼고 보내세요.";
                return RefundResponse::BadRequest(error("BAD_REQUEST", message));
            }
            MaybeUndefined::Value(amount) => match Amount::price(amount) {
                Ok(amount) => Some(amount),
                Err(problem) => {
                    return RefundResponse::BadRequest(error("BAD_REQUEST", amount_problem(problem)))
                }
            },
        };
        let payment_id = match body.payment_id.as_deref().map(PaymentId::parse).transpose() {
            Ok(payment_id) => payment_id,
            Err(problem) => {
                let message = format!("payment_id가 올바르지 않습니다: {problem}");
                return RefundResponse::BadRequest(error("BAD_REQUEST", message));
            }
        };
        let request = RefundRequest {
            reason: body.reason.to_string(),
            amount,
            payment_id,
        };
        self.service.refund(&subscription_id, &request).await.into()
    }

    /// A customer's subscriptions (PortOne's `customer.id`, the app's user id), newest first,
    /// each with its status, current period and next charge.
    #[oai(path = "/api/subscriptions", method = "get")]
    async fn list(&self, CallerAuth(caller): CallerAuth, customer_id: Query<Option<String>>) -> ListResponse {
        let customer_id = match (&caller, customer_id.0) {
            (Caller::Customer(me), Some(other)) if *me != other.as_str() => {
                let message = "다른 고객의 구독은 조회할 수 없습니다.";
                return ListResponse::Forbidden(error("CUSTOMER_MISMATCH", message));
            }
            (Caller::Customer(me), _) => me.clone(),
            (Caller::Admin, Some(id)) => match CustomerId::parse(id) {
                Ok(id) => id,
                Err(problem) => return ListResponse::BadRequest(error("BAD_REQUEST", problem.to_string())),
            },
            (Caller::Admin, None) => {
                return ListResponse::BadRequest(error("BAD_REQUEST", "customer_id가 비어 있습니다."))
            }
        };
        self.service.list(&customer_id).await.into()
    }

    /// One subscription: its read model, every month newest first, and every failed charge.
    #[oai(path = "/api/subscriptions/:subscription_id", method = "get")]
    async fn get(
        &self,
        CallerAuth(caller): CallerAuth,
        subscription_id: Path<SubscriptionPath>,
    ) -> DetailResponse {
        if let Err(problem) = self.service.authorize(&subscription_id, &caller).await {
            return Err(problem).into();
        }
        self.service.get(&subscription_id).await.into()
    }

    /// Cancel at period end: revokes the pending charge (during dunning, the pending retry) and
    /// records `canceled_at`; the paid period stays valid until `end_at`. Calling it twice
    /// changes nothing.
    #[oai(path = "/api/subscriptions/:subscription_id/cancel", method = "post")]
    async fn cancel(
        &self,
        CallerAuth(caller): CallerAuth,
        subscription_id: Path<SubscriptionPath>,
    ) -> ChangeResponse {
        if let Err(problem) = self.service.authorize(&subscription_id, &caller).await {
            return Err(problem).into();
        }
        self.service.cancel(&subscription_id).await.into()
    }

    /// Resume a cancelled subscription before `end_grace_at`: schedules the pending charge again
    /// (same payment id) and clears `canceled_at`. Calling it twice changes nothing.
    #[oai(path = "/api/subscriptions/:subscription_id/resume", method = "post")]
    async fn resume(
        &self,
        CallerAuth(caller): CallerAuth,
        subscription_id: Path<SubscriptionPath>,
    ) -> ChangeResponse {
        if let Err(problem) = self.service.authorize(&subscription_id, &caller).await {
            return Err(problem).into();
        }
        self.service.resume(&subscription_id).await.into()
    }

    /// Update the card: the new billing key must be `ISSUED` and issued for the subscription's
    /// customer (`getBillingKeyInfo`). Outside dunning the pending charge is revoked and the same
    /// payment id scheduled again on the new card; during dunning (`past_due`) the pending retry
    /// is charged now on it (`payWithBillingKey`, `skipWebhook`): paid, the renewal is recovered
    /// at once; declined, 402 and the retry is scheduled again on the new card at its own time. A
    /// canceling subscription keeps the card for a resume. Every later schedule (resume, plan
    /// change, reconciliation, the next renewal) uses the new card. Limited per customer (429).
    #[oai(path = "/api/subscriptions/:subscription_id/payment-method", method = "post")]
    async fn update_card(
        &self,
        CallerAuth(caller): CallerAuth,
        subscription_id: Path<SubscriptionPath>,
        body: Json<CardBody>,
    ) -> CardResponse {
        let Ok(billing_key) = BillingKey::parse(body.billing_key.trim()) else {
            return CardResponse::BadRequest(error("BAD_REQUEST", BILLING_KEY_PROBLEM));
        };
        let request = CardUpdateRequest {
            subscription: subscription_id.0 .0,
            billing_key,
            caller: caller.clone(),
        };
        card_response(self.cards.update(&request).await, &caller)
    }
}
