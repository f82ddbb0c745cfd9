//! Sandbox sign-in endpoints (Swagger UI tag "Sandbox"): mint a signed-in customer's access
//! token, and serve the key set that verifies it, where a Supabase project serves its own.

use std::sync::Arc;

use chrono::Duration;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde_json::Value;

use super::api::SandboxTags;
use super::Sandbox;
use crate::adapters::http::{ApiError, Text};
use crate::ports::Clock;

/// Who to sign in.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct SignIn {
    /// The app's user id: the token's `sub`, and the customer every call with the token acts
    /// for (PortOne's `customer.id`).
    #[oai(validator(min_length = 1, max_length = 256))]
    pub user_id: Text,
    /// Seconds the token stays valid, by the sandbox clock; default 3600 (Supabase's default).
    #[oai(validator(minimum(value = "1"), maximum(value = "604800")))]
    pub expires_in: Option<i64>,
}

/// A signed-in session, as supabase-js holds it.
#[derive(Debug, Object)]
pub struct SessionModel {
    /// Send as `Authorization: Bearer {access_token}`.
    pub access_token: String,
    pub token_type: String,
    /// Seconds.
    pub expires_in: i64,
    /// When the token expires, UTC (ISO 8601), by the sandbox clock.
    pub expires_at: String,
    pub user: Value,
}

#[derive(ApiResponse)]
#[oai(bad_request_handler = "sign_in_bad_request")]
pub enum SignInResponse {
    #[oai(status = 200)]
    Ok(Json<SessionModel>),
    /// The body is not the documented JSON.
    #[oai(status = 400)]
    BadRequest(Json<ApiError>),
    /// The token could not be signed.
    #[oai(status = 500)]
    Failed(Json<ApiError>),
}

fn sign_in_bad_request(error: poem::Error) -> SignInResponse {
    SignInResponse::BadRequest(crate::adapters::http::request_problem(&error))
}

/// The sandbox's sign-in endpoints.
pub struct SandboxAuthApi {
    sandbox: Arc<Sandbox>,
}

impl SandboxAuthApi {
    pub fn new(sandbox: Arc<Sandbox>) -> Self {
        Self { sandbox }
    }
}

#[OpenApi(tag = "SandboxTags::Sandbox")]
impl SandboxAuthApi {
    /// Sign a customer in: an access token shaped as Supabase Auth issues it (ES256, `iss`
    /// `…/sandbox/auth/v1`, `aud` and `role` `authenticated`, `sub` = `user_id`). Use it with
    /// Swagger UI's SupabaseAuth to act as that customer.
    #[oai(path = "/sandbox/auth/token", method = "post")]
    async fn sign_in(&self, input: Json<SignIn>) -> SignInResponse {
        let lifetime = Duration::seconds(input.expires_in.unwrap_or(3600));
        let now = self.sandbox.clock.now();
        match self.sandbox.auth.mint(&input.user_id, now, lifetime) {
            Ok(session) => SignInResponse::Ok(Json(SessionModel {
                access_token: session.access_token,
                token_type: session.token_type.to_owned(),
                expires_in: session.expires_in,
                expires_at: crate::domain::timestamp::Timestamp::from_utc(
                    chrono::DateTime::from_timestamp(session.expires_at, 0).unwrap_or_default(),
                )
                .to_iso(),
                user: session.user,
            })),
            Err(problem) => SignInResponse::Failed(crate::adapters::http::error(
                "SIGN_IN_FAILED",
                problem.to_string(),
            )),
        }
    }

    /// The public key set of the sandbox's signing key, where a Supabase project serves its own
    /// (`/auth/v1/.well-known/jwks.json`).
    #[oai(path = "/sandbox/auth/v1/.well-known/jwks.json", method = "get")]
    async fn key_set(&self) -> Json<Value> {
        Json(serde_json::to_value(self.sandbox.auth.key_set()).unwrap_or(Value::Null))
    }
}
