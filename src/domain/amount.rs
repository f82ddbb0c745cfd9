//! Money as PortOne reports it: an integer in the currency's own unit.

use serde::Serialize;

/// A non-negative amount in the payment currency's smallest unit as PortOne counts it
/// (KRW: won; PortOne's `PaymentAmount.total` is an int64 in its OpenAPI schema).
/// The default is zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Amount(i64);

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

    /// The amount in the currency's unit.
    pub fn value(self) -> i64 {
        self.0
    }
}
