//! How a subscription operation's failure is answered: one mapping from [`SubscriptionError`]
//! to a status and a stable code, shared by every subscription endpoint.

use poem_openapi::payload::Json;

use crate::adapters::http::api_error::{error, ApiError};
use crate::service::SubscriptionError;

pub(super) fn not_found() -> Json<ApiError> {
    error("NOT_FOUND", "구독을 찾을 수 없습니다.")
}

/// How a subscription operation's failure is answered.
pub(super) enum Failed {
    /// 404.
    NotFound(Json<ApiError>),
    /// 409.
    Conflict(Json<ApiError>),
    /// 502.
    Upstream(Json<ApiError>),
    /// 400: only a change that takes effect now answers it.
    BadRequest(Json<ApiError>),
    /// 402: only a change that takes effect now answers it.
    PaymentRequired(Json<ApiError>),
    /// 429 with `Retry-After` seconds: only a change that takes effect now answers it.
    TooMany(Json<ApiError>, String),
}

/// The answer to `error`, decided in one place for every subscription operation.
pub(super) fn failed(problem: SubscriptionError) -> Failed {
    match problem {
        SubscriptionError::NotFound => Failed::NotFound(not_found()),
        SubscriptionError::PlanNotFound => Failed::NotFound(error("PLAN_NOT_FOUND", "요금제가 없습니다.")),
        SubscriptionError::PaymentNotFound => Failed::NotFound(error(
            "PAYMENT_NOT_FOUND",
            "이 구독의 마지막 결제나 업그레이드 차액 결제가 아닙니다.",
        )),
        SubscriptionError::Conflict(message) => Failed::Conflict(error("CONFLICT", message)),
        SubscriptionError::Terminal(status) => Failed::Conflict(error(
            "SUBSCRIPTION_NOT_RENEWABLE",
            format!(
                "끝난 구독({})은 바꿀 수 없습니다. 새 구독을 시작해 주세요.",
                status.as_str()
            ),
        )),
        SubscriptionError::PlanArchived => Failed::Conflict(error(
            "PLAN_ARCHIVED",
            "보관(archive)된 요금제로는 바꿀 수 없습니다.",
        )),
        SubscriptionError::Refused(rejection) => {
            let message = rejection
                .message
                .clone()
                .unwrap_or_else(|| "포트원이 요청을 거절했습니다.".to_owned());
            Failed::Conflict(error(&rejection.code, message))
        }
        SubscriptionError::Upstream(failure) => Failed::Upstream(upstream(&failure.detail)),
        SubscriptionError::CouponNotFound => Failed::NotFound(error("COUPON_NOT_FOUND", "쿠폰이 없습니다.")),
        SubscriptionError::CouponRefused(refusal) => Failed::Conflict(error(
            refusal.code(),
            crate::service::coupon_refusal_message(refusal),
        )),
        SubscriptionError::IdempotencyKeyRequired => Failed::BadRequest(error(
            "IDEMPOTENCY_KEY_REQUIRED",
            "지금 결제되는 변경(업그레이드)에는 Idempotency-Key 헤더가 필요합니다.",
        )),
        SubscriptionError::KeyReused => Failed::Conflict(error(
            "IDEMPOTENCY_KEY_REUSED",
            "이 Idempotency-Key는 이 구독의 다른 변경에 쓰였습니다. 새 키로 보내 주세요.",
        )),
        SubscriptionError::ChangeInProgress => Failed::Conflict(error(
            "CHANGE_IN_PROGRESS",
            "이 구독의 다른 변경을 결제하는 중입니다. 잠시 후 다시 시도해 주세요.",
        )),
        SubscriptionError::TooManyCharges { retry_after_seconds } => Failed::TooMany(
            error(
                "TOO_MANY_REQUESTS",
                format!(
                    "결제를 일으키는 요청이 너무 많습니다. {retry_after_seconds}초 뒤에 다시 시도해 주세요."
                ),
            ),
            retry_after_seconds.to_string(),
        ),
        SubscriptionError::Declined { reason } => Failed::PaymentRequired(error(
            "PAYMENT_DECLINED",
            format!("차액 결제가 거절되어 아무것도 바꾸지 않았습니다: {reason}"),
        )),
    }
}

pub(super) fn upstream(detail: &str) -> Json<ApiError> {
    tracing::error!(%detail, "subscription operation failed upstream");
    error(
        "UPSTREAM_FAILED",
        "포트원 또는 저장소 호출에 실패했습니다. 다시 시도해 주세요.",
    )
}
