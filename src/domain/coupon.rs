//! Coupons and promotion codes (the merchant's discounts) and the rules that decide whether a
//! code may be redeemed. A coupon says what is taken off and for how long (Stripe's coupon:
//! `percent_off` or `amount_off`, `duration` `once`/`repeating`/`forever`,
//! <https://docs.stripe.com/api/coupons/object>); a promotion code is a customer-facing string
//! (`SPRING50`) pointing at a coupon, matched case-insensitively, with limits of its own
//! (<https://docs.stripe.com/api/promotion_codes/object>).

use serde::{Deserialize, Serialize};

use super::amount::Amount;
use super::discount::{Discount, Off};
use super::plan::{is_code, PlanId};
use super::timestamp::Timestamp;

pub use super::redemption::{check_redeemable, RedeemContext, RedeemRefusal};

/// Most periods a `repeating` coupon may last.
pub const MAX_DURATION_IN_PERIODS: u32 = 120;

/// Plans one coupon may name.
pub const MAX_COUPON_PLANS: usize = 100;

/// A coupon's or promotion code's id, chosen by the merchant: 1–64 of `A–Z a–z 0–9 _ . -`,
/// starting with a letter or digit (a URL path segment, written to PortOne `customData`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
// serde_json writes a newtype struct as its value, as `transparent` would.
#[serde(try_from = "String")]
pub struct CouponId(String);

impl TryFrom<String> for CouponId {
    type Error = InvalidCode;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

/// Why a string is not a [`CouponId`] or a promotion code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a coupon id or promotion code is 1-64 characters of A-Z a-z 0-9 _ . - starting with a letter or digit"
)]
pub struct InvalidCode;

impl CouponId {
    /// # Errors
    /// [`InvalidCode`] for anything but 1–64 of the allowed characters.
    pub fn parse(value: impl Into<String>) -> Result<Self, InvalidCode> {
        let value = value.into();
        is_code(&value).then_some(Self(value)).ok_or(InvalidCode)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A promotion code as the customer types it; compared by [`PromotionCode::key`] (lower case),
/// so `spring50` redeems `SPRING50`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PromotionCode(String);

impl PromotionCode {
    /// # Errors
    /// [`InvalidCode`] for anything but 1–64 of the allowed characters.
    pub fn parse(value: impl Into<String>) -> Result<Self, InvalidCode> {
        let value = value.into();
        is_code(&value).then_some(Self(value)).ok_or(InvalidCode)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What codes are matched by: ASCII lower case.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

/// How many paid periods a coupon discounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "duration")]
pub enum CouponDuration {
    /// The first paid period only.
    Once,
    /// The first `duration_in_periods` paid periods (1–[`MAX_DURATION_IN_PERIODS`]).
    Repeating { duration_in_periods: u32 },
    /// Every paid period.
    Forever,
}

impl CouponDuration {
    /// Paid periods a fresh redemption applies to; `None`: forever.
    pub fn periods(self) -> Option<u32> {
        match self {
            Self::Once => Some(1),
            Self::Repeating { duration_in_periods } => Some(duration_in_periods),
            Self::Forever => None,
        }
    }
}

/// A coupon's terms as the merchant sets them (`PUT /api/coupons/{coupon_id}`), validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponTerms {
    pub id: CouponId,
    /// Shown to the customer (`런칭 50% 할인`).
    pub name: String,
    #[serde(flatten)]
    pub off: Off,
    #[serde(flatten)]
    pub duration: CouponDuration,
    /// Redemptions allowed across all codes and direct applications; `None`: unlimited.
    pub max_redemptions: Option<u32>,
    /// Last moment it may be redeemed, UTC; `None`: no end.
    pub redeem_by: Option<Timestamp>,
    /// The plans it applies to; empty: every plan.
    pub plan_ids: Vec<PlanId>,
}

/// Why requested coupon terms were refused (400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CouponTermsError {
    #[error("name must be 1-100 characters, not blank")]
    Name,
    #[error("give exactly one of percent_off (1-100) or amount_off (with currency)")]
    Off,
    #[error("duration_in_periods (1-{MAX_DURATION_IN_PERIODS}) goes with duration `repeating` only")]
    Duration,
    #[error("max_redemptions must be at least 1")]
    MaxRedemptions,
    #[error("plan_ids may name at most {MAX_COUPON_PLANS} plans")]
    Plans,
}

impl CouponTerms {
    /// Checks the terms a merchant asked for.
    ///
    /// # Errors
    /// [`CouponTermsError`] for the first unacceptable term.
    pub fn new(
        id: CouponId,
        name: &str,
        off: Off,
        duration: CouponDuration,
        max_redemptions: Option<u32>,
        redeem_by: Option<Timestamp>,
        plan_ids: Vec<PlanId>,
    ) -> Result<Self, CouponTermsError> {
        if !super::plan::name_ok(name) {
            return Err(CouponTermsError::Name);
        }
        let off_ok = match &off {
            Off::Percent { percent_off } => (1..=100).contains(percent_off),
            Off::Amount { amount_off, .. } => Amount::price(amount_off.value()).is_ok(),
        };
        if !off_ok {
            return Err(CouponTermsError::Off);
        }
        if let CouponDuration::Repeating { duration_in_periods } = duration {
            if !(1..=MAX_DURATION_IN_PERIODS).contains(&duration_in_periods) {
                return Err(CouponTermsError::Duration);
            }
        }
        if max_redemptions == Some(0) {
            return Err(CouponTermsError::MaxRedemptions);
        }
        if plan_ids.len() > MAX_COUPON_PLANS {
            return Err(CouponTermsError::Plans);
        }
        Ok(Self {
            id,
            name: name.to_owned(),
            off,
            duration,
            max_redemptions,
            redeem_by,
            plan_ids,
        })
    }

    /// The discount a new redemption gives.
    pub fn discount(&self) -> Discount {
        Discount {
            coupon_id: self.id.as_str().to_owned(),
            off: self.off.clone(),
            periods_left: self.duration.periods(),
        }
    }
}

/// A stored coupon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coupon {
    #[serde(flatten)]
    pub terms: CouponTerms,
    /// Redemptions so far.
    pub times_redeemed: u32,
    /// When it was archived: no new redemption; subscriptions keep theirs.
    pub archived_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A promotion code's terms (`PUT /api/promotion-codes/{code}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PromotionCodeTerms {
    pub code: PromotionCode,
    pub coupon_id: CouponId,
    /// Redemptions of this code allowed; `None`: only the coupon's limit.
    pub max_redemptions: Option<u32>,
    /// Last moment it may be redeemed, UTC.
    pub expires_at: Option<Timestamp>,
    /// Only for a customer who never had a subscription.
    pub first_subscription_only: bool,
}

/// A stored promotion code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredPromotionCode {
    #[serde(flatten)]
    pub terms: PromotionCodeTerms,
    pub times_redeemed: u32,
    pub active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[cfg(test)]
#[path = "coupon_tests.rs"]
mod tests;
