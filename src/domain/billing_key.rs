//! PortOne's `billingKey`: what the browser SDK's `requestIssueBillingKey` returns, and what every
//! charge of a subscription is made with.

use std::fmt;

use serde::{Serialize, Serializer};

/// Longest billing key accepted, in characters (PortOne's are far shorter).
pub const MAX_BILLING_KEY_CHARS: usize = 512;

/// A validated billing key: 1 to 512 characters, not blank, no control characters, and not `.`
/// or `..`.
///
/// It becomes a URL path segment at PortOne (`getBillingKeyInfo`, `GET /billing-keys/{billingKey}`),
/// where a dot segment would be resolved away by the URL parser: `GET /billing-keys/..` is
/// `GET /`, sent with the API secret. Anyone holding it and the store's secret can charge the
/// card, so `Debug` never prints it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BillingKey(String);

/// Why a string is not a [`BillingKey`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a billing key is 1-512 characters, not blank, without control characters, and not . or ..")]
pub struct InvalidBillingKey;

impl BillingKey {
    /// # Errors
    /// [`InvalidBillingKey`] for anything else.
    pub fn parse(value: impl Into<String>) -> Result<Self, InvalidBillingKey> {
        let value = value.into();
        let blank = value.trim().is_empty();
        let dot_segment = value == "." || value == "..";
        let too_long = value.chars().count() > MAX_BILLING_KEY_CHARS;
        if blank || dot_segment || too_long || value.chars().any(char::is_control) {
            return Err(InvalidBillingKey);
        }
        Ok(Self(value))
    }

    /// The key as PortOne knows it, for the request that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for BillingKey {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for BillingKey {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl fmt::Debug for BillingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BillingKey(..)")
    }
}

/// Serialized as the key: the checklist's step data shows the admin which card paid (answers to
/// a customer's token drop every `billingKey`).
impl Serialize for BillingKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_blank_and_control_characters_are_not_billing_keys() {
        for bad in ["", " ", ".", "..", "bk\n1", "bk\u{0}", &"k".repeat(513)] {
            assert_eq!(BillingKey::parse(bad), Err(InvalidBillingKey), "{bad:?}");
        }
        for good in ["billing-key-0190a1b2", "..bk", "a.b", &"k".repeat(512)] {
            assert_eq!(BillingKey::parse(good).unwrap().expose(), good);
        }
    }

    #[test]
    fn debug_never_prints_the_key() {
        let key = BillingKey::parse("billing-key-secret-123").unwrap();
        assert!(!format!("{key:?}").contains("secret"));
    }
}
