//! `GET /api/events`: a customer reads their own events and nobody else's, newest first, a page
//! at a time with a cursor that never skips or repeats an event; the admin token filters by
//! customer or subscription; the same pages from memory and from PostgreSQL; each event is the
//! object delivered to the app, and its `subscription` the object the API answers.

use poem::http::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, Options, TestApp, ADMIN_TOKEN};
use crate::pg::shared;
use crate::tokens::{es256, Project};
use crate::user_tokens::subscription_of;

async fn app(project: &Project, on_postgres: bool) -> TestApp {
    let database_url = if on_postgres {
        Some(shared().fresh_database().await)
    } else {
        None
    };
    let app = spawn_app_with(Options {
        user_tokens: Some(project.settings(false)),
        database_url,
        ..Options::default()
    })
    .await;
    app.portone_schedules().await;
    app
}

async fn get(app: &TestApp, uri: &str, authorization: &str) -> (StatusCode, Value) {
    let (status, _, body) = app.request_as("GET", uri, Some(authorization), &[], "").await;
    (status, body)
}

/// Every page of `uri` (which has a `?`), following `next_cursor`: the event ids in order.
async fn all_pages(app: &TestApp, uri: &str, authorization: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page_uri = match &cursor {
            Some(after) => format!("{uri}&starting_after={after}"),
            None => uri.to_owned(),
        };
        let (status, page) = get(app, &page_uri, authorization).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for event in page["events"].as_array().unwrap() {
            ids.push(event["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => {
                assert_eq!(page["has_more"], true);
                cursor = Some(next.to_owned());
            }
            None => {
                assert_eq!(page["has_more"], false);
                return ids;
            }
        }
    }
}

async fn feed_on(on_postgres: bool) -> Vec<String> {
    let project = Project::start().await;
    let key = es256("ec-feed");
    project.serve_keys(&[&key]).await;
    let app = app(&project, on_postgres).await;
    subscription_of(&app, "pay_a", "user-a").await;
    subscription_of(&app, "pay_b", "user-b").await;
    let admin = format!("Bearer {ADMIN_TOKEN}");
    for action in ["cancel", "resume", "cancel"] {
        let (status, _, body) = app
            .request_as(
                "POST",
                &format!("/api/subscriptions/pay_a/{action}"),
                Some(&admin),
                &[],
                "",
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let alice = project.bearer(&key, "user-a");
    let bob = project.bearer(&key, "user-b");

    // Alice's own events, newest first: created, canceled, resumed, canceled.
    let (status, first) = get(&app, "/api/events?limit=2", &alice).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let types: Vec<_> = first["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].clone())
        .collect();
    assert_eq!(
        types,
        [json!("subscription.canceled"), json!("subscription.resumed")]
    );
    let mine = all_pages(&app, "/api/events?limit=1", &alice).await;
    assert_eq!(mine.len(), 4, "every one of her events, each once");
    let all_at_once = all_pages(&app, "/api/events?limit=100", &alice).await;
    assert_eq!(
        mine, all_at_once,
        "pages tile the list: nothing skipped or repeated"
    );

    // Nobody else's: Bob sees his one event; naming Alice is refused.
    assert_eq!(all_pages(&app, "/api/events?limit=5", &bob).await.len(), 1);
    let (status, refused) = get(&app, "/api/events?customer_id=user-a", &bob).await;
    assert_eq!(
        (status, refused["code"].clone()),
        (StatusCode::FORBIDDEN, json!("CUSTOMER_MISMATCH"))
    );
    let (status, _) = get(&app, "/api/events?subscription_id=pay_a", &bob).await;
    assert_eq!(status, StatusCode::OK);
    assert!(all_pages(&app, "/api/events?subscription_id=pay_a", &bob)
        .await
        .is_empty());

    // The admin token reads everyone's, or one customer's or subscription's.
    assert_eq!(all_pages(&app, "/api/events?limit=2", &admin).await.len(), 5);
    assert_eq!(
        all_pages(&app, "/api/events?customer_id=user-a", &admin).await,
        mine
    );
    assert_eq!(
        all_pages(&app, "/api/events?subscription_id=pay_b", &admin)
            .await
            .len(),
        1
    );

    // Bad input is a 400 with a code, never a 500.
    for uri in [
        "/api/events?limit=0",
        "/api/events?limit=101",
        "/api/events?starting_after=nope",
    ] {
        let (status, body) = get(&app, uri, &alice).await;
        assert_eq!(
            (status, body["code"].clone()),
            (StatusCode::BAD_REQUEST, json!("BAD_REQUEST")),
            "{uri}"
        );
    }
    let (status, _, _) = app.call("GET", "/api/events", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // An event's subscription is the object the API answers (same keys, same values for the
    // latest event).
    let (_, newest) = get(&app, "/api/events?limit=1", &alice).await;
    let event = &newest["events"][0];
    let (_, detail) = get(&app, "/api/subscriptions/pay_a", &alice).await;
    assert_eq!(event["data"]["subscription"], detail["subscription"]);
    assert_eq!(
        event.as_object().unwrap().keys().collect::<Vec<_>>(),
        [
            "customer_id",
            "data",
            "id",
            "occurred_at",
            "subscription_id",
            "type"
        ]
    );

    let (_, everything) = get(&app, "/api/events?limit=100", &admin).await;
    everything["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| {
            // Ids and the month row's `created_at` are each ledger's own; two events at the
            // same instant are ordered by id, so compare in a fixed order.
            let mut event = event.clone();
            event.as_object_mut().unwrap().remove("id");
            if let Some(month) = event["data"]["month"].as_object_mut() {
                month.remove("created_at");
            }
            event.to_string()
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

#[tokio::test]
async fn a_customer_pages_through_their_own_events_and_the_admin_filters_anyone_s() {
    let in_memory = feed_on(false).await;
    let on_postgres = feed_on(true).await;
    assert_eq!(in_memory, on_postgres, "both ledgers answer the same events");
}
