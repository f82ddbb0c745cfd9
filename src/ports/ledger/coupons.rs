//! Coupons, promotion codes and their redemptions (`public.coupon`, `public.promotion_code`,
//! `public.coupon_redemption`).

use std::future::Future;

use super::{LedgerError, LedgerResult};
use crate::domain::coupon::{
    Coupon, CouponId, CouponTerms, PromotionCode, PromotionCodeTerms, StoredPromotionCode,
};
use crate::domain::discount::Discount;
use crate::domain::event::EventType;
use crate::domain::payment_id::PaymentId;
use crate::domain::timestamp::Timestamp;

/// One redemption to count: `key` names what redeems it, so a repeat counts nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redemption<'a> {
    /// A checkout's first `paymentId`, or `apply-{subscription}-{coupon}` for the admin's.
    pub key: &'a str,
    pub coupon_id: &'a CouponId,
    /// The code redeemed; `None` for the admin applying the coupon itself.
    pub code: Option<&'a PromotionCode>,
    pub customer_id: Option<&'a str>,
    pub at: Timestamp,
}

/// What counting a redemption did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redeemed {
    /// Counted now, or by an earlier run of the same key.
    Counted,
    /// The code's or the coupon's `max_redemptions` was reached: nothing was counted.
    Exhausted,
}

/// The merchant's coupons and codes. A clone is a handle on the same storage.
///
/// # Errors
/// Every method returns [`LedgerError`] only for storage failures.
pub trait CouponLedger: Clone + Send + Sync + 'static {
    /// Every coupon, archived ones too, oldest first.
    fn coupons(&self) -> impl Future<Output = Result<Vec<Coupon>, LedgerError>> + Send;

    fn coupon(&self, id: &CouponId) -> impl Future<Output = Result<Option<Coupon>, LedgerError>> + Send;

    /// Creates the coupon or replaces its terms at `at`; `true` when it is new. Subscriptions
    /// that redeemed it keep the terms they redeemed.
    fn upsert_coupon(
        &self,
        terms: &CouponTerms,
        at: Timestamp,
    ) -> impl Future<Output = Result<(Coupon, bool), LedgerError>> + Send;

    /// Archives the coupon (idempotent): no new redemption. `None` when there is none.
    fn archive_coupon(
        &self,
        id: &CouponId,
        at: Timestamp,
    ) -> impl Future<Output = Result<Option<Coupon>, LedgerError>> + Send;

    /// Every promotion code, oldest first.
    fn promotion_codes(&self) -> impl Future<Output = Result<Vec<StoredPromotionCode>, LedgerError>> + Send;

    /// The code matching `code` case-insensitively, with its coupon.
    fn promotion_code(
        &self,
        code: &PromotionCode,
    ) -> impl Future<Output = Result<Option<(StoredPromotionCode, Coupon)>, LedgerError>> + Send;

    /// Creates the code or replaces its terms at `at`; `true` when it is new. Its coupon exists
    /// (the caller checked).
    fn upsert_promotion_code(
        &self,
        terms: &PromotionCodeTerms,
        at: Timestamp,
    ) -> impl Future<Output = Result<(StoredPromotionCode, bool), LedgerError>> + Send;

    /// Counts `redemption` atomically against the code's and the coupon's limits.
    fn redeem(
        &self,
        redemption: &Redemption<'_>,
    ) -> impl Future<Output = Result<Redeemed, LedgerError>> + Send;

    /// Gives back the redemption `key` (its charge was declined); nothing when there is none.
    fn release_redemption(&self, key: &str) -> impl Future<Output = Result<(), LedgerError>> + Send;

    /// Writes `event` (`subscription.discount_applied`, or `.discount_ended` for a removal) for
    /// the month `key`'s subscription, naming `coupon_id`, at `at`: called once the change took
    /// effect (its schedule moved), so no event announces a change that was put back.
    fn announce_discount(
        &self,
        key: &PaymentId,
        event: &EventType,
        coupon_id: &str,
        at: Timestamp,
    ) -> impl Future<Output = LedgerResult> + Send;

    /// Sets the discount the next charge of the month `key` gets; the stored month.
    fn set_next_discount(
        &self,
        key: &PaymentId,
        discount: Option<&Discount>,
    ) -> impl Future<Output = LedgerResult> + Send;
}
