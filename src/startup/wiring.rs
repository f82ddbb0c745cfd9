//! Building the production services and who may call them, from configuration.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use secrecy::SecretString;

use crate::adapters::app_webhook::AppWebhook;
use crate::adapters::clock::SystemClock;
use crate::adapters::http;
use crate::adapters::ledger::SqlLedger;
use crate::adapters::portone::PortOneClient;
use crate::adapters::random::ThreadRandom;
use crate::adapters::supabase_auth::UserTokens;
use crate::config::{
    AccessSettings, AppWebhookSettings, Config, UserTokenSettings, WebhookSignatures,
    UNSAFE_UNSIGNED_WEBHOOKS_VAR,
};
use crate::ports::{Adapters, Clock, EventSink};
use crate::service::events::DeliverySettings;
use crate::service::flows::PaymentFlows;
use crate::service::reconcile::ReconcileSettings;
use crate::service::{Services, WebhookSecret, WebhookService, DEFAULT_WEBHOOK_DEADLINE};

/// The ports as production wires them.
pub type ProductionPorts = Adapters<PortOneClient, SqlLedger, SystemClock, ThreadRandom>;

/// One reqwest client for every upstream: one connection pool, the configured timeouts. Over TLS it
/// negotiates HTTP/2 where PortOne or Supabase offer it (ALPN), so a first-of-the-month burst
/// multiplexes on a few connections instead of opening one per webhook in flight.
///
/// # Errors
/// When the TLS backend cannot be initialised.
pub fn http_client(config: &Config) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(config.upstream_connect_timeout)
        .timeout(config.upstream_timeout)
        .pool_idle_timeout(Duration::from_secs(60))
        .user_agent(concat!("portone-subscriptions/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("Failed to build the HTTP client")
}

/// The production services with PortOne and the configured storage adapter.
///
/// # Errors
/// When a secret cannot be used as a header value or the Supabase URL is unusable.
pub fn production_services(config: &Config) -> anyhow::Result<Services<ProductionPorts>> {
    let http = http_client(config)?;
    let gateway = PortOneClient::new(
        http.clone(),
        config.portone_api_base_url.clone(),
        &config.portone_api_secret,
        config.portone_store_id.clone(),
    )?;
    let ledger = SqlLedger::from_config(&config.storage, http)?;
    let secret = match &config.webhook_signatures {
        WebhookSignatures::Required(secret) => {
            Some(WebhookSecret::parse(secret).map_err(anyhow::Error::msg)?)
        }
        WebhookSignatures::UnsafeDisabled => {
            tracing::warn!(
                setting = UNSAFE_UNSIGNED_WEBHOOKS_VAR,
                "webhook signatures are NOT checked: anyone who can reach /api/portone can trigger lookups"
            );
            None
        }
    };
    let ports = Adapters {
        gateway,
        ledger,
        clock: SystemClock,
        random: ThreadRandom,
    };
    let flows = PaymentFlows::new(Arc::new(ports))
        .with_deadline(config.webhook_deadline.unwrap_or(DEFAULT_WEBHOOK_DEADLINE))
        .with_dunning(config.dunning.clone());
    let webhooks = WebhookService::new(flows).with_webhook_secret(secret);
    let services = Services::new(webhooks)
        .with_reconcile_settings(reconcile_settings(config))
        .with_charge_limit(config.access.charge_limit)
        .with_min_proration(config.min_proration_amount);
    Ok(services.with_event_delivery(
        event_sink(config.app_webhook.as_ref())?,
        delivery_settings(config.event_retention),
    ))
}

/// How events are delivered and kept: the service's defaults, and `EVENT_RETENTION_DAYS`.
pub fn delivery_settings(retention: Option<Duration>) -> DeliverySettings {
    let defaults = DeliverySettings::default();
    DeliverySettings {
        retention: retention.unwrap_or(defaults.retention),
        ..defaults
    }
}

/// The app's webhook endpoint events go to, when `APP_WEBHOOK_URL` is set.
///
/// # Errors
/// When the secret is unusable or the HTTP client cannot be built.
pub fn event_sink(settings: Option<&AppWebhookSettings>) -> anyhow::Result<Option<Arc<dyn EventSink>>> {
    let Some(settings) = settings else {
        tracing::info!("APP_WEBHOOK_URL is unset: events are stored, not sent");
        return Ok(None);
    };
    let sink = AppWebhook::new(settings.url.clone(), &settings.secret)?;
    tracing::info!("events are delivered to APP_WEBHOOK_URL");
    Ok(Some(Arc::new(sink)))
}

/// How reconciliation passes run: what the operator set, the reconciler's defaults for the rest.
pub fn reconcile_settings(config: &Config) -> ReconcileSettings {
    let defaults = ReconcileSettings::default();
    ReconcileSettings {
        margin: config.reconcile_margin.unwrap_or(defaults.margin),
        concurrency: config.reconcile_concurrency.unwrap_or(defaults.concurrency),
        ..defaults
    }
}

/// Who may call the API: `admin_token`, the signed-in users of `user_tokens`' project (their key
/// set fetched with `http`, tokens timed by `clock`), and `settings`' CORS origins.
pub fn access(
    admin_token: Option<SecretString>,
    settings: &AccessSettings,
    user_tokens: Option<&UserTokenSettings>,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
) -> http::Access {
    if let Some(tokens) = user_tokens {
        tracing::info!(
            issuer = tokens.issuer,
            "Supabase access tokens of signed-in users are accepted"
        );
    }
    http::Access {
        admin_token,
        user_tokens: user_tokens.map(|tokens| Arc::new(UserTokens::new(tokens, http, clock.clone()))),
        cors_origins: settings.cors_origins.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Config {
        let mut all = vec![
            ("PORTONE_API_SECRET", "portone-secret"),
            ("DATABASE_URL", "postgres://localhost/db"),
            ("UNSAFE_ACCEPT_UNSIGNED_WEBHOOKS", "true"),
        ];
        all.extend_from_slice(vars);
        Config::from_lookup(|name| all.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())).unwrap()
    }

    #[test]
    fn unset_reconcile_settings_take_the_reconcilers_defaults_and_set_ones_win() {
        assert_eq!(reconcile_settings(&config(&[])), ReconcileSettings::default());
        let set = reconcile_settings(&config(&[
            ("RECONCILE_MARGIN_SECONDS", "120"),
            ("RECONCILE_CONCURRENCY", "0"),
        ]));
        assert_eq!(set.margin, Duration::from_secs(120));
        assert_eq!(set.concurrency, 1, "at least one call at a time");
        assert_eq!(set.page_size, ReconcileSettings::default().page_size);
    }
}
