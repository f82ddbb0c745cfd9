//! The HTTP surface around the webhook: path encoding, health, docs.

use poem::http::StatusCode;
use wiremock::matchers::method;
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::{fixture, spawn_app};

#[tokio::test]
async fn payment_id_is_percent_encoded_as_one_path_segment() {
    let app = spawn_app().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_json(fixture("payment_not_found.json")))
        .mount(&app.portone)
        .await;

    app.send("pay/../1?x=#결", "Paid").await;

    let requests = app.portone.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let raw = requests[0].url.as_str();
    assert!(
        raw.ends_with("/payments/pay%2F..%2F1%3Fx%3D%23%EA%B2%B0"),
        "{raw}"
    );
}

#[tokio::test]
async fn healthz_answers_ok_without_calling_upstreams() {
    let app = spawn_app().await;

    let response = app.get("/healthz").send().await;

    response.assert_status_is_ok();
    response
        .assert_json(serde_json::json!({ "status": "ok", "sandbox": false }))
        .await;
    assert!(app.portone_calls().await.is_empty());
}

#[tokio::test]
async fn swagger_ui_and_the_spec_are_served() {
    let app = spawn_app().await;

    let docs = app.get("/docs").send().await;
    docs.assert_status_is_ok();
    docs.assert_content_type("text/html; charset=utf-8");
    let page = docs.0.into_body().into_string().await.unwrap();

    let spec = app.get("/openapi.json").send().await;
    spec.assert_status(StatusCode::OK);
    let spec = spec.0.into_body().into_string().await.unwrap();
    let value: serde_json::Value = serde_json::from_str(&spec).unwrap();
    assert!(value["paths"]["/api/portone"]["post"].is_object());
    // Both are built per request from a document without handlers: it must say exactly what the
    // routes serve (the document of the APIs themselves, as committed), and the page inline it.
    assert_eq!(format!("{spec}\n"), crate::openapi_spec::generated_spec());
    assert!(page.contains(&spec), "the Swagger UI page inlines /openapi.json");
    assert!(page.contains("SwaggerUIBundle"));
}

/// The operator paths are told apart from the API's by the path alone: `/docs` and below it,
/// `/openapi.json`, `/metrics`; anything else is the API's, whose router answers 404 for what it
/// does not know.
#[tokio::test]
async fn operator_paths_and_unknown_paths() {
    let app = spawn_app().await;

    let below_docs = app.get("/docs/oauth-receiver.html").send().await;
    below_docs.assert_status_is_ok();
    below_docs.assert_content_type("text/html; charset=utf-8");

    let metrics = app.get("/metrics").send().await;
    metrics.assert_status_is_ok();

    for unknown in ["/docsx", "/openapi.json/x", "/metrics/x", "/nope"] {
        app.get(unknown).send().await.assert_status(StatusCode::NOT_FOUND);
    }
}
