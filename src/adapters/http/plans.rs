//! The plan catalog for the app's admin (Bearer `ADMIN_API_TOKEN`): list, create or replace,
//! archive. A pricing page does not need this API: `anon` and `authenticated` may read active
//! plans from `public.plan` with supabase-js.

use crate::adapters::http::auth::guarded;
use std::sync::Arc;

use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::api_error::{error, ApiError};
use super::auth::{AdminAuth, OptionalCallerAuth};
use super::plan_model::{PlanBody, PlanModel};
use super::ApiTags;
use crate::domain::plan::{PlanId, PlanTerms, PlanTermsError};
use crate::ports::Ports;
use crate::service::plans::PlanCatalog;
use crate::service::{Caller, UpstreamFailure};

/// Every plan.
#[derive(Debug, Object)]
pub struct PlanList {
    /// By `sort_order` then id; archived ones only for the admin token.
    pub plans: Vec<PlanModel>,
}

fn upstream(failure: &UpstreamFailure) -> Json<ApiError> {
    tracing::error!(detail = %failure.detail, "plan operation failed upstream");
    error(
        "UPSTREAM_FAILED",
        "저장소 호출에 실패했습니다. 다시 시도해 주세요.",
    )
}

/// Why terms were in Korean.
fn terms_problem(problem: &PlanTermsError) -> String {
    match problem {
        PlanTermsError::Name => format!(
            "name은 제어 문자 없는 1–{}자여야 합니다.",
            crate::domain::plan::MAX_NAME_CHARS
        ),
        PlanTermsError::Amount(problem) => super::api_error::amount_problem(*problem),
        PlanTermsError::Currency(unknown) => format!("포트원이 지원하지 않는 통화입니다: {}", unknown.0),
        PlanTermsError::TrialDays => "trial_days는 0 이상 365 이하여야 합니다.".to_owned(),
        PlanTermsError::Features => format!(
            "features는 {}바이트 이하의 JSON 객체여야 하며 NUL 문자를 담을 수 없습니다.",
            crate::domain::plan::MAX_FEATURES_BYTES
        ),
    }
}

#[derive(ApiResponse)]
pub enum ListPlansResponse {
    /// A sent `Authorization: Bearer …` was refused (RFC 6750): neither `ADMIN_API_TOKEN` nor
    /// a valid Supabase access token of a signed-in user (expired, bad signature, another
    /// project's, the anon key, …): `WWW-Authenticate: Bearer error="invalid_token"`. Send no
    /// header to read the public list.
    #[oai(status = 401)]
    Unauthorized(Json<ApiError>, #[oai(header = "WWW-Authenticate")] String),
    /// A Supabase access token could not be checked because the project's signing keys could
    /// not be fetched (`AUTH_UNAVAILABLE`); retry after `Retry-After` seconds.
    #[oai(status = 503)]
    AuthUnavailable(Json<ApiError>, #[oai(header = "Retry-After")] String),
    #[oai(status = 200)]
    Ok(Json<PlanList>),
    /// Storage failed; retry.
    #[oai(status = 502)]
    UpstreamFailed(Json<ApiError>),
}

#[derive(ApiResponse)]
#[oai(bad_request_handler = "crate::adapters::http::auth::bad_request")]
pub enum PutPlanResponse {
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
    /// Replaced (or already these terms: the same request twice changes nothing). Running
    /// subscriptions keep the terms they started with.
    #[oai(status = 200)]
    Ok(Json<PlanModel>),
    /// Created.
    #[oai(status = 201)]
    Created(Json<PlanModel>),
    /// A malformed `plan_id`, a blank name, an amount of 0 or less, a currency PortOne does not
    /// accept, `trial_days` outside 0–365, `features` that is not an object, or a body that is
    /// not the documented JSON.
    #[oai(status = 400)]
    BadRequest(Json<ApiError>),
    /// Storage failed; retry.
    #[oai(status = 502)]
    UpstreamFailed(Json<ApiError>),
}

#[derive(ApiResponse)]
pub enum ArchiveResponse {
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
    /// The id in the path has a control character (NUL, …) or is not UTF-8: refused before the
    /// operation runs.
    #[oai(status = 400)]
    BadRequest(Json<ApiError>),
    /// Archived (or already archived): no new subscription starts on it; running ones go on.
    #[oai(status = 200)]
    Ok(Json<PlanModel>),
    /// No such plan.
    #[oai(status = 404)]
    NotFound(Json<ApiError>),
    /// Storage failed; retry.
    #[oai(status = 502)]
    UpstreamFailed(Json<ApiError>),
}

/// The plan operations, generic over the ports.
pub struct PlanApi<P> {
    catalog: Arc<PlanCatalog<P>>,
}

impl<P> PlanApi<P> {
    pub fn new(catalog: Arc<PlanCatalog<P>>) -> Self {
        Self { catalog }
    }
}

#[OpenApi(tag = "ApiTags::Plan")]
impl<P: Ports> PlanApi<P> {
    /// The plans by `sort_order` then id, for a pricing page: without a token (public) or with
    /// a customer's, the active ones (what may be started or moved to); with the admin token,
    /// archived ones too. A token that is sent must be valid (401).
    #[oai(path = "/api/plans", method = "get")]
    async fn list(&self, OptionalCallerAuth(caller): OptionalCallerAuth) -> ListPlansResponse {
        let active_only = !matches!(caller, Some(Caller::Admin));
        match self.catalog.list().await {
            Ok(plans) => ListPlansResponse::Ok(Json(PlanList {
                plans: plans
                    .into_iter()
                    .filter(|plan| plan.active || !active_only)
                    .map(PlanModel::from)
                    .collect(),
            })),
            Err(failure) => ListPlansResponse::UpstreamFailed(upstream(&failure)),
        }
    }

    /// Create a plan or replace its terms. Idempotent. Subscriptions already running keep the
    /// terms they started with until a plan change (as Stripe's prices do).
    #[oai(path = "/api/plans/:plan_id", method = "put")]
    async fn put(&self, _auth: AdminAuth, plan_id: Path<String>, body: Json<PlanBody>) -> PutPlanResponse {
        let Ok(id) = PlanId::parse(plan_id.0) else {
            let message = "plan_id는 영문·숫자로 시작하는 1–64자의 A-Z a-z 0-9 _ . - 여야 합니다.";
            return PutPlanResponse::BadRequest(error("BAD_REQUEST", message));
        };
        let body = body.0;
        let interval = match body.interval() {
            Ok(interval) => interval,
            Err(message) => return PutPlanResponse::BadRequest(error("BAD_REQUEST", message)),
        };
        let terms = PlanTerms::new(
            id,
            &body.name,
            body.amount,
            &body.currency,
            body.trial_days,
            body.features,
            body.sort_order,
        );
        let terms = match terms {
            Ok(terms) => terms.with_interval(interval),
            Err(problem) => {
                return PutPlanResponse::BadRequest(error("BAD_REQUEST", terms_problem(&problem)))
            }
        };
        match self.catalog.put(&terms).await {
            Ok(stored) if stored.created => PutPlanResponse::Created(Json(stored.plan.into())),
            Ok(stored) => PutPlanResponse::Ok(Json(stored.plan.into())),
            Err(failure) => PutPlanResponse::UpstreamFailed(upstream(&failure)),
        }
    }

    /// Archive a plan: new subscriptions can no longer start on it (or move to it).
    #[oai(path = "/api/plans/:plan_id/archive", method = "post")]
    async fn archive(&self, _auth: AdminAuth, plan_id: Path<String>) -> ArchiveResponse {
        let not_found = || ArchiveResponse::NotFound(error("PLAN_NOT_FOUND", "요금제가 없습니다."));
        let Ok(id) = PlanId::parse(plan_id.0) else {
            return not_found();
        };
        match self.catalog.archive(&id).await {
            Ok(Some(plan)) => ArchiveResponse::Ok(Json(plan.into())),
            Ok(None) => not_found(),
            Err(failure) => ArchiveResponse::UpstreamFailed(upstream(&failure)),
        }
    }
}

guarded!(ListPlansResponse);
guarded!(PutPlanResponse, admin_only, bad_request);
guarded!(ArchiveResponse, admin_only);
