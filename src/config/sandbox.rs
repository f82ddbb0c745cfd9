//! What sandbox mode reads: where to listen, and the optional secrets. No account is needed, so
//! nothing is required.

use std::net::IpAddr;

use secrecy::SecretString;

use super::access::{read_browser_access, AccessSettings};
use super::dunning::read_dunning;
use super::events::AppWebhookSettings;
use super::reader::Reader;
use super::{read_webhook_secret, ConfigError};
use crate::domain::dunning::DunningPolicy;

/// The admin token sandbox mode uses when `ADMIN_API_TOKEN` is unset (printed in the banner).
pub const SANDBOX_ADMIN_TOKEN: &str = "sandbox-admin-token";

/// Sandbox mode's settings.
#[derive(Debug, Clone)]
pub struct SandboxSettings {
    pub host: IpAddr,
    pub port: u16,
    /// Signs the simulator's webhooks and requires signatures, as in production.
    pub portone_webhook_secret: Option<SecretString>,
    /// Token of the subscription and admin endpoints; [`SANDBOX_ADMIN_TOKEN`] when unset.
    pub admin_api_token: SecretString,
    /// `true` when the token came from `ADMIN_API_TOKEN` (the banner then does not print it).
    pub admin_token_from_env: bool,
    /// `DUNNING_RETRY_DAYS`, as in production.
    pub dunning: DunningPolicy,
    /// `CORS_ALLOWED_ORIGINS` and the charge limit, as in production; user tokens are the
    /// sandbox's own (`POST /sandbox/auth/token`).
    pub access: AccessSettings,
    /// `APP_WEBHOOK_URL` and `APP_WEBHOOK_SECRET`, as in production: without them the sandbox
    /// records events (`GET /sandbox/events`) and sends none.
    pub app_webhook: Option<AppWebhookSettings>,
}

impl SandboxSettings {
    /// # Errors
    /// [`ConfigError`] for a malformed `HOST`, `PORT` or webhook secret.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut env = Reader::new(lookup);
        let host = env.parsed("HOST", "0.0.0.0".parse().ok());
        let port = env.parsed("PORT", Some(3000));
        let secret = read_webhook_secret(&mut env);
        let token = env.optional("ADMIN_API_TOKEN");
        let dunning = read_dunning(&mut env);
        let access = read_browser_access(&mut env);
        let app_webhook = super::events::read(&mut env);
        env.finish()?;
        match (host, port, dunning) {
            (Some(host), Some(port), Some(dunning)) => Ok(Self {
                host,
                port,
                portone_webhook_secret: secret,
                admin_token_from_env: token.is_some(),
                admin_api_token: SecretString::from(token.unwrap_or_else(|| SANDBOX_ADMIN_TOKEN.to_owned())),
                dunning,
                access,
                app_webhook,
            }),
            _ => Err(ConfigError(vec!["HOST or PORT is malformed".to_owned()])),
        }
    }

    /// How the banner names the admin token: the default token itself, or `$ADMIN_API_TOKEN`.
    pub fn banner_token(&self) -> &'static str {
        if self.admin_token_from_env {
            "$ADMIN_API_TOKEN"
        } else {
            SANDBOX_ADMIN_TOKEN
        }
    }
}
