//! The ids a subscription's start is known by. Derived, never random: the same request sent again
//! (a retry after a timeout, a double click) names the same payment, so it cannot be charged
//! twice; PortOne answers `ALREADY_PAID` for a `paymentId` it was paid with before.

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::customer_id::CustomerId;
use super::payment_id::PaymentId;

/// Namespace of the first charge's `paymentId`: UUID v5 of the URL namespace and
/// `"https://api.portone.io/payments#checkout"`, frozen here so ids never change between
/// releases.
pub const CHECKOUT_NAMESPACE: Uuid = Uuid::from_u128(0xa88f6bf4_083e_50a0_9696_04eed3e4c6c6);

/// Longest `Idempotency-Key` accepted, in characters (Stripe's limit).
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 255;

/// A start request's `Idempotency-Key`: 1–255 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

/// Why a header is not an [`IdempotencyKey`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Idempotency-Key must be 1-255 visible ASCII characters")]
pub struct InvalidIdempotencyKey;

impl IdempotencyKey {
    /// # Errors
    /// [`InvalidIdempotencyKey`] for an empty or longer key, or one with spaces, control or
    /// non-ASCII characters.
    pub fn parse(value: &str) -> Result<Self, InvalidIdempotencyKey> {
        let visible = value.bytes().all(|b| b.is_ascii_graphic());
        if value.is_empty() || value.len() > MAX_IDEMPOTENCY_KEY_CHARS || !visible {
            return Err(InvalidIdempotencyKey);
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for IdempotencyKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The start of `customer_id`'s subscription asked for with `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutIds {
    /// `paymentId` of the first charge: UUID v5 of `"{customer_id}\n{key}"`.
    pub payment_id: PaymentId,
    /// `transaction_key` of the trial month when the plan has a trial: `trial-` and the same
    /// UUID, so the trial's first charge (its `next_schedule_id`) is derived as any renewal's.
    pub trial_key: PaymentId,
}

impl CheckoutIds {
    pub fn new(customer_id: &CustomerId, key: &IdempotencyKey) -> Self {
        let id = Uuid::new_v5(
            &CHECKOUT_NAMESPACE,
            format!("{customer_id}\n{}", key.as_str()).as_bytes(),
        );
        // A UUID's text is always a valid payment id.
        let parse = |text: String| PaymentId::parse(text).unwrap_or_else(|_| unreachable!("a UUID"));
        Self {
            payment_id: parse(id.to_string()),
            trial_key: parse(format!("trial-{id}")),
        }
    }
}

/// The fingerprint of a start request's body, to tell "the same request again" from "another
/// request under a used key": SHA-256 of its fields, newline-separated, hex.
pub fn request_hash(customer_id: &str, plan_id: &str, billing_key: &str) -> String {
    let digest = Sha256::digest(format!("{customer_id}\n{plan_id}\n{billing_key}").as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_is_the_documented_v5_of_its_url() {
        let derived = Uuid::new_v5(&Uuid::NAMESPACE_URL, b"https://api.portone.io/payments#checkout");
        assert_eq!(CHECKOUT_NAMESPACE, derived);
    }

    #[test]
    fn the_same_request_names_the_same_payment_and_another_key_another() {
        let key = IdempotencyKey::parse("order-1").unwrap();
        let a = CheckoutIds::new(&CustomerId::parse("user-1").unwrap(), &key);
        assert_eq!(a, CheckoutIds::new(&CustomerId::parse("user-1").unwrap(), &key));
        assert_ne!(a, CheckoutIds::new(&CustomerId::parse("user-2").unwrap(), &key));
        assert_ne!(
            a,
            CheckoutIds::new(
                &CustomerId::parse("user-1").unwrap(),
                &IdempotencyKey::parse("order-2").unwrap()
            )
        );
        assert_eq!(a.trial_key.as_str(), format!("trial-{}", a.payment_id));
        assert_eq!(request_hash("u", "p", "k"), request_hash("u", "p", "k"));
        assert_ne!(request_hash("u", "p", "k"), request_hash("u", "p", "k2"));
        assert_eq!(request_hash("u", "p", "k").len(), 64);
    }

    #[test]
    fn keys_are_visible_ascii_of_bounded_length() {
        for good in ["a", "order_2026-12-02:1", &"k".repeat(255)] {
            assert!(IdempotencyKey::parse(good).is_ok(), "{good}");
        }
        for bad in ["", " ", "a b", "키", "a\n", &"k".repeat(256)] {
            assert_eq!(IdempotencyKey::parse(bad), Err(InvalidIdempotencyKey), "{bad:?}");
        }
    }
}
