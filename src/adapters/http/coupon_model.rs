//! Coupons and promotion codes as the API shows them and as `PUT` takes them (snake_case, like
//! Stripe's coupon and promotion code objects).

use poem_openapi::Object;

use super::nullable::Nullable;
use super::text::Text;
use crate::domain::amount::Amount;
use crate::domain::coupon::{Coupon, CouponDuration, StoredPromotionCode};

/// A coupon.
#[derive(Debug, Object)]
pub struct CouponModel {
    pub id: String,
    pub name: String,
    /// 1–100; `null` for an amount coupon.
    pub percent_off: Nullable<u8>,
    /// Per discounted charge, in `currency`'s unit (KRW: won); `null` for a percent coupon.
    pub amount_off: Nullable<i64>,
    pub currency: Nullable<String>,
    /// `once`, `repeating` or `forever`: how many paid periods it discounts.
    pub duration: String,
    /// With `repeating`: how many.
    pub duration_in_periods: Nullable<u32>,
    pub max_redemptions: Nullable<u32>,
    pub times_redeemed: u32,
    /// UTC; after it no code of this coupon redeems.
    pub redeem_by: Nullable<String>,
    /// The plans it applies to; empty: every plan.
    pub plan_ids: Vec<String>,
    /// UTC, once archived: no new redemption.
    pub archived_at: Nullable<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<Coupon> for CouponModel {
    fn from(coupon: Coupon) -> Self {
        let terms = coupon.terms;
        let (percent_off, amount_off, currency) = terms.off.parts();
        let (duration, periods) = match terms.duration {
            CouponDuration::Once => ("once", None),
            CouponDuration::Repeating { duration_in_periods } => ("repeating", Some(duration_in_periods)),
            CouponDuration::Forever => ("forever", None),
        };
        Self {
            id: terms.id.as_str().to_owned(),
            name: terms.name,
            percent_off: percent_off.into(),
            amount_off: amount_off.map(Amount::value).into(),
            currency: currency.map(ToString::to_string).into(),
            duration: duration.to_owned(),
            duration_in_periods: periods.into(),
            max_redemptions: terms.max_redemptions.into(),
            times_redeemed: coupon.times_redeemed,
            redeem_by: terms.redeem_by.map(|at| at.to_iso()).into(),
            plan_ids: terms.plan_ids.iter().map(ToString::to_string).collect(),
            archived_at: coupon.archived_at.map(|at| at.to_iso()).into(),
            created_at: coupon.created_at.to_iso(),
            updated_at: coupon.updated_at.to_iso(),
        }
    }
}

/// A coupon's terms: `PUT` replaces them all.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct CouponBody {
    /// Shown to the customer (`런칭 50% 할인`).
    pub name: Text,
    /// 1–100. Exactly one of `percent_off` and `amount_off`.
    pub percent_off: Option<i64>,
    /// Per discounted charge, in `currency`'s unit, greater than 0; with `currency`.
    pub amount_off: Option<i64>,
    pub currency: Option<Text>,
    /// `once` (the first paid period), `repeating` (with `duration_in_periods`) or `forever`.
    pub duration: Text,
    /// 1–120, with `repeating` only.
    pub duration_in_periods: Option<i64>,
    /// At least 1; absent: unlimited.
    pub max_redemptions: Option<i64>,
    /// RFC 3339; after it no code of this coupon redeems.
    pub redeem_by: Option<Text>,
    /// Plan ids it applies to; absent or empty: every plan.
    pub plan_ids: Option<Vec<Text>>,
}

/// A promotion code.
#[derive(Debug, Object)]
pub struct PromotionCodeModel {
    /// As the merchant wrote it; matched case-insensitively.
    pub code: String,
    pub coupon_id: String,
    pub max_redemptions: Nullable<u32>,
    pub times_redeemed: u32,
    /// UTC.
    pub expires_at: Nullable<String>,
    pub first_subscription_only: bool,
    pub active: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<StoredPromotionCode> for PromotionCodeModel {
    fn from(code: StoredPromotionCode) -> Self {
        let terms = code.terms;
        Self {
            code: terms.code.as_str().to_owned(),
            coupon_id: terms.coupon_id.as_str().to_owned(),
            max_redemptions: terms.max_redemptions.into(),
            times_redeemed: code.times_redeemed,
            expires_at: terms.expires_at.map(|at| at.to_iso()).into(),
            first_subscription_only: terms.first_subscription_only,
            active: code.active,
            created_at: code.created_at.to_iso(),
            updated_at: code.updated_at.to_iso(),
        }
    }
}

/// A promotion code's terms: `PUT` replaces them all.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct PromotionCodeBody {
    /// The coupon it redeems.
    pub coupon_id: Text,
    /// At least 1; absent: only the coupon's limit.
    pub max_redemptions: Option<i64>,
    /// RFC 3339.
    pub expires_at: Option<Text>,
    /// Only a customer who never had a subscription may redeem it (default `false`).
    pub first_subscription_only: Option<bool>,
}

/// Every coupon.
#[derive(Debug, Object)]
pub struct CouponList {
    pub coupons: Vec<CouponModel>,
}

/// Every promotion code.
#[derive(Debug, Object)]
pub struct PromotionCodeList {
    pub promotion_codes: Vec<PromotionCodeModel>,
}
