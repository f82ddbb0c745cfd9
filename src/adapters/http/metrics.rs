//! `GET /metrics`: the Prometheus text exposition format (version 0.0.4), rendered from the
//! process's recorder. Not in the OpenAPI document: it is not JSON, it is scraped by Prometheus
//! rather than called by an app, and with `METRICS_ADDR` set it is not on this port at all.

use metrics_exporter_prometheus::PrometheusHandle;
use poem::endpoint::BoxEndpoint;
use poem::http::header::CONTENT_TYPE;
use poem::{get, handler, EndpointExt, Response, Route};

/// The exposition format's media type.
pub const CONTENT_TYPE_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

#[handler]
fn render(handle: poem::web::Data<&PrometheusHandle>) -> Response {
    Response::builder()
        .header(CONTENT_TYPE, CONTENT_TYPE_TEXT)
        .body(handle.render())
}

/// `GET` answering the scrape from `handle`, to mount at `/metrics` in the main routes.
pub fn metrics_endpoint(handle: PrometheusHandle) -> BoxEndpoint<'static, Response> {
    get(render).data(handle).map_to_response().boxed()
}

/// Only `/metrics`, with request ids: what `METRICS_ADDR` serves.
pub fn metrics_route(handle: PrometheusHandle) -> BoxEndpoint<'static, Response> {
    Route::new()
        .at("/metrics", metrics_endpoint(handle))
        .with(super::RequestId)
        .boxed()
}
