//! The schedule admin API (Bearer `ADMIN_API_TOKEN`): PortOne's payment schedules, read and
//! revoked by id.

use crate::adapters::http::auth::guarded;
use crate::adapters::http::nullable::Nullable;
use crate::domain::payment_schedule_id::ScheduleId;
use std::sync::Arc;

use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::api_error::{error, ApiError};
use super::auth::AdminAuth;
use super::ApiTags;
use crate::ports::{PaymentSchedule, Ports, RevokeOutcome};
use crate::service::{ScheduleLookup, SubscriptionService, UpstreamFailure};

/// PortOne's payment schedule (`getPaymentSchedule`), in PortOne's own (camelCase) names.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub struct ScheduleView {
    pub id: String,
    /// `SCHEDULED`, `STARTED`, `PENDING`, `SUCCEEDED`, `FAILED`, `REVOKED`.
    pub status: String,
    pub payment_id: String,
    pub order_name: String,
    pub time_to_pay: String,
    /// In the currency's unit (KRW: won).
    pub total_amount: i64,
    pub currency: String,
    pub created_at: String,
    pub revoked_at: Nullable<String>,
}

impl From<PaymentSchedule> for ScheduleView {
    fn from(s: PaymentSchedule) -> Self {
        Self {
            id: s.id.to_string(),
            status: s.status.as_portone().to_owned(),
            payment_id: s.payment_id.to_string(),
            order_name: s.order_name,
            time_to_pay: s.time_to_pay.to_iso(),
            total_amount: s.total_amount.value(),
            currency: s.currency.to_string(),
            created_at: s.created_at.to_iso(),
            revoked_at: s.revoked_at.map(|t| t.to_iso()).into(),
        }
    }
}

#[derive(ApiResponse)]
pub enum ScheduleResponse {
    /// Missing or refused `Authorization: Bearer {ADMIN_API_TOKEN}` (RFC 6750), answered before
    /// the operation runs: `WWW-Authenticate: Bearer`, with `error="invalid_token"` when a token
    /// was sent.
    #[oai(status = 401)]
    Unauthorized(Json<ApiError>, #[oai(header = "WWW-Authenticate")] String),
    /// A signed-in customer's Supabase access token: only the app's server may do this
    /// (`WWW-Authenticate: Bearer error="insufficient_scope"`).
    #[oai(status = 403)]
    AdminOnly(Json<ApiError>, #[oai(header = "WWW-Authenticate")] String),
    /// A Supabase access token could not be checked because the project's signing keys could
    /// not be fetched (`AUTH_UNAVAILABLE`); retry after `Retry-After` seconds.
    #[oai(status = 503)]
    AuthUnavailable(Json<ApiError>, #[oai(header = "Retry-After")] String),
    #[oai(status = 200)]
    Ok(Json<ScheduleView>),
    /// Not a schedule id: blank, control characters, `.` or `..`.
    #[oai(status = 400)]
    BadRequest(Json<ApiError>),
    /// PortOne does not know this schedule.
    #[oai(status = 404)]
    NotFound(Json<ApiError>),
    /// PortOne failed; retry.
    #[oai(status = 502)]
    UpstreamFailed(Json<ApiError>),
}

/// Result of a revoke.
#[derive(Debug, Object)]
pub struct RevokeView {
    /// `REVOKED` or `ALREADY_REVOKED`.
    pub result: String,
    pub revoked_at: Nullable<String>,
}

#[derive(ApiResponse)]
pub enum RevokeResponse {
    /// Missing or refused `Authorization: Bearer {ADMIN_API_TOKEN}` (RFC 6750), answered before
    /// the operation runs: `WWW-Authenticate: Bearer`, with `error="invalid_token"` when a token
    /// was sent.
    #[oai(status = 401)]
    Unauthorized(Json<ApiError>, #[oai(header = "WWW-Authenticate")] String),
    /// A signed-in customer's Supabase access token: only the app's server may do this
    /// (`WWW-Authenticate: Bearer error="insufficient_scope"`).
    #[oai(status = 403)]
    AdminOnly(Json<ApiError>, #[oai(header = "WWW-Authenticate")] String),
    /// A Supabase access token could not be checked because the project's signing keys could
    /// not be fetched (`AUTH_UNAVAILABLE`); retry after `Retry-After` seconds.
    #[oai(status = 503)]
    AuthUnavailable(Json<ApiError>, #[oai(header = "Retry-After")] String),
    /// Revoked now, or already revoked before.
    #[oai(status = 200)]
    Ok(Json<RevokeView>),
    /// Not a schedule id: blank, control characters, `.` or `..`.
    #[oai(status = 400)]
    BadRequest(Json<ApiError>),
    #[oai(status = 404)]
    NotFound(Json<ApiError>),
    /// The scheduled payment already ran.
    #[oai(status = 409)]
    Conflict(Json<ApiError>),
    #[oai(status = 502)]
    UpstreamFailed(Json<ApiError>),
}

fn portone_failure(failure: UpstreamFailure) -> Json<ApiError> {
    tracing::error!(detail = %failure.detail, "PortOne schedule call failed");
    error(&failure.code, "포트원 호출에 실패했습니다.")
}

fn bad_schedule_id() -> Json<ApiError> {
    error(
        "BAD_REQUEST",
        "scheduleId는 제어 문자 없는 1–256자여야 하며 `.`이나 `..`일 수 없습니다.",
    )
}

fn schedule_not_found() -> Json<ApiError> {
    error("PAYMENT_SCHEDULE_NOT_FOUND", "결제 예약 건이 존재하지 않습니다.")
}

/// The schedule admin operations, generic over the ports.
pub struct AdminApi<P> {
    service: Arc<SubscriptionService<P>>,
}

impl<P> AdminApi<P> {
    pub fn new(service: Arc<SubscriptionService<P>>) -> Self {
        Self { service }
    }
}

#[OpenApi]
impl<P: Ports> AdminApi<P> {
    /// One payment schedule as PortOne reports it.
    #[oai(
        path = "/api/admin/payment-schedules/:schedule_id",
        method = "get",
        tag = "ApiTags::Admin"
    )]
    async fn get_schedule(&self, _auth: AdminAuth, schedule_id: Path<String>) -> ScheduleResponse {
        let Ok(schedule_id) = ScheduleId::parse(schedule_id.0) else {
            return ScheduleResponse::BadRequest(bad_schedule_id());
        };
        match self.service.schedule(&schedule_id).await {
            Ok(ScheduleLookup::Found(schedule)) => ScheduleResponse::Ok(Json(schedule.into())),
            Ok(ScheduleLookup::NotFound) => ScheduleResponse::NotFound(schedule_not_found()),
            Err(failure) => ScheduleResponse::UpstreamFailed(portone_failure(failure)),
        }
    }

    /// Revoke one payment schedule at PortOne (`DELETE /payment-schedules`).
    #[oai(
        path = "/api/admin/payment-schedules/:schedule_id",
        method = "delete",
        tag = "ApiTags::Admin"
    )]
    async fn revoke_schedule(&self, _auth: AdminAuth, schedule_id: Path<String>) -> RevokeResponse {
        let view = |result: &str, revoked_at: Option<String>| {
            Json(RevokeView {
                result: result.to_owned(),
                revoked_at: revoked_at.into(),
            })
        };
        let Ok(schedule_id) = ScheduleId::parse(schedule_id.0) else {
            return RevokeResponse::BadRequest(bad_schedule_id());
        };
        match self.service.revoke_schedule(&schedule_id).await {
            Ok(RevokeOutcome::Revoked { revoked_at }) => {
                RevokeResponse::Ok(view("REVOKED", revoked_at.map(|t| t.to_iso())))
            }
            Ok(RevokeOutcome::AlreadyRevoked) => RevokeResponse::Ok(view("ALREADY_REVOKED", None)),
            Ok(RevokeOutcome::NotFound) => RevokeResponse::NotFound(schedule_not_found()),
            Ok(RevokeOutcome::AlreadyProcessed) => RevokeResponse::Conflict(error(
                "PAYMENT_SCHEDULE_ALREADY_PROCESSED",
                "이미 결제가 진행된 예약이라 취소할 수 없습니다.",
            )),
            Err(failure) => RevokeResponse::UpstreamFailed(portone_failure(failure)),
        }
    }
}

guarded!(ScheduleResponse, admin_only);
guarded!(RevokeResponse, admin_only);
