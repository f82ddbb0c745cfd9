//! Sandbox sign-in: access tokens shaped as Supabase Auth issues them
//! (<https://supabase.com/docs/guides/auth/jwts>), signed with an ES256 key generated at start,
//! whose key set the sandbox serves at `/sandbox/auth/v1/.well-known/jwks.json`. The service
//! verifies them exactly as it verifies a real project's: it fetches that key set over HTTP.

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use reqwest::Url;
use serde_json::{json, Value};

use crate::adapters::supabase_auth::AUTHENTICATED;
use crate::config::UserTokenSettings;

/// The `kid` of the sandbox's signing key.
pub const SANDBOX_KID: &str = "sandbox-es256";

/// The sandbox's signing key and the project it pretends to be.
pub struct SandboxAuth {
    key: EncodingKey,
    key_set: JwkSet,
    project_url: Url,
}

/// A minted access token, shaped as supabase-js's `session`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MintedSession {
    pub access_token: String,
    pub token_type: &'static str,
    /// Seconds.
    pub expires_in: i64,
    /// Unix seconds (sandbox clock).
    pub expires_at: i64,
    pub user: Value,
}

impl SandboxAuth {
    /// A new ES256 key for the project at `project_url` (`http://127.0.0.1:{port}/sandbox`).
    ///
    /// # Errors
    /// When no key can be generated.
    pub fn generate(project_url: Url) -> anyhow::Result<Self> {
        use aws_lc_rs::rand::SystemRandom;
        use aws_lc_rs::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};

        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .map_err(|_| anyhow::anyhow!("could not generate the sandbox signing key"))?;
        let key = EncodingKey::from_ec_der(pkcs8.as_ref());
        let mut jwk = Jwk::from_encoding_key(&key, Algorithm::ES256)?;
        jwk.common.key_id = Some(SANDBOX_KID.to_owned());
        Ok(Self {
            key,
            key_set: JwkSet { keys: vec![jwk] },
            project_url,
        })
    }

    /// How the service verifies the sandbox's tokens: as a Supabase project at the sandbox's URL.
    ///
    /// # Errors
    /// When the project URL cannot be a base URL.
    pub fn settings(&self) -> Result<UserTokenSettings, String> {
        UserTokenSettings::for_project(&self.project_url, None)
    }

    /// The public key set, as `/auth/v1/.well-known/jwks.json` serves it.
    pub fn key_set(&self) -> &JwkSet {
        &self.key_set
    }

    /// An access token for `user_id`, issued `now`, valid for `lifetime`.
    ///
    /// # Errors
    /// When signing fails.
    pub fn mint(
        &self,
        user_id: &str,
        now: DateTime<Utc>,
        lifetime: Duration,
    ) -> anyhow::Result<MintedSession> {
        let issuer = self.settings().map_err(anyhow::Error::msg)?.issuer;
        let expires_at = (now + lifetime).timestamp();
        let claims = json!({
            "iss": issuer,
            "sub": user_id,
            "aud": AUTHENTICATED,
            "exp": expires_at,
            "iat": now.timestamp(),
            "email": format!("{user_id}@sandbox.invalid"),
            "phone": "",
            "app_metadata": { "provider": "email", "providers": ["email"] },
            "user_metadata": {},
            "role": AUTHENTICATED,
            "aal": "aal1",
            "amr": [{ "method": "password", "timestamp": now.timestamp() }],
            "session_id": uuid::Uuid::new_v4(),
            "is_anonymous": false,
        });
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(SANDBOX_KID.to_owned());
        let access_token = encode(&header, &claims, &self.key)?;
        Ok(MintedSession {
            access_token,
            token_type: "bearer",
            expires_in: lifetime.num_seconds(),
            expires_at,
            user: json!({ "id": user_id, "aud": AUTHENTICATED, "role": AUTHENTICATED }),
        })
    }
}
