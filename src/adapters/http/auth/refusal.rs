//! Why a request's credentials were refused, answered as RFC 6750 says
//! (<https://www.rfc-editor.org/rfc/rfc6750#section-3>): 401 with a `WWW-Authenticate: Bearer`
//! challenge, `error="invalid_token"` when a token was sent but not accepted; 403 with
//! `error="insufficient_scope"` when a signed-in customer calls an admin-only operation; 503 with
//! `Retry-After` when a token cannot be judged because Supabase's signing keys cannot be fetched.

use poem::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::payload::Json;

use super::super::api_error::{error, request_problem, ApiError};

/// Seconds a caller waits before trying again when the signing keys were unavailable.
pub const RETRY_AFTER_SECONDS: &str = "5";

/// A refused caller: the extractors' error, turned into the documented answer by every protected
/// operation's bad-request handler ([`Guarded::guard`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthRefused {
    /// No `Authorization: Bearer …` header.
    #[error("no bearer token")]
    Missing,
    /// A token was sent but is not one this service accepts. The reason is logged, never the
    /// token.
    #[error("invalid bearer token: {0}")]
    InvalidToken(&'static str),
    /// A signed-in customer's token on an operation only the app's server may call.
    #[error("a customer's token on an admin-only operation")]
    AdminOnly,
    /// Supabase's signing keys could not be fetched, so the token could not be judged.
    #[error("signing keys unavailable")]
    KeysUnavailable,
}

impl AuthRefused {
    /// The `WWW-Authenticate` challenge of a 401 or 403.
    pub fn challenge(self) -> &'static str {
        match self {
            Self::Missing | Self::KeysUnavailable => "Bearer",
            Self::InvalidToken(_) => "Bearer error=\"invalid_token\"",
            Self::AdminOnly => "Bearer error=\"insufficient_scope\"",
        }
    }

    /// The HTTP status.
    pub fn status(self) -> StatusCode {
        match self {
            Self::Missing | Self::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            Self::AdminOnly => StatusCode::FORBIDDEN,
            Self::KeysUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// `{code, message}`: a stable code and a Korean message.
    pub fn body(self) -> Json<ApiError> {
        match self {
            Self::Missing => error("UNAUTHORIZED", "Authorization: Bearer 토큰이 필요합니다."),
            Self::InvalidToken(_) => error("UNAUTHORIZED", "토큰이 올바르지 않거나 만료되었습니다."),
            Self::AdminOnly => error(
                "FORBIDDEN",
                "이 작업은 앱 서버(ADMIN_API_TOKEN)만 할 수 있습니다. 로그인한 사용자의 토큰으로는 할 수 없습니다.",
            ),
            Self::KeysUnavailable => error(
                "AUTH_UNAVAILABLE",
                "Supabase 서명 키를 가져오지 못해 토큰을 확인할 수 없습니다. 잠시 후 다시 시도해 주세요.",
            ),
        }
    }

    /// The answer in `R`'s documented variants.
    pub fn answer<R: Guarded>(self) -> R {
        match self.status() {
            StatusCode::FORBIDDEN => R::forbidden(self.body(), self.challenge().to_owned()),
            StatusCode::SERVICE_UNAVAILABLE => R::unavailable(self.body(), RETRY_AFTER_SECONDS.to_owned()),
            _ => R::unauthorized(self.body(), self.challenge().to_owned()),
        }
    }
}

impl poem::error::ResponseError for AuthRefused {
    fn status(&self) -> StatusCode {
        (*self).status()
    }

    fn as_response(&self) -> Response {
        let response = self.body().with_status(self.status());
        match self {
            Self::KeysUnavailable => response
                .with_header(RETRY_AFTER, RETRY_AFTER_SECONDS)
                .into_response(),
            _ => response
                .with_header(WWW_AUTHENTICATE, self.challenge())
                .into_response(),
        }
    }
}

/// An operation's answers to a refused caller: what its `bad_request_handler` returns first.
pub trait Guarded: Sized {
    /// 401, with the `WWW-Authenticate` challenge.
    fn unauthorized(body: Json<ApiError>, challenge: String) -> Self;
    /// 503 with `Retry-After` (seconds).
    fn unavailable(body: Json<ApiError>, retry_after: String) -> Self;
    /// 403 for an admin-only operation called with a customer's token, with the challenge.
    /// Only admin-only operations refuse so (they override this); an operation a customer may
    /// call never does, and would answer 401.
    fn forbidden(body: Json<ApiError>, challenge: String) -> Self {
        Self::unauthorized(body, challenge)
    }

    /// The answer to `problem` when the caller was refused; `None` for any other bad request.
    fn guard(problem: &poem::Error) -> Option<Self> {
        problem
            .downcast_ref::<AuthRefused>()
            .map(|refusal| refusal.answer())
    }
}

/// The `bad_request_handler` of an operation whose answer is [`Guarded`] and has a 400 (its
/// `From<Json<ApiError>>`): a refused caller's answer (401, 403, 503) when the credential was the
/// problem, else 400 with what poem-openapi could not parse.
pub fn bad_request<T: Guarded + From<Json<ApiError>>>(problem: poem::Error) -> T {
    T::guard(&problem).unwrap_or_else(|| T::from(request_problem(&problem)))
}

/// Implements [`Guarded`] for an answer enum with the variants
/// `Unauthorized(Json<ApiError>, String)` (401) and `AuthUnavailable(Json<ApiError>, String)`
/// (503) and, for an admin-only operation (`admin_only`), `AdminOnly(Json<ApiError>, String)`
/// (403); with `bad_request`, `From<Json<ApiError>>` as its `BadRequest(Json<ApiError>)` (400),
/// so [`bad_request`] can be its `bad_request_handler`.
macro_rules! guarded {
    ($answer:ty $(, $flag:ident)*) => {
        impl $crate::adapters::http::auth::Guarded for $answer {
            fn unauthorized(
                body: poem_openapi::payload::Json<$crate::adapters::http::ApiError>,
                challenge: String,
            ) -> Self {
                Self::Unauthorized(body, challenge)
            }

            fn unavailable(
                body: poem_openapi::payload::Json<$crate::adapters::http::ApiError>,
                retry_after: String,
            ) -> Self {
                Self::AuthUnavailable(body, retry_after)
            }

            $($crate::adapters::http::auth::guarded!(@inside $flag);)*
        }

        $($crate::adapters::http::auth::guarded!(@beside $answer, $flag);)*
    };
    (@inside admin_only) => {
        fn forbidden(
            body: poem_openapi::payload::Json<$crate::adapters::http::ApiError>,
            challenge: String,
        ) -> Self {
            Self::AdminOnly(body, challenge)
        }
    };
    (@inside bad_request) => {};
    (@beside $answer:ty, admin_only) => {};
    (@beside $answer:ty, bad_request) => {
        impl From<poem_openapi::payload::Json<$crate::adapters::http::ApiError>> for $answer {
            fn from(body: poem_openapi::payload::Json<$crate::adapters::http::ApiError>) -> Self {
                Self::BadRequest(body)
            }
        }
    };
}
pub(crate) use guarded;
