//! Subscriptions for the app's own backend (Bearer `ADMIN_API_TOKEN`): start one, list a
//! customer's, read one, cancel at period end, resume, change the plan at period end, refund.
//! Every `{subscription_id}` also accepts any of its months' `transaction_key`.

mod model;
mod refund;
mod responses;
mod start;

use std::sync::Arc;

use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::api_error::error;
use super::auth::AdminAuth;
use super::ApiTags;
use crate::domain::amount::Amount;
use crate::domain::checkout::IdempotencyKey;
use crate::domain::payment_id::PaymentId;
use crate::domain::plan::PlanId;
use crate::ports::Ports;
use crate::service::checkout::{Checkout, StartRequest};
use crate::service::{PlanChange, PlanError, RefundRequest, SubscriptionService};
use refund::{RefundBody, RefundResponse};
use responses::{ChangeResponse, DetailResponse, ListResponse};
use start::{StartBody, StartResponse};

/// New terms from the next charge on: a plan (`planId`), or terms of their own (`amount`,
/// `orderName`, `currency`?). Exactly one of `planId` and `amount`.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub struct PlanChangeRequest {
    /// A plan of `GET /api/plans`: its amount, name and currency, and the month the next charge
    /// pays records it.
    pub plan_id: Option<String>,
    /// In the currency's unit (KRW: won); greater than 0.
    pub amount: Option<i64>,
    /// PortOne's `orderName` of the next charges; required with `amount`.
    pub order_name: Option<String>,
    /// ISO 4217, one of PortOne's `Currency` values; default: the subscription's own.
    pub currency: Option<String>,
}

/// Why new terms were refused, in Korean.
fn plan_problem(problem: &PlanError) -> String {
    match problem {
        PlanError::Amount => "amount는 0보다 커야 합니다.".to_owned(),
        PlanError::OrderName => "orderName이 비어 있습니다.".to_owned(),
        PlanError::Currency(unknown) => format!("포트원이 지원하지 않는 통화입니다: {}", unknown.0),
    }
}

/// What a change asks for, or why it is not a change (400).
enum ChangeTo {
    Plan(PlanId),
    Terms(PlanChange),
}

impl PlanChangeRequest {
    fn read(&self) -> Result<ChangeTo, String> {
        match (&self.plan_id, self.amount) {
            (Some(id), None) => PlanId::parse(id.as_str())
                .map(ChangeTo::Plan)
                .map_err(|problem| format!("planId가 올바르지 않습니다: {problem}")),
            (None, Some(amount)) => {
                let order_name = self.order_name.as_deref().unwrap_or("");
                PlanChange::new(amount, order_name, self.currency.as_deref())
                    .map(ChangeTo::Terms)
                    .map_err(|problem| plan_problem(&problem))
            }
            _ => Err("planId와 amount 중 하나만 보내야 합니다.".to_owned()),
        }
    }
}

/// A customer id as PortOne takes `customer.id`: 1–256 characters, not blank, no control
/// characters (the rules of a `paymentId`).
fn customer_id(text: &str) -> Result<String, String> {
    PaymentId::parse(text)
        .map(|id| id.as_str().to_owned())
        .map_err(|problem| format!("customerId가 올바르지 않습니다: {problem}"))
}

/// The subscription operations, generic over the ports.
pub struct SubscriptionApi<P> {
    service: Arc<SubscriptionService<P>>,
    checkout: Arc<Checkout<P>>,
}

impl<P> SubscriptionApi<P> {
    pub fn new(service: Arc<SubscriptionService<P>>, checkout: Arc<Checkout<P>>) -> Self {
        Self { service, checkout }
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
        _auth: AdminAuth,
        #[oai(name = "Idempotency-Key")] idempotency_key: Header<String>,
        body: Json<StartBody>,
    ) -> StartResponse {
        let Ok(idempotency_key) = IdempotencyKey::parse(&idempotency_key) else {
            let message = "Idempotency-Key 헤더는 1–255자의 보이는 ASCII 문자여야 합니다.";
            return StartResponse::BadRequest(error("BAD_REQUEST", message));
        };
        let customer_id = match customer_id(&body.customer_id) {
            Ok(id) => id,
            Err(message) => return StartResponse::BadRequest(error("BAD_REQUEST", message)),
        };
        let Ok(plan_id) = PlanId::parse(body.plan_id.as_str()) else {
            return StartResponse::BadRequest(error("BAD_REQUEST", "planId가 올바르지 않습니다."));
        };
        if body.billing_key.trim().is_empty() {
            return StartResponse::BadRequest(error("BAD_REQUEST", "billingKey가 비어 있습니다."));
        }
        let request = StartRequest {
            customer_id,
            plan_id,
            billing_key: body.billing_key.clone(),
            idempotency_key,
        };
        self.checkout.start(&request).await.into()
    }

    /// Refund the latest paid month (`cancelPayment`, with `currentCancellableAmount` so two
    /// concurrent refunds cannot both go through). Without `amount` a full refund: the
    /// subscription ends now, its pending charge revoked, status `refunded`. With `amount` a
    /// partial refund: the refunded total is recorded and the subscription goes on.
    #[oai(path = "/api/subscriptions/:subscription_id/refund", method = "post")]
    async fn refund(
        &self,
        _auth: AdminAuth,
        subscription_id: Path<String>,
        body: Json<RefundBody>,
    ) -> RefundResponse {
        if body.reason.trim().is_empty() {
            return RefundResponse::BadRequest(error("BAD_REQUEST", "reason이 비어 있습니다."));
        }
        let amount = match body.amount.map(Amount::new) {
            None => None,
            Some(Ok(amount)) if amount.value() > 0 => Some(amount),
            Some(_) => {
                return RefundResponse::BadRequest(error("BAD_REQUEST", "amount는 0보다 커야 합니다."))
            }
        };
        let request = RefundRequest {
            reason: body.reason.clone(),
            amount,
        };
        self.service.refund(&subscription_id, &request).await.into()
    }

    /// A customer's subscriptions (PortOne's `customer.id`, the app's user id), newest first,
    /// each with its status, current period and next charge.
    #[oai(path = "/api/subscriptions", method = "get")]
    async fn list(
        &self,
        _auth: AdminAuth,
        #[oai(name = "customerId")] customer_id: Query<String>,
    ) -> ListResponse {
        if customer_id.trim().is_empty() {
            return ListResponse::BadRequest(error("BAD_REQUEST", "customerId가 비어 있습니다."));
        }
        self.service.list(&customer_id).await.into()
    }

    /// One subscription: its read model, every month newest first, and every failed charge.
    #[oai(path = "/api/subscriptions/:subscription_id", method = "get")]
    async fn get(&self, _auth: AdminAuth, subscription_id: Path<String>) -> DetailResponse {
        self.service.get(&subscription_id).await.into()
    }

    /// Cancel at period end: revokes the pending charge (during dunning, the pending retry) and
    /// records `canceled_at`; the paid period stays valid until `end_at`. Calling it twice
    /// changes nothing.
    #[oai(path = "/api/subscriptions/:subscription_id/cancel", method = "post")]
    async fn cancel(&self, _auth: AdminAuth, subscription_id: Path<String>) -> ChangeResponse {
        self.service.cancel(&subscription_id).await.into()
    }

    /// Resume a cancelled subscription before `end_grace_at`: schedules the pending charge again
    /// (same payment id) and clears `canceled_at`. Calling it twice changes nothing.
    #[oai(path = "/api/subscriptions/:subscription_id/resume", method = "post")]
    async fn resume(&self, _auth: AdminAuth, subscription_id: Path<String>) -> ChangeResponse {
        self.service.resume(&subscription_id).await.into()
    }

    /// Change the plan at period end: the pending charge is replaced with the new terms (revoked,
    /// then the same payment id scheduled again), and the month it pays for records what PortOne
    /// charged. No proration, no mid-period upgrade. Changing twice keeps the last change.
    #[oai(path = "/api/subscriptions/:subscription_id/change", method = "post")]
    async fn change(
        &self,
        _auth: AdminAuth,
        subscription_id: Path<String>,
        plan: Json<PlanChangeRequest>,
    ) -> ChangeResponse {
        match plan.read() {
            Ok(ChangeTo::Plan(plan_id)) => self.service.change_plan(&subscription_id, &plan_id).await.into(),
            Ok(ChangeTo::Terms(terms)) => self.service.change(&subscription_id, &terms).await.into(),
            Err(problem) => ChangeResponse::BadRequest(error("BAD_REQUEST", problem)),
        }
    }
}
