//! The plan catalog over HTTP: create, replace idempotently, list, archive, and the 400s.

use poem::http::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;
use crate::snapshot;

#[tokio::test]
async fn plans_are_created_replaced_idempotently_listed_and_archived() {
    let app = spawn_app().await;
    let terms = json!({ "name": "프로 월간", "amount": 9900, "currency": "KRW", "trial_days": 14,
                        "features": { "seats": 5, "export": true }, "sort_order": 2 });

    let (status, _, created) = app
        .admin_with("PUT", "/api/plans/pro_monthly", &[], &terms.to_string())
        .await;
    assert_eq!(status, StatusCode::CREATED);
    snapshot!("plan_created", status, created);

    app.clock.advance(chrono::Duration::minutes(5));
    let (status, _, same) = app
        .admin_with("PUT", "/api/plans/pro_monthly", &[], &terms.to_string())
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        same, created,
        "the same terms twice change nothing, updated_at included"
    );

    let mut pricier = terms.clone();
    pricier["amount"] = json!(12900);
    let (status, _, replaced) = app
        .admin_with("PUT", "/api/plans/pro_monthly", &[], &pricier.to_string())
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(replaced["amount"], 12900);
    assert_eq!(replaced["created_at"], created["created_at"]);
    assert_eq!(replaced["updated_at"], "2024-01-01T00:05:05.000Z");

    let basic = json!({ "name": "베이직", "amount": 4900, "currency": "KRW", "trial_days": 0 });
    app.admin_with("PUT", "/api/plans/basic", &[], &basic.to_string())
        .await;
    let (status, _, archived) = app.admin_with("POST", "/api/plans/basic/archive", &[], "").await;
    assert_eq!(
        (status, archived["active"].as_bool()),
        (StatusCode::OK, Some(false))
    );
    let (status, _, list) = app.admin_with("GET", "/api/plans", &[], "").await;
    assert_eq!(status, StatusCode::OK);
    snapshot!("plan_list", status, list);
    let ids: Vec<_> = list["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["basic", "pro_monthly"], "by sort_order, archived ones too");

    // A pricing page reads the plans without a token: the active ones only.
    let (status, _, public) = app.call("GET", "/api/plans", None).await;
    assert_eq!(status, StatusCode::OK, "{public}");
    let public_ids: Vec<_> = public["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].clone())
        .collect();
    assert_eq!(
        public_ids,
        [json!("pro_monthly")],
        "archived plans are the admin's"
    );
    // A token that is sent must be valid: a stale session is told, not served as anonymous.
    let (status, headers, refused) = app.call("GET", "/api/plans", Some("Bearer not-a-token")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{refused}");
    assert_eq!(headers["www-authenticate"], "Bearer error=\"invalid_token\"");

    let (status, _, missing) = app.admin_with("POST", "/api/plans/nope/archive", &[], "").await;
    assert_eq!(
        (status, missing["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("PLAN_NOT_FOUND"))
    );
}

#[tokio::test]
async fn invalid_terms_answer_400_and_store_nothing() {
    let app = spawn_app().await;
    let good = json!({ "name": "프로", "amount": 9900, "currency": "KRW", "trial_days": 0 });
    let with = |field: &str, value: serde_json::Value| {
        let mut body = good.clone();
        body[field] = value;
        body.to_string()
    };
    let cases = [
        ("/api/plans/pro", with("amount", json!(0))),
        ("/api/plans/pro", with("amount", json!(-100))),
        ("/api/plans/pro", with("currency", json!("WON"))),
        ("/api/plans/pro", with("trial_days", json!(-1))),
        ("/api/plans/pro", with("name", json!("  "))),
        ("/api/plans/pro", with("features", json!([1, 2]))),
        ("/api/plans/bad%20id", good.to_string()),
        ("/api/plans/pro", "not json".to_owned()),
    ];
    for (uri, body) in &cases {
        let (status, _, answer) = app.admin_with("PUT", uri, &[], body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri} {body}: {answer:#}");
        let expected = if body.starts_with("not json") {
            "INVALID_BODY"
        } else {
            "BAD_REQUEST"
        };
        assert_eq!(answer["code"], expected, "{uri} {body}");
    }
    let (status, _, currency) = app
        .admin_with("PUT", "/api/plans/pro", &[], &with("currency", json!("WON")))
        .await;
    snapshot!("plan_invalid_currency", status, currency);
    let (_, _, list) = app.admin_with("GET", "/api/plans", &[], "").await;
    assert_eq!(list["plans"], json!([]));
}
