//! Settings from the environment (and `.env` when present), checked all at once at startup.
//!
//! Every variable is documented in `.env.example`. A problem stops startup with one message that
//! lists each one (exit code 2, see `main.rs`); secret values never appear in it.
//!
//! Plain data, read at the edge: nothing here knows the services. A setting the operator left
//! unset is `None`, and `startup` applies the service's own default.

mod access;
mod dunning;
mod events;
pub mod interval;
mod limits;
mod mode;
mod reader;
mod sandbox;
mod storage;

use crate::domain::amount::{Amount, MAX_AMOUNT};
use crate::domain::proration::DEFAULT_MIN_PRORATION_AMOUNT;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};

use crate::domain::dunning::DunningPolicy;
use crate::domain::signature::WebhookSecret;

pub use access::{
    AccessSettings, ChargeLimit, UserTokenSettings, DEFAULT_CHARGE_LIMIT, DEFAULT_CHARGE_WINDOW,
};
pub use dunning::DUNNING_RETRY_DAYS_VAR;
pub use events::AppWebhookSettings;

pub use limits::{Limits, DEFAULT_MAX_IN_FLIGHT, DEFAULT_QUEUE_WAIT};
pub use mode::Mode;
pub use sandbox::{SandboxSettings, SANDBOX_ADMIN_TOKEN};
pub use storage::{PostgresSettings, StorageConfig};

use reader::Reader;

/// PortOne's production API: the only server of PortOne's OpenAPI schema.
pub const DEFAULT_PORTONE_API_BASE_URL: &str = "https://api.portone.io";

/// The variable that lets production run without webhook signatures. Its name says what it does.
pub const UNSAFE_UNSIGNED_WEBHOOKS_VAR: &str = "UNSAFE_ACCEPT_UNSIGNED_WEBHOOKS";

/// How webhooks are authenticated.
#[derive(Debug, Clone)]
pub enum WebhookSignatures {
    /// `PORTONE_WEBHOOK_SECRET`: every webhook must carry a valid Standard Webhooks signature.
    Required(SecretString),
    /// `UNSAFE_ACCEPT_UNSIGNED_WEBHOOKS=true` and no secret: anyone who can reach the URL can
    /// trigger PortOne lookups and read a payment's billing key and customer id in the answer.
    UnsafeDisabled,
}

/// Everything the service needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// `PORTONE_API_SECRET` (or `PORTONE_V2_API_SECRET`, the integration guide's name): the V2 API secret.
    pub portone_api_secret: SecretString,
    /// `PORTONE_API_BASE_URL`, default [`DEFAULT_PORTONE_API_BASE_URL`].
    pub portone_api_base_url: Url,
    /// `PORTONE_STORE_ID`: sent as `storeId` when set.
    pub portone_store_id: Option<String>,
    /// `PORTONE_WEBHOOK_SECRET` (the console's webhook secret, `whsec_…` or bare base64), required
    /// unless [`UNSAFE_UNSIGNED_WEBHOOKS_VAR`] opts out.
    pub webhook_signatures: WebhookSignatures,
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
    /// `WEBHOOK_DEADLINE_MS`: one whole webhook, retries included; under PortOne's 30 s read
    /// timeout. `None`: the service's default (20 s).
    pub webhook_deadline: Option<Duration>,
    /// `MAX_CONCURRENT_WEBHOOKS` (default [`DEFAULT_MAX_IN_FLIGHT`]) and `OVERLOAD_WAIT_MS`
    /// (default [`DEFAULT_QUEUE_WAIT`]).
    pub limits: Limits,
    /// `DUNNING_RETRY_DAYS`, default `1,3,7`: when a declined renewal is retried.
    pub dunning: DunningPolicy,
    /// `MIN_PRORATION_AMOUNT`, default 100 (KRW): an upgrade's prorated difference below it is
    /// not charged (the change still takes effect).
    pub min_proration_amount: Amount,
    /// `RECONCILE_MARGIN_SECONDS`: a charge due less than this long ago is left to its webhook.
    /// `None`: the reconciler's default (600 s).
    pub reconcile_margin: Option<Duration>,
    /// `RECONCILE_CONCURRENCY`: PortOne calls a pass makes at once, at least 1. `None`: the
    /// reconciler's default (4).
    pub reconcile_concurrency: Option<usize>,
    /// `RECONCILE_INTERVAL` (`15m`, `1h`, …, at most a day): run a reconciliation pass this
    /// often in the service; default [`DEFAULT_RECONCILE_INTERVAL`]; `off`: never (a cron runs
    /// `reconcile` instead). Replicas share a lease, so one pass runs at a time.
    pub reconcile_interval: Option<Duration>,
    /// Supabase access tokens, CORS and the per-customer charge limit.
    pub access: AccessSettings,
    /// `APP_WEBHOOK_URL` and `APP_WEBHOOK_SECRET`: where events are delivered; `None`: stored only.
    pub app_webhook: Option<AppWebhookSettings>,
    /// `EVENT_RETENTION_DAYS`: how long delivered events are kept; `None`: the default (90 days).
    pub event_retention: Option<Duration>,
    /// `METRICS_ADDR` (`127.0.0.1:9100`, say): serve `GET /metrics` on this address only; unset
    /// (the default): on the main port.
    pub metrics_addr: Option<SocketAddr>,
}

/// `RECONCILE_INTERVAL`'s default: a pass every 15 minutes heals a lost webhook well inside its
/// renewal's grace (the rest of the Seoul day after `end_at`).
pub const DEFAULT_RECONCILE_INTERVAL: Duration = Duration::from_secs(15 * 60);
/// The longest `RECONCILE_INTERVAL`: a day.
pub const MAX_RECONCILE_INTERVAL: Duration = Duration::from_secs(86_400);

/// Every configuration problem found, one per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration:\n{}", .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
pub struct ConfigError(pub Vec<String>);

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

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
        let webhook_signatures = read_signatures(&mut env);
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
        let deadline_ms = env.parsed::<u64>("WEBHOOK_DEADLINE_MS", None);
        let max_in_flight = env.parsed("MAX_CONCURRENT_WEBHOOKS", Some(DEFAULT_MAX_IN_FLIGHT));
        let wait_ms = env.parsed("OVERLOAD_WAIT_MS", Some(millis(DEFAULT_QUEUE_WAIT)));
        let dunning = dunning::read_dunning(&mut env);
        let min_proration = env.parsed::<i64>("MIN_PRORATION_AMOUNT", Some(DEFAULT_MIN_PRORATION_AMOUNT));
        let min_proration = min_proration.and_then(|value| match Amount::new(value) {
            Ok(amount) if value <= MAX_AMOUNT => Some(amount),
            _ => {
                env.problem(format!(
                    "MIN_PRORATION_AMOUNT must be between 0 and {MAX_AMOUNT}, got {value}"
                ));
                None
            }
        });
        let margin = env.parsed::<u64>("RECONCILE_MARGIN_SECONDS", None);
        let concurrency = env.parsed::<usize>("RECONCILE_CONCURRENCY", None);
        let reconcile_interval = match env.optional("RECONCILE_INTERVAL") {
            None => Some(DEFAULT_RECONCILE_INTERVAL),
            Some(text) if text.trim().eq_ignore_ascii_case("off") => None,
            Some(text) => {
                let interval = interval::parse(&text).filter(|interval| *interval <= MAX_RECONCILE_INTERVAL);
                if interval.is_none() {
                    env.problem(format!(
                        "RECONCILE_INTERVAL must be off or a positive interval of at most a day, such as 15m, 1h or 900s, got {text:?}"
                    ));
                }
                interval
            }
        };
        let access = access::read(&mut env);
        let app_webhook = events::read(&mut env);
        let event_retention = events::read_retention(&mut env);
        let metrics_addr = match env.optional("METRICS_ADDR") {
            None => None,
            Some(text) => {
                let address = text.parse::<SocketAddr>().ok();
                if address.is_none() {
                    env.problem(format!(
                        "METRICS_ADDR must be an address and port such as 127.0.0.1:9100, got {text:?}"
                    ));
                }
                address
            }
        };
        env.finish()?;
        // `finish` succeeded, so every value above is present.
        let missing = || ConfigError(vec!["internal: a checked value is missing".to_owned()]);
        Ok(Self {
            portone_api_secret: SecretString::from(secret.ok_or_else(missing)?),
            portone_api_base_url: base_url.ok_or_else(missing)?,
            portone_store_id: store_id,
            webhook_signatures: webhook_signatures.ok_or_else(missing)?,
            admin_api_token,
            storage: storage.ok_or_else(missing)?,
            host: host.ok_or_else(missing)?,
            port: port.ok_or_else(missing)?,
            upstream_connect_timeout: Duration::from_millis(connect_ms.ok_or_else(missing)?),
            upstream_timeout: Duration::from_millis(timeout_ms.ok_or_else(missing)?),
            webhook_deadline: deadline_ms.map(Duration::from_millis),
            limits: Limits {
                max_in_flight: max_in_flight.ok_or_else(missing)?.max(1),
                queue_wait: Duration::from_millis(wait_ms.ok_or_else(missing)?),
            },
            dunning: dunning.ok_or_else(missing)?,
            min_proration_amount: min_proration.ok_or_else(missing)?,
            reconcile_margin: margin.map(Duration::from_secs),
            reconcile_concurrency: concurrency.map(|n| n.max(1)),
            reconcile_interval,
            access,
            app_webhook,
            event_retention,
            metrics_addr,
        })
    }
}

/// `PORTONE_WEBHOOK_SECRET`, checked to be usable; a problem when it is missing and the operator
/// has not opted out with [`UNSAFE_UNSIGNED_WEBHOOKS_VAR`].
fn read_signatures<F: Fn(&str) -> Option<String>>(env: &mut Reader<F>) -> Option<WebhookSignatures> {
    let unsafe_opt_out = env.flag(UNSAFE_UNSIGNED_WEBHOOKS_VAR);
    match read_webhook_secret(env) {
        Some(secret) => Some(WebhookSignatures::Required(secret)),
        None if unsafe_opt_out == Some(true) => Some(WebhookSignatures::UnsafeDisabled),
        None => {
            env.problem(format!(
                "PORTONE_WEBHOOK_SECRET is missing (the console's webhook secret, 결제 연동 > 연동 \
                 정보 > 웹훅); to run without signature checks anyway, set \
                 {UNSAFE_UNSIGNED_WEBHOOKS_VAR}=true (never in production)"
            ));
            None
        }
    }
}

/// `PORTONE_WEBHOOK_SECRET` when set; a problem (without the value) when it is unusable.
fn read_webhook_secret<F: Fn(&str) -> Option<String>>(env: &mut Reader<F>) -> Option<SecretString> {
    let secret = env.optional("PORTONE_WEBHOOK_SECRET").map(SecretString::from)?;
    if let Err(problem) = WebhookSecret::parse(&secret) {
        env.problem(problem.to_owned());
    }
    Some(secret)
}

#[cfg(test)]
mod tests;
