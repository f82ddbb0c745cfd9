//! `GET /api/subscriptions/{subscription_id}/change-preview`: its answers.

use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

use super::failures::{failed, Failed};
use crate::adapters::http::api_error::ApiError;
use crate::adapters::http::auth::guarded;
use crate::adapters::http::nullable::Nullable;
use crate::service::{ChangePreview, SubscriptionError};

/// What a plan or seat change would do, computed as the change itself computes it.
#[derive(Debug, Object)]
pub struct PreviewView {
    /// The plan it would move to (the one in effect for a seat change).
    pub plan_id: String,
    /// The seats after the change.
    pub quantity: u32,
    /// Charged now, in the currency's unit: for an upgrade of an `active` subscription,
    /// `floor((new − old) × remaining ÷ period)` (seconds), 0 below `MIN_PRORATION_AMOUNT`;
    /// otherwise 0.
    pub amount_due_now: i64,
    pub currency: String,
    /// `true` when the change takes effect now (an upgrade); `false`: at the period's end.
    pub immediate: bool,
    /// When the new terms start, UTC: now for an upgrade, else the current period's end.
    pub effective_at: String,
    /// The next charge on the new plan: its time (UTC) and amount; `null` when none is pending
    /// (canceled at period end).
    pub next_charge_at: Nullable<String>,
    pub next_charge_amount: Nullable<i64>,
    /// The new plan's period: `interval` (`null`: 30 days) and `interval_count`.
    pub interval: Nullable<String>,
    pub interval_count: Nullable<u32>,
}

#[derive(ApiResponse)]
#[oai(bad_request_handler = "crate::adapters::http::auth::bad_request")]
pub enum PreviewResponse {
    /// Missing or refused `Authorization: Bearer …` (RFC 6750), answered before the operation
    /// runs: `WWW-Authenticate: Bearer`, with `error="invalid_token"` when a token was sent.
    #[oai(status = 401)]
    Unauthorized(Json<ApiError>, #[oai(header = "WWW-Authenticate")] String),
    /// A Supabase access token could not be checked because the project's signing keys could
    /// not be fetched (`AUTH_UNAVAILABLE`); retry after `Retry-After` seconds.
    #[oai(status = 503)]
    AuthUnavailable(Json<ApiError>, #[oai(header = "Retry-After")] String),
    #[oai(status = 200)]
    Ok(Json<PreviewView>),
    /// `plan_id` missing or malformed.
    #[oai(status = 400)]
    BadRequest(Json<ApiError>),
    /// No such subscription (or not the caller's), or no such plan (`PLAN_NOT_FOUND`).
    #[oai(status = 404)]
    NotFound(Json<ApiError>),
    /// The plan is archived (`PLAN_ARCHIVED`) or the subscription is over
    /// (`SUBSCRIPTION_NOT_RENEWABLE`).
    #[oai(status = 409)]
    Conflict(Json<ApiError>),
    /// Storage failed; retry.
    #[oai(status = 502)]
    UpstreamFailed(Json<ApiError>),
}

guarded!(PreviewResponse, bad_request);

impl From<Result<ChangePreview, SubscriptionError>> for PreviewResponse {
    fn from(result: Result<ChangePreview, SubscriptionError>) -> Self {
        match result {
            Ok(preview) => {
                let terms = preview.plan.terms;
                Self::Ok(Json(PreviewView {
                    plan_id: terms.id.to_string(),
                    quantity: preview.quantity.get(),
                    amount_due_now: preview.due_now.value(),
                    currency: terms.currency.to_string(),
                    immediate: preview.immediate,
                    effective_at: preview.effective_at.to_iso(),
                    next_charge_at: preview.next_charge_at.map(|at| at.to_iso()).into(),
                    next_charge_amount: preview
                        .next_charge_at
                        .map(|_| preview.next_charge_amount.value())
                        .into(),
                    interval: terms.interval.map(|i| i.unit().as_str().to_owned()).into(),
                    interval_count: terms.interval.map(|i| i.count()).into(),
                }))
            }
            Err(problem) => match failed(problem) {
                Failed::NotFound(body) => Self::NotFound(body),
                Failed::Conflict(body) => Self::Conflict(body),
                Failed::Upstream(body) => Self::UpstreamFailed(body),
                Failed::BadRequest(body) => Self::BadRequest(body),
                Failed::PaymentRequired(body) | Failed::TooMany(body, _) => Self::Conflict(body),
            },
        }
    }
}
