//! Who may call the subscription and admin endpoints: `Authorization: Bearer {ADMIN_API_TOKEN}`,
//! compared in constant time. A missing or wrong token is answered 401 with a `WWW-Authenticate`
//! challenge (`refusal`), before the operation runs.

mod refusal;

use poem::Request;
use poem_openapi::registry::{MetaSecurityScheme, Registry};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

pub use refusal::{refused, AuthRefused};

/// The configured `ADMIN_API_TOKEN`, stored as request data by the router.
#[derive(Clone)]
pub struct AdminToken(pub SecretString);

/// The security scheme's name in the OpenAPI document.
const SCHEME: &str = "AdminAuth";

/// `Authorization: Bearer {ADMIN_API_TOKEN}`, compared in constant time. Written out (not
/// derived) so a refusal is [`AuthRefused`]: the derived checker can only say "authorization
/// error", which the operations' bad-request handlers turned into a 400.
pub struct AdminAuth(());

/// The token of `Authorization: Bearer <token>` (the scheme is case-insensitive, RFC 7235).
fn bearer(request: &Request) -> Option<&str> {
    let value = request.header(poem::http::header::AUTHORIZATION)?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

impl<'a> ApiExtractor<'a> for AdminAuth {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        registry.create_security_scheme(
            SCHEME,
            MetaSecurityScheme {
                ty: "http",
                description: Some("`Authorization: Bearer {ADMIN_API_TOKEN}`, compared in constant time."),
                name: None,
                key_in: None,
                scheme: Some("bearer"),
                bearer_format: None,
                flows: None,
                openid_connect_url: None,
            },
        );
    }

    fn security_schemes() -> Vec<&'static str> {
        vec![SCHEME]
    }

    async fn from_request(
        request: &'a Request,
        _body: &mut poem::RequestBody,
        _options: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let Some(token) = bearer(request) else {
            return Err(AuthRefused::Missing.into());
        };
        let matches = request.data::<AdminToken>().is_some_and(|expected| {
            bool::from(token.as_bytes().ct_eq(expected.0.expose_secret().as_bytes()))
        });
        if matches {
            Ok(Self(()))
        } else {
            tracing::info!(reason = "not the admin token", "bearer token refused");
            Err(AuthRefused::InvalidToken("not the admin token").into())
        }
    }
}
