//! Supabase access tokens (what supabase-js holds as `session.access_token`), verified as
//! Supabase documents them (<https://supabase.com/docs/guides/auth/jwts>,
//! <https://supabase.com/docs/guides/auth/signing-keys>): signed with the project's asymmetric
//! keys (ES256, RS256; the key set fetched and cached by [`jwks`]) or, for projects still on it,
//! the legacy shared secret (HS256); `iss` = `{SUPABASE_URL}/auth/v1`, `aud` = `authenticated`,
//! `role` = `authenticated`, `exp` in the future and `nbf` (when set) in the past (with
//! [`LEEWAY_SECONDS`]), and not an anonymous user's unless allowed. The customer is the token's
//! `sub`, the user id RLS policies read as `auth.uid()`.
//!
//! Signatures and claims are checked by the `jsonwebtoken` crate; only the choice of key, and
//! `exp` against the service's clock (so tests and the sandbox are exact), are decided here.

pub mod jwks;

use std::sync::Arc;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::config::UserTokenSettings;
use crate::domain::customer_id::CustomerId;
use crate::ports::Clock;
use jwks::{Jwks, KeyLookup, VerifyingKey};

/// Seconds a token is still accepted after its `exp`: clocks of two machines differ a little.
pub const LEEWAY_SECONDS: i64 = 30;

/// The `aud` and `role` of a signed-in user's token. The anon key's role is `anon`, the
/// service-role key's `service_role`: neither is a customer.
pub const AUTHENTICATED: &str = "authenticated";

/// A verified token's user: the customer every operation acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInUser {
    /// The token's `sub`: Supabase's user id, `auth.uid()`, and the app's PortOne `customer.id`.
    pub user_id: CustomerId,
}

/// Why a token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a valid access token of this project (401). The reason is for the log only; the
    /// token itself is never logged.
    #[error("token refused: {0}")]
    Refused(&'static str),
    /// The project's signing keys could not be fetched, so the token cannot be judged (503: the
    /// caller retries).
    #[error("the signing keys are unavailable")]
    Unavailable,
}

/// The claims read from a token; `iss` and `aud` are checked by `jsonwebtoken`.
#[derive(Deserialize)]
struct Claims {
    sub: String,
    exp: i64,
    /// Not valid before (RFC 7519 section 4.1.5); Supabase does not set it, a forged or
    /// pre-issued token may.
    #[serde(default)]
    nbf: Option<i64>,
    #[serde(default)]
    role: Option<String>,
    /// `true` for Supabase's anonymous sign-ins.
    #[serde(default)]
    is_anonymous: bool,
}

/// Verifies one Supabase project's access tokens.
pub struct UserTokens {
    issuer: String,
    legacy: Option<DecodingKey>,
    jwks: Jwks,
    clock: Arc<dyn Clock>,
    allow_anonymous: bool,
}

/// The log reason of a `jsonwebtoken` refusal.
fn reason(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidSignature => "bad signature",
        ErrorKind::InvalidIssuer => "issued by another project (iss)",
        ErrorKind::InvalidAudience => "not for signed-in users (aud)",
        ErrorKind::InvalidAlgorithm => "algorithm does not match the key",
        ErrorKind::MissingRequiredClaim(_) => "a required claim is missing",
        _ => "malformed token",
    }
}

impl UserTokens {
    /// The verifier of `settings`' project; the key set is fetched with `http` on first use.
    pub fn new(settings: &UserTokenSettings, http: reqwest::Client, clock: Arc<dyn Clock>) -> Self {
        Self {
            issuer: settings.issuer.clone(),
            legacy: settings
                .legacy_secret
                .as_ref()
                .and_then(|secret| DecodingKey::from_secret(secret.expose_secret().as_bytes()).ok()),
            jwks: Jwks::new(settings.jwks_url.clone(), http, clock.clone()),
            clock,
            allow_anonymous: settings.allow_anonymous,
        }
    }

    /// The `iss` tokens must carry.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The key `token` must be signed with, by its header: HS256 only with the legacy secret
    /// (else an attacker could sign with the public key as an HMAC secret), ES256 and RS256 only
    /// from the key set, by `kid`.
    async fn key_for(&self, token: &str) -> Result<VerifyingKey, TokenError> {
        // `alg: none` and unknown algorithms fail here: `jsonwebtoken` has no such algorithm.
        let header =
            decode_header(token).map_err(|_| TokenError::Refused("malformed header or algorithm"))?;
        match header.alg {
            Algorithm::HS256 => self
                .legacy
                .clone()
                .map(|key| VerifyingKey {
                    key,
                    algorithm: Algorithm::HS256,
                })
                .ok_or(TokenError::Refused("HS256 but no shared secret is configured")),
            Algorithm::ES256 | Algorithm::RS256 => {
                let kid = header.kid.ok_or(TokenError::Refused("no kid"))?;
                let key = self.jwks.key(&kid).await.map_err(|lookup| match lookup {
                    KeyLookup::Unknown => TokenError::Refused("unknown signing key (kid)"),
                    KeyLookup::Unavailable => TokenError::Unavailable,
                })?;
                if key.algorithm == header.alg {
                    Ok(key)
                } else {
                    Err(TokenError::Refused("algorithm does not match the key"))
                }
            }
            _ => Err(TokenError::Refused("algorithm not accepted")),
        }
    }

    /// The user `token` was issued to.
    ///
    /// # Errors
    /// [`TokenError::Refused`] for anything but a valid, unexpired access token of a signed-in
    /// user of this project; [`TokenError::Unavailable`] when the key set cannot be fetched.
    pub async fn verify(&self, token: &str) -> Result<SignedInUser, TokenError> {
        let key = self.key_for(token).await?;
        let mut validation = Validation::new(key.algorithm);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[AUTHENTICATED]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // `exp` and `nbf` are checked below against the service's clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let claims = decode::<Claims>(token, &key.key, &validation)
            .map_err(|error| TokenError::Refused(reason(error.kind())))?
            .claims;
        let now = self.clock.now().timestamp();
        if claims.exp.saturating_add(LEEWAY_SECONDS) < now {
            return Err(TokenError::Refused("expired"));
        }
        if claims
            .nbf
            .is_some_and(|nbf| nbf.saturating_sub(LEEWAY_SECONDS) > now)
        {
            return Err(TokenError::Refused("not valid yet (nbf)"));
        }
        if claims.is_anonymous && !self.allow_anonymous {
            return Err(TokenError::Refused("an anonymous user's token"));
        }
        if claims.role.as_deref() != Some(AUTHENTICATED) {
            return Err(TokenError::Refused("not a signed-in user's token (role)"));
        }
        let Ok(user_id) = CustomerId::parse(claims.sub) else {
            return Err(TokenError::Refused("no subject, or not a customer id"));
        };
        Ok(SignedInUser { user_id })
    }
}
