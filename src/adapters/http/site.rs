//! The top of the routes: the operators' pages at three fixed paths, everything else to the API.
//!
//! poem's `Route` nesting the API at `/` costs every request two more boxed futures (the router's
//! and the nest's, each with its own copy of the request: about 4.5 KB per webhook in flight,
//! heaptrack in `cargo bench --bench load`) to tell three operator paths from the rest. This
//! endpoint tells them by comparing the path, and the API's own router (poem-openapi's) does the
//! routing it always did, 404 included.

use poem::endpoint::BoxEndpoint;
use poem::{Endpoint, Request, Response, Result};

/// `/docs` (and below it), `/openapi.json`, `/metrics` when served on this port, and the API.
pub struct Site {
    /// Every other path.
    pub api: BoxEndpoint<'static, Response>,
    /// `/docs` and every path below it, as poem's `Route::nest("/docs", …)` matched them.
    pub docs: BoxEndpoint<'static, Response>,
    /// `/openapi.json`.
    pub spec: BoxEndpoint<'static, Response>,
    /// `/metrics`, when it has no port of its own.
    pub metrics: Option<BoxEndpoint<'static, Response>>,
}

impl Endpoint for Site {
    type Output = Response;

    async fn call(&self, request: Request) -> Result<Response> {
        let path = request.uri().path();
        let endpoint = if path == "/docs" || path.starts_with("/docs/") {
            &self.docs
        } else if path == "/openapi.json" {
            &self.spec
        } else {
            match &self.metrics {
                Some(metrics) if path == "/metrics" => metrics,
                _ => &self.api,
            }
        };
        endpoint.call(request).await
    }
}
