//! Every protected operation refuses a missing or wrong bearer token with 401 and an RFC 6750
//! challenge, before it runs. The operations are read from the service's own OpenAPI document, so
//! a new protected operation is covered without touching this test.

use poem::http::StatusCode;
use serde_json::Value;

use crate::helpers::spawn_app;
use crate::openapi_spec::generated_spec;

/// `(METHOD, path)` of every operation the document marks with a security requirement, with
/// each `{param}` filled in.
fn protected_operations(spec: &Value) -> Vec<(String, String)> {
    let mut operations = Vec::new();
    for (path, methods) in spec["paths"].as_object().unwrap() {
        for (method, operation) in methods.as_object().unwrap() {
            // `security: [{}, …]` is optional authentication (a public read): without a token it
            // answers, so it is checked on its own below.
            let optional = operation["security"].as_array().is_some_and(|all| {
                all.iter()
                    .any(|scheme| scheme.as_object().is_some_and(|o| o.is_empty()))
            });
            if operation.get("security").is_some() && !optional {
                let filled = path
                    .split('/')
                    .map(|segment| {
                        if segment.starts_with('{') {
                            "some-id"
                        } else {
                            segment
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("/");
                operations.push((method.to_uppercase(), format!("{filled}?customer_id=c")));
            }
        }
    }
    operations
}

#[tokio::test]
async fn every_protected_operation_answers_401_with_a_bearer_challenge_without_a_token_or_with_a_wrong_one() {
    let app = spawn_app().await;
    let spec: Value = serde_json::from_str(&generated_spec()).unwrap();
    let operations = protected_operations(&spec);
    assert!(operations.len() >= 8, "{operations:?}");

    for (method, uri) in &operations {
        for (authorization, challenge) in [
            (None, "Bearer"),
            (
                Some("Bearer not-the-admin-token"),
                "Bearer error=\"invalid_token\"",
            ),
            (Some("Basic dXNlcjpwYXNz"), "Bearer"),
        ] {
            let (status, headers, body) = app.call(method, uri, authorization).await;
            let case = format!("{method} {uri} with {authorization:?}");
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}: {body}");
            assert_eq!(headers["www-authenticate"], challenge, "{case}");
            assert_eq!(body["code"], "UNAUTHORIZED", "{case}: {body}");
            assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{case}");
        }
    }
    assert!(
        app.portone_calls().await.is_empty() && app.storage_calls().await == 0,
        "nothing ran for a refused caller"
    );
}

#[test]
fn the_document_gives_every_protected_operation_a_401_with_its_challenge_header() {
    let spec: Value = serde_json::from_str(&generated_spec()).unwrap();
    for (path, methods) in spec["paths"].as_object().unwrap() {
        for (method, operation) in methods.as_object().unwrap() {
            if operation.get("security").is_none() {
                continue;
            }
            let unauthorized = &operation["responses"]["401"];
            // Header names are case-insensitive; poem-openapi writes them in capitals.
            let challenge = unauthorized["headers"].as_object().and_then(|headers| {
                headers
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case("www-authenticate"))
            });
            assert!(challenge.is_some(), "{method} {path}: {unauthorized:#}");
            assert!(
                unauthorized["content"]["application/json; charset=utf-8"].is_object(),
                "{method} {path}: {unauthorized:#}"
            );
        }
    }
}
