//! Subscriptions for the app's own backend (Bearer `ADMIN_API_TOKEN`): list a customer's, read
//! one, cancel at period end, resume, change the plan at period end. Every `{subscription_id}`
//! also accepts any of its months' `transaction_key`.

mod model;
mod responses;

use std::sync::Arc;

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::api_error::error;
use super::auth::AdminAuth;
use super::ApiTags;
use crate::ports::Ports;
use crate::service::{PlanChange, PlanError, SubscriptionService};
use responses::{ChangeResponse, DetailResponse, ListResponse};

/// New terms from the next charge on.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub struct PlanChangeRequest {
    /// In the currency's unit (KRW: won); greater than 0.
    pub amount: i64,
    /// PortOne's `orderName` of the next charges.
    pub order_name: String,
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

/// The subscription operations, generic over the ports.
pub struct SubscriptionApi<P> {
    service: Arc<SubscriptionService<P>>,
}

impl<P> SubscriptionApi<P> {
    pub fn new(service: Arc<SubscriptionService<P>>) -> Self {
        Self { service }
    }
}

#[OpenApi(tag = "ApiTags::Subscription")]
impl<P: Ports> SubscriptionApi<P> {
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
        match PlanChange::new(plan.amount, &plan.order_name, plan.currency.as_deref()) {
            Ok(plan) => self.service.change(&subscription_id, &plan).await.into(),
            Err(problem) => ChangeResponse::BadRequest(error("BAD_REQUEST", plan_problem(&problem))),
        }
    }
}
