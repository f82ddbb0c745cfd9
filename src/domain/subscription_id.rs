//! How a subscription is named: its `subscription_id` (the first month's `transaction_key`), or
//! any of its months' `transaction_key`. Both are PortOne `paymentId`s, so the same rules hold.

use std::fmt;

use serde::Serialize;

use super::payment_id::{PaymentId, PaymentIdError};

/// A validated subscription key: a [`PaymentId`] that names a subscription (its own id, or one of
/// its months). Parsed once at the edge; every ledger read by subscription takes one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct SubscriptionId(PaymentId);

impl SubscriptionId {
    /// # Errors
    /// [`PaymentIdError`]: the rules of a `paymentId`.
    pub fn parse(value: impl Into<String>) -> Result<Self, PaymentIdError> {
        PaymentId::parse(value).map(Self)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl From<PaymentId> for SubscriptionId {
    fn from(id: PaymentId) -> Self {
        Self(id)
    }
}

impl PartialEq<str> for SubscriptionId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for SubscriptionId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl AsRef<str> for SubscriptionId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for SubscriptionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
