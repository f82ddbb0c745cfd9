//! Why a request's credentials were refused, answered as RFC 6750 says
//! (<https://www.rfc-editor.org/rfc/rfc6750#section-3>): 401 with a `WWW-Authenticate: Bearer`
//! challenge, `error="invalid_token"` when a token was sent but not accepted.

use poem::http::header::WWW_AUTHENTICATE;
use poem::http::StatusCode;
use poem::{IntoResponse, Response};

use super::super::api_error::error;

/// A missing or refused bearer token: the extractor's error, turned into the documented 401 by
/// every protected operation (its `Unauthorized` answer, or this error's own response where an
/// operation has no handler for bad requests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthRefused {
    /// No `Authorization: Bearer …` header.
    #[error("no bearer token")]
    Missing,
    /// A token was sent but is not one this service accepts. The reason is logged, never the
    /// token.
    #[error("invalid bearer token: {0}")]
    InvalidToken(&'static str),
}

impl AuthRefused {
    /// The `WWW-Authenticate` challenge.
    pub fn challenge(self) -> &'static str {
        match self {
            Self::Missing => "Bearer",
            Self::InvalidToken(_) => "Bearer error=\"invalid_token\"",
        }
    }

    /// The Korean message of the answer.
    pub fn message(self) -> &'static str {
        match self {
            Self::Missing => "Authorization: Bearer 토큰이 필요합니다.",
            Self::InvalidToken(_) => "토큰이 올바르지 않거나 만료되었습니다.",
        }
    }

    /// `{code: "UNAUTHORIZED", message}` and the challenge: the parts of every protected
    /// operation's 401 answer.
    pub fn answer(self) -> (poem_openapi::payload::Json<super::super::ApiError>, String) {
        (error("UNAUTHORIZED", self.message()), self.challenge().to_owned())
    }
}

impl poem::error::ResponseError for AuthRefused {
    fn status(&self) -> StatusCode {
        StatusCode::UNAUTHORIZED
    }

    fn as_response(&self) -> Response {
        let (body, challenge) = self.answer();
        body.with_status(StatusCode::UNAUTHORIZED)
            .with_header(WWW_AUTHENTICATE, challenge)
            .into_response()
    }
}

/// The refusal inside `error`, when `error` is one: what a `bad_request_handler` checks first so
/// that a refused token is answered 401, never 400.
pub fn refused(error: &poem::Error) -> Option<AuthRefused> {
    error.downcast_ref::<AuthRefused>().copied()
}
