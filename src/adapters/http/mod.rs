//! The HTTP surface (poem-openapi): `POST /api/portone`, `GET /healthz`, Swagger UI at `/docs`
//! and the spec at `/openapi.json`.

mod body;
mod health;
mod schema;
mod webhook;

use std::sync::Arc;

use poem::{Endpoint, EndpointExt, Route};
use poem_openapi::OpenApiService;

pub use body::MAX_WEBHOOK_BODY_BYTES;
pub use webhook::WebhookApi;

use crate::service::WebhookHandler;

/// Swagger UI tags.
#[derive(poem_openapi::Tags)]
pub enum ApiTags {
    /// PortOne webhooks (body version 2024-01-01).
    Webhook,
    /// Liveness.
    Health,
}

/// The OpenAPI service for `handler`, without a server URL so the spec is the same everywhere.
pub fn openapi<H: WebhookHandler>(handler: Arc<H>) -> OpenApiService<(WebhookApi<H>, health::HealthApi), ()> {
    OpenApiService::new(
        (WebhookApi::new(handler), health::HealthApi),
        "PortOne subscription webhooks",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Receives PortOne V2 payment webhooks, records the paid month in Supabase and schedules next \
         month's payment. Every answer carries a step-by-step checklist.",
    )
}

/// The OpenAPI document as committed in `openapi/openapi.json`.
pub fn spec_json<H: WebhookHandler>(handler: Arc<H>) -> String {
    openapi(handler).spec()
}

/// Every route of the service, with request tracing.
pub fn routes<H: WebhookHandler>(handler: Arc<H>) -> impl Endpoint<Output = poem::Response> {
    let api = openapi(handler);
    let docs = api.swagger_ui();
    let spec = api.spec_endpoint();
    Route::new()
        .nest("/docs", docs)
        .at("/openapi.json", spec)
        .nest("/", api)
        .with(poem::middleware::Tracing)
}
