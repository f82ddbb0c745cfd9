//! The HTTP surface (poem-openapi): `POST /api/portone`, `GET /healthz`, `GET /readyz`, the
//! subscription and admin endpoints when `ADMIN_API_TOKEN` is set, Swagger UI at `/docs`, the
//! spec at `/openapi.json`, and `GET /metrics` unless it has a port of its own. Every request
//! gets a request id. Other APIs (the sandbox's) are composed with these by `startup`.

mod admin;
mod api_error;
mod auth;
mod body;
mod health;
mod metrics;
mod plans;
mod reconcile;
mod request_id;
mod schema;
mod subscriptions;
mod tags;
mod webhook;

use metrics_exporter_prometheus::PrometheusHandle;
use poem::endpoint::BoxEndpoint;
use poem::{EndpointExt, Response, Route};
use poem_openapi::{OpenApi, OpenApiService};
use secrecy::SecretString;

pub use admin::AdminApi;
pub use api_error::ApiError;
pub use auth::{AdminToken, AuthRefused};
pub use body::MAX_WEBHOOK_BODY_BYTES;
pub use health::{HealthApi, ReadyApi};
pub use metrics::{metrics_endpoint, metrics_route};
pub use plans::PlanApi;
pub use reconcile::ReconcileApi;
pub use request_id::{RequestId, REQUEST_ID_HEADER};
pub use subscriptions::SubscriptionApi;
pub use tags::ApiTags;
pub use webhook::WebhookApi;

use crate::config::Limits;
use crate::ports::Ports;
use crate::service::Services;

const TITLE: &str = "PortOne subscription webhooks";
const DESCRIPTION: &str = "Subscription billing on PortOne V2 and Supabase: starts subscriptions (the first \
     charge or a free trial) on the plans of its catalog, receives PortOne's webhooks, records every paid month \
     and schedules the next, retries declined renewals, cancels, resumes, changes plans and refunds. Every \
     webhook and start answer carries a step-by-step checklist.";

/// The OpenAPI service of `apis`, with this service's title, version and description.
pub fn document<T: OpenApi>(apis: T) -> OpenApiService<T, ()> {
    OpenApiService::new(apis, TITLE, env!("CARGO_PKG_VERSION")).description(DESCRIPTION)
}

/// The production APIs, in the order the document lists them.
pub type ProductionApis<P> = (
    WebhookApi<P>,
    SubscriptionApi<P>,
    PlanApi<P>,
    AdminApi<P>,
    ReconcileApi<P>,
    Probes<P>,
);

/// `/healthz` and `/readyz`.
pub type Probes<P> = (HealthApi, ReadyApi<P>);

/// Every production API, admin included: what the committed `openapi/openapi.json` documents.
pub fn production_apis<P: Ports>(services: &Services<P>, limits: Limits, sandbox: bool) -> ProductionApis<P> {
    (
        WebhookApi::new(services.webhooks.clone(), limits),
        SubscriptionApi::new(services.subscriptions.clone(), services.checkout.clone()),
        PlanApi::new(services.plans.clone()),
        AdminApi::new(services.subscriptions.clone()),
        ReconcileApi::new(services.reconciler.clone()),
        probes(services, sandbox),
    )
}

/// `/healthz` and `/readyz`.
fn probes<P: Ports>(services: &Services<P>, sandbox: bool) -> Probes<P> {
    (HealthApi::new(sandbox), ReadyApi::new(services.webhooks.clone()))
}

/// The production routes. The subscription and admin endpoints exist only when `admin_token` is
/// set; `/metrics` only when `metrics` is given (not when it is served on `METRICS_ADDR`).
pub fn production_routes<P: Ports>(
    services: &Services<P>,
    admin_token: Option<SecretString>,
    limits: Limits,
    metrics: Option<PrometheusHandle>,
) -> BoxEndpoint<'static, Response> {
    match admin_token {
        Some(token) => serve(
            document(production_apis(services, limits, false)),
            Some(token),
            metrics,
        ),
        None => {
            let apis = (
                WebhookApi::new(services.webhooks.clone(), limits),
                probes(services, false),
            );
            serve(document(apis), None, metrics)
        }
    }
}

/// Serves `api` with Swagger UI at `/docs`, the spec at `/openapi.json`, `/metrics` from
/// `metrics` when given, and a request id on every request; the admin token, when given, is what
/// the bearer checks compare with.
pub fn serve<T: OpenApi + 'static>(
    api: OpenApiService<T, ()>,
    admin_token: Option<SecretString>,
    metrics: Option<PrometheusHandle>,
) -> BoxEndpoint<'static, Response> {
    let docs = api.swagger_ui();
    let spec = api.spec_endpoint();
    let mut route = Route::new().nest("/docs", docs).at("/openapi.json", spec);
    if let Some(handle) = metrics {
        route = route.at("/metrics", metrics_endpoint(handle));
    }
    let route = route.nest("/", api);
    match admin_token {
        Some(token) => route.data(AdminToken(token)).with(RequestId).boxed(),
        None => route.with(RequestId).boxed(),
    }
}
