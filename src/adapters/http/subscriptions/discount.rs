//! A coupon applied to a running subscription by the app's server, from its next charge on, or
//! taken off: `POST` and `DELETE …/discount`. A customer redeems a promotion code at checkout
//! instead; these are the admin's (403 `ADMIN_ONLY` for a customer's token).

use std::sync::Arc;

use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::responses::ChangeResponse;
use crate::adapters::http::api_error::error;
use crate::adapters::http::auth::CallerAuth;
use crate::adapters::http::subscription_path::SubscriptionPath;
use crate::adapters::http::text::Text;
use crate::adapters::http::ApiTags;
use crate::domain::coupon::CouponId;
use crate::ports::Ports;
use crate::service::{Caller, SubscriptionService};

/// `POST …/discount`: the coupon to apply.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct DiscountBody {
    /// A coupon of `GET /api/coupons`.
    pub coupon_id: Text,
}

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
fn admin_only(caller: &Caller) -> Option<ChangeResponse> {
    caller.customer().map(|_| {
        let message =
            "할인 적용은 앱 서버(관리자 토큰)만 할 수 있습니다. 고객은 가입할 때 할인 코드를 입력합니다.";
        ChangeResponse::Forbidden(error("ADMIN_ONLY", message))
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
    ) -> ChangeResponse {
        if let Some(refused) = admin_only(&caller) {
            return refused;
        }
        let Ok(coupon_id) = CouponId::parse(body.coupon_id.as_str()) else {
            return ChangeResponse::BadRequest(error("BAD_REQUEST", "coupon_id가 올바르지 않습니다."));
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
    ) -> ChangeResponse {
        if let Some(refused) = admin_only(&caller) {
            return refused;
        }
        self.service.remove_discount(&subscription_id).await.into()
    }
}
