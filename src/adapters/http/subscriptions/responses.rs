//! The answers of the subscription endpoints, one `ApiResponse` per kind of operation; every
//! status is decided here, from the service's results.

use crate::adapters::http::api_error::request_problem;
use crate::adapters::http::auth::{guarded, Guarded};
use crate::adapters::http::nullable::Nullable;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

use super::model::{AttemptModel, CardModel, SubscriptionModel};
use super::payment_model::{billing_history, PaymentModel};
use super::proration_model::ProrationModel;
use crate::adapters::http::api_error::{error, ApiError};
use crate::service::{SubscriptionChange, SubscriptionDetail, SubscriptionError, SubscriptionSummary};

/// The answer of a cancel, resume or plan change: the envelope every change answers with
/// (`{success, code, message, subscription}`, as a start and a card update).
#[derive(Debug, Object)]
pub struct ChangeResult {
    /// `true`: the subscription is in the asked state (also when it already was).
    pub success: bool,
    /// `SUBSCRIPTION_CANCELED`, `ALREADY_CANCELED` (nothing changed), `SUBSCRIPTION_RESUMED`,
    /// `ALREADY_RESUMED` (nothing changed), `PLAN_CHANGED` (from the period's end),
    /// `PLAN_CHANGED_NOW` (an upgrade, in effect now).
    pub code: String,
    /// Korean, for people.
    pub message: String,
    /// The read model after the call.
    pub subscription: Box<SubscriptionModel>,
    /// With `PLAN_CHANGED_NOW`: the upgrade's prorated charge; else `null`.
    pub proration: Nullable<ProrationModel>,
}

/// One subscription in full: what "my subscription" shows.
#[derive(Debug, Object)]
pub struct DetailView {
    pub subscription: Box<SubscriptionModel>,
    /// The card the next charge uses (issuer, brand, masked number; never the billing key);
    /// `null` when it cannot be read right now.
    pub payment_method: Nullable<CardModel>,
    /// Every paid period and every upgrade's proration (`kind`), newest first: the billing
    /// history.
    pub payments: Vec<PaymentModel>,
    /// Every failed charge of its renewals, by period then attempt.
    pub attempts: Vec<AttemptModel>,
}

/// One of a customer's subscriptions with its card.
#[derive(Debug, Object)]
pub struct ListItem {
    pub subscription: Box<SubscriptionModel>,
    /// As in `GET /api/subscriptions/{subscription_id}`.
    pub payment_method: Nullable<CardModel>,
}

/// A customer's subscriptions, newest first.
#[derive(Debug, Object)]
pub struct ListView {
    pub subscriptions: Vec<ListItem>,
}

fn not_found() -> Json<ApiError> {
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

fn upstream(detail: &str) -> Json<ApiError> {
    tracing::error!(%detail, "subscription operation failed upstream");
    error(
        "UPSTREAM_FAILED",
        "포트원 또는 저장소 호출에 실패했습니다. 다시 시도해 주세요.",
    )
}

#[derive(ApiResponse)]
#[oai(bad_request_handler = "change_bad_request")]
pub enum ChangeResponse {
    /// Missing or refused `Authorization: Bearer …` (RFC 6750): neither `ADMIN_API_TOKEN` nor
    /// a valid Supabase access token of a signed-in user (expired, bad signature, another
    /// project's, the anon key, …), answered before the operation runs: `WWW-Authenticate:
    /// Bearer`, with `error="invalid_token"` when a token was sent.
    #[oai(status = 401)]
    Unauthorized(Json<ApiError>, #[oai(header = "WWW-Authenticate")] String),
    /// A Supabase access token could not be checked because the project's signing keys could
    /// not be fetched (`AUTH_UNAVAILABLE`); retry after `Retry-After` seconds.
    #[oai(status = 503)]
    AuthUnavailable(Json<ApiError>, #[oai(header = "Retry-After")] String),
    /// Done (or already in that state).
    #[oai(status = 200)]
    Ok(Json<ChangeResult>),
    /// A plan change with an amount of 0 or less, a blank order name, an unknown currency, both
    /// or neither of `plan_id` and `amount`, or a body that is not the documented JSON.
    #[oai(status = 400)]
    BadRequest(Json<ApiError>),
    /// A customer's token sent a field only the app's server may set (`ADMIN_ONLY_FIELD`: a plan
    /// change's `amount`, `order_name` or `currency`); nothing was looked at.
    #[oai(status = 403)]
    Forbidden(Json<ApiError>),
    /// No subscription has this id, and no month this `transaction_key`; or a plan change names
    /// no plan (`PLAN_NOT_FOUND`).
    #[oai(status = 404)]
    NotFound(Json<ApiError>),
    /// The subscription's state forbids it: it is over (`lapsed`, `ended` or `refunded`:
    /// `SUBSCRIPTION_NOT_RENEWABLE`, for every change), a resume of a subscription that is not
    /// canceling, a plan change to an archived plan (`PLAN_ARCHIVED`), or a next payment that
    /// was already charged (`CONFLICT`).
    #[oai(status = 409)]
    Conflict(Json<ApiError>),
    /// An upgrade's prorated charge was declined (`PAYMENT_DECLINED`, with PortOne's reason):
    /// nothing changed.
    #[oai(status = 402)]
    PaymentRequired(Json<ApiError>),
    /// Too many charge-triggering calls of this customer (an upgrade's charge counts like a
    /// start): retry after `Retry-After` seconds.
    #[oai(status = 429)]
    TooManyRequests(Json<ApiError>, #[oai(header = "Retry-After")] String),
    /// PortOne or storage failed; retry (an upgrade: with the same `Idempotency-Key`, which
    /// finishes it once).
    #[oai(status = 502)]
    UpstreamFailed(Json<ApiError>),
}

fn change_bad_request(problem: poem::Error) -> ChangeResponse {
    if let Some(answer) = ChangeResponse::guard(&problem) {
        return answer;
    }
    ChangeResponse::BadRequest(request_problem(&problem))
}

impl From<Result<SubscriptionChange, SubscriptionError>> for ChangeResponse {
    fn from(result: Result<SubscriptionChange, SubscriptionError>) -> Self {
        match result {
            Ok(change) => Self::Ok(Json(ChangeResult {
                success: true,
                code: change.code.to_owned(),
                message: change.message.to_owned(),
                subscription: Box::new(SubscriptionModel::from(&change.subscription)),
                proration: change.proration.as_ref().map(ProrationModel::from).into(),
            })),
            Err(problem) => match failed(problem) {
                Failed::NotFound(body) => Self::NotFound(body),
                Failed::Conflict(body) => Self::Conflict(body),
                Failed::Upstream(body) => Self::UpstreamFailed(body),
                Failed::BadRequest(body) => Self::BadRequest(body),
                Failed::PaymentRequired(body) => Self::PaymentRequired(body),
                Failed::TooMany(body, retry_after) => Self::TooManyRequests(body, retry_after),
            },
        }
    }
}

#[derive(ApiResponse)]
pub enum DetailResponse {
    /// Missing or refused `Authorization: Bearer …` (RFC 6750): neither `ADMIN_API_TOKEN` nor
    /// a valid Supabase access token of a signed-in user (expired, bad signature, another
    /// project's, the anon key, …), answered before the operation runs: `WWW-Authenticate:
    /// Bearer`, with `error="invalid_token"` when a token was sent.
    #[oai(status = 401)]
    Unauthorized(Json<ApiError>, #[oai(header = "WWW-Authenticate")] String),
    /// A Supabase access token could not be checked because the project's signing keys could
    /// not be fetched (`AUTH_UNAVAILABLE`); retry after `Retry-After` seconds.
    #[oai(status = 503)]
    AuthUnavailable(Json<ApiError>, #[oai(header = "Retry-After")] String),
    /// The id in the path has a control character (NUL, …) or is not UTF-8: refused before the
    /// operation runs.
    #[oai(status = 400)]
    BadRequest(Json<ApiError>),
    #[oai(status = 200)]
    Ok(Json<DetailView>),
    /// No subscription has this id, and no month this `transaction_key`.
    #[oai(status = 404)]
    NotFound(Json<ApiError>),
    /// Storage failed; retry.
    #[oai(status = 502)]
    UpstreamFailed(Json<ApiError>),
}

impl From<Result<SubscriptionDetail, SubscriptionError>> for DetailResponse {
    fn from(result: Result<SubscriptionDetail, SubscriptionError>) -> Self {
        match result {
            Ok(detail) => Self::Ok(Json(DetailView {
                subscription: Box::new(SubscriptionModel::from(&detail.subscription)),
                payment_method: detail.card.as_ref().map(CardModel::from).into(),
                payments: billing_history(&detail.months, &detail.prorations),
                attempts: detail.attempts.iter().map(AttemptModel::from).collect(),
            })),
            Err(SubscriptionError::Upstream(failure)) => Self::UpstreamFailed(upstream(&failure.detail)),
            Err(_) => Self::NotFound(not_found()),
        }
    }
}

#[derive(ApiResponse)]
#[oai(bad_request_handler = "list_bad_request")]
pub enum ListResponse {
    /// Missing or refused `Authorization: Bearer …` (RFC 6750): neither `ADMIN_API_TOKEN` nor
    /// a valid Supabase access token of a signed-in user (expired, bad signature, another
    /// project's, the anon key, …), answered before the operation runs: `WWW-Authenticate:
    /// Bearer`, with `error="invalid_token"` when a token was sent.
    #[oai(status = 401)]
    Unauthorized(Json<ApiError>, #[oai(header = "WWW-Authenticate")] String),
    /// A Supabase access token could not be checked because the project's signing keys could
    /// not be fetched (`AUTH_UNAVAILABLE`); retry after `Retry-After` seconds.
    #[oai(status = 503)]
    AuthUnavailable(Json<ApiError>, #[oai(header = "Retry-After")] String),
    /// The customer's subscriptions (none is an empty list).
    #[oai(status = 200)]
    Ok(Json<ListView>),
    /// `customer_id` is missing or blank (the admin token must name the customer).
    #[oai(status = 400)]
    BadRequest(Json<ApiError>),
    /// A customer's token asked for another customer's subscriptions (`CUSTOMER_MISMATCH`).
    #[oai(status = 403)]
    Forbidden(Json<ApiError>),
    /// Storage failed; retry.
    #[oai(status = 502)]
    UpstreamFailed(Json<ApiError>),
}

fn list_bad_request(problem: poem::Error) -> ListResponse {
    if let Some(answer) = ListResponse::guard(&problem) {
        return answer;
    }
    ListResponse::BadRequest(request_problem(&problem))
}

impl From<Result<Vec<SubscriptionSummary>, SubscriptionError>> for ListResponse {
    fn from(result: Result<Vec<SubscriptionSummary>, SubscriptionError>) -> Self {
        match result {
            Ok(all) => Self::Ok(Json(ListView {
                subscriptions: all
                    .iter()
                    .map(|summary| ListItem {
                        subscription: Box::new(SubscriptionModel::from(&summary.subscription)),
                        payment_method: summary.card.as_ref().map(CardModel::from).into(),
                    })
                    .collect(),
            })),
            Err(SubscriptionError::Upstream(failure)) => Self::UpstreamFailed(upstream(&failure.detail)),
            // Listing refuses nothing else: a customer without subscriptions has an empty list.
            Err(_) => Self::Ok(Json(ListView {
                subscriptions: Vec::new(),
            })),
        }
    }
}

guarded!(ChangeResponse);
guarded!(DetailResponse);
guarded!(ListResponse);
