//! Subscriptions: start one, list a customer's, read one, cancel at period end, resume, change
//! the plan at period end, update the card, refund. The app's server calls them with
//! `ADMIN_API_TOKEN`; a signed-in customer calls all but the refund with their Supabase access
//! token, on their own subscriptions only (another customer's answers 404, so its existence is
//! not revealed). Every `{subscription_id}` also accepts any of its months' `transaction_key`.

mod card;
mod model;
mod refund;
mod responses;
mod start;

use std::sync::Arc;

use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{Object, OpenApi};

use super::api_error::{amount_problem, error};
use super::auth::{AdminAuth, CallerAuth};
use super::text::Text;
use super::ApiTags;
use crate::domain::amount::Amount;
use crate::domain::billing_key::BillingKey;
use crate::domain::checkout::IdempotencyKey;
use crate::domain::payment_id::PaymentId;
use crate::domain::plan::PlanId;
use crate::ports::Ports;
use crate::service::card_update::{CardUpdate, CardUpdateRequest};
use crate::service::checkout::{Checkout, StartRequest};
use crate::service::{Caller, PlanChange, PlanError, RefundRequest, SubscriptionService};
use card::{card_response, CardBody, CardResponse};
use refund::{RefundBody, RefundResponse};
use responses::{ChangeResponse, DetailResponse, ListResponse};
use start::{start_response, StartBody, StartResponse};

/// New terms from the next charge on: a plan (`planId`), or terms of their own (`amount`,
/// `orderName`, `currency`?). Exactly one of `planId` and `amount`.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanChangeRequest {
    /// A plan of `GET /api/plans`: its amount, name and currency, and the month the next charge
    /// pays records it. The only field a customer's token may send.
    pub plan_id: Option<Text>,
    /// In the currency's unit (KRW: won); greater than 0. Admin token only: a customer's token
    /// sending it (or `orderName`, `currency`) gets 403 `ADMIN_ONLY_FIELD`.
    pub amount: Option<i64>,
    /// PortOne's `orderName` of the next charges; required with `amount`. Admin token only.
    pub order_name: Option<Text>,
    /// ISO 4217, one of PortOne's `Currency` values; default: the subscription's own. Admin
    /// token only.
    pub currency: Option<Text>,
}

/// Why new terms were refused, in Korean.
fn plan_problem(problem: &PlanError) -> String {
    match problem {
        PlanError::Amount(problem) => amount_problem(*problem),
        PlanError::OrderName => format!(
            "orderName은 1–{}자여야 합니다.",
            crate::domain::plan::MAX_NAME_CHARS
        ),
        PlanError::Currency(unknown) => format!("포트원이 지원하지 않는 통화입니다: {}", unknown.0),
    }
}

/// Why a `billingKey` was refused, in Korean.
const BILLING_KEY_PROBLEM: &str = "billingKey는 제어 문자 없는 1–512자여야 하며 `.`이나 `..`일 수 없습니다.";

/// What a change asks for, or why it is not a change (400).
enum ChangeTo {
    Plan(PlanId),
    Terms(PlanChange),
}

impl PlanChangeRequest {
    /// `true` when the request sets terms of its own: what only the admin may choose.
    fn sets_custom_terms(&self) -> bool {
        self.amount.is_some() || self.order_name.is_some() || self.currency.is_some()
    }

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

/// Whose subscription a start is for: the signed-in customer's own (a different `customerId`
/// is forbidden), or for the admin the body's `customerId`, required.
enum StartFor {
    Customer(String),
    Forbidden,
    Invalid(String),
}

fn start_for(caller: &Caller, body_customer: Option<&str>) -> StartFor {
    match (caller, body_customer) {
        (Caller::Customer(me), Some(other)) if other != me => StartFor::Forbidden,
        (Caller::Customer(me), _) => customer_id(me).map_or_else(StartFor::Invalid, StartFor::Customer),
        (Caller::Admin, Some(id)) => customer_id(id).map_or_else(StartFor::Invalid, StartFor::Customer),
        (Caller::Admin, None) => StartFor::Invalid("customerId가 필요합니다.".to_owned()),
    }
}

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
            let message = "Idempotency-Key 헤더는 1–255자의 보이는 ASCII 문자여야 합니다.";
            return StartResponse::BadRequest(error("BAD_REQUEST", message));
        };
        let customer_id = match start_for(&caller, body.customer_id.as_deref()) {
            StartFor::Customer(id) => id,
            StartFor::Forbidden => return StartResponse::customer_mismatch(),
            StartFor::Invalid(message) => return StartResponse::BadRequest(error("BAD_REQUEST", message)),
        };
        let Ok(plan_id) = PlanId::parse(body.plan_id.as_str()) else {
            return StartResponse::BadRequest(error("BAD_REQUEST", "planId가 올바르지 않습니다."));
        };
        let Ok(billing_key) = BillingKey::parse(body.billing_key.trim()) else {
            return StartResponse::BadRequest(error("BAD_REQUEST", BILLING_KEY_PROBLEM));
        };
        let request = StartRequest {
            customer_id,
            plan_id,
            billing_key,
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
        subscription_id: Path<String>,
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
        let request = RefundRequest {
            reason: body.reason.to_string(),
            amount,
        };
        self.service.refund(&subscription_id, &request).await.into()
    }

    /// A customer's subscriptions (PortOne's `customer.id`, the app's user id), newest first,
    /// each with its status, current period and next charge.
    #[oai(path = "/api/subscriptions", method = "get")]
    async fn list(
        &self,
        CallerAuth(caller): CallerAuth,
        #[oai(name = "customerId")] customer_id: Query<Option<String>>,
    ) -> ListResponse {
        let customer_id = match (&caller, customer_id.0) {
            (Caller::Customer(me), Some(other)) if &other != me => {
                let message = "다른 고객의 구독은 조회할 수 없습니다.";
                return ListResponse::Forbidden(error("CUSTOMER_MISMATCH", message));
            }
            (Caller::Customer(me), _) => me.clone(),
            (Caller::Admin, Some(id)) if !id.trim().is_empty() => id,
            (Caller::Admin, _) => {
                return ListResponse::BadRequest(error("BAD_REQUEST", "customerId가 비어 있습니다."))
            }
        };
        self.service.list(&customer_id).await.into()
    }

    /// One subscription: its read model, every month newest first, and every failed charge.
    #[oai(path = "/api/subscriptions/:subscription_id", method = "get")]
    async fn get(&self, CallerAuth(caller): CallerAuth, subscription_id: Path<String>) -> DetailResponse {
        if let Err(problem) = self.service.authorize(&subscription_id, &caller).await {
            return Err(problem).into();
        }
        self.service.get(&subscription_id).await.into()
    }

    /// Cancel at period end: revokes the pending charge (during dunning, the pending retry) and
    /// records `canceled_at`; the paid period stays valid until `end_at`. Calling it twice
    /// changes nothing.
    #[oai(path = "/api/subscriptions/:subscription_id/cancel", method = "post")]
    async fn cancel(&self, CallerAuth(caller): CallerAuth, subscription_id: Path<String>) -> ChangeResponse {
        if let Err(problem) = self.service.authorize(&subscription_id, &caller).await {
            return Err(problem).into();
        }
        self.service.cancel(&subscription_id).await.into()
    }

    /// Resume a cancelled subscription before `end_grace_at`: schedules the pending charge again
    /// (same payment id) and clears `canceled_at`. Calling it twice changes nothing.
    #[oai(path = "/api/subscriptions/:subscription_id/resume", method = "post")]
    async fn resume(&self, CallerAuth(caller): CallerAuth, subscription_id: Path<String>) -> ChangeResponse {
        if let Err(problem) = self.service.authorize(&subscription_id, &caller).await {
            return Err(problem).into();
        }
        self.service.resume(&subscription_id).await.into()
    }

    /// Change the plan at period end: the pending charge is replaced with the new terms (revoked,
    /// then the same payment id scheduled again), and the month it pays for records what PortOne
    /// charged. No proration, no mid-period upgrade. Changing twice keeps the last change. A
    /// customer's token may only move to an active plan (`planId`); terms of their own
    /// (`amount`, `orderName`, `currency`) are the admin's (403 `ADMIN_ONLY_FIELD`).
    #[oai(path = "/api/subscriptions/:subscription_id/change", method = "post")]
    async fn change(
        &self,
        CallerAuth(caller): CallerAuth,
        subscription_id: Path<String>,
        plan: Json<PlanChangeRequest>,
    ) -> ChangeResponse {
        if caller.customer().is_some() && plan.sets_custom_terms() {
            tracing::info!("a customer's token tried to set a plan change's terms");
            let message = "고객은 요금제(planId)만 바꿀 수 있습니다. amount·orderName·currency는 앱 서버만 보낼 수 있습니다.";
            return ChangeResponse::Forbidden(error("ADMIN_ONLY_FIELD", message));
        }
        let change = plan.read();
        if change.is_ok() {
            if let Err(problem) = self.service.authorize(&subscription_id, &caller).await {
                return Err(problem).into();
            }
        }
        match change {
            Ok(ChangeTo::Plan(plan_id)) => self.service.change_plan(&subscription_id, &plan_id).await.into(),
            Ok(ChangeTo::Terms(terms)) => self.service.change(&subscription_id, &terms).await.into(),
            Err(problem) => ChangeResponse::BadRequest(error("BAD_REQUEST", problem)),
        }
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
        subscription_id: Path<String>,
        body: Json<CardBody>,
    ) -> CardResponse {
        let Ok(billing_key) = BillingKey::parse(body.billing_key.trim()) else {
            return CardResponse::BadRequest(error("BAD_REQUEST", BILLING_KEY_PROBLEM));
        };
        let request = CardUpdateRequest {
            subscription: subscription_id.0,
            billing_key,
            caller: caller.clone(),
        };
        card_response(self.cards.update(&request).await, &caller)
    }
}
