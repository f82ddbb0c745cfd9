//! The app's webhook endpoint (`APP_WEBHOOK_URL`): each event POSTed as JSON and signed as
//! Standard Webhooks says (<https://www.standardwebhooks.com>, the scheme PortOne uses to call
//! this service), with the `standardwebhooks` crate: `webhook-id` is the event id (what the app
//! deduplicates on), `webhook-timestamp` the moment of sending, `webhook-signature` `v1,<HMAC>`
//! keyed with `APP_WEBHOOK_SECRET`. The app verifies it with the official library of its
//! language.
//!
//! `webhook-timestamp` is the wall clock, not the service's clock: receivers reject a timestamp
//! more than 5 minutes away from their own time (the spec's replay window), so it must be real
//! even in the sandbox, whose clock jumps.

use std::time::Duration;

use futures_util::future::BoxFuture;
use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use standardwebhooks::Webhook;

use crate::domain::event::SubscriptionEvent;
use crate::ports::{Delivery, EventSink};

/// Each attempt's time limit.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// Delivers events to one URL, signed with one secret.
pub struct AppWebhook {
    url: Url,
    signer: Webhook,
    http: reqwest::Client,
    timeout: Duration,
}

/// Why the app webhook cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum AppWebhookError {
    #[error("APP_WEBHOOK_SECRET is not a Standard Webhooks secret (whsec_ followed by base64)")]
    Secret,
    #[error("the HTTP client could not be built: {0}")]
    Client(String),
}

impl AppWebhook {
    /// Posts to `url`, signing with `secret` (`whsec_…`); each attempt times out after
    /// [`ATTEMPT_TIMEOUT`].
    ///
    /// # Errors
    /// [`AppWebhookError`] for a secret that is not base64 or a client that cannot be built.
    pub fn new(url: Url, secret: &SecretString) -> Result<Self, AppWebhookError> {
        let signer = Webhook::new(secret.expose_secret()).map_err(|_| AppWebhookError::Secret)?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .user_agent(concat!("portone-subscriptions/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| AppWebhookError::Client(e.to_string()))?;
        Ok(Self {
            url,
            signer,
            http,
            timeout: ATTEMPT_TIMEOUT,
        })
    }

    /// Each attempt times out after `timeout` instead (tests wait less than 10 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The JSON body of `event`: `{id, type, occurred_at, subscription_id, customer_id, data}`,
    /// the object `GET /api/events` lists (Standard Webhooks' `{type, …, data}` shape, with the
    /// time named as every other time of this API is).
    pub fn body(event: &SubscriptionEvent) -> String {
        json!({
            "id": event.id,
            "type": event.event_type,
            "occurred_at": event.occurred_at,
            "subscription_id": event.subscription_id,
            "customer_id": event.customer_id,
            "data": crate::domain::event_body::public_data(event.data.clone()),
        })
        .to_string()
    }

    async fn send(&self, event: &SubscriptionEvent) -> Delivery {
        let body = Self::body(event);
        let id = event.id.to_string();
        let timestamp = chrono::Utc::now().timestamp();
        let Ok(signature) = self.signer.sign(&id, timestamp, body.as_bytes()) else {
            // The body is JSON, so UTF-8: signing cannot fail.
            return Delivery::Unreachable("the body could not be signed".to_owned());
        };
        let sent = self
            .http
            .post(self.url.clone())
            .header("content-type", "application/json")
            .header(standardwebhooks::HEADER_WEBHOOK_ID, &id)
            .header(standardwebhooks::HEADER_WEBHOOK_TIMESTAMP, timestamp.to_string())
            .header(standardwebhooks::HEADER_WEBHOOK_SIGNATURE, signature)
            .timeout(self.timeout)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => Delivery::Delivered {
                status: response.status().as_u16(),
            },
            Ok(response) => Delivery::Refused {
                status: response.status().as_u16(),
            },
            Err(error) if error.is_timeout() => Delivery::Timeout,
            Err(error) => Delivery::Unreachable(error.without_url().to_string()),
        }
    }
}

impl EventSink for AppWebhook {
    fn deliver<'a>(&'a self, event: &'a SubscriptionEvent) -> BoxFuture<'a, Delivery> {
        Box::pin(self.send(event))
    }
}
