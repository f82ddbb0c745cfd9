//! Who may call the subscription and admin endpoints, as `Authorization: Bearer <token>`:
//! - the app's server, with `ADMIN_API_TOKEN` (compared in constant time): every operation;
//! - a signed-in customer, with their Supabase access token (`supabase_auth`): the operations
//!   taking [`CallerAuth`], on their own subscriptions only.
//!
//! A refusal is [`AuthRefused`], answered before the operation runs (`refusal`).

mod refusal;

use std::sync::Arc;

use poem::Request;
use poem_openapi::registry::{MetaSecurityScheme, Registry};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use crate::adapters::supabase_auth::{TokenError, UserTokens};
use crate::service::Caller;
use crate::telemetry::metrics;

pub(crate) use refusal::guarded;
pub use refusal::{bad_request, AuthRefused, Guarded};

/// What bearer tokens are compared with, stored as request data by the router.
#[derive(Clone)]
pub struct Credentials {
    /// `ADMIN_API_TOKEN`.
    pub admin_token: SecretString,
    /// The Supabase project whose access tokens are accepted; `None`: only the admin token.
    pub user_tokens: Option<Arc<UserTokens>>,
}

/// The admin token's scheme in the OpenAPI document.
const ADMIN_SCHEME: &str = "AdminAuth";
/// The Supabase access token's scheme in the OpenAPI document.
const USER_SCHEME: &str = "SupabaseAuth";

fn register_schemes(registry: &mut Registry) {
    let bearer = |description: &'static str, format: Option<&'static str>| MetaSecurityScheme {
        ty: "http",
        description: Some(description),
        name: None,
        key_in: None,
        scheme: Some("bearer"),
        bearer_format: format,
        flows: None,
        openid_connect_url: None,
    };
    registry.create_security_scheme(
        ADMIN_SCHEME,
        bearer(
            "`Authorization: Bearer {ADMIN_API_TOKEN}`, compared in constant time: the app's server.",
            None,
        ),
    );
    registry.create_security_scheme(
        USER_SCHEME,
        bearer(
            "`Authorization: Bearer {session.access_token}`: a signed-in user's Supabase access token \
             (ES256/RS256 from the project's JWKS, or HS256 with SUPABASE_JWT_SECRET; iss, aud and role \
             `authenticated`, exp checked). Acts as the customer `sub`, on their own subscriptions only.",
            Some("JWT"),
        ),
    );
}

/// The token of `Authorization: Bearer <token>` (the scheme is case-insensitive, RFC 7235).
fn bearer(request: &Request) -> Option<&str> {
    let value = request.header(poem::http::header::AUTHORIZATION)?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Who `request` comes from. The reason of a refusal is logged, never the token.
async fn identify(request: &Request) -> Result<Caller, AuthRefused> {
    let token = bearer(request).ok_or(AuthRefused::Missing)?;
    let Some(credentials) = request.data::<Credentials>() else {
        return Err(AuthRefused::InvalidToken("no credentials are configured"));
    };
    if bool::from(
        token
            .as_bytes()
            .ct_eq(credentials.admin_token.expose_secret().as_bytes()),
    ) {
        return Ok(Caller::Admin);
    }
    let Some(users) = &credentials.user_tokens else {
        tracing::info!(reason = "not the admin token", "bearer token refused");
        metrics::token_refused();
        return Err(AuthRefused::InvalidToken("not the admin token"));
    };
    match users.verify(token).await {
        Ok(user) => Ok(Caller::Customer(user.user_id)),
        Err(TokenError::Refused(reason)) => {
            tracing::info!(reason, "bearer token refused");
            metrics::token_refused();
            Err(AuthRefused::InvalidToken(reason))
        }
        Err(TokenError::Unavailable) => {
            tracing::warn!("a bearer token could not be judged: the signing keys are unavailable");
            Err(AuthRefused::KeysUnavailable)
        }
    }
}

/// Operations only the app's server may call (refunds, plan writes, schedule admin, reconcile):
/// the admin token, or 401; a customer's valid token gets 403.
pub struct AdminAuth(());

/// Operations a signed-in customer may call too: the caller, admin or customer.
pub struct CallerAuth(pub Caller);

impl<'a> ApiExtractor<'a> for AdminAuth {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        register_schemes(registry);
    }

    fn security_schemes() -> Vec<&'static str> {
        vec![ADMIN_SCHEME]
    }

    async fn from_request(
        request: &'a Request,
        _body: &mut poem::RequestBody,
        _options: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        match identify(request).await? {
            Caller::Admin => Ok(Self(())),
            Caller::Customer(_) => {
                tracing::info!("a customer's token on an admin-only operation");
                Err(AuthRefused::AdminOnly.into())
            }
        }
    }
}

impl<'a> ApiExtractor<'a> for CallerAuth {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        register_schemes(registry);
    }

    fn security_schemes() -> Vec<&'static str> {
        vec![ADMIN_SCHEME, USER_SCHEME]
    }

    async fn from_request(
        request: &'a Request,
        _body: &mut poem::RequestBody,
        _options: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        Ok(Self(identify(request).await?))
    }
}

/// Operations anyone may call, which answer more to a known caller (`GET /api/plans`: a pricing
/// page is public). `None` without an `Authorization` header; a header that is sent must hold a
/// valid token (401 otherwise), so a stale session is told rather than served as anonymous. The
/// document lists the schemes and an empty requirement (`security: [{}, …]`, OpenAPI 3.0.3's
/// "Security Requirement Object": optional authentication).
pub struct OptionalCallerAuth(pub Option<Caller>);

impl<'a> ApiExtractor<'a> for OptionalCallerAuth {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        register_schemes(registry);
    }

    fn security_schemes() -> Vec<&'static str> {
        vec![ADMIN_SCHEME, USER_SCHEME]
    }

    fn has_security_fallback() -> bool {
        true
    }

    async fn from_request(
        request: &'a Request,
        _body: &mut poem::RequestBody,
        _options: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        if request.header(poem::http::header::AUTHORIZATION).is_none() {
            return Ok(Self(None));
        }
        Ok(Self(Some(identify(request).await?)))
    }
}
