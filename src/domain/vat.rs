//! 부가세 (VAT) of a VAT-inclusive Korean price: a receipt shows the 공급가액 (supply amount) and
//! the 부가세, `supply = round(amount ÷ 1.1)` and `vat = amount − supply`. PortOne computes the
//! same split itself when `amount.vat` is left out ("면세 금액을 제외한 금액의 1/11",
//! `PaymentAmountInput.vat` in PortOne's OpenAPI schema); sending it makes the card receipt and
//! the billing history agree to the won.

use serde::Serialize;

use super::amount::Amount;
use super::currency::Currency;

/// A VAT-inclusive amount split as a Korean receipt shows it, in won.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct VatSplit {
    /// 공급가액: `round(amount ÷ 1.1)` (`10a ÷ 11` is never exactly a half, so it never ties).
    pub supply_amount: Amount,
    /// 부가세: `amount − supply_amount`.
    pub vat: Amount,
}

impl VatSplit {
    /// The split of `amount` (VAT included).
    pub fn of(amount: Amount) -> Self {
        // round(a ÷ 1.1) = round(10a ÷ 11) = floor((20a + 11) ÷ 22), exactly, in integers.
        let total = i128::from(amount.value());
        let supply = i64::try_from((20 * total + 11) / 22).unwrap_or(i64::MAX);
        let supply_amount = Amount::new(supply).unwrap_or_default();
        let vat = Amount::new(amount.value() - supply).unwrap_or_default();
        Self { supply_amount, vat }
    }

    /// The split of a charge in `currency`: KRW prices are VAT-inclusive; other currencies have
    /// none here (`None`: PortOne's own rule applies).
    pub fn of_charge(amount: Amount, currency: &Currency) -> Option<Self> {
        (currency.as_str() == "KRW").then(|| Self::of(amount))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(amount: i64) -> (i64, i64) {
        let split = VatSplit::of(Amount::new(amount).unwrap());
        (split.supply_amount.value(), split.vat.value())
    }

    #[test]
    fn awkward_amounts_split_as_a_korean_receipt_shows_them() {
        assert_eq!(split(9_900), (9_000, 900));
        // 19,900 ÷ 1.1 = 18,090.90…
        assert_eq!(split(19_900), (18_091, 1_809));
        // 1 ÷ 1.1 = 0.90…; 101 ÷ 1.1 = 91.81…
        assert_eq!(split(1), (1, 0));
        assert_eq!(split(101), (92, 9));
        assert_eq!(split(11), (10, 1));
        assert_eq!(split(0), (0, 0));
    }

    #[test]
    fn the_parts_always_add_up_and_the_vat_is_about_a_tenth() {
        for amount in (0..50_000).step_by(7).chain([9_999_999_999, 10_000_000_000]) {
            let (supply, vat) = split(amount);
            assert_eq!(supply + vat, amount);
            // round(a ÷ 1.1) is within half a won of a ÷ 1.1.
            assert!((11 * supply - 10 * amount).abs() * 2 <= 11, "{amount}");
        }
    }

    #[test]
    fn only_won_prices_are_split() {
        let amount = Amount::new(9_900).unwrap();
        assert!(VatSplit::of_charge(amount, &Currency::reported("KRW")).is_some());
        assert!(VatSplit::of_charge(amount, &Currency::reported("USD")).is_none());
    }
}
