//! `POST /api/subscriptions`: its request and answers. The service answers how the start ended
//! and its [`crate::domain::answer::Answer`] (or a repeat's stored one); here each ending gets its
//! status and the answer its documented shape.

use crate::adapters::http::auth::{guarded, Guarded};
use crate::adapters::http::nullable::Nullable;
use poem_openapi::payload::Json;
use poem_openapi::types::ParseFromJSON;
use poem_openapi::{ApiResponse, Object};

use super::model::SubscriptionModel;
use crate::adapters::http::api_error::{error, request_problem, ApiError};
use crate::adapters::http::redact::for_caller;
use crate::adapters::http::schema::ChecklistEntry;
use crate::adapters::http::text::Text;
use crate::domain::answer::Ending;
use crate::service::checkout::{Answered, StartAnswer};
use crate::service::Caller;
use serde_json::Value;

/// A subscription to start.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct StartBody {
    /// PortOne's `customer.id`: the app's user id, which the billing key was issued for.
    /// Required with the admin token; with a customer's access token it is the token's `sub`
    /// (may be left out; a different one is forbidden).
    pub customer_id: Option<Text>,
    /// The plan's id (`GET /api/plans`); it must be active.
    pub plan_id: Text,
    /// What the browser SDK's `requestIssueBillingKey` returned for this customer.
    pub billing_key: Text,
    /// Seats, 1–10,000 (default 1): each charge is the plan's `amount` times it.
    #[oai(validator(minimum(value = "1"), maximum(value = "10000")))]
    pub quantity: Option<i64>,
    /// A promotion code (`SPRING50`; matched case-insensitively): its coupon discounts the
    /// charges its duration says, the first paid one first (after a trial). Unknown: 404
    /// `PROMOTION_CODE_NOT_FOUND`; expired or archived, for another plan or currency, for first
    /// subscriptions only, or out of redemptions: 409 (`PROMOTION_CODE_EXPIRED`,
    /// `PROMOTION_CODE_NOT_APPLICABLE`, `PROMOTION_CODE_FIRST_SUBSCRIPTION_ONLY`,
    /// `PROMOTION_CODE_EXHAUSTED`). Nothing is charged when it is refused.
    pub promotion_code: Option<Text>,
}

/// The answer of a start: the checklist of its steps and, once started, the subscription.
#[derive(Debug, Object)]
pub struct StartResult {
    /// `true` when the subscription started (or had started with this key).
    pub success: bool,
    /// `SUBSCRIPTION_STARTED`, `TRIAL_STARTED`, or why not: `PLAN_NOT_FOUND`, `PLAN_ARCHIVED`,
    /// PortOne's `BILLING_KEY_NOT_FOUND`, `BILLING_KEY_ALREADY_DELETED`,
    /// `BILLING_KEY_CUSTOMER_MISMATCH`, `LIVE_SUBSCRIPTION_EXISTS`, `PAYMENT_DECLINED`,
    /// `CHECKOUT_IN_PROGRESS`, `IDEMPOTENCY_KEY_REUSED`, `UPSTREAM_FAILED`.
    pub code: String,
    /// Korean, for people.
    pub message: String,
    /// Each step: `check_plan`, `check_billing_key`, `check_customer`, then
    /// `charge_first_payment`, `fetch_payment`, `save_payment`, `schedule_next_payment` (paid),
    /// or `save_trial`, `schedule_first_charge` (trial). A declined charge's step carries
    /// PortOne's `type`, `pgCode` and `pgMessage` in `data`. Empty when the request was refused
    /// before any step ran.
    pub checklist: Vec<ChecklistEntry>,
    /// The subscription's read model, once started.
    pub subscription: Nullable<Box<SubscriptionModel>>,
}

#[derive(ApiResponse)]
#[oai(bad_request_handler = "start_bad_request")]
pub enum StartResponse {
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
    /// Started: charged and recorded (`active`), or the trial began (`trialing`).
    /// `Idempotent-Replayed: true` when this is the answer of an earlier request with the same
    /// `Idempotency-Key`.
    #[oai(status = 201)]
    Created(
        Json<StartResult>,
        #[oai(header = "Idempotent-Replayed")] Option<String>,
    ),
    /// No `Idempotency-Key` header (or not 1–255 visible ASCII characters), a blank
    /// `customer_id`, a malformed `plan_id`, or a body that is not the documented JSON.
    #[oai(status = 400)]
    BadRequest(Json<ApiError>),
    /// The card company declined the first charge (`PAYMENT_DECLINED`, PortOne's `pgCode` and
    /// `pgMessage` in the checklist); nothing was recorded. Repeats with the same key answer
    /// this again: send a new key to try again.
    #[oai(status = 402)]
    PaymentRequired(
        Json<StartResult>,
        #[oai(header = "Idempotent-Replayed")] Option<String>,
    ),
    /// The billing key was issued for another customer (`BILLING_KEY_CUSTOMER_MISMATCH`), or a
    /// customer's token names another customer in `customer_id` (`CUSTOMER_MISMATCH`).
    #[oai(status = 403)]
    Forbidden(Json<StartResult>),
    /// No such plan, or PortOne knows no such billing key.
    #[oai(status = 404)]
    NotFound(Json<StartResult>),
    /// The plan is archived, the billing key deleted, the customer already has a live
    /// subscription (`active`, `trialing`, `past_due`, `canceling`; named in the checklist), or
    /// another start of this customer is running (`CHECKOUT_IN_PROGRESS`, retry after
    /// `Retry-After` seconds: when the running request's lease ends).
    #[oai(status = 409)]
    Conflict(Json<StartResult>, #[oai(header = "Retry-After")] Option<String>),
    /// The `Idempotency-Key` was used before with a different body.
    #[oai(status = 422)]
    KeyReused(Json<StartResult>),
    /// Too many charge-triggering calls for this customer (`TOO_MANY_REQUESTS`); retry after
    /// `Retry-After` seconds. Counted in storage, across replicas; a repeat of a known
    /// `Idempotency-Key` is never counted.
    #[oai(status = 429)]
    TooManyRequests(Json<ApiError>, #[oai(header = "Retry-After")] String),
    /// PortOne or storage failed, or PortOne's answer is unknown. Nothing was charged twice:
    /// send the same request with the same key again.
    #[oai(status = 502)]
    UpstreamFailed(Json<StartResult>),
}

fn start_bad_request(problem: poem::Error) -> StartResponse {
    if let Some(answer) = StartResponse::guard(&problem) {
        return answer;
    }
    let missing_key = problem
        .downcast_ref::<poem_openapi::error::ParseParamError>()
        .is_some_and(|param| param.name == "Idempotency-Key");
    if missing_key {
        let message = "Idempotency-Key 헤더가 필요합니다 (1–255자의 보이는 ASCII 문자). 같은 요청을 다시 보낼 때는 같은 키를 쓰세요.";
        return StartResponse::BadRequest(error("IDEMPOTENCY_KEY_REQUIRED", message));
    }
    StartResponse::BadRequest(request_problem(&problem))
}

impl StartResponse {
    /// A customer's token naming another customer: nothing was looked at.
    pub fn customer_mismatch() -> Self {
        Self::Forbidden(Json(StartResult {
            success: false,
            code: "CUSTOMER_MISMATCH".to_owned(),
            message: "로그인한 사용자와 다른 customer_id로는 구독을 시작할 수 없습니다.".to_owned(),
            checklist: Vec::new(),
            subscription: None.into(),
        }))
    }
}

/// The documented body of `answer`: this run's answer serialized, or a repeat's as stored. Both
/// are read back into [`StartResult`] the same way, so a repeat answers the first body again.
fn document(body: Answered) -> Value {
    match body {
        Answered::Ran(answer) => serde_json::to_value(&answer).unwrap_or(Value::Null),
        Answered::Stored(document) => document,
    }
}

/// The answer to `caller` (billing keys are left out for a customer), with the status of how it
/// ended: `Done` 201, `Declined` 402, `NotOwned` 403, `NotFound` 404, `Conflict` 409
/// (`Retry-After` when a start is running), `KeyReused` 422, `Limited` 429, `UpstreamFailed`
/// 502.
pub fn start_response(answer: StartAnswer, caller: &Caller) -> StartResponse {
    let replayed = answer.replayed.then(|| "true".to_owned());
    let retry_after = answer.retry_after.map(|seconds| seconds.to_string());
    let body = for_caller(document(answer.body), caller);
    StartResponse::of(answer.ending, body, replayed, retry_after)
}

impl StartResponse {
    fn of(ending: Ending, body: Value, replayed: Option<String>, retry_after: Option<String>) -> Self {
        let result = match StartResult::parse_from_json(Some(body)) {
            Ok(result) => Json(result),
            Err(problem) => {
                // The service builds these bodies; a mismatch is a bug, reported as upstream.
                tracing::error!(error = %problem.message(), "a start's answer does not fit its schema");
                return Self::UpstreamFailed(Json(StartResult {
                    success: false,
                    code: "UPSTREAM_FAILED".to_owned(),
                    message: "응답을 만들지 못했습니다. 같은 요청을 다시 보내 주세요.".to_owned(),
                    checklist: Vec::new(),
                    subscription: None.into(),
                }));
            }
        };
        match ending {
            Ending::Done => Self::Created(result, replayed),
            Ending::Declined => Self::PaymentRequired(result, replayed),
            Ending::NotOwned => Self::Forbidden(result),
            Ending::NotFound => Self::NotFound(result),
            Ending::Conflict => Self::Conflict(result, retry_after),
            Ending::KeyReused => Self::KeyReused(result),
            Ending::Limited => Self::TooManyRequests(
                error(&result.code, result.message.clone()),
                retry_after.unwrap_or_else(|| "1".to_owned()),
            ),
            Ending::UpstreamFailed => Self::UpstreamFailed(result),
        }
    }
}

guarded!(StartResponse);
