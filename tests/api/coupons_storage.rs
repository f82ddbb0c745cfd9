//! Coupons and promotion codes over HTTP on a real PostgreSQL: redemptions counted exactly once
//! under concurrent checkouts, the admin API's refusals, and the discount in the history view.

use futures::future::join_all;
use poem::http::StatusCode;
use serde_json::json;

use crate::checkout::start;
use crate::helpers::{spawn_app_with, Options, TestApp};
use crate::pg::{shared, PgServer};
use crate::portone_cards::Cards;

async fn shop_with_code(max_redemptions: u32) -> (TestApp, Cards, String) {
    let url = shared().fresh_database().await;
    let app = spawn_app_with(Options {
        database_url: Some(url.clone()),
        ..Options::default()
    })
    .await;
    app.portone_schedules().await;
    let cards = Cards::mount(&app.portone).await;
    let plan = json!({ "name": "팀", "amount": 9900, "currency": "KRW", "trial_days": 0 });
    let (status, _, _) = app
        .admin_with("PUT", "/api/plans/team", &[], &plan.to_string())
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let coupon =
        json!({ "name": "런칭 50%", "percent_off": 50, "duration": "repeating", "duration_in_periods": 3 });
    let (status, _, answer) = app
        .admin_with("PUT", "/api/coupons/LAUNCH50", &[], &coupon.to_string())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer:#}");
    let code = json!({ "coupon_id": "LAUNCH50", "max_redemptions": max_redemptions });
    let (status, _, answer) = app
        .admin_with("PUT", "/api/promotion-codes/SPRING50", &[], &code.to_string())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer:#}");
    (app, cards, url)
}

#[tokio::test]
async fn twenty_concurrent_checkouts_with_a_code_of_five_redeem_exactly_five() {
    let (app, cards, url) = shop_with_code(5).await;
    for n in 0..20 {
        cards.issue(&format!("bk_{n}"), &format!("user-{n}"));
    }
    let starts = (0..20).map(|n| {
        let body = json!({
            "customer_id": format!("user-{n}"), "plan_id": "team", "billing_key": format!("bk_{n}"),
            "promotion_code": "spring50",
        });
        let app = &app;
        async move { start(app, &format!("order-{n}"), body).await }
    });
    let answers = join_all(starts).await;
    let created: Vec<_> = answers
        .iter()
        .filter(|(s, _, _)| *s == StatusCode::CREATED)
        .collect();
    assert_eq!(created.len(), 5, "{answers:#?}");
    for (_, _, answer) in &created {
        assert_eq!(answer["subscription"]["amount"], 4_950);
    }
    for (status, _, answer) in answers.iter().filter(|(s, _, _)| *s != StatusCode::CREATED) {
        assert_eq!(*status, StatusCode::CONFLICT, "{answer:#}");
        assert_eq!(answer["code"], "PROMOTION_CODE_EXHAUSTED");
    }
    let charges = app
        .portone_calls()
        .await
        .iter()
        .filter(|c| c.ends_with("/billing-key"))
        .count();
    assert_eq!(charges, 5, "the refused ones are charged nothing");
    let pool = PgServer::pool(&url).await;
    let counted: (i32, i32, i64) = sqlx::query_as(
        "select (select times_redeemed from public.promotion_code), (select times_redeemed from public.coupon),
                (select count(*) from public.coupon_redemption)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(counted, (5, 5, 5));
    // Each discounted line of the history names its list price, discount and coupon.
    let lines: Vec<(i64, i64, i64, Option<String>)> = sqlx::query_as(
        "select amount, list_amount, discount_amount, coupon_id from public.billing_history_v2",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(lines.len(), 5);
    assert!(
        lines
            .iter()
            .all(|line| *line == (4_950, 9_900, 4_950, Some("LAUNCH50".into()))),
        "{lines:?}"
    );
}

#[tokio::test]
async fn the_admin_api_refuses_bad_terms_unknown_coupons_and_callers_without_the_token() {
    let (app, cards, _url) = shop_with_code(5).await;
    cards.issue("bk_1", "user-1");
    for bad in [
        json!({ "name": "x", "percent_off": 0, "duration": "once" }),
        json!({ "name": "x", "percent_off": 10, "amount_off": 100, "currency": "KRW", "duration": "once" }),
        json!({ "name": "x", "amount_off": 100, "duration": "once" }),
        json!({ "name": "x", "percent_off": 10, "duration": "repeating" }),
        json!({ "name": "x", "percent_off": 10, "duration": "once", "duration_in_periods": 2 }),
        json!({ "name": "x", "percent_off": 10, "duration": "forever", "max_redemptions": 0 }),
        json!({ "name": "x", "percent_off": 10, "duration": "forever", "redeem_by": "tomorrow" }),
        json!({ "name": "x", "percent_off": 10, "duration": "forever", "surprise": true }),
    ] {
        let (status, _, answer) = app
            .admin_with("PUT", "/api/coupons/C1", &[], &bad.to_string())
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad} → {answer:#}");
    }
    let (status, _, _) = app.admin_with("PUT", "/api/coupons/bad%20id", &[], "{}").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let code = json!({ "coupon_id": "NOPE" });
    let (status, _, answer) = app
        .admin_with("PUT", "/api/promotion-codes/X1", &[], &code.to_string())
        .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("COUPON_NOT_FOUND"))
    );
    let (status, _, answer) = app.admin_with("POST", "/api/coupons/NOPE/archive", &[], "").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer:#}");
    // Listing codes needs the admin token.
    let (status, _, _) = app.request_as("GET", "/api/promotion-codes", None, &[], "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, listed) = app.admin_with("GET", "/api/promotion-codes", &[], "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["promotion_codes"][0]["code"], "SPRING50");
    // Archived: the code redeems no more.
    let (status, _, archived) = app
        .admin_with("POST", "/api/coupons/LAUNCH50/archive", &[], "")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(archived["archived_at"].is_string());
    let body = json!({ "customer_id": "user-1", "plan_id": "team", "billing_key": "bk_1", "promotion_code": "SPRING50" });
    let (status, _, answer) = start(&app, "order-x", body).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::CONFLICT, Some("PROMOTION_CODE_EXPIRED")),
        "{answer:#}"
    );
}
