//! The admin bearer token and the error body of the admin endpoints.

use poem::Request;
use poem_openapi::auth::Bearer;
use poem_openapi::payload::Json;
use poem_openapi::{Object, SecurityScheme};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

/// The configured `ADMIN_API_TOKEN`, stored as request data by the router.
#[derive(Clone)]
pub struct AdminToken(pub SecretString);

/// `Authorization: Bearer {ADMIN_API_TOKEN}`, compared in constant time.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "check_admin_token")]
pub struct AdminAuth(());

async fn check_admin_token(request: &Request, bearer: Bearer) -> Option<()> {
    let expected = request.data::<AdminToken>()?;
    bool::from(
        bearer
            .token
            .as_bytes()
            .ct_eq(expected.0.expose_secret().as_bytes()),
    )
    .then_some(())
}

/// An error answer: a stable `code` and a Korean `message`.
#[derive(Debug, Object)]
pub struct ApiError {
    /// `NOT_FOUND`, `CONFLICT`, `UPSTREAM_FAILED`, or PortOne's error `type`.
    pub code: String,
    pub message: String,
}

pub(super) fn error(code: &str, message: impl Into<String>) -> Json<ApiError> {
    Json(ApiError {
        code: code.to_owned(),
        message: message.into(),
    })
}
