//! The admin applies a coupon to a running subscription, from its next charge on (Stripe's
//! `discounts` on a subscription update), or takes it off: one coupon per subscription at a time,
//! the new one replacing the old. The pending charge (the next renewal, or a pending retry) is
//! scheduled again with the new amount, as a plan change at period end moves it.

use crate::domain::coupon::{check_redeemable, CouponId, RedeemContext, RedeemRefusal};
use crate::domain::currency::Currency;
use crate::domain::discount::Discount;
use crate::domain::event::EventType;
use crate::domain::record::PaymentRecord;
use crate::domain::subscription::SubscriptionStatus;
use crate::domain::subscription_id::SubscriptionId;
use crate::ports::{CouponLedger, Ports, Redeemed, Redemption};

use super::reschedule::NextChargeChange;
use super::{live, SubscriptionChange, SubscriptionError, SubscriptionService};

impl<P: Ports> SubscriptionService<P> {
    /// Applies coupon `coupon_id` from the next charge on, counted as one redemption of the
    /// coupon (once per subscription and coupon, however often it is sent).
    ///
    /// # Errors
    /// [`SubscriptionError::CouponNotFound`]; [`SubscriptionError::CouponRefused`] for an archived
    /// or expired coupon, another plan's or currency's, or one out of redemptions; as
    /// [`Self::change`] for the subscription's state.
    pub async fn apply_coupon(
        &self,
        key: &SubscriptionId,
        coupon_id: &CouponId,
    ) -> Result<SubscriptionChange, SubscriptionError> {
        let record = self.latest(key).await?;
        let status = live(&record, self.now())?;
        if record
            .next_discount
            .as_ref()
            .is_some_and(|d| d.coupon_id == coupon_id.as_str())
        {
            let message = "이미 이 쿠폰이 다음 결제부터 적용되어 있습니다.";
            return self.answer(record, false, ("DISCOUNT_UNCHANGED", message)).await;
        }
        let ledger = self.ports.ledger();
        let coupon = ledger
            .coupon(coupon_id)
            .await?
            .ok_or(SubscriptionError::CouponNotFound)?;
        let next = record.next_charge_terms();
        let currency = next.currency.clone().unwrap_or_else(|| Currency::reported("KRW"));
        let context = RedeemContext {
            plan_id: next.plan_id.as_ref(),
            currency: &currency,
            first_subscription: false,
            now: self.now(),
        };
        let discount = check_redeemable(None, &coupon, context).map_err(SubscriptionError::CouponRefused)?;
        let redemption_key = format!("apply-{}-{}", record.subscription_key(), coupon_id.as_str());
        let redemption = Redemption {
            key: &redemption_key,
            coupon_id,
            code: None,
            customer_id: record.customer_id.as_deref(),
            at: self.now(),
        };
        if ledger.redeem(&redemption).await? == Redeemed::Exhausted {
            return Err(SubscriptionError::CouponRefused(RedeemRefusal::Exhausted));
        }
        if let Err(error) = self.move_discount(&record, status, Some(discount)).await {
            if let Err(release) = ledger.release_redemption(&redemption_key).await {
                tracing::warn!(%release, "an unapplied coupon's redemption could not be given back");
            }
            return Err(error);
        }
        tracing::info!(transaction_key = %record.transaction_key, coupon_id = coupon_id.as_str(), "coupon applied");
        self.announce(&record, &EventType::DiscountApplied, coupon_id.as_str())
            .await;
        let record = self.latest(key).await?;
        let message = "다음 결제부터 쿠폰 할인을 적용했습니다.";
        self.answer(record, true, ("DISCOUNT_APPLIED", message)).await
    }

    /// Takes the discount off from the next charge on (the current period stays as paid).
    ///
    /// # Errors
    /// As [`Self::change`].
    pub async fn remove_discount(
        &self,
        key: &SubscriptionId,
    ) -> Result<SubscriptionChange, SubscriptionError> {
        let record = self.latest(key).await?;
        let status = live(&record, self.now())?;
        if record.next_discount.is_none() {
            let message = "다음 결제에 적용된 할인이 없습니다.";
            return self.answer(record, false, ("DISCOUNT_UNCHANGED", message)).await;
        }
        self.move_discount(&record, status, None).await?;
        if let Some(removed) = &record.next_discount {
            self.announce(&record, &EventType::DiscountEnded, &removed.coupon_id)
                .await;
        }
        let record = self.latest(key).await?;
        let message = "다음 결제부터 할인을 없앴습니다.";
        self.answer(record, true, ("DISCOUNT_REMOVED", message)).await
    }

    /// Stores `discount` for `record`'s next charge and moves its pending charge to the new
    /// amount (`move_pending_charge`: none at PortOne when it comes to 0; the old discount and
    /// schedule put back when PortOne refuses).
    async fn move_discount(
        &self,
        record: &PaymentRecord,
        status: SubscriptionStatus,
        discount: Option<Discount>,
    ) -> Result<(), SubscriptionError> {
        let changed = PaymentRecord {
            next_discount: discount.clone(),
            ..record.clone()
        };
        let change = NextChargeChange {
            record,
            changed: &changed,
            status,
            what: "discount",
            already_charged: "다음 결제가 이미 진행되어 할인을 바꿀 수 없습니다.",
        };
        let put_back = || async {
            if let Err(error) = self.store_discount(record, record.next_discount.as_ref()).await {
                tracing::error!(%error, "the previous discount could not be stored again");
            }
        };
        self.move_pending_charge(change, self.store_discount(record, discount.as_ref()), put_back)
            .await
    }

    /// Tells the app (`event` for `coupon_id`); the change already took effect, so a storage
    /// failure here is logged, not answered.
    async fn announce(&self, record: &PaymentRecord, event: &EventType, coupon_id: &str) {
        let written = self
            .ports
            .ledger()
            .announce_discount(&record.transaction_key, event, coupon_id, self.now())
            .await;
        if let Err(error) = written {
            tracing::error!(%error, event = event.as_str(), "a discount change took effect but its event was not written");
        }
    }

    async fn store_discount(
        &self,
        record: &PaymentRecord,
        discount: Option<&Discount>,
    ) -> Result<(), SubscriptionError> {
        self.ports
            .ledger()
            .set_next_discount(&record.transaction_key, discount)
            .await?
            .map(|_| ())
            .ok_or(SubscriptionError::NotFound)
    }
}
