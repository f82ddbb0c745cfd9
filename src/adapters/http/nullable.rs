//! [`Nullable`]: a key every answer carries, as `null` when it has no value.
//!
//! poem-openapi documents an `Option<T>` field as optional and leaves it out of `required`, so a
//! generated client types it `field?: T` and has to handle both "missing" and "null". An answer
//! field of type `Nullable<T>` is always present: the schema lists it in `required` and marks it
//! `nullable: true` (OpenAPI 3.0.3, "Fixed Fields" of the Schema Object), which
//! `openapi-typescript` turns into `field: T | null`, exactly what the JSON holds. Reading one
//! back (a start's stored answer) accepts a missing key as `null`, so answers stored before a
//! key existed still read.

use std::borrow::Cow;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseFromJSON, ParseResult, ToJSON, Type};
use serde_json::Value;

/// `T` or `null`, always present in the JSON. Build it from an `Option<T>` with `.into()`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Nullable<T>(pub Option<T>);

impl<T> From<Option<T>> for Nullable<T> {
    fn from(value: Option<T>) -> Self {
        Self(value)
    }
}

impl<T: Type> Type for Nullable<T> {
    const IS_REQUIRED: bool = true;

    type RawValueType = T::RawValueType;

    type RawElementValueType = T::RawElementValueType;

    fn name() -> Cow<'static, str> {
        format!("nullable_{}", T::name()).into()
    }

    fn schema_ref() -> MetaSchemaRef {
        // A reference gets `allOf: [$ref]` with `nullable: true` beside it: OpenAPI 3.0 ignores
        // siblings of a bare `$ref`.
        T::schema_ref().merge(MetaSchema {
            nullable: true,
            ..MetaSchema::ANY
        })
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        self.0.as_ref().and_then(Type::as_raw_value)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        match &self.0 {
            Some(value) => value.raw_element_iter(),
            None => Box::new(std::iter::empty()),
        }
    }
}

impl<T: ParseFromJSON> ParseFromJSON for Nullable<T> {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        Option::<T>::parse_from_json(value)
            .map(Self)
            .map_err(poem_openapi::types::ParseError::propagate)
    }
}

impl<T: ToJSON> ToJSON for Nullable<T> {
    fn to_json(&self) -> Option<Value> {
        Some(self.0.as_ref().and_then(ToJSON::to_json).unwrap_or(Value::Null))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use poem_openapi::Object;

    #[derive(Debug, Object)]
    struct Shape {
        note: Nullable<String>,
    }

    #[test]
    fn an_absent_value_is_a_present_null_and_the_key_is_required() {
        let shape = Shape { note: None.into() };
        assert_eq!(shape.to_json(), Some(serde_json::json!({ "note": null })));
        let mut registry = Registry::new();
        <Shape as Type>::register(&mut registry);
        let schema = registry.schemas.get("Shape").expect("registered");
        assert_eq!(schema.required, vec!["note"]);
        let note = schema
            .properties
            .iter()
            .find(|(name, _)| *name == "note")
            .expect("note");
        assert!(note.1.unwrap_inline().nullable);
    }

    #[test]
    fn a_missing_key_reads_as_null_and_a_value_as_itself() {
        let missing = Shape::parse_from_json(Some(serde_json::json!({}))).expect("parses");
        assert_eq!(missing.note, Nullable(None));
        let set = Shape::parse_from_json(Some(serde_json::json!({ "note": "a" }))).expect("parses");
        assert_eq!(set.note, Nullable(Some("a".to_owned())));
    }
}
