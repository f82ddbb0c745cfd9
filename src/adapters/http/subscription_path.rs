//! The `{subscription_id}` path segment, parsed once at the edge into a [`SubscriptionId`]: a
//! blank, overlong or control-character id, or a dot segment, is a 400 (through each operation's
//! bad-request handler) before anything is read.

use std::borrow::Cow;

use poem_openapi::registry::MetaSchemaRef;
use poem_openapi::types::{ParseError, ParseFromParameter, ParseResult, Type};

use crate::domain::subscription_id::SubscriptionId;

/// A subscription's id (or any of its months' `transaction_key`) from the path. Documented as a
/// plain string, as before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionPath(pub SubscriptionId);

impl std::ops::Deref for SubscriptionPath {
    type Target = SubscriptionId;

    fn deref(&self) -> &SubscriptionId {
        &self.0
    }
}

impl Type for SubscriptionPath {
    const IS_REQUIRED: bool = true;

    type RawValueType = Self;

    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        String::name()
    }

    fn schema_ref() -> MetaSchemaRef {
        String::schema_ref()
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromParameter for SubscriptionPath {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        SubscriptionId::parse(value)
            .map(Self)
            .map_err(|problem| ParseError::custom(format!("subscription_id: {problem}")))
    }
}
