//! PortOne's `customData`: a free string on every payment (`BillingKeyPaymentInput.customData`,
//! `Payment.customData`). This service writes `{"planId": "…"}` on each charge it makes, with
//! `"quantity"` when it buys more than one seat and `"kind": "proration"` on an upgrade's
//! prorated charge, so whichever way a payment is recorded (webhook, checkout or reconciliation)
//! its month records its plan and seats, and a proration never becomes a month. A discounted
//! charge adds `"listAmount"` (the undiscounted price) and `"coupon"` (the discount and the paid
//! periods it still applies to, this one included), so the month it pays carries what is left of
//! the discount to the next charge; an interval switch's charge adds `"credit"`, the unused part of
//! the period it cut short.

use serde::{Deserialize, Serialize};

use crate::domain::amount::Amount;
use crate::domain::charge_kind::ChargeKind;
use crate::domain::discount::{Discount, Off};
use crate::domain::plan::PlanId;
use crate::domain::quantity::Quantity;

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CustomData {
    plan_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    quantity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    list_amount: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    coupon: Option<CouponData>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    credit: Option<i64>,
}

/// `customData.coupon`, in PortOne's camelCase like the rest of `customData`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CouponData {
    coupon_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    percent_off: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    amount_off: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    periods_left: Option<u32>,
}

impl CouponData {
    fn of(discount: &Discount) -> Self {
        let (percent_off, amount_off, currency) = discount.off.parts();
        Self {
            coupon_id: discount.coupon_id.clone(),
            percent_off,
            amount_off: amount_off.map(Amount::value),
            currency: currency.map(|c| c.as_str().to_owned()),
            periods_left: discount.periods_left,
        }
    }

    fn discount(self) -> Option<Discount> {
        let off = Off::from_parts(self.percent_off, self.amount_off, self.currency)?;
        Some(Discount {
            coupon_id: self.coupon_id,
            off,
            periods_left: self.periods_left,
        })
    }
}

/// What `customData` says of a charge this service made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(in crate::adapters::portone) struct Tag {
    pub plan_id: Option<PlanId>,
    pub quantity: Quantity,
    pub kind: ChargeKind,
    pub list_amount: Option<Amount>,
    /// The discount this charge got, with the paid periods it applies to (this one included).
    pub discount: Option<Discount>,
    /// What an interval switch credited of the period it cut short (the charge is the new
    /// period's price, less its discount, less this).
    pub credit: Option<Amount>,
}

/// `customData` for a charge on `plan` of `quantity` seats; `None` when there is nothing to say
/// (no plan, one seat, a period).
pub(in crate::adapters::portone) fn write(tag: &Tag) -> Option<String> {
    if *tag == Tag::default() {
        return None;
    }
    serde_json::to_string(&CustomData {
        plan_id: tag.plan_id.as_ref().map(|plan| plan.as_str().to_owned()),
        quantity: (tag.quantity != Quantity::ONE).then(|| i64::from(tag.quantity.get())),
        kind: (tag.kind != ChargeKind::Period).then(|| tag.kind.as_str().to_owned()),
        list_amount: tag.list_amount.map(Amount::value),
        coupon: tag.discount.as_ref().map(CouponData::of),
        credit: tag.credit.map(Amount::value),
    })
    .ok()
}

/// What `customData` names; the default (no plan, one seat, a period) for anything else
/// (payments made elsewhere put whatever they like there).
pub(in crate::adapters::portone) fn read(custom_data: Option<&str>) -> Tag {
    let Some(data) = custom_data.and_then(|data| serde_json::from_str::<CustomData>(data).ok()) else {
        return Tag::default();
    };
    Tag {
        plan_id: data.plan_id.and_then(|plan| PlanId::parse(plan).ok()),
        quantity: data
            .quantity
            .and_then(|q| Quantity::new(q).ok())
            .unwrap_or_default(),
        kind: match data.kind.as_deref() {
            Some("proration") => ChargeKind::Proration,
            _ => ChargeKind::Period,
        },
        list_amount: data.list_amount.and_then(|amount| Amount::new(amount).ok()),
        discount: data.coupon.and_then(CouponData::discount),
        credit: data.credit.and_then(|credit| Amount::new(credit).ok()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_a_plan_and_ignores_foreign_data() {
        let pro = PlanId::parse("pro_monthly").unwrap();
        let tag = Tag {
            plan_id: Some(pro.clone()),
            ..Tag::default()
        };
        let written = write(&tag).unwrap();
        assert_eq!(written, r#"{"planId":"pro_monthly"}"#);
        assert_eq!(read(Some(&written)).plan_id, Some(pro));
        for foreign in [
            "",
            "not json",
            "{}",
            r#"{"planId": 3}"#,
            r#"{"planId": "a b"}"#,
            "[1]",
        ] {
            assert_eq!(read(Some(foreign)).plan_id, None, "{foreign}");
        }
        assert_eq!(read(None), Tag::default());
        assert_eq!(write(&Tag::default()), None);
    }

    #[test]
    fn round_trips_seats_and_a_proration() {
        let team = PlanId::parse("team").unwrap();
        let five = Quantity::new(5).unwrap();
        let tag = Tag {
            plan_id: Some(team),
            quantity: five,
            kind: ChargeKind::Proration,
            list_amount: Amount::new(199_000).ok(),
            discount: None,
            credit: None,
        };
        let written = write(&tag).unwrap();
        assert_eq!(
            written,
            r#"{"planId":"team","quantity":5,"kind":"proration","listAmount":199000}"#
        );
        assert_eq!(read(Some(&written)), tag);
        // A quantity out of range is one seat; an unknown kind is a period.
        let odd = read(Some(r#"{"planId":"team","quantity":0,"kind":"gift"}"#));
        assert_eq!((odd.quantity, odd.kind), (Quantity::ONE, ChargeKind::Period));
    }
}

#[cfg(test)]
mod coupon_tests {
    use super::*;

    #[test]
    fn round_trips_a_discount_in_camel_case() {
        let tag = Tag {
            plan_id: PlanId::parse("pro").ok(),
            list_amount: Amount::new(9_900).ok(),
            discount: Some(Discount {
                coupon_id: "LAUNCH50".into(),
                off: Off::Percent { percent_off: 50 },
                periods_left: Some(3),
            }),
            ..Tag::default()
        };
        let written = write(&tag).unwrap();
        assert_eq!(
            written,
            r#"{"planId":"pro","listAmount":9900,"coupon":{"couponId":"LAUNCH50","percentOff":50,"periodsLeft":3}}"#
        );
        assert_eq!(read(Some(&written)), tag);
        let fixed = r#"{"planId":"pro","coupon":{"couponId":"P","amountOff":5000,"currency":"KRW"}}"#;
        let read_back = read(Some(fixed));
        assert_eq!(write(&read_back).as_deref(), Some(fixed));
        // An interval switch's credit rides along.
        let switch = Tag {
            credit: Amount::new(3_300).ok(),
            ..tag.clone()
        };
        let written = write(&switch).unwrap();
        assert!(written.ends_with(r#","credit":3300}"#), "{written}");
        assert_eq!(read(Some(&written)), switch);
        // Both kinds of discount, or a percent out of range, is no discount.
        let odd = r#"{"planId":"pro","coupon":{"couponId":"P","percentOff":101}}"#;
        assert_eq!(read(Some(odd)).discount, None);
    }
}
