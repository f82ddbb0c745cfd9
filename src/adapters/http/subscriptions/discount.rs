//! A coupon applied to a running subscription by the app's server, from its next charge on, or
//! taken off: `POST` and `DELETE …/discount`. A customer redeems a promotion code at checkout
//! instead; these are the admin's (403 `ADMIN_ONLY` for a customer's token).

use std::sync::Arc;

use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::failures::{failed, Failed};
use super::responses::ChangeResult;
use crate::adapters::http::api_error::{error, ApiError};
use crate::adapters::http::auth::{guarded, CallerAuth};
use crate::adapters::http::subscription_path::SubscriptionPath;
use crate::adapters::http::text::Text;
use crate::adapters::http::ApiTags;
use crate::domain::coupon::CouponId;
use crate::ports::Ports;
use crate::service::{Caller, SubscriptionChange, SubscriptionError, SubscriptionService};

/// `POST …/discount`: the coupon to apply.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct DiscountBody {
    /// A coupon of `GET /api/coupons`.
    pub coupon_id: Text,
}

/// The answer of `POST` and `DELETE …/discount`: a change's envelope, with only the statuses a
/// discount change can answer (it charges nothing now, so no 402 or 429).
#[derive(ApiResponse)]
#[oai(bad_request_handler = "crate::adapters::http::auth::bad_request")]
pub enum DiscountResponse {
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
    /// `DISCOUNT_APPLIED`, `DISCOUNT_REMOVED`, or `DISCOUNT_UNCHANGED` (the coupon was already
    /// applied, or there was no discount to take off; nothing changed).
    #[oai(status = 200)]
    Ok(Json<ChangeResult>),
    /// A blank or malformed `coupon_id`, or a body that is not the documented JSON.
    #[oai(status = 400)]
    BadRequest(Json<ApiError>),
    /// A customer's token (`ADMIN_ONLY`): discounts are given by the app's server.
    #[oai(status = 403)]
    Forbidden(Json<ApiError>),
    /// No subscription has this id (`NOT_FOUND`), or no coupon this id (`COUPON_NOT_FOUND`).
    #[oai(status = 404)]
    NotFound(Json<ApiError>),
    /// The subscription is over (`SUBSCRIPTION_NOT_RENEWABLE`), its next payment was already
    /// charged or is not a billing-key charge (`CONFLICT`), or the coupon cannot be applied
    /// (`PROMOTION_CODE_EXPIRED`, `_NOT_APPLICABLE`, `_EXHAUSTED`).
    #[oai(status = 409)]
    Conflict(Json<ApiError>),
    /// PortOne or storage failed while the pending charge was moved; the discount and the
    /// schedule were put back. Retry.
    #[oai(status = 502)]
    UpstreamFailed(Json<ApiError>),
}

impl From<Result<SubscriptionChange, SubscriptionError>> for DiscountResponse {
    fn from(result: Result<SubscriptionChange, SubscriptionError>) -> Self {
        match result {
            Ok(change) => Self::Ok(Json(ChangeResult::from(&change))),
            Err(problem) => match failed(problem) {
                Failed::NotFound(body) => Self::NotFound(body),
                Failed::Upstream(body) => Self::UpstreamFailed(body),
                Failed::BadRequest(body) => Self::BadRequest(body),
                // A discount change charges nothing now, so the service refuses none with a
                // decline or the charge limit; were it to, its code still says which.
                Failed::Conflict(body) | Failed::PaymentRequired(body) | Failed::TooMany(body, _) => {
                    Self::Conflict(body)
                }
            },
        }
    }
}

guarded!(DiscountResponse, bad_request);

/// The discount operations, generic over the ports.
pub struct DiscountApi<P> {
    service: Arc<SubscriptionService<P>>,
}

impl<P> DiscountApi<P> {
    pub fn new(service: Arc<SubscriptionService<P>>) -> Self {
        Self { service }
    }
}

/// 403 for a customer's token: discounts are the merchant's to give.
fn admin_only(caller: &Caller) -> Option<DiscountResponse> {
    caller.customer().map(|_| {
        let message =
            "할인 적용은 앱 서버(관리자 토큰)만 할 수 있습니다. 고객은 가입할 때 할인 코드를 입력합니다.";
        DiscountResponse::Forbidden(error("ADMIN_ONLY", message))
    })
}

#[OpenApi(tag = "ApiTags::Subscription")]
impl<P: Ports> DiscountApi<P> {
    /// Apply a coupon from the next charge on (`DISCOUNT_APPLIED`), replacing any discount the
    /// subscription has: the pending charge is scheduled again with the discounted amount (none
    /// at PortOne when it comes to 0). Counts one redemption of the coupon, once per subscription
    /// and coupon. Unknown coupon: 404 `COUPON_NOT_FOUND`; archived or past `redeem_by`, for
    /// another plan or currency, or out of redemptions: 409 with `PROMOTION_CODE_*`'s reason.
    /// Admin token only.
    #[oai(path = "/api/subscriptions/:subscription_id/discount", method = "post")]
    async fn apply(
        &self,
        CallerAuth(caller): CallerAuth,
        subscription_id: Path<SubscriptionPath>,
        body: Json<DiscountBody>,
    ) -> DiscountResponse {
        if let Some(refused) = admin_only(&caller) {
            return refused;
        }
        let Ok(coupon_id) = CouponId::parse(body.coupon_id.as_str()) else {
            return DiscountResponse::BadRequest(error("BAD_REQUEST", "coupon_id가 올바르지 않습니다."));
        };
        self.service
            .apply_coupon(&subscription_id, &coupon_id)
            .await
            .into()
    }

    /// Take the discount off from the next charge on (`DISCOUNT_REMOVED`); the current period
    /// stays as paid. Admin token only.
    #[oai(path = "/api/subscriptions/:subscription_id/discount", method = "delete")]
    async fn remove(
        &self,
        CallerAuth(caller): CallerAuth,
        subscription_id: Path<SubscriptionPath>,
    ) -> DiscountResponse {
        if let Some(refused) = admin_only(&caller) {
            return refused;
        }
        self.service.remove_discount(&subscription_id).await.into()
    }
}
