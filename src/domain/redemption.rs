//! Whether a promotion code or coupon may be redeemed: every rule but the counters, which
//! storage checks atomically when it counts the redemption (`redeem_coupon`).

use super::coupon::{Coupon, StoredPromotionCode};
use super::currency::Currency;
use super::discount::{Discount, Off};
use super::plan::PlanId;
use super::timestamp::Timestamp;

/// Why a code or coupon cannot be redeemed. Each is a 4xx with its `code`; nothing is charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedeemRefusal {
    /// No such code (404 `PROMOTION_CODE_NOT_FOUND`).
    Unknown,
    /// Past `expires_at`/`redeem_by`, or archived (410 `PROMOTION_CODE_EXPIRED`).
    Expired,
    /// Every redemption was taken (409 `PROMOTION_CODE_EXHAUSTED`).
    Exhausted,
    /// Not for this plan or currency (422 `PROMOTION_CODE_NOT_APPLICABLE`).
    NotApplicable,
    /// For a first subscription only, and the customer had one (422
    /// `PROMOTION_CODE_FIRST_SUBSCRIPTION_ONLY`).
    NotFirstSubscription,
}

impl RedeemRefusal {
    /// The answer's machine code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Unknown => "PROMOTION_CODE_NOT_FOUND",
            Self::Expired => "PROMOTION_CODE_EXPIRED",
            Self::Exhausted => "PROMOTION_CODE_EXHAUSTED",
            Self::NotApplicable => "PROMOTION_CODE_NOT_APPLICABLE",
            Self::NotFirstSubscription => "PROMOTION_CODE_FIRST_SUBSCRIPTION_ONLY",
        }
    }
}

/// Where a redemption is made: the plan and currency charged, and whether the customer ever had
/// a subscription.
#[derive(Debug, Clone, Copy)]
pub struct RedeemContext<'a> {
    /// `None` for a subscription started without a plan: only a coupon for every plan applies.
    pub plan_id: Option<&'a PlanId>,
    pub currency: &'a Currency,
    pub first_subscription: bool,
    pub now: Timestamp,
}

/// Checks everything but the counters (which storage checks atomically when it counts the
/// redemption): the code is active and not expired, its coupon is not archived or past
/// `redeem_by`, and applies to the plan and currency.
///
/// # Errors
/// The [`RedeemRefusal`] that applies first.
pub fn check_redeemable(
    code: Option<&StoredPromotionCode>,
    coupon: &Coupon,
    context: RedeemContext<'_>,
) -> Result<Discount, RedeemRefusal> {
    let now = context.now;
    if let Some(code) = code {
        let expired = code.terms.expires_at.is_some_and(|at| at < now);
        if !code.active || expired {
            return Err(RedeemRefusal::Expired);
        }
        if code.terms.first_subscription_only && !context.first_subscription {
            return Err(RedeemRefusal::NotFirstSubscription);
        }
    }
    let terms = &coupon.terms;
    if coupon.archived_at.is_some() || terms.redeem_by.is_some_and(|at| at < now) {
        return Err(RedeemRefusal::Expired);
    }
    let plan_ok =
        terms.plan_ids.is_empty() || context.plan_id.is_some_and(|plan| terms.plan_ids.contains(plan));
    let currency_ok = match &terms.off {
        Off::Amount { currency, .. } => currency == context.currency,
        Off::Percent { .. } => true,
    };
    if !plan_ok || !currency_ok {
        return Err(RedeemRefusal::NotApplicable);
    }
    Ok(terms.discount())
}
