//! Swagger UI at `/docs` and the spec at `/openapi.json`, built when they are asked for.
//!
//! poem-openapi's `swagger_ui()` builds the page once, when the routes are made, and holds it:
//! about 1.6 MB (the Swagger UI bundle with the spec inlined) for the life of every replica, and
//! the 1.4 MB of the binary the bundle is read from stays resident too. Operators open the page now
//! and then; the service answers webhooks all day. So the page is built for each request, from a
//! document of the same APIs that holds no handlers ([`DocsOf`]): a few milliseconds, about what
//! sending 1.6 MB already costs. The spec is built the same way (poem-openapi's `spec_endpoint()`
//! holds it, up to 207 KB, from start-up), so start-up no longer generates the document at all.
//! Measured by `cargo bench --bench load` (heaptrack and `/proc/{pid}/smaps`, README "Benchmark").

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;

use poem::endpoint::{make_sync, BoxEndpoint};
use poem::http::Method;
use poem::web::Html;
use poem::{Endpoint, IntoResponse, Response};
use poem_openapi::registry::{MetaApi, Registry};
use poem_openapi::{OpenApi, OpenApiService};

/// The OpenAPI description of `T` without `T`'s handlers: the document is made from types alone
/// (poem-openapi's `OpenApi::meta` and `register` are associated functions), so this documents
/// exactly what `T` serves and routes nothing.
pub struct DocsOf<T>(PhantomData<fn() -> T>);

impl<T> Default for DocsOf<T> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<T: OpenApi> OpenApi for DocsOf<T> {
    fn meta() -> Vec<MetaApi> {
        T::meta()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn add_routes(self, _route_table: &mut HashMap<String, HashMap<Method, BoxEndpoint<'static>>>) {}
}

/// `GET /docs`: the Swagger UI page of `document`, built for each request.
pub fn swagger_ui<T: OpenApi + 'static>(
    document: Arc<OpenApiService<DocsOf<T>, ()>>,
) -> impl Endpoint<Output = Response> {
    make_sync(move |_| Html(document.swagger_ui_html()).into_response())
}

/// `GET /openapi.json`: `document` as JSON, built for each request, as poem-openapi's
/// `spec_endpoint()` answers it (`application/json`, pretty-printed).
pub fn spec<T: OpenApi + 'static>(
    document: Arc<OpenApiService<DocsOf<T>, ()>>,
) -> impl Endpoint<Output = Response> {
    make_sync(move |_| {
        Response::builder()
            .content_type("application/json")
            .body(document.spec())
    })
}
