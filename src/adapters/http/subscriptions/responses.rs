//! The answers of the subscription endpoints, one `ApiResponse` per kind of operation; every
//! status is decided here, from the service's results.

use crate::adapters::http::auth::guarded;
use crate::adapters::http::nullable::Nullable;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

use super::failures::{failed, not_found, upstream, Failed};
use super::model::{AttemptModel, CardModel, SubscriptionModel};
use super::payment_model::{billing_history, PaymentModel};
use super::proration_model::ProrationModel;
use crate::adapters::http::api_error::ApiError;
use crate::service::{SubscriptionChange, SubscriptionDetail, SubscriptionError, SubscriptionSummary};

/// The answer of a cancel, resume or plan change: the envelope every change answers with
/// (`{success, code, message, subscription}`, as a start and a card update).
#[derive(Debug, Object)]
pub struct ChangeResult {
    /// `true`: the subscription is in the asked state (also when it already was).
    pub success: bool,
    /// `SUBSCRIPTION_CANCELED`, `ALREADY_CANCELED` (nothing changed), `SUBSCRIPTION_RESUMED`,
    /// `ALREADY_RESUMED` (nothing changed), `PLAN_CHANGED` (from the period's end),
    /// `PLAN_CHANGED_NOW` (an upgrade, in effect now), `DISCOUNT_APPLIED`, `DISCOUNT_REMOVED`,
    /// `DISCOUNT_UNCHANGED` (nothing changed).
    pub code: String,
    /// Korean, for people.
    pub message: String,
    /// The read model after the call.
    pub subscription: Box<SubscriptionModel>,
    /// With `PLAN_CHANGED_NOW`: the upgrade's prorated charge; else `null`.
    pub proration: Nullable<ProrationModel>,
}

impl From<&SubscriptionChange> for ChangeResult {
    fn from(change: &SubscriptionChange) -> Self {
        Self {
            success: true,
            code: change.code.to_owned(),
            message: change.message.to_owned(),
            subscription: Box::new(SubscriptionModel::from(&change.subscription)),
            proration: change.proration.as_ref().map(ProrationModel::from).into(),
        }
    }
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

#[derive(ApiResponse)]
#[oai(bad_request_handler = "crate::adapters::http::auth::bad_request")]
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

impl From<Result<SubscriptionChange, SubscriptionError>> for ChangeResponse {
    fn from(result: Result<SubscriptionChange, SubscriptionError>) -> Self {
        match result {
            Ok(change) => Self::Ok(Json(ChangeResult::from(&change))),
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
#[oai(bad_request_handler = "crate::adapters::http::auth::bad_request")]
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

guarded!(ChangeResponse, bad_request);
guarded!(DetailResponse);
guarded!(ListResponse, bad_request);
