//! PortOne's `paymentId`: the merchant-chosen id of one payment.

use std::fmt;

use serde::Serialize;
use uuid::Uuid;
use validator::ValidateLength;

/// Longest `paymentId` we accept, in characters (PortOne's own ids are far shorter).
pub const MAX_PAYMENT_ID_CHARS: u64 = 256;

/// A validated PortOne `paymentId`: 1 to 256 characters, not blank, no control characters, and
/// not `.` or `..`.
///
/// It becomes a URL path segment at PortOne and the `transaction_key` of the ledger, so anything
/// that could smuggle a line break or be empty is refused at the edge, and so is a dot segment,
/// which the URL parser would resolve away (`GET /payments/..` is `GET /`, sent with the API
/// secret).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct PaymentId(String);

/// Why a string is not a [`PaymentId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentIdError {
    /// Empty or only whitespace.
    #[error("payment id is empty")]
    Empty,
    /// Longer than [`MAX_PAYMENT_ID_CHARS`] characters.
    #[error("payment id is longer than {MAX_PAYMENT_ID_CHARS} characters")]
    TooLong,
    /// Contains a Unicode control character (line breaks, NUL, …).
    #[error("payment id contains a control character")]
    ControlCharacter,
    /// `.` or `..`: a URL dot segment.
    #[error("payment id is a dot segment (. or ..)")]
    DotSegment,
}

impl PaymentId {
    /// # Errors
    /// [`PaymentIdError`] naming the first rule the string breaks.
    pub fn parse(value: impl Into<String>) -> Result<Self, PaymentIdError> {
        let value = value.into();
        if value.trim().is_empty() {
            return Err(PaymentIdError::Empty);
        }
        if !value.validate_length(None, Some(MAX_PAYMENT_ID_CHARS), None) {
            return Err(PaymentIdError::TooLong);
        }
        if value.chars().any(char::is_control) {
            return Err(PaymentIdError::ControlCharacter);
        }
        if value == "." || value == ".." {
            return Err(PaymentIdError::DotSegment);
        }
        Ok(Self(value))
    }

    /// The id as PortOne knows it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// An id this service derives (UUID v5: next month's, a retry's, a checkout's), spelled
    /// hyphenated and lowercase as the `uuid` columns store it. Always valid.
    pub fn from_uuid(id: Uuid) -> Self {
        Self(id.hyphenated().to_string())
    }

    /// The UUID this id spells, for the ledger's `uuid` columns (`next_schedule_id`,
    /// `retry_payment_id`); `None` for an id chosen outside this service (`pay_123`).
    pub fn as_uuid(&self) -> Option<Uuid> {
        Uuid::parse_str(&self.0).ok()
    }
}

impl PartialEq<str> for PaymentId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for PaymentId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for PaymentId {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl AsRef<str> for PaymentId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for PaymentId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PaymentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_derived_id_reads_back_as_its_uuid_and_a_foreign_one_as_none() {
        let id = Uuid::from_u128(0x43f5_6ec3_6eaf_5214_a8bc_7ea7_f2e2_93cf);
        let payment_id = PaymentId::from_uuid(id);
        assert_eq!(payment_id.as_str(), "43f56ec3-6eaf-5214-a8bc-7ea7f2e293cf");
        assert_eq!(payment_id.as_uuid(), Some(id));
        assert_eq!(PaymentId::parse("pay_1").unwrap().as_uuid(), None);
    }

    #[test]
    fn accepts_a_portone_style_id() {
        assert_eq!(PaymentId::parse("pay_123456").unwrap().as_str(), "pay_123456");
    }

    #[test]
    fn rejects_empty_blank_long_and_control_characters() {
        assert_eq!(PaymentId::parse(""), Err(PaymentIdError::Empty));
        assert_eq!(PaymentId::parse("  "), Err(PaymentIdError::Empty));
        assert_eq!(PaymentId::parse("a".repeat(257)), Err(PaymentIdError::TooLong));
        assert_eq!(PaymentId::parse("pay\n1"), Err(PaymentIdError::ControlCharacter));
        assert_eq!(PaymentId::parse("."), Err(PaymentIdError::DotSegment));
        assert_eq!(PaymentId::parse(".."), Err(PaymentIdError::DotSegment));
        assert!(PaymentId::parse("..pay").is_ok());
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert!(PaymentId::parse("결".repeat(256)).is_ok());
    }
}
