//! Settings from the environment (and `.env` when present), checked all at once at startup.
//!
//! Every variable is documented in `.env.example`. A problem stops startup with one message that
//! lists each one (exit code 2, see `main.rs`); secret values never appear in it.

mod reader;
mod storage;

use std::net::IpAddr;
use std::time::Duration;

use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};

use crate::service::WebhookSecret;

pub use storage::{PostgresSettings, StorageConfig};

use reader::Reader;

/// PortOne's production API (`shared/portone/README.md` §1: the schema's only server).
pub const DEFAULT_PORTONE_API_BASE_URL: &str = "https://api.portone.io";

/// Everything the service needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// `PORTONE_API_SECRET` (or the seed's `PORTONE_V2_API_SECRET`): the V2 API secret.
    pub portone_api_secret: SecretString,
    /// `PORTONE_API_BASE_URL`, default [`DEFAULT_PORTONE_API_BASE_URL`].
    pub portone_api_base_url: Url,
    /// `PORTONE_STORE_ID`: sent as `storeId` when set.
    pub portone_store_id: Option<String>,
    /// `PORTONE_WEBHOOK_SECRET`: the console's webhook secret (`whsec_…` or bare base64). When
    /// unset, signatures are not checked and startup warns.
    pub portone_webhook_secret: Option<SecretString>,
    /// `ADMIN_API_TOKEN`: bearer token of the subscription and admin endpoints; when unset they
    /// are not mounted.
    pub admin_api_token: Option<SecretString>,
    /// Where the `payment` table lives: `DATABASE_URL`, or Supabase's REST API.
    pub storage: StorageConfig,
    /// `HOST`, default `0.0.0.0`.
    pub host: IpAddr,
    /// `PORT`, default 3000.
    pub port: u16,
    /// `UPSTREAM_CONNECT_TIMEOUT_MS`, default 3000: TCP+TLS connect to PortOne or Supabase.
    pub upstream_connect_timeout: Duration,
    /// `UPSTREAM_TIMEOUT_MS`, default 8000: one whole upstream request attempt.
    pub upstream_timeout: Duration,
    /// `WEBHOOK_DEADLINE_MS`, default 20000: one whole webhook, retries included; under PortOne's
    /// 30 s read timeout.
    pub webhook_deadline: Duration,
    /// `MAX_CONCURRENT_WEBHOOKS` (default 1024) and `OVERLOAD_WAIT_MS` (default 1000): past the
    /// limit a webhook waits that long for a turn, then gets 503 with `Retry-After`.
    pub limits: crate::adapters::http::Limits,
}

/// Every configuration problem found, one per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration:\n{}", .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
pub struct ConfigError(pub Vec<String>);

impl Config {
    /// Reads the process environment.
    ///
    /// # Errors
    /// [`ConfigError`] listing every missing or malformed variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (tests pass a map). Empty values count as unset.
    ///
    /// # Errors
    /// [`ConfigError`] listing every missing or malformed variable.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut env = Reader::new(lookup);
        let secret = env.required(
            &["PORTONE_API_SECRET", "PORTONE_V2_API_SECRET"],
            "PortOne V2 API secret",
        );
        let base_url = env.url("PORTONE_API_BASE_URL", Some(DEFAULT_PORTONE_API_BASE_URL));
        let store_id = env.optional("PORTONE_STORE_ID");
        let webhook_secret = env.optional("PORTONE_WEBHOOK_SECRET").map(SecretString::from);
        if let Some(Err(problem)) = webhook_secret.as_ref().map(WebhookSecret::parse) {
            env.problem(problem.to_owned());
        }
        let admin_api_token = env.optional("ADMIN_API_TOKEN").map(SecretString::from);
        if admin_api_token
            .as_ref()
            .is_some_and(|token| token.expose_secret().len() < 16)
        {
            env.problem("ADMIN_API_TOKEN must be at least 16 characters".to_owned());
        }
        let storage = StorageConfig::read(&mut env);
        let host = env.parsed("HOST", "0.0.0.0".parse().ok());
        let port = env.parsed("PORT", Some(3000));
        let connect_ms = env.parsed("UPSTREAM_CONNECT_TIMEOUT_MS", Some(3000u64));
        let timeout_ms = env.parsed("UPSTREAM_TIMEOUT_MS", Some(8000u64));
        let deadline_ms = env.parsed("WEBHOOK_DEADLINE_MS", Some(20_000u64));
        let max_in_flight = env.parsed("MAX_CONCURRENT_WEBHOOKS", Some(1024usize));
        let wait_ms = env.parsed("OVERLOAD_WAIT_MS", Some(1000u64));
        env.finish()?;
        // `finish` succeeded, so every value above is present.
        let missing = || ConfigError(vec!["internal: a checked value is missing".to_owned()]);
        Ok(Self {
            portone_api_secret: SecretString::from(secret.ok_or_else(missing)?),
            portone_api_base_url: base_url.ok_or_else(missing)?,
            portone_store_id: store_id,
            portone_webhook_secret: webhook_secret,
            admin_api_token,
            storage: storage.ok_or_else(missing)?,
            host: host.ok_or_else(missing)?,
            port: port.ok_or_else(missing)?,
            upstream_connect_timeout: Duration::from_millis(connect_ms.ok_or_else(missing)?),
            upstream_timeout: Duration::from_millis(timeout_ms.ok_or_else(missing)?),
            webhook_deadline: Duration::from_millis(deadline_ms.ok_or_else(missing)?),
            limits: crate::adapters::http::Limits {
                max_in_flight: max_in_flight.ok_or_else(missing)?.max(1),
                queue_wait: Duration::from_millis(wait_ms.ok_or_else(missing)?),
            },
        })
    }
}

/// What sandbox mode reads: where to listen, and the optional secrets (issue 5). No account is
/// needed, so nothing is required.
#[derive(Debug, Clone)]
pub struct SandboxSettings {
    pub host: IpAddr,
    pub port: u16,
    /// Signs the simulator's webhooks and requires signatures, as in production.
    pub portone_webhook_secret: Option<SecretString>,
    /// Token of the subscription and admin endpoints; [`SANDBOX_ADMIN_TOKEN`] when unset.
    pub admin_api_token: SecretString,
}

/// The admin token sandbox mode uses when `ADMIN_API_TOKEN` is unset (printed in the banner).
pub const SANDBOX_ADMIN_TOKEN: &str = "sandbox-admin-token";

impl SandboxSettings {
    /// # Errors
    /// [`ConfigError`] for a malformed `HOST`, `PORT` or webhook secret.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut env = Reader::new(lookup);
        let host = env.parsed("HOST", "0.0.0.0".parse().ok());
        let port = env.parsed("PORT", Some(3000));
        let secret = env.optional("PORTONE_WEBHOOK_SECRET").map(SecretString::from);
        if let Some(Err(problem)) = secret.as_ref().map(WebhookSecret::parse) {
            env.problem(problem.to_owned());
        }
        let token = env
            .optional("ADMIN_API_TOKEN")
            .unwrap_or_else(|| SANDBOX_ADMIN_TOKEN.to_owned());
        env.finish()?;
        match (host, port) {
            (Some(host), Some(port)) => Ok(Self {
                host,
                port,
                portone_webhook_secret: secret,
                admin_api_token: SecretString::from(token),
            }),
            _ => Err(ConfigError(vec!["HOST or PORT is malformed".to_owned()])),
        }
    }
}

#[cfg(test)]
mod tests;
