//! Coupons and promotion codes for the app's admin (Bearer `ADMIN_API_TOKEN`): list, create or
//! replace, archive. Codes are the merchant's secret until handed out: listing them needs the
//! admin token, and no Supabase role may read their tables.

use std::sync::Arc;

use chrono::DateTime;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::api_error::{error, ApiError};
use super::auth::{guarded, AdminAuth};
use super::coupon_model::{
    CouponBody, CouponList, CouponModel, PromotionCodeBody, PromotionCodeList, PromotionCodeModel,
};
use super::ApiTags;
use crate::domain::amount::Amount;
use crate::domain::coupon::{CouponDuration, CouponId, CouponTerms, PromotionCode, PromotionCodeTerms};
use crate::domain::currency::Currency;
use crate::domain::discount::Off;
use crate::domain::plan::PlanId;
use crate::domain::timestamp::Timestamp;
use crate::ports::Ports;
use crate::service::coupons::{CodeError, CouponCatalog};
use crate::service::UpstreamFailure;

const ID_PROBLEM: &str = "id와 코드는 영문·숫자로 시작하는 1–64자의 A-Z a-z 0-9 _ . - 여야 합니다.";

fn upstream(failure: &UpstreamFailure) -> Json<ApiError> {
    tracing::error!(detail = %failure.detail, "coupon operation failed upstream");
    error(
        "UPSTREAM_FAILED",
        "저장소 호출에 실패했습니다. 다시 시도해 주세요.",
    )
}

macro_rules! admin_answer {
    ($(#[$doc:meta])* $name:ident, $ok:ty, $bad_request:literal) => {
        $(#[$doc])*
        #[derive(ApiResponse)]
        #[oai(bad_request_handler = "crate::adapters::http::auth::bad_request")]
        pub enum $name {
            /// Missing or refused `Authorization: Bearer {ADMIN_API_TOKEN}` (RFC 6750):
            /// `WWW-Authenticate: Bearer`, with `error="invalid_token"` when a token was sent.
            #[oai(status = 401)]
            Unauthorized(Json<ApiError>, #[oai(header = "WWW-Authenticate")] String),
            /// A signed-in customer's Supabase access token: only the app's server may do this.
            #[oai(status = 403)]
            AdminOnly(Json<ApiError>, #[oai(header = "WWW-Authenticate")] String),
            /// A Supabase access token could not be checked (`AUTH_UNAVAILABLE`); retry after
            /// `Retry-After` seconds.
            #[oai(status = 503)]
            AuthUnavailable(Json<ApiError>, #[oai(header = "Retry-After")] String),
            /// Done (or already so: the same request twice changes nothing).
            #[oai(status = 200)]
            Ok(Json<$ok>),
            /// Created.
            #[oai(status = 201)]
            Created(Json<$ok>),
            #[doc = $bad_request]
            #[oai(status = 400)]
            BadRequest(Json<ApiError>),
            /// No such coupon (`COUPON_NOT_FOUND`).
            #[oai(status = 404)]
            NotFound(Json<ApiError>),
            /// Storage failed; retry.
            #[oai(status = 502)]
            UpstreamFailed(Json<ApiError>),
        }

        guarded!($name, admin_only, bad_request);
    };
}

/// A 400 `BAD_REQUEST` answer with `message`.
fn bad<T: From<Json<ApiError>>>(message: impl Into<String>) -> T {
    T::from(error("BAD_REQUEST", message))
}

admin_answer!(
    /// The coupons.
    CouponsResponse, CouponList, "A body that is not the documented JSON."
);
admin_answer!(
    /// A coupon stored or archived.
    CouponResponse, CouponModel,
    "A malformed id, a blank name, not exactly one of `percent_off` (1–100) and `amount_off` (with `currency`), a `duration` other than `once`, `repeating` (with `duration_in_periods` 1–120) or `forever`, `max_redemptions` below 1, a `redeem_by` that is not RFC 3339, or a malformed plan id."
);
admin_answer!(
    /// The promotion codes.
    CodesResponse, PromotionCodeList, "A body that is not the documented JSON."
);
admin_answer!(
    /// A promotion code stored.
    CodeResponse, PromotionCodeModel,
    "A malformed code or coupon id, `max_redemptions` below 1, or an `expires_at` that is not RFC 3339."
);

/// An RFC 3339 instant, UTC; `Err` with the field's name.
fn instant(field: &str, value: Option<&str>) -> Result<Option<Timestamp>, String> {
    value
        .map(|text| {
            DateTime::parse_from_rfc3339(text)
                .map(|at| Timestamp::from_utc(at.to_utc()))
                .map_err(|_| format!("{field}는 RFC 3339 시각이어야 합니다."))
        })
        .transpose()
}

/// A count of at least 1.
fn count(field: &str, value: Option<i64>) -> Result<Option<u32>, String> {
    value
        .map(|n| {
            u32::try_from(n)
                .ok()
                .filter(|n| *n >= 1)
                .ok_or(format!("{field}는 1 이상이어야 합니다."))
        })
        .transpose()
}

fn coupon_terms(id: CouponId, body: CouponBody) -> Result<CouponTerms, String> {
    let off = match (body.percent_off, body.amount_off, body.currency.as_deref()) {
        (Some(percent), None, None) => Off::Percent {
            percent_off: u8::try_from(percent).map_err(|_| "percent_off는 1–100이어야 합니다.")?,
        },
        (None, Some(amount), Some(currency)) => Off::Amount {
            amount_off: Amount::price(amount).map_err(|_| "amount_off는 0보다 커야 합니다.")?,
            currency: Currency::parse(currency).map_err(|_| "포트원이 지원하지 않는 통화입니다.")?,
        },
        _ => return Err("percent_off 또는 amount_off(currency와 함께) 중 하나만 보내야 합니다.".into()),
    };
    let periods = body.duration_in_periods;
    let duration = match (body.duration.as_str(), periods) {
        ("once", None) => CouponDuration::Once,
        ("forever", None) => CouponDuration::Forever,
        ("repeating", Some(n)) => CouponDuration::Repeating {
            duration_in_periods: u32::try_from(n).unwrap_or(0),
        },
        _ => {
            return Err(
                "duration은 once, repeating(duration_in_periods와 함께), forever 중 하나여야 합니다.".into(),
            )
        }
    };
    let plan_ids = body
        .plan_ids
        .unwrap_or_default()
        .iter()
        .map(|id| PlanId::parse(id.as_str()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| "plan_ids에 올바르지 않은 요금제 id가 있습니다.")?;
    let redeem_by = instant("redeem_by", body.redeem_by.as_deref())?;
    let max = count("max_redemptions", body.max_redemptions)?;
    CouponTerms::new(id, &body.name, off, duration, max, redeem_by, plan_ids)
        .map_err(|problem| problem.to_string())
}

/// The coupon operations, generic over the ports.
pub struct CouponApi<P> {
    catalog: Arc<CouponCatalog<P>>,
}

impl<P> CouponApi<P> {
    pub fn new(catalog: Arc<CouponCatalog<P>>) -> Self {
        Self { catalog }
    }
}

#[OpenApi(tag = "ApiTags::Coupon")]
impl<P: Ports> CouponApi<P> {
    /// Every coupon, archived ones too, oldest first, with how often each was redeemed.
    #[oai(path = "/api/coupons", method = "get")]
    async fn coupons(&self, _auth: AdminAuth) -> CouponsResponse {
        match self.catalog.coupons().await {
            Ok(all) => CouponsResponse::Ok(Json(CouponList {
                coupons: all.into_iter().map(CouponModel::from).collect(),
            })),
            Err(failure) => CouponsResponse::UpstreamFailed(upstream(&failure)),
        }
    }

    /// Create a coupon or replace its terms. Idempotent. Subscriptions that redeemed it keep
    /// the terms they redeemed (each charge carries them).
    #[oai(path = "/api/coupons/:coupon_id", method = "put")]
    async fn put_coupon(
        &self,
        _auth: AdminAuth,
        coupon_id: Path<String>,
        body: Json<CouponBody>,
    ) -> CouponResponse {
        let Ok(id) = CouponId::parse(coupon_id.0) else {
            return bad::<CouponResponse>(ID_PROBLEM);
        };
        let terms = match coupon_terms(id, body.0) {
            Ok(terms) => terms,
            Err(message) => return bad::<CouponResponse>(message),
        };
        match self.catalog.put_coupon(&terms).await {
            Ok((coupon, true)) => CouponResponse::Created(Json(coupon.into())),
            Ok((coupon, false)) => CouponResponse::Ok(Json(coupon.into())),
            Err(failure) => CouponResponse::UpstreamFailed(upstream(&failure)),
        }
    }

    /// Archive a coupon: no code of it redeems any more; subscriptions keep their discount.
    #[oai(path = "/api/coupons/:coupon_id/archive", method = "post")]
    async fn archive_coupon(&self, _auth: AdminAuth, coupon_id: Path<String>) -> CouponResponse {
        let not_found = || CouponResponse::NotFound(error("COUPON_NOT_FOUND", "쿠폰이 없습니다."));
        let Ok(id) = CouponId::parse(coupon_id.0) else {
            return not_found();
        };
        match self.catalog.archive_coupon(&id).await {
            Ok(Some(coupon)) => CouponResponse::Ok(Json(coupon.into())),
            Ok(None) => not_found(),
            Err(failure) => CouponResponse::UpstreamFailed(upstream(&failure)),
        }
    }

    /// Every promotion code, oldest first.
    #[oai(path = "/api/promotion-codes", method = "get")]
    async fn codes(&self, _auth: AdminAuth) -> CodesResponse {
        match self.catalog.codes().await {
            Ok(all) => CodesResponse::Ok(Json(PromotionCodeList {
                promotion_codes: all.into_iter().map(PromotionCodeModel::from).collect(),
            })),
            Err(failure) => CodesResponse::UpstreamFailed(upstream(&failure)),
        }
    }

    /// Create a customer-facing code for a coupon, or replace its terms. Codes differing only in
    /// case are the same code.
    #[oai(path = "/api/promotion-codes/:code", method = "put")]
    async fn put_code(
        &self,
        _auth: AdminAuth,
        code: Path<String>,
        body: Json<PromotionCodeBody>,
    ) -> CodeResponse {
        let body = body.0;
        let (Ok(code), Ok(coupon_id)) = (
            PromotionCode::parse(code.0),
            CouponId::parse(body.coupon_id.as_str()),
        ) else {
            return bad::<CodeResponse>(ID_PROBLEM);
        };
        let expires_at = match instant("expires_at", body.expires_at.as_deref()) {
            Ok(at) => at,
            Err(message) => return bad::<CodeResponse>(message),
        };
        let max_redemptions = match count("max_redemptions", body.max_redemptions) {
            Ok(max) => max,
            Err(message) => return bad::<CodeResponse>(message),
        };
        let terms = PromotionCodeTerms {
            code,
            coupon_id,
            max_redemptions,
            expires_at,
            first_subscription_only: body.first_subscription_only.unwrap_or(false),
        };
        match self.catalog.put_code(&terms).await {
            Ok((stored, true)) => CodeResponse::Created(Json(stored.into())),
            Ok((stored, false)) => CodeResponse::Ok(Json(stored.into())),
            Err(CodeError::NoSuchCoupon) => {
                CodeResponse::NotFound(error("COUPON_NOT_FOUND", "쿠폰이 없습니다."))
            }
            Err(CodeError::Upstream(failure)) => CodeResponse::UpstreamFailed(upstream(&failure)),
        }
    }
}
