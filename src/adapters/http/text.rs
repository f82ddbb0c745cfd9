//! A string field of a request body, read strictly.
//!
//! poem-openapi's `String` accepts a JSON number or boolean and turns it into text
//! (`"customer_id": 1` becomes `"1"`), and accepts any character, NUL included, which PostgreSQL
//! refuses in `text` and `jsonb` (SQLSTATE `22P05`) only after the request has started to act.
//! [`Text`] takes a JSON string and nothing else, without control characters other than tab and
//! line breaks, and at most [`MAX_TEXT_CHARS`] characters: a bad value is a 400 before anything
//! runs. Each field's own rules (an id's characters, a name's length) are the domain's.

use std::borrow::Cow;
use std::fmt;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use serde_json::Value;

/// The longest string any request field takes, in characters; each field's own limit is lower.
pub const MAX_TEXT_CHARS: usize = 1024;

/// A JSON string without NUL or other control characters (tab, LF and CR allowed), of at most
/// [`MAX_TEXT_CHARS`] characters.
#[derive(Clone, PartialEq, Eq)]
pub struct Text(String);

impl Text {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a string is not [`Text`], in English for the error message.
pub fn text_problem(value: &str) -> Option<&'static str> {
    if value.chars().count() > MAX_TEXT_CHARS {
        return Some("is longer than 1024 characters");
    }
    let forbidden = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    value
        .chars()
        .any(forbidden)
        .then_some("contains a control character (NUL, …)")
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// For poem-openapi's `min_length`/`max_length` validators.
impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl Type for Text {
    const IS_REQUIRED: bool = true;

    type RawValueType = Self;

    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "string".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        let mut schema = MetaSchema::new("string");
        schema.max_length = Some(MAX_TEXT_CHARS);
        MetaSchemaRef::Inline(Box::new(schema))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl ParseFromJSON for Text {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value.unwrap_or_default() {
            Value::String(text) => match text_problem(&text) {
                None => Ok(Self(text)),
                Some(problem) => Err(ParseError::custom(problem)),
            },
            other => Err(ParseError::expected_type(other)),
        }
    }
}

impl ToJSON for Text {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_a_json_string_is_text() {
        assert_eq!(
            Text::parse_from_json(Some(json!("고객-1"))).unwrap().as_str(),
            "고객-1"
        );
        for not_text in [json!(1), json!(true), json!(null), json!([]), json!({})] {
            assert!(
                Text::parse_from_json(Some(not_text.clone())).is_err(),
                "{not_text}"
            );
        }
    }

    #[test]
    fn control_characters_and_overlong_strings_are_refused() {
        for bad in [
            "a\u{0}b",
            "\u{1b}[2J",
            "x\u{7f}",
            &"가".repeat(MAX_TEXT_CHARS + 1),
        ] {
            assert!(Text::parse_from_json(Some(json!(bad))).is_err(), "{bad:?}");
        }
        for good in ["line\nbreak", "tab\there", &"가".repeat(MAX_TEXT_CHARS)] {
            assert!(Text::parse_from_json(Some(json!(good))).is_ok(), "{good:?}");
        }
    }
}
