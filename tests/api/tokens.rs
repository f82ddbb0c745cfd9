//! Supabase-shaped access tokens for the tests, signed with keys generated here (ES256, RS256,
//! HS256), and a JWKS stand-in serving the public keys where a Supabase project serves its own
//! (`/auth/v1/.well-known/jwks.json`). Nothing is fetched from outside.

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use portone_subscriptions::config::UserTokenSettings;
use reqwest::Url;
use secrecy::SecretString;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::now;

/// The legacy shared secret of the stand-in project (HS256).
pub const LEGACY_SECRET: &str = "test-legacy-jwt-secret-with-enough-length";

/// A private key, its algorithm and `kid`, and its public JWK.
pub struct SigningKey {
    pub key: EncodingKey,
    pub algorithm: Algorithm,
    pub kid: String,
    pub jwk: Value,
}

/// A new ES256 (P-256) key.
pub fn es256(kid: &str) -> SigningKey {
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new()).unwrap();
    let key = EncodingKey::from_ec_der(pkcs8.as_ref());
    let mut jwk = Jwk::from_encoding_key(&key, Algorithm::ES256).unwrap();
    jwk.common.key_id = Some(kid.to_owned());
    SigningKey {
        key,
        algorithm: Algorithm::ES256,
        kid: kid.to_owned(),
        jwk: serde_json::to_value(jwk).unwrap(),
    }
}

/// A new RS256 (2048-bit) key.
pub fn rs256(kid: &str) -> SigningKey {
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let der: Pkcs8V1Der<'static> = AsDer::<Pkcs8V1Der<'static>>::as_der(&pair).unwrap();
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        STANDARD.encode(der.as_ref())
    );
    let key = EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    let public = pair.public_key();
    let jwk = json!({
        "kty": "RSA",
        "alg": "RS256",
        "use": "sig",
        "kid": kid,
        "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
        "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
    });
    SigningKey {
        key,
        algorithm: Algorithm::RS256,
        kid: kid.to_owned(),
        jwk,
    }
}

/// The legacy shared secret as a signing key (HS256, no `kid`).
pub fn legacy() -> SigningKey {
    SigningKey {
        key: EncodingKey::from_secret(LEGACY_SECRET.as_bytes()).unwrap(),
        algorithm: Algorithm::HS256,
        kid: String::new(),
        jwk: Value::Null,
    }
}

/// `claims` signed with `key`, its `kid` in the header.
pub fn sign(key: &SigningKey, claims: &Value) -> String {
    let mut header = Header::new(key.algorithm);
    header.kid = (!key.kid.is_empty()).then(|| key.kid.clone());
    encode(&header, claims, &key.key).unwrap()
}

/// A Supabase project's stand-in: its URL, and its key set at `/auth/v1/.well-known/jwks.json`.
pub struct Project {
    pub server: MockServer,
}

impl Project {
    pub async fn start() -> Self {
        Self {
            server: MockServer::start().await,
        }
    }

    /// The project's `iss`.
    pub fn issuer(&self) -> String {
        format!("{}/auth/v1", self.server.uri())
    }

    /// How the service verifies this project's tokens (`legacy`: also HS256 with the secret).
    pub fn settings(&self, legacy: bool) -> UserTokenSettings {
        let secret = legacy.then(|| SecretString::from(LEGACY_SECRET));
        UserTokenSettings::for_project(&Url::parse(&self.server.uri()).unwrap(), secret).unwrap()
    }

    /// Serves `keys` as the key set from now on (replacing what was served).
    pub async fn serve_keys(&self, keys: &[&SigningKey]) {
        self.server.reset().await;
        let set = json!({ "keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>() });
        Mock::given(method("GET"))
            .and(path("/auth/v1/.well-known/jwks.json"))
            .respond_with(ResponseTemplate::new(200).set_body_json(set))
            .mount(&self.server)
            .await;
    }

    /// How many times the key set was fetched.
    pub async fn fetches(&self) -> usize {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|r| r.url.path() == "/auth/v1/.well-known/jwks.json")
            .count()
    }

    /// The claims of a signed-in user's access token, valid for an hour from the test clock.
    pub fn user_claims(&self, user_id: &str) -> Value {
        json!({
            "iss": self.issuer(),
            "sub": user_id,
            "aud": "authenticated",
            "role": "authenticated",
            "exp": now().timestamp() + 3600,
            "iat": now().timestamp(),
            "session_id": "7a1b2c3d-0000-4000-8000-000000000000",
            "is_anonymous": false,
        })
    }

    /// `Authorization: Bearer …` of `user_id`, signed with `key`.
    pub fn bearer(&self, key: &SigningKey, user_id: &str) -> String {
        format!("Bearer {}", sign(key, &self.user_claims(user_id)))
    }
}
