//! Money as PortOne reports it: an integer in the currency's own unit.

use serde::Serialize;

/// A non-negative amount in the payment currency's smallest unit as PortOne counts it
/// (KRW: won; PortOne's `PaymentAmount.total` is an int64 in its OpenAPI schema).
/// The default is zero.
/// Deserialized through [`Amount::new`]: a negative number is refused.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
// serde_json writes a newtype struct as its value, as `transparent` would.
#[serde(try_from = "i64")]
pub struct Amount(i64);

impl TryFrom<i64> for Amount {
    type Error = NegativeAmount;

    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

/// The largest price or refund accepted, in the currency's unit (10,000,000,000: ten billion
/// won). PortOne's schema types amounts as int64 without a bound; this one keeps every total this
/// service computes (a price times up to 10,000 seats) below 2^53, so it stays exact as a
/// JavaScript number in the app that reads it.
pub const MAX_AMOUNT: i64 = 10_000_000_000;

/// Why a number is not a price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PriceError {
    #[error("amount must be greater than 0")]
    NotPositive,
    #[error("amount must be at most {MAX_AMOUNT}")]
    TooLarge,
}

/// Why a number is not an [`Amount`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("amount {0} is negative")]
pub struct NegativeAmount(pub i64);

impl Amount {
    /// # Errors
    /// [`NegativeAmount`] when `value < 0`: a paid total is never negative.
    pub fn new(value: i64) -> Result<Self, NegativeAmount> {
        if value < 0 {
            Err(NegativeAmount(value))
        } else {
            Ok(Self(value))
        }
    }

    /// A price, refund or other amount someone asks for: 1 to [`MAX_AMOUNT`].
    ///
    /// # Errors
    /// [`PriceError`] for 0 or less, or more than [`MAX_AMOUNT`].
    pub fn price(value: i64) -> Result<Self, PriceError> {
        match value {
            ..=0 => Err(PriceError::NotPositive),
            1..=MAX_AMOUNT => Ok(Self(value)),
            _ => Err(PriceError::TooLarge),
        }
    }

    /// The amount in the currency's unit.
    pub fn value(self) -> i64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_price_is_between_one_and_the_maximum() {
        assert_eq!(Amount::price(1).map(Amount::value), Ok(1));
        assert_eq!(Amount::price(MAX_AMOUNT).map(Amount::value), Ok(MAX_AMOUNT));
        assert_eq!(Amount::price(0), Err(PriceError::NotPositive));
        assert_eq!(Amount::price(-5), Err(PriceError::NotPositive));
        assert_eq!(Amount::price(MAX_AMOUNT + 1), Err(PriceError::TooLarge));
        assert_eq!(Amount::price(i64::MAX), Err(PriceError::TooLarge));
    }
}
