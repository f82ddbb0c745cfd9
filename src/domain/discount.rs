//! A discount a subscription carries from one charge to the next: a coupon's terms and how many
//! more paid periods it applies to. Every charge (the first, a renewal, a dunning retry, an
//! upgrade's proration) is computed as the list price (plan × quantity), then the discount, never
//! below 0 (Stripe's coupons, <https://docs.stripe.com/api/coupons/object>: `percent_off` or
//! `amount_off`, and a `duration` counted in billing periods).

use serde::{Deserialize, Serialize};

use super::amount::Amount;
use super::currency::Currency;

/// How much a coupon takes off each discounted charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Off {
    /// `percent_off`: 1–100 percent of the list price; the discount is rounded half up to the
    /// currency's unit (50% of 9,999 won is 5,000 won off).
    Percent { percent_off: u8 },
    /// `amount_off`: a fixed amount per charge in `currency`'s unit, at most the list price.
    Amount { amount_off: Amount, currency: Currency },
}

impl Off {
    /// `(percent_off, amount_off, currency)`, the flat fields every stored or sent shape of a
    /// discount has (a coupon row, `customData.coupon`, the API): exactly one of the first two,
    /// and the currency with the amount.
    pub fn parts(&self) -> (Option<u8>, Option<Amount>, Option<&Currency>) {
        match self {
            Self::Percent { percent_off } => (Some(*percent_off), None, None),
            Self::Amount { amount_off, currency } => (None, Some(*amount_off), Some(currency)),
        }
    }

    /// The discount [`Self::parts`] spell; `None` for any other combination (both, neither, a
    /// percent outside 1–100, a negative amount, an amount without its currency). A currency is
    /// kept as written ([`Currency::reported`]).
    pub fn from_parts(
        percent_off: Option<u8>,
        amount_off: Option<i64>,
        currency: Option<String>,
    ) -> Option<Self> {
        match (percent_off, amount_off, currency) {
            (Some(percent_off), None, None) if (1..=100).contains(&percent_off) => {
                Some(Self::Percent { percent_off })
            }
            (None, Some(amount), Some(currency)) => Some(Self::Amount {
                amount_off: Amount::new(amount).ok()?,
                currency: Currency::reported(currency),
            }),
            _ => None,
        }
    }

    /// What it takes off `list`, in the currency's unit: never more than `list`.
    pub fn of(&self, list: Amount) -> Amount {
        let off = match self {
            Self::Percent { percent_off } => {
                // `list` is at most 10^10 × 10^4 seats < 2^53, so × 100 cannot overflow i64.
                (list.value() * i64::from(*percent_off) + 50) / 100
            }
            Self::Amount { amount_off, .. } => amount_off.value(),
        };
        Amount::new(off.clamp(0, list.value())).unwrap_or_default()
    }
}

/// A coupon applied to a subscription: what it takes off and for how many more paid periods.
/// Written with every charge it discounts (PortOne `customData.coupon`) and on each month (its
/// `discount` and `next_discount` columns), so whichever way a payment is recorded the next one
/// knows what is left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discount {
    pub coupon_id: String,
    #[serde(flatten)]
    pub off: Off,
    /// Paid periods it still applies to, this charge's included; `None`: forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub periods_left: Option<u32>,
}

/// A charge's price after its discount, in the currency's unit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Priced {
    /// Plan × quantity.
    pub list: Amount,
    /// What the discount takes off (0 without one).
    pub off: Amount,
    /// `list − off`: what is charged; 0 charges nothing and calls no PortOne API.
    pub amount: Amount,
}

impl Discount {
    /// `list` priced with this discount.
    pub fn price(&self, list: Amount) -> Priced {
        let off = self.off.of(list);
        Priced {
            list,
            off,
            amount: Amount::new(list.value() - off.value()).unwrap_or_default(),
        }
    }

    /// The discount the charge after a paid one gets: one period fewer; `None` once none is
    /// left (a `once` coupon after its period). Forever stays forever.
    pub fn after_paid(&self) -> Option<Self> {
        match self.periods_left {
            None => Some(self.clone()),
            Some(left) if left > 1 => Some(Self {
                periods_left: Some(left - 1),
                ..self.clone()
            }),
            Some(_) => None,
        }
    }
}

/// `list` priced with `discount`, or at list without one.
pub fn price(list: Amount, discount: Option<&Discount>) -> Priced {
    match discount {
        Some(discount) => discount.price(list),
        None => Priced {
            list,
            off: Amount::default(),
            amount: list,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn won(value: i64) -> Amount {
        Amount::new(value).unwrap()
    }

    fn percent(percent_off: u8, periods_left: Option<u32>) -> Discount {
        Discount {
            coupon_id: "LAUNCH".into(),
            off: Off::Percent { percent_off },
            periods_left,
        }
    }

    #[test]
    fn percent_off_rounds_the_discount_half_up_and_never_goes_below_zero() {
        let half = percent(50, Some(3));
        assert_eq!(half.price(won(9_900)).amount, won(4_950));
        assert_eq!(half.price(won(9_999)).off, won(5_000));
        assert_eq!(half.price(won(9_999)).amount, won(4_999));
        assert_eq!(half.price(won(1)).amount, won(0));
        assert_eq!(percent(100, None).price(won(19_900)).amount, won(0));
        assert_eq!(percent(15, None).price(won(19_900)).off, won(2_985));
        assert_eq!(
            percent(100, None).price(won(10_000_000_000 * 10_000)).amount,
            won(0)
        );
    }

    #[test]
    fn amount_off_is_capped_at_the_list_price() {
        let off = Discount {
            coupon_id: "PARTNER".into(),
            off: Off::Amount {
                amount_off: won(5_000),
                currency: Currency::parse("KRW").unwrap(),
            },
            periods_left: Some(1),
        };
        assert_eq!(off.price(won(9_900)).amount, won(4_900));
        assert_eq!(off.price(won(3_000)).amount, won(0));
        assert_eq!(off.price(won(3_000)).off, won(3_000));
    }

    #[test]
    fn the_duration_is_counted_by_paid_periods() {
        let three = percent(50, Some(3));
        let two = three.after_paid().unwrap();
        let one = two.after_paid().unwrap();
        assert_eq!((two.periods_left, one.periods_left), (Some(2), Some(1)));
        assert_eq!(one.after_paid(), None);
        assert_eq!(percent(50, None).after_paid(), Some(percent(50, None)));
    }

    #[test]
    fn it_round_trips_as_the_json_written_to_portone_and_the_month() {
        let json = serde_json::to_string(&percent(50, Some(3))).unwrap();
        assert_eq!(
            json,
            r#"{"coupon_id":"LAUNCH","percent_off":50,"periods_left":3}"#
        );
        assert_eq!(
            serde_json::from_str::<Discount>(&json).unwrap(),
            percent(50, Some(3))
        );
        let forever = r#"{"coupon_id":"P","amount_off":1000,"currency":"KRW"}"#;
        let parsed: Discount = serde_json::from_str(forever).unwrap();
        assert_eq!(serde_json::to_string(&parsed).unwrap(), forever);
        assert_eq!(price(won(9_900), None).amount, won(9_900));
    }
}
