//! The HTTP surface (poem-openapi): `POST /api/portone`, `GET /healthz`, the subscription and
//! admin endpoints when `ADMIN_API_TOKEN` is set, Swagger UI at `/docs` and the spec at
//! `/openapi.json`.

mod admin;
mod body;
mod health;
mod schema;
mod webhook;

use std::sync::Arc;

use poem::endpoint::BoxEndpoint;
use poem::{EndpointExt, Response, Route};
use poem_openapi::{OpenApi, OpenApiService};
use secrecy::SecretString;

pub use admin::{AdminApi, AdminToken};
pub use body::MAX_WEBHOOK_BODY_BYTES;
pub use webhook::{Limits, WebhookApi};

use crate::sandbox::api::SandboxApi;
use crate::sandbox::{Sandbox, SandboxService};
use crate::service::{SubscriptionHandler, WebhookHandler};

/// Swagger UI tags.
#[derive(poem_openapi::Tags)]
pub enum ApiTags {
    /// PortOne webhooks (body versions 2024-04-25 and 2024-01-01).
    Webhook,
    /// Cancel and resume subscriptions (Bearer `ADMIN_API_TOKEN`).
    Subscription,
    /// PortOne payment schedules (Bearer `ADMIN_API_TOKEN`).
    Admin,
    /// Liveness.
    Health,
    /// Sandbox mode only: simulated PortOne, movable clock.
    Sandbox,
}

const TITLE: &str = "PortOne subscription webhooks";
const DESCRIPTION: &str = "Receives PortOne V2 payment webhooks, records the paid month in Supabase and \
     schedules next month's payment; cancels and resumes subscriptions. Every webhook answer carries a \
     step-by-step checklist.";

fn service<T: OpenApi>(apis: T) -> OpenApiService<T, ()> {
    OpenApiService::new(apis, TITLE, env!("CARGO_PKG_VERSION")).description(DESCRIPTION)
}

/// The whole OpenAPI document (admin endpoints included), as committed in `openapi/openapi.json`.
pub fn spec_json<H: WebhookHandler + SubscriptionHandler>(handler: Arc<H>) -> String {
    service((
        WebhookApi::new(handler.clone(), Limits::default()),
        AdminApi::new(handler),
        health(false),
    ))
    .spec()
}

fn health(sandbox: bool) -> health::HealthApi {
    health::HealthApi { sandbox }
}

fn serve<T: OpenApi + 'static>(api: OpenApiService<T, ()>) -> Route {
    let docs = api.swagger_ui();
    let spec = api.spec_endpoint();
    Route::new()
        .nest("/docs", docs)
        .at("/openapi.json", spec)
        .nest("/", api)
}

/// Every route of the service, with request tracing. The subscription and admin endpoints exist
/// only when `admin_token` is set.
pub fn routes<H: WebhookHandler + SubscriptionHandler>(
    handler: Arc<H>,
    admin_token: Option<SecretString>,
    limits: Limits,
) -> BoxEndpoint<'static, Response> {
    let webhook = WebhookApi::new(handler.clone(), limits);
    match admin_token {
        Some(token) => serve(service((webhook, AdminApi::new(handler), health(false))))
            .data(AdminToken(token))
            .with(poem::middleware::Tracing)
            .boxed(),
        None => serve(service((webhook, health(false))))
            .with(poem::middleware::Tracing)
            .boxed(),
    }
}

/// Sandbox mode: every production route (admin included) plus the sandbox endpoints.
pub fn sandbox_routes(
    handler: Arc<SandboxService>,
    sandbox: Arc<Sandbox>,
    admin_token: SecretString,
) -> BoxEndpoint<'static, Response> {
    let apis = (
        WebhookApi::new(handler.clone(), Limits::default()),
        AdminApi::new(handler),
        SandboxApi::new(sandbox),
        health(true),
    );
    let api = service(apis).description(
        "SANDBOX MODE: PortOne is simulated in-process, the ledger is in memory and the clock moves only \
         when told. Walk-through: POST /sandbox/payments, POST /api/portone, POST /sandbox/clock/advance.",
    );
    serve(api)
        .data(AdminToken(admin_token))
        .with(poem::middleware::Tracing)
        .boxed()
}
