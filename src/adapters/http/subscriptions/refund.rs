//! `POST /api/subscriptions/{subscription_id}/refund`: its request and answers.

use crate::adapters::http::auth::guarded;
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Object};

use super::failures::{failed, Failed};
use super::model::SubscriptionModel;
use crate::adapters::http::api_error::ApiError;
use crate::adapters::http::text::Text;
use crate::service::{Refunded, SubscriptionError};

/// A refund of the latest paid month.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct RefundBody {
    /// Why: sent to PortOne (`reason` is required there) and shown in its console.
    pub reason: Text,
    /// In the currency's unit, greater than 0; absent: a full refund, which (of a month) ends
    /// the subscription now. `null` is refused: leave the field out for a full refund.
    pub amount: MaybeUndefined<i64>,
    /// The payment to refund: absent, the latest paid month; an upgrade's proration
    /// `paymentId` (`proration-…`, from the billing history) refunds that charge and leaves the
    /// change in effect. Anything else: 404 `PAYMENT_NOT_FOUND`.
    pub payment_id: Option<Text>,
}

/// What a refund did.
#[derive(Debug, Object)]
pub struct RefundDone {
    /// Returned by this refund, in the currency's unit.
    pub amount: i64,
    /// The payment's refunded total after it.
    pub refunded_total: i64,
    /// `true`: nothing is left to refund of the payment. A month: the subscription is
    /// `refunded` and its pending charge revoked; a proration: the change stays in effect.
    pub full: bool,
}

/// The answer of a refund: the change envelope and what the refund did.
#[derive(Debug, Object)]
pub struct RefundResult {
    /// `true`: PortOne refunded.
    pub success: bool,
    /// `REFUNDED` (nothing is left: the subscription ended) or `PARTIALLY_REFUNDED`.
    pub code: String,
    /// Korean, for people.
    pub message: String,
    /// The read model after the refund.
    pub subscription: Box<SubscriptionModel>,
    pub refund: RefundDone,
}

#[derive(ApiResponse)]
#[oai(bad_request_handler = "crate::adapters::http::auth::bad_request")]
pub enum RefundResponse {
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
    Ok(Json<RefundResult>),
    /// A blank `reason`, an amount of 0 or less, or a body that is not the documented JSON.
    #[oai(status = 400)]
    BadRequest(Json<ApiError>),
    /// No subscription has this id, and no month this `transaction_key`; or `payment_id` is
    /// neither its latest paid month nor one of its charged prorations (`PAYMENT_NOT_FOUND`).
    #[oai(status = 404)]
    NotFound(Json<ApiError>),
    /// Nothing was paid yet (a trial), or PortOne refused with its `type` and `message`:
    /// `PAYMENT_ALREADY_CANCELLED`, `CANCELLABLE_AMOUNT_CONSISTENCY_BROKEN` (another refund came
    /// first), `CANCEL_AMOUNT_EXCEEDS_CANCELLABLE_AMOUNT`, `MAX_CANCEL_COUNT_REACHED`.
    #[oai(status = 409)]
    Conflict(Json<ApiError>),
    /// PortOne or storage failed; retry.
    #[oai(status = 502)]
    UpstreamFailed(Json<ApiError>),
}

impl From<Result<Refunded, SubscriptionError>> for RefundResponse {
    fn from(result: Result<Refunded, SubscriptionError>) -> Self {
        match result {
            Ok(refunded) => Self::Ok(Json(RefundResult {
                success: true,
                code: refunded.change.code.to_owned(),
                message: refunded.change.message.to_owned(),
                subscription: Box::new(SubscriptionModel::from(&refunded.change.subscription)),
                refund: RefundDone {
                    amount: refunded.amount.value(),
                    refunded_total: refunded.total.value(),
                    full: refunded.full,
                },
            })),
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

guarded!(RefundResponse, admin_only, bad_request);
