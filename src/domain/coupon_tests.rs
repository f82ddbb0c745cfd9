use super::*;
use crate::domain::currency::Currency;

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_utc(chrono::DateTime::from_timestamp(1_700_000_000 + seconds, 0).unwrap())
}

fn coupon(off: Off, plan_ids: Vec<PlanId>) -> Coupon {
    let terms = CouponTerms::new(
        CouponId::parse("LAUNCH50").unwrap(),
        "런칭 50% 할인",
        off,
        CouponDuration::Repeating {
            duration_in_periods: 3,
        },
        Some(5),
        Some(at(100)),
        plan_ids,
    )
    .unwrap();
    Coupon {
        terms,
        times_redeemed: 0,
        archived_at: None,
        created_at: at(0),
        updated_at: at(0),
    }
}

fn code(first_only: bool) -> StoredPromotionCode {
    StoredPromotionCode {
        terms: PromotionCodeTerms {
            code: PromotionCode::parse("SPRING50").unwrap(),
            coupon_id: CouponId::parse("LAUNCH50").unwrap(),
            max_redemptions: None,
            expires_at: Some(at(50)),
            first_subscription_only: first_only,
        },
        times_redeemed: 0,
        active: true,
        created_at: at(0),
        updated_at: at(0),
    }
}

fn krw() -> Currency {
    Currency::parse("KRW").unwrap()
}

#[test]
fn a_redeemable_code_gives_its_coupons_discount_for_its_duration() {
    let pro = PlanId::parse("pro").unwrap();
    let half = coupon(Off::Percent { percent_off: 50 }, vec![pro.clone()]);
    let currency = krw();
    let context = RedeemContext {
        plan_id: Some(&pro),
        currency: &currency,
        first_subscription: true,
        now: at(10),
    };
    let discount = check_redeemable(Some(&code(true)), &half, context).unwrap();
    assert_eq!(discount.periods_left, Some(3));
    assert_eq!(discount.coupon_id, "LAUNCH50");

    let late = RedeemContext {
        now: at(60),
        ..context
    };
    assert_eq!(
        check_redeemable(Some(&code(false)), &half, late),
        Err(RedeemRefusal::Expired)
    );
    // Without a code (the admin applying the coupon) only the coupon's own end counts.
    assert!(check_redeemable(None, &half, late).is_ok());
    let later = RedeemContext {
        now: at(101),
        ..context
    };
    assert_eq!(check_redeemable(None, &half, later), Err(RedeemRefusal::Expired));

    let returning = RedeemContext {
        first_subscription: false,
        ..context
    };
    assert_eq!(
        check_redeemable(Some(&code(true)), &half, returning),
        Err(RedeemRefusal::NotFirstSubscription)
    );
    let basic = PlanId::parse("basic").unwrap();
    let other_plan = RedeemContext {
        plan_id: Some(&basic),
        ..context
    };
    assert_eq!(
        check_redeemable(None, &half, other_plan),
        Err(RedeemRefusal::NotApplicable)
    );

    let mut archived = half.clone();
    archived.archived_at = Some(at(5));
    assert_eq!(
        check_redeemable(None, &archived, context),
        Err(RedeemRefusal::Expired)
    );
    let mut inactive = code(false);
    inactive.active = false;
    assert_eq!(
        check_redeemable(Some(&inactive), &half, context),
        Err(RedeemRefusal::Expired)
    );
}

#[test]
fn an_amount_coupon_applies_only_in_its_currency() {
    let pro = PlanId::parse("pro").unwrap();
    let off = Off::Amount {
        amount_off: Amount::new(5_000).unwrap(),
        currency: krw(),
    };
    let fixed = coupon(off, Vec::new());
    let usd = Currency::parse("USD").unwrap();
    let context = RedeemContext {
        plan_id: Some(&pro),
        currency: &usd,
        first_subscription: true,
        now: at(1),
    };
    assert_eq!(
        check_redeemable(None, &fixed, context),
        Err(RedeemRefusal::NotApplicable)
    );
    let currency = krw();
    assert!(check_redeemable(
        None,
        &fixed,
        RedeemContext {
            currency: &currency,
            ..context
        }
    )
    .is_ok());
}

#[test]
fn terms_are_checked() {
    let id = || CouponId::parse("C1").unwrap();
    let new = |off, duration, max| CouponTerms::new(id(), "c", off, duration, max, None, Vec::new());
    let percent = |p| Off::Percent { percent_off: p };
    assert_eq!(
        new(percent(0), CouponDuration::Once, None),
        Err(CouponTermsError::Off)
    );
    assert_eq!(
        new(percent(101), CouponDuration::Once, None),
        Err(CouponTermsError::Off)
    );
    assert!(new(percent(100), CouponDuration::Forever, None).is_ok());
    let zero = Off::Amount {
        amount_off: Amount::default(),
        currency: krw(),
    };
    assert_eq!(new(zero, CouponDuration::Once, None), Err(CouponTermsError::Off));
    let never = CouponDuration::Repeating {
        duration_in_periods: 0,
    };
    assert_eq!(new(percent(5), never, None), Err(CouponTermsError::Duration));
    assert_eq!(
        new(percent(5), CouponDuration::Once, Some(0)),
        Err(CouponTermsError::MaxRedemptions)
    );
    assert!(CouponId::parse("bad code").is_err());
    assert_eq!(PromotionCode::parse("Spring50").unwrap().key(), "spring50");
    assert_eq!(CouponDuration::Once.periods(), Some(1));
    assert_eq!(CouponDuration::Forever.periods(), None);
}
