//! The HTTP surface (poem-openapi): `POST /api/portone`, `GET /healthz`, the subscription and
//! admin endpoints when `ADMIN_API_TOKEN` is set, Swagger UI at `/docs` and the spec at
//! `/openapi.json`. Other APIs (the sandbox's) are composed with these by `startup`.

mod admin;
mod auth;
mod body;
mod health;
mod reconcile;
mod schema;
mod subscriptions;
mod tags;
mod webhook;

use poem::endpoint::BoxEndpoint;
use poem::{EndpointExt, Response, Route};
use poem_openapi::{OpenApi, OpenApiService};
use secrecy::SecretString;

pub use admin::AdminApi;
pub use auth::AdminToken;
pub use body::MAX_WEBHOOK_BODY_BYTES;
pub use health::HealthApi;
pub use reconcile::ReconcileApi;
pub use subscriptions::SubscriptionApi;
pub use tags::ApiTags;
pub use webhook::WebhookApi;

use crate::config::Limits;
use crate::ports::Ports;
use crate::service::Services;

const TITLE: &str = "PortOne subscription webhooks";
const DESCRIPTION: &str = "Receives PortOne V2 payment webhooks, records the paid month in Supabase and \
     schedules next month's payment; cancels and resumes subscriptions. Every webhook answer carries a \
     step-by-step checklist.";

/// The OpenAPI service of `apis`, with this service's title, version and description.
pub fn document<T: OpenApi>(apis: T) -> OpenApiService<T, ()> {
    OpenApiService::new(apis, TITLE, env!("CARGO_PKG_VERSION")).description(DESCRIPTION)
}

/// Every production API, admin included: what the committed `openapi/openapi.json` documents.
pub fn production_apis<P: Ports>(
    services: &Services<P>,
    limits: Limits,
    sandbox: bool,
) -> (
    WebhookApi<P>,
    SubscriptionApi<P>,
    AdminApi<P>,
    ReconcileApi<P>,
    HealthApi,
) {
    (
        WebhookApi::new(services.webhooks.clone(), limits),
        SubscriptionApi::new(services.subscriptions.clone()),
        AdminApi::new(services.subscriptions.clone()),
        ReconcileApi::new(services.reconciler.clone()),
        HealthApi::new(sandbox),
    )
}

/// The production routes. The subscription and admin endpoints exist only when `admin_token` is
/// set.
pub fn production_routes<P: Ports>(
    services: &Services<P>,
    admin_token: Option<SecretString>,
    limits: Limits,
) -> BoxEndpoint<'static, Response> {
    match admin_token {
        Some(token) => serve(document(production_apis(services, limits, false)), Some(token)),
        None => {
            let apis = (
                WebhookApi::new(services.webhooks.clone(), limits),
                HealthApi::new(false),
            );
            serve(document(apis), None)
        }
    }
}

/// Serves `api` with Swagger UI at `/docs`, the spec at `/openapi.json` and request tracing; the
/// admin token, when given, is what the bearer checks compare with.
pub fn serve<T: OpenApi + 'static>(
    api: OpenApiService<T, ()>,
    admin_token: Option<SecretString>,
) -> BoxEndpoint<'static, Response> {
    let docs = api.swagger_ui();
    let spec = api.spec_endpoint();
    let route = Route::new()
        .nest("/docs", docs)
        .at("/openapi.json", spec)
        .nest("/", api);
    match admin_token {
        Some(token) => route
            .data(AdminToken(token))
            .with(poem::middleware::Tracing)
            .boxed(),
        None => route.with(poem::middleware::Tracing).boxed(),
    }
}
