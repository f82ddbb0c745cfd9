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
