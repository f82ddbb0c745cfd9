//! The project's signing keys (`{SUPABASE_URL}/auth/v1/.well-known/jwks.json`), cached.
//!
//! Supabase's edge caches the key set for 10 minutes
//! (<https://supabase.com/docs/guides/auth/signing-keys>), so it is fetched again after
//! [`MAX_AGE`]. A token signed with a key the cache does not hold (a rotation) fetches it again,
//! but at most once per [`MIN_REFETCH`], and one request fetches while the others wait: a stream
//! of forged `kid`s cannot make this service flood Supabase.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey};
use reqwest::Url;
use tokio::sync::Mutex;

use crate::ports::Clock;

/// How long a fetched key set is used before it is fetched again.
pub const MAX_AGE: Duration = Duration::minutes(10);
/// The least time between two fetches, whatever tokens arrive.
pub const MIN_REFETCH: Duration = Duration::seconds(30);

/// A verification key and the one algorithm it verifies.
#[derive(Clone)]
pub struct VerifyingKey {
    pub key: DecodingKey,
    pub algorithm: Algorithm,
}

/// Why no key was found for a `kid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyLookup {
    /// The key set, fetched now or lately, has no such key: the token is refused (401).
    Unknown,
    /// The key set could not be fetched: the caller should retry (503).
    Unavailable,
}

/// `{"keys": [...]}` (RFC 7517 §5), each key read on its own.
#[derive(serde::Deserialize)]
struct KeySet {
    keys: Vec<serde_json::Value>,
}

#[derive(Default)]
struct Cached {
    keys: HashMap<String, VerifyingKey>,
    /// The last successful fetch, UTC.
    fetched_at: Option<DateTime<Utc>>,
    /// The last fetch tried, successful or not, UTC.
    tried_at: Option<DateTime<Utc>>,
    last_failed: bool,
}

/// The cached key set of one Supabase project.
pub struct Jwks {
    url: Url,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    cached: RwLock<Cached>,
    /// Held by the one request that fetches.
    fetching: Mutex<()>,
}

/// The algorithm `jwk` verifies: its `alg`, else what its curve or key type implies. Only the
/// algorithms Supabase signs access tokens with asymmetrically are kept (ES256, RS256).
fn algorithm_of(jwk: &Jwk) -> Option<Algorithm> {
    let algorithm = match (&jwk.common.key_algorithm, &jwk.algorithm) {
        (Some(KeyAlgorithm::ES256), _) => Algorithm::ES256,
        (Some(KeyAlgorithm::RS256), _) => Algorithm::RS256,
        (Some(_), _) => return None,
        (None, AlgorithmParameters::EllipticCurve(ec)) if ec.curve == EllipticCurve::P256 => Algorithm::ES256,
        (None, AlgorithmParameters::RSA(_)) => Algorithm::RS256,
        (None, _) => return None,
    };
    Some(algorithm)
}

/// The usable keys of `set`, by `kid`. Keys without a `kid`, of other algorithms, or of a shape
/// this build cannot read are left out one by one: a key type added later must not make the whole
/// set unreadable.
fn usable(set: &KeySet) -> HashMap<String, VerifyingKey> {
    set.keys
        .iter()
        .filter_map(|value| {
            let jwk: Jwk = serde_json::from_value(value.clone()).ok()?;
            let jwk = &jwk;
            let kid = jwk.common.key_id.clone()?;
            let algorithm = algorithm_of(jwk)?;
            let key = DecodingKey::from_jwk(jwk).ok()?;
            Some((kid, VerifyingKey { key, algorithm }))
        })
        .collect()
}

impl Jwks {
    pub fn new(url: Url, http: reqwest::Client, clock: Arc<dyn Clock>) -> Self {
        Self {
            url,
            http,
            clock,
            cached: RwLock::new(Cached::default()),
            fetching: Mutex::new(()),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Cached> {
        self.cached
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The cached key `kid` when the set is fresh (or may not be fetched again yet); `None`
    /// means: fetch.
    fn cached(&self, kid: &str, now: DateTime<Utc>) -> Option<Result<VerifyingKey, KeyLookup>> {
        let cached = self.read();
        let fresh = cached.fetched_at.is_some_and(|at| now - at < MAX_AGE);
        let may_fetch = cached.tried_at.is_none_or(|at| now - at >= MIN_REFETCH);
        match cached.keys.get(kid) {
            Some(key) if fresh || !may_fetch => Some(Ok(key.clone())),
            Some(_) => None,
            None if may_fetch => None,
            None if cached.last_failed => Some(Err(KeyLookup::Unavailable)),
            None => Some(Err(KeyLookup::Unknown)),
        }
    }

    /// The key `kid`, fetching the set when it is stale or lacks the key (at most once per
    /// [`MIN_REFETCH`]). A stale key is still used when the set cannot be fetched.
    pub async fn key(&self, kid: &str) -> Result<VerifyingKey, KeyLookup> {
        if let Some(found) = self.cached(kid, self.clock.now()) {
            return found;
        }
        let _fetching = self.fetching.lock().await;
        // Another request may have fetched while this one waited.
        if let Some(found) = self.cached(kid, self.clock.now()) {
            return found;
        }
        let now = self.clock.now();
        let fetched = self.fetch().await;
        let mut cached = self
            .cached
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cached.tried_at = Some(now);
        match fetched {
            Ok(keys) => {
                tracing::info!(keys = keys.len(), "Supabase signing keys fetched");
                cached.keys = keys;
                cached.fetched_at = Some(now);
                cached.last_failed = false;
            }
            Err(problem) => {
                tracing::warn!(%problem, "Supabase signing keys could not be fetched; the cached ones stay");
                cached.last_failed = true;
            }
        }
        match cached.keys.get(kid) {
            Some(key) => Ok(key.clone()),
            None if cached.last_failed => Err(KeyLookup::Unavailable),
            None => Err(KeyLookup::Unknown),
        }
    }

    async fn fetch(&self) -> Result<HashMap<String, VerifyingKey>, String> {
        let response = self
            .http
            .get(self.url.clone())
            .send()
            .await
            .map_err(|e| format!("request failed: {}", e.without_url()))?;
        if !response.status().is_success() {
            return Err(format!("answered {}", response.status()));
        }
        let set: KeySet = response
            .json()
            .await
            .map_err(|e| format!("not a key set: {}", e.without_url()))?;
        Ok(usable(&set))
    }
}
