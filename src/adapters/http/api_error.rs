//! The error body every endpoint but the webhook answers with.

use poem_openapi::payload::Json;
use poem_openapi::Object;

use crate::domain::amount::{PriceError, MAX_AMOUNT};

/// An error answer: a stable `code` and a Korean `message`.
#[derive(Debug, Object)]
pub struct ApiError {
    /// `BAD_REQUEST`, `UNAUTHORIZED`, `NOT_FOUND`, `CONFLICT`, `UPSTREAM_FAILED`, or PortOne's
    /// error `type`.
    pub code: String,
    pub message: String,
}

/// `{code, message}` as a JSON answer.
pub fn error(code: &str, message: impl Into<String>) -> Json<ApiError> {
    Json(ApiError {
        code: code.to_owned(),
        message: message.into(),
    })
}

/// Why an amount was refused, in Korean.
pub fn amount_problem(problem: PriceError) -> String {
    match problem {
        PriceError::NotPositive => "amount는 0보다 커야 합니다.".to_owned(),
        PriceError::TooLarge => format!("amount는 {}을 넘을 수 없습니다.", MAX_AMOUNT),
    }
}

/// The answer to a request poem-openapi could not read, with a stable `code`:
/// `UNKNOWN_FIELD` (a key the body's schema does not have; every body denies unknown fields),
/// `INVALID_BODY` (not JSON, or a key of the wrong type, missing or `null`), `INVALID_CONTENT_TYPE`
/// (no `Content-Type: application/json`), `INVALID_PARAMETER` (a query, header or path value).
/// The `message` is Korean and carries poem-openapi's own reason for people debugging.
pub fn request_problem(problem: &poem::Error) -> Json<ApiError> {
    use poem_openapi::error::{ContentTypeError, ParseParamError, ParsePathError, ParseRequestPayloadError};
    if let Some(payload) = problem.downcast_ref::<ParseRequestPayloadError>() {
        // serde's wording for `deny_unknown_fields`: "unknown field `name`, expected …".
        if let Some(field) = unknown_field(&payload.reason) {
            return error("UNKNOWN_FIELD", format!("알 수 없는 필드입니다: {field}"));
        }
        let message = format!("요청 본문이 문서의 JSON 형식과 다릅니다 ({}).", payload.reason);
        return error("INVALID_BODY", message);
    }
    if problem.downcast_ref::<ContentTypeError>().is_some() {
        return error(
            "INVALID_CONTENT_TYPE",
            "Content-Type: application/json 헤더가 필요합니다.",
        );
    }
    if let Some(param) = problem.downcast_ref::<ParseParamError>() {
        // poem-openapi names a path parameter `param0`, …: say "the path" instead.
        let name = if param.name.starts_with("param") {
            "경로의"
        } else {
            param.name
        };
        let message = format!("{name} 값이 올바르지 않습니다 ({}).", param.reason);
        return error("INVALID_PARAMETER", message);
    }
    if let Some(path) = problem.downcast_ref::<ParsePathError>() {
        let message = format!("경로의 값이 올바르지 않습니다 ({}).", path.reason);
        return error("INVALID_PARAMETER", message);
    }
    error("BAD_REQUEST", format!("요청을 읽을 수 없습니다 ({problem})."))
}

fn unknown_field(reason: &str) -> Option<&str> {
    let rest = &reason[reason.find("unknown field `")? + "unknown field `".len()..];
    rest.split('`').next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_field_is_named() {
        assert_eq!(
            unknown_field("failed to parse \"StartBody\": unknown field `bogus`."),
            Some("bogus")
        );
        assert_eq!(unknown_field("Expected input type \"string\", found null."), None);
    }
}
