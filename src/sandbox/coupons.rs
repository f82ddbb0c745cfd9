//! The coupon and promotion code sandbox mode starts with: `LAUNCH50` (50% off the first three
//! paid periods, any plan) and its code `SPRING50`, so the README's walk-through can redeem one.

use crate::domain::coupon::{CouponDuration, CouponId, CouponTerms, PromotionCode, PromotionCodeTerms};
use crate::domain::discount::Off;
use crate::ports::Ports;
use crate::service::coupons::{CodeError, CouponCatalog};

/// Stores `LAUNCH50` and `SPRING50`.
///
/// # Errors
/// When storage refuses them (never, in memory).
pub async fn seed<P: Ports>(catalog: &CouponCatalog<P>) -> anyhow::Result<()> {
    let id = CouponId::parse("LAUNCH50").map_err(anyhow::Error::msg)?;
    let terms = CouponTerms::new(
        id.clone(),
        "런칭 기념 3개월 50% 할인",
        Off::Percent { percent_off: 50 },
        CouponDuration::Repeating {
            duration_in_periods: 3,
        },
        None,
        None,
        Vec::new(),
    )
    .map_err(anyhow::Error::msg)?;
    catalog
        .put_coupon(&terms)
        .await
        .map_err(|e| anyhow::anyhow!(e.detail))?;
    let code = PromotionCodeTerms {
        code: PromotionCode::parse("SPRING50").map_err(anyhow::Error::msg)?,
        coupon_id: id,
        max_redemptions: Some(100),
        expires_at: None,
        first_subscription_only: false,
    };
    match catalog.put_code(&code).await {
        Ok(_) => Ok(()),
        Err(CodeError::NoSuchCoupon) => Err(anyhow::anyhow!("the sandbox coupon was not stored")),
        Err(CodeError::Upstream(e)) => Err(anyhow::anyhow!(e.detail)),
    }
}
