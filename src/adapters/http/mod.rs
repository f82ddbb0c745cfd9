//! The HTTP surface (poem-openapi): `POST /api/portone`, `GET /healthz`, `GET /readyz`, the
//! subscription and admin endpoints when `ADMIN_API_TOKEN` is set, Swagger UI at `/docs`, the
//! spec at `/openapi.json`, and `GET /metrics` unless it has a port of its own. Every request
//! gets a request id. Other APIs (the sandbox's) are composed with these by `startup`.

mod admin;
mod api_error;
mod auth;
mod body;
mod coupon_model;
mod coupons;
mod docs;
mod edge;
mod event_feed;
mod events;
mod health;
mod metrics;
pub mod nullable;
mod plan_model;
mod plans;
mod preface;
mod reconcile;
mod redact;
mod request_id;
mod schema;
pub mod server;
mod site;
mod subscription_path;
mod subscriptions;
mod tags;
pub mod text;
mod webhook;

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use poem::endpoint::BoxEndpoint;
use poem::http::Method;
use poem::middleware::Cors;
use poem::{EndpointExt, Response};
use poem_openapi::{OpenApi, OpenApiService};
use secrecy::SecretString;

pub use admin::AdminApi;
pub use api_error::{error, request_problem, ApiError};
pub use auth::{AuthRefused, Credentials};
pub use body::MAX_WEBHOOK_BODY_BYTES;
pub use coupons::CouponApi;
pub use edge::MAX_BODY_BYTES;
pub use event_feed::EventFeedApi;
pub use events::EventApi;
pub use health::{HealthApi, ReadyApi};
pub use metrics::{metrics_endpoint, metrics_route};
pub use plans::PlanApi;
pub use reconcile::ReconcileApi;
pub use request_id::{RequestId, REQUEST_ID_HEADER};
pub use subscriptions::{ChangeApi, DiscountApi, HistoryApi, SubscriptionApi};
pub use tags::ApiTags;
pub use text::Text;
pub use webhook::WebhookApi;

use crate::adapters::supabase_auth::UserTokens;
use crate::config::Limits;
use crate::ports::Ports;
use crate::service::Services;
use site::Site;

const TITLE: &str = "PortOne subscription webhooks";
const DESCRIPTION: &str = "Subscription billing on PortOne V2 and Supabase: starts subscriptions (the first \
     charge or a free trial) on the plans of its catalog, receives PortOne's webhooks, records every paid month \
     and schedules the next, retries declined renewals, cancels, resumes, changes plans and refunds. Every \
     webhook and start answer carries a step-by-step checklist.";

/// The OpenAPI service of `apis`, with this service's title, version and description.
pub fn document<T: OpenApi>(apis: T) -> OpenApiService<T, ()> {
    described(apis, DESCRIPTION)
}

/// The OpenAPI service of `apis`, with this service's title and version and `description`.
fn described<T: OpenApi>(apis: T, description: &str) -> OpenApiService<T, ()> {
    OpenApiService::new(apis, TITLE, env!("CARGO_PKG_VERSION")).description(description)
}

/// The production APIs, in the order the document lists them.
pub type ProductionApis<P> = (
    WebhookApi<P>,
    SubscriptionApi<P>,
    ChangeApi<P>,
    DiscountApi<P>,
    HistoryApi<P>,
    EventFeedApi<P>,
    PlanApi<P>,
    CouponApi<P>,
    AdminApi<P>,
    EventApi<P>,
    ReconcileApi<P>,
    Probes<P>,
);

/// `/healthz` and `/readyz`.
pub type Probes<P> = (HealthApi, ReadyApi<P>);

/// Every production API, admin included: what the committed `openapi/openapi.json` documents.
pub fn production_apis<P: Ports>(services: &Services<P>, limits: Limits, sandbox: bool) -> ProductionApis<P> {
    (
        WebhookApi::new(services.webhooks.clone(), limits),
        SubscriptionApi::new(
            services.subscriptions.clone(),
            services.checkout.clone(),
            services.cards.clone(),
        ),
        ChangeApi::new(services.subscriptions.clone()),
        DiscountApi::new(services.subscriptions.clone()),
        HistoryApi::new(services.subscriptions.clone()),
        EventFeedApi::new(services.events.clone()),
        PlanApi::new(services.plans.clone()),
        CouponApi::new(services.coupons.clone()),
        AdminApi::new(services.subscriptions.clone()),
        EventApi::new(services.events.clone()),
        ReconcileApi::new(services.reconciler.clone()),
        probes(services, sandbox),
    )
}

/// `/healthz` and `/readyz`.
fn probes<P: Ports>(services: &Services<P>, sandbox: bool) -> Probes<P> {
    (HealthApi::new(sandbox), ReadyApi::new(services.webhooks.clone()))
}

/// Who may call the API besides PortOne, as the router applies it.
#[derive(Clone, Default)]
pub struct Access {
    /// `ADMIN_API_TOKEN`; `None`: the subscription, plan and admin endpoints are not mounted.
    pub admin_token: Option<SecretString>,
    /// The Supabase project whose signed-in users' access tokens are accepted; `None`: only the
    /// admin token.
    pub user_tokens: Option<Arc<UserTokens>>,
    /// `CORS_ALLOWED_ORIGINS`: browser pages of these exact origins may call the API; empty: no
    /// CORS headers at all (a browser page of another origin cannot read the answers).
    pub cors_origins: Vec<String>,
}

/// The production routes. The subscription, plan and admin endpoints exist only when
/// `access.admin_token` is set; `/metrics` only when `metrics` is given (not when it is served on
/// `METRICS_ADDR`).
pub fn production_routes<P: Ports>(
    services: &Services<P>,
    access: Access,
    limits: Limits,
    metrics: Option<PrometheusHandle>,
) -> BoxEndpoint<'static, Response> {
    if access.admin_token.is_some() {
        serve(
            production_apis(services, limits, false),
            DESCRIPTION,
            access,
            metrics,
        )
    } else {
        let apis = (
            WebhookApi::new(services.webhooks.clone(), limits),
            probes(services, false),
        );
        serve(apis, DESCRIPTION, access, metrics)
    }
}

/// The CORS policy of `origins`: their pages may send the headers this API reads and read the
/// headers it answers with; a preflight is answered for 10 minutes.
fn cors(origins: &[String]) -> Cors {
    Cors::new()
        .allow_origins(origins.iter().map(String::as_str))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::OPTIONS])
        .allow_headers([
            "authorization",
            "content-type",
            "idempotency-key",
            REQUEST_ID_HEADER,
        ])
        .expose_headers([
            "retry-after",
            "idempotent-replayed",
            "www-authenticate",
            REQUEST_ID_HEADER,
        ])
        .max_age(600)
}

/// Serves `apis`, described by `description`, with Swagger UI at `/docs`, the spec at
/// `/openapi.json`, `/metrics` from `metrics` when given, a request id on every request, the
/// edge's checks (`edge`: body limit, path and query characters, JSON errors), and `access`: the
/// credentials the bearer checks compare with, the charge limit, and CORS for its origins.
pub fn serve<T: OpenApi + 'static>(
    apis: T,
    description: &str,
    access: Access,
    metrics: Option<PrometheusHandle>,
) -> BoxEndpoint<'static, Response> {
    let document = Arc::new(described(docs::DocsOf::<T>::default(), description));
    let spec = docs::spec(document.clone());
    let docs = docs::swagger_ui(document);
    let api = described(apis, description);
    let mut endpoint = Site {
        api: api.boxed(),
        docs: docs.boxed(),
        spec: spec.boxed(),
        metrics: metrics.map(|handle| metrics_endpoint(handle).boxed()),
    }
    .boxed();
    if let Some(admin_token) = access.admin_token {
        let credentials = Credentials {
            admin_token,
            user_tokens: access.user_tokens,
        };
        endpoint = endpoint.data(credentials).boxed();
    }
    // Inside CORS, so a refusal at the edge still carries the headers a browser needs to read it.
    // The outer layers nest without a box between them: each box is one more future per request
    // in flight, holding its own copy of the request.
    let edge = endpoint.with(edge::Edge);
    if access.cors_origins.is_empty() {
        edge.with(RequestId).boxed()
    } else {
        edge.with(cors(&access.cors_origins)).with(RequestId).boxed()
    }
}
