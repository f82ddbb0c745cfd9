//! Subscription cancel and resume at period end, for the app's own backend (Bearer
//! `ADMIN_API_TOKEN`).

use std::sync::Arc;

use poem_openapi::param::Path;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde_json::Value;

use super::auth::{error, AdminAuth, ApiError};
use super::ApiTags;
use crate::ports::Ports;
use crate::service::{SubscriptionChange, SubscriptionError, SubscriptionService};

/// A subscription after cancel or resume.
#[derive(Debug, Object)]
pub struct SubscriptionView {
    /// `false` when the call changed nothing (cancel twice, resume twice).
    pub changed: bool,
    pub message: String,
    /// The `payment` row (column names; UTC timestamps with milliseconds), including
    /// `canceled_at` and `resumed_at`.
    pub payment: Value,
}

#[derive(ApiResponse)]
pub enum SubscriptionResponse {
    /// Missing or wrong `Authorization: Bearer {ADMIN_API_TOKEN}` (answered before the operation runs).
    #[oai(status = 401)]
    Unauthorized(PlainText<String>),
    /// Done (or already in that state).
    #[oai(status = 200)]
    Ok(Json<SubscriptionView>),
    /// No `payment` row has this `transaction_key`.
    #[oai(status = 404)]
    NotFound(Json<ApiError>),
    /// Cancel after `end_at`, resume after `end_grace_at`, resume of a subscription that is not
    /// cancelled, or a next payment that was already charged.
    #[oai(status = 409)]
    Conflict(Json<ApiError>),
    /// PortOne or storage failed; retry.
    #[oai(status = 502)]
    UpstreamFailed(Json<ApiError>),
}

impl From<Result<SubscriptionChange, SubscriptionError>> for SubscriptionResponse {
    fn from(result: Result<SubscriptionChange, SubscriptionError>) -> Self {
        match result {
            Ok(change) => Self::Ok(Json(SubscriptionView {
                changed: change.changed,
                message: change.message.to_owned(),
                payment: serde_json::to_value(&change.record).unwrap_or(Value::Null),
            })),
            Err(SubscriptionError::NotFound) => {
                Self::NotFound(error("NOT_FOUND", "구독(payment)을 찾을 수 없습니다."))
            }
            Err(SubscriptionError::Conflict(message)) => Self::Conflict(error("CONFLICT", message)),
            Err(SubscriptionError::Upstream(failure)) => {
                tracing::error!(detail = %failure.detail, "subscription change failed upstream");
                Self::UpstreamFailed(error(
                    "UPSTREAM_FAILED",
                    "포트원 또는 저장소 호출에 실패했습니다. 다시 시도해 주세요.",
                ))
            }
        }
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

#[OpenApi]
impl<P: Ports> SubscriptionApi<P> {
    /// Cancel a subscription at period end: revokes the next payment's schedule and records
    /// `canceled_at`; the paid period stays valid until `end_at`. Calling it twice changes nothing.
    #[oai(
        path = "/api/subscriptions/:transaction_key/cancel",
        method = "post",
        tag = "ApiTags::Subscription"
    )]
    async fn cancel(&self, _auth: AdminAuth, transaction_key: Path<String>) -> SubscriptionResponse {
        self.service.cancel(&transaction_key).await.into()
    }

    /// Resume a cancelled subscription before `end_grace_at`: schedules the next payment again
    /// (same `next_schedule_id`) and clears `canceled_at`. Calling it twice changes nothing.
    #[oai(
        path = "/api/subscriptions/:transaction_key/resume",
        method = "post",
        tag = "ApiTags::Subscription"
    )]
    async fn resume(&self, _auth: AdminAuth, transaction_key: Path<String>) -> SubscriptionResponse {
        self.service.resume(&transaction_key).await.into()
    }
}
