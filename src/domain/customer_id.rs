//! The app's id of a customer: PortOne's `customer.id`, and with Supabase Auth the user's id
//! (`auth.uid()`, the access token's `sub`).

use std::fmt;

use serde::Serialize;
use validator::ValidateLength;

/// Longest customer id we accept, in characters (PortOne's `customer.id` is a free string;
/// a Supabase user id is a 36-character UUID).
pub const MAX_CUSTOMER_ID_CHARS: u64 = 256;

/// A validated customer id: 1 to 256 characters, not blank, no control characters.
///
/// It is compared with the `customer_id` column and with the billing key's `customer.id`, and
/// becomes part of the first charge's derived `paymentId`, so it is checked once, at the edge.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct CustomerId(String);

/// Why a string is not a [`CustomerId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustomerIdError {
    #[error("customer id is empty")]
    Empty,
    #[error("customer id is longer than {MAX_CUSTOMER_ID_CHARS} characters")]
    TooLong,
    #[error("customer id contains a control character")]
    ControlCharacter,
}

impl CustomerId {
    /// # Errors
    /// [`CustomerIdError`] naming the first rule the string breaks.
    pub fn parse(value: impl Into<String>) -> Result<Self, CustomerIdError> {
        let value = value.into();
        if value.trim().is_empty() {
            return Err(CustomerIdError::Empty);
        }
        if !value.validate_length(None, Some(MAX_CUSTOMER_ID_CHARS), None) {
            return Err(CustomerIdError::TooLong);
        }
        if value.chars().any(char::is_control) {
            return Err(CustomerIdError::ControlCharacter);
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for CustomerId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for CustomerId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl AsRef<str> for CustomerId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_an_app_user_id_and_refuses_blank_long_and_control_characters() {
        let uuid = "8e1c5d2a-8a51-4a43-9f4c-2f6a8a0c1d3e";
        assert_eq!(CustomerId::parse(uuid).unwrap().as_str(), uuid);
        assert_eq!(CustomerId::parse(" "), Err(CustomerIdError::Empty));
        assert_eq!(CustomerId::parse("a".repeat(257)), Err(CustomerIdError::TooLong));
        assert_eq!(CustomerId::parse("a\nb"), Err(CustomerIdError::ControlCharacter));
        assert!(CustomerId::parse("a".repeat(256)).is_ok());
    }
}
