//! Coupons and promotion codes for the admin: list, create or replace, archive. Times are the
//! clock's. Redemptions happen at checkout (`checkout::discount`).

use std::sync::Arc;

use crate::domain::coupon::{Coupon, CouponId, CouponTerms, PromotionCodeTerms, StoredPromotionCode};
use crate::domain::timestamp::Timestamp;
use crate::ports::{Clock, CouponLedger, Ports};

use super::subscriptions::UpstreamFailure;

/// Why a promotion code was not stored.
#[derive(Debug)]
pub enum CodeError {
    /// Its coupon does not exist (404).
    NoSuchCoupon,
    Upstream(UpstreamFailure),
}

/// Reads and writes coupons and promotion codes.
pub struct CouponCatalog<P> {
    ports: Arc<P>,
}

impl<P: Ports> CouponCatalog<P> {
    pub fn new(ports: Arc<P>) -> Self {
        Self { ports }
    }

    fn now(&self) -> Timestamp {
        Timestamp::from_utc(self.ports.clock().now())
    }

    /// Every coupon, archived ones too, oldest first.
    ///
    /// # Errors
    /// [`UpstreamFailure`] when storage fails.
    pub async fn coupons(&self) -> Result<Vec<Coupon>, UpstreamFailure> {
        Ok(self.ports.ledger().coupons().await?)
    }

    /// Creates the coupon or replaces its terms (`true`: created). Subscriptions that redeemed
    /// it keep the terms they redeemed.
    ///
    /// # Errors
    /// [`UpstreamFailure`] when storage fails.
    pub async fn put_coupon(&self, terms: &CouponTerms) -> Result<(Coupon, bool), UpstreamFailure> {
        let stored = self.ports.ledger().upsert_coupon(terms, self.now()).await?;
        tracing::info!(coupon_id = terms.id.as_str(), created = stored.1, "coupon stored");
        Ok(stored)
    }

    /// Archives the coupon: its codes redeem no more; subscriptions keep their discount.
    ///
    /// # Errors
    /// [`UpstreamFailure`] when storage fails.
    pub async fn archive_coupon(&self, id: &CouponId) -> Result<Option<Coupon>, UpstreamFailure> {
        Ok(self.ports.ledger().archive_coupon(id, self.now()).await?)
    }

    /// Every promotion code, oldest first.
    ///
    /// # Errors
    /// [`UpstreamFailure`] when storage fails.
    pub async fn codes(&self) -> Result<Vec<StoredPromotionCode>, UpstreamFailure> {
        Ok(self.ports.ledger().promotion_codes().await?)
    }

    /// Creates the code or replaces its terms (`true`: created).
    ///
    /// # Errors
    /// [`CodeError::NoSuchCoupon`] when its coupon does not exist; storage failures.
    pub async fn put_code(
        &self,
        terms: &PromotionCodeTerms,
    ) -> Result<(StoredPromotionCode, bool), CodeError> {
        let ledger = self.ports.ledger();
        let coupon = ledger
            .coupon(&terms.coupon_id)
            .await
            .map_err(|e| CodeError::Upstream(e.into()))?;
        if coupon.is_none() {
            return Err(CodeError::NoSuchCoupon);
        }
        ledger
            .upsert_promotion_code(terms, self.now())
            .await
            .map_err(|e| CodeError::Upstream(e.into()))
    }
}
