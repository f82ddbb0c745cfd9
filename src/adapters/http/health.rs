//! `GET /healthz`: the process is up and serving.

use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;

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
