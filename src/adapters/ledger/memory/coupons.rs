//! [`CouponLedger`] in memory, as the SQL functions `upsert_coupon`, `redeem_coupon`,
//! `release_redemption` and the others behave.

use std::collections::HashMap;

use super::InMemoryLedger;
use crate::domain::coupon::{
    Coupon, CouponId, CouponTerms, PromotionCode, PromotionCodeTerms, StoredPromotionCode,
};
use crate::domain::discount::Discount;
use crate::domain::event::EventType;
use crate::domain::payment_id::PaymentId;
use crate::domain::timestamp::Timestamp;
use crate::ports::ledger::LedgerResult;
use crate::ports::{CouponLedger, LedgerError, Redeemed, Redemption};

/// A counted redemption: what to give back when it is released.
#[derive(Debug, Clone)]
struct Counted {
    coupon_id: CouponId,
    code_key: Option<String>,
}

#[derive(Debug, Default)]
pub(super) struct CouponTables {
    coupons: HashMap<CouponId, Coupon>,
    codes: HashMap<String, StoredPromotionCode>,
    redemptions: HashMap<String, Counted>,
}

/// `true` while `times` is below `max` (none: no limit).
fn room(times: u32, max: Option<u32>) -> bool {
    max.is_none_or(|max| times < max)
}

impl CouponLedger for InMemoryLedger {
    async fn coupons(&self) -> Result<Vec<Coupon>, LedgerError> {
        let mut all: Vec<Coupon> = self.lock().coupons.coupons.values().cloned().collect();
        all.sort_by(|a, b| (a.created_at, &a.terms.id).cmp(&(b.created_at, &b.terms.id)));
        Ok(all)
    }

    async fn coupon(&self, id: &CouponId) -> Result<Option<Coupon>, LedgerError> {
        Ok(self.lock().coupons.coupons.get(id).cloned())
    }

    async fn upsert_coupon(&self, terms: &CouponTerms, at: Timestamp) -> Result<(Coupon, bool), LedgerError> {
        let mut tables = self.lock();
        let coupons = &mut tables.coupons.coupons;
        let created = !coupons.contains_key(&terms.id);
        let coupon = coupons.entry(terms.id.clone()).or_insert_with(|| Coupon {
            terms: terms.clone(),
            times_redeemed: 0,
            archived_at: None,
            created_at: at,
            updated_at: at,
        });
        if coupon.terms != *terms {
            coupon.terms = terms.clone();
            coupon.updated_at = at;
        }
        Ok((coupon.clone(), created))
    }

    async fn archive_coupon(&self, id: &CouponId, at: Timestamp) -> Result<Option<Coupon>, LedgerError> {
        Ok(self.lock().coupons.coupons.get_mut(id).map(|coupon| {
            if coupon.archived_at.is_none() {
                coupon.archived_at = Some(at);
                coupon.updated_at = at;
            }
            coupon.clone()
        }))
    }

    async fn promotion_codes(&self) -> Result<Vec<StoredPromotionCode>, LedgerError> {
        let mut all: Vec<_> = self.lock().coupons.codes.values().cloned().collect();
        all.sort_by_key(|code| (code.created_at, code.terms.code.key()));
        Ok(all)
    }

    async fn promotion_code(
        &self,
        code: &PromotionCode,
    ) -> Result<Option<(StoredPromotionCode, Coupon)>, LedgerError> {
        let tables = self.lock();
        let found = tables.coupons.codes.get(&code.key()).and_then(|code| {
            let coupon = tables.coupons.coupons.get(&code.terms.coupon_id)?;
            Some((code.clone(), coupon.clone()))
        });
        Ok(found)
    }

    async fn upsert_promotion_code(
        &self,
        terms: &PromotionCodeTerms,
        at: Timestamp,
    ) -> Result<(StoredPromotionCode, bool), LedgerError> {
        let mut tables = self.lock();
        let codes = &mut tables.coupons.codes;
        let key = terms.code.key();
        let created = !codes.contains_key(&key);
        let code = codes.entry(key).or_insert_with(|| StoredPromotionCode {
            terms: terms.clone(),
            times_redeemed: 0,
            active: true,
            created_at: at,
            updated_at: at,
        });
        if code.terms != *terms {
            code.terms = terms.clone();
            code.updated_at = at;
        }
        Ok((code.clone(), created))
    }

    async fn redeem(&self, redemption: &Redemption<'_>) -> Result<Redeemed, LedgerError> {
        let mut tables = self.lock();
        let coupons = &mut tables.coupons;
        if coupons.redemptions.contains_key(redemption.key) {
            return Ok(Redeemed::Counted);
        }
        let Some(coupon) = coupons.coupons.get(redemption.coupon_id) else {
            return Ok(Redeemed::Exhausted);
        };
        let code_key = redemption.code.map(PromotionCode::key);
        if let Some(key) = &code_key {
            let code_ok = coupons.codes.get(key).is_some_and(|code| {
                code.terms.coupon_id == *redemption.coupon_id
                    && room(code.times_redeemed, code.terms.max_redemptions)
            });
            if !code_ok {
                return Ok(Redeemed::Exhausted);
            }
        }
        if !room(coupon.times_redeemed, coupon.terms.max_redemptions) {
            return Ok(Redeemed::Exhausted);
        }
        if let Some(coupon) = coupons.coupons.get_mut(redemption.coupon_id) {
            coupon.times_redeemed += 1;
        }
        if let Some(code) = code_key.as_ref().and_then(|key| coupons.codes.get_mut(key)) {
            code.times_redeemed += 1;
        }
        let counted = Counted {
            coupon_id: redemption.coupon_id.clone(),
            code_key,
        };
        coupons.redemptions.insert(redemption.key.to_owned(), counted);
        Ok(Redeemed::Counted)
    }

    async fn release_redemption(&self, key: &str) -> Result<(), LedgerError> {
        let mut tables = self.lock();
        let coupons = &mut tables.coupons;
        let Some(counted) = coupons.redemptions.remove(key) else {
            return Ok(());
        };
        if let Some(coupon) = coupons.coupons.get_mut(&counted.coupon_id) {
            coupon.times_redeemed = coupon.times_redeemed.saturating_sub(1);
        }
        if let Some(code) = counted.code_key.and_then(|key| coupons.codes.get_mut(&key)) {
            code.times_redeemed = code.times_redeemed.saturating_sub(1);
        }
        Ok(())
    }

    async fn announce_discount(
        &self,
        key: &PaymentId,
        event: &EventType,
        coupon_id: &str,
        at: Timestamp,
    ) -> LedgerResult {
        let mut tables = self.lock();
        let Some(row) = tables.payments.get(key).cloned() else {
            return Ok(None);
        };
        let mut cause = super::events::month_data(&row);
        cause["coupon_id"] = serde_json::json!(coupon_id);
        tables.emit_change(event.clone(), &row, at, cause);
        Ok(Some(row))
    }

    async fn set_next_discount(&self, key: &PaymentId, discount: Option<&Discount>) -> LedgerResult {
        Ok(self.lock().payments.get_mut(key).map(|month| {
            month.next_discount = discount.cloned();
            month.clone()
        }))
    }
}
