//! `GET /healthz`: the process is up and serving. `GET /readyz`: it can record webhooks.

use crate::adapters::http::nullable::Nullable;
use std::sync::Arc;

use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use crate::ports::Ports;
use crate::service::readiness::READINESS_TIMEOUT;
use crate::service::WebhookService;

/// Liveness answer.
#[derive(Debug, Object)]
pub struct Health {
    /// Always `"ok"` when the process answers.
    pub status: String,
    /// `true` in sandbox mode: simulated PortOne, in-memory ledger, movable clock.
    pub sandbox: bool,
}

/// `GET /healthz`.
pub struct HealthApi {
    sandbox: bool,
}

impl HealthApi {
    /// `sandbox`: what the answer's `sandbox` field says.
    pub fn new(sandbox: bool) -> Self {
        Self { sandbox }
    }
}

#[OpenApi]
impl HealthApi {
    /// Liveness probe: 200 while the process serves requests. Upstreams are not called.
    #[oai(path = "/healthz", method = "get", tag = "ApiTags::Health")]
    async fn healthz(&self) -> Json<Health> {
        Json(Health {
            status: "ok".to_owned(),
            sandbox: self.sandbox,
        })
    }
}

/// One readiness check: `ok`, or the `error` that made it fail.
#[derive(Debug, Object)]
pub struct Check {
    pub ok: bool,
    /// Why the check failed (no host, address or secret); absent when `ok`.
    pub error: Nullable<String>,
}

/// Readiness answer.
#[derive(Debug, Object)]
pub struct Readiness {
    /// `true` when every check passed.
    pub ready: bool,
    /// The names of the checks that failed (empty when ready).
    pub failed: Vec<String>,
    /// Storage answered `public.ready()` within 2 s, through the same path webhooks write by.
    pub storage: Check,
}

#[derive(ApiResponse)]
pub enum ReadyResponse {
    /// Every check passed: send webhooks here.
    #[oai(status = 200)]
    Ready(Json<Readiness>),
    /// A check failed (`failed` names it): stop sending webhooks here until it passes.
    #[oai(status = 503)]
    NotReady(Json<Readiness>),
}

/// `GET /readyz`.
pub struct ReadyApi<P> {
    webhooks: Arc<WebhookService<P>>,
}

impl<P> ReadyApi<P> {
    pub fn new(webhooks: Arc<WebhookService<P>>) -> Self {
        Self { webhooks }
    }
}

#[OpenApi]
impl<P: Ports> ReadyApi<P> {
    /// Readiness probe: 200 when storage answers a trivial query within 2 s, else 503 naming what
    /// failed. PortOne is never called. Load balancers and Kubernetes use it to stop sending
    /// webhooks to a replica that cannot record them; `/healthz` stays the liveness probe.
    #[oai(path = "/readyz", method = "get", tag = "ApiTags::Health")]
    async fn readyz(&self) -> ReadyResponse {
        let storage = match self.webhooks.storage_ready(READINESS_TIMEOUT).await {
            Ok(()) => Check {
                ok: true,
                error: None.into(),
            },
            Err(error) => Check {
                ok: false,
                error: Some(error).into(),
            },
        };
        let failed: Vec<String> = (!storage.ok).then(|| "storage".to_owned()).into_iter().collect();
        let readiness = Readiness {
            ready: failed.is_empty(),
            failed,
            storage,
        };
        if readiness.ready {
            ReadyResponse::Ready(Json(readiness))
        } else {
            ReadyResponse::NotReady(Json(readiness))
        }
    }
}
