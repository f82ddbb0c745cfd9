//! A property test over every operation a signed-in customer may call: random bodies (extra
//! fields, wrong types, NUL bytes, dot segments, huge strings) and random ids (another customer's,
//! dot segments, NUL, broken UTF-8, very long) never give a 5xx or a panic, and never change any
//! subscription's price or state, nor reach PortOne's schedules: nothing in them is a request a
//! customer may make (no plan exists, no billing key is the customer's).

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Map, Value};

use crate::helpers::{paid_payment, spawn_app_with, Options, TestApp, ADMIN_TOKEN};
use crate::portone_cards::Cards;
use crate::tokens::{es256, Project};

/// A string a field could be sent: plausible, hostile, or absurd.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("basic".to_owned()),
        Just("pro_monthly".to_owned()),
        Just("bk-user-b".to_owned()),
        Just("user-b".to_owned()),
        Just(".".to_owned()),
        Just("..".to_owned()),
        Just("a\u{0}b".to_owned()),
        Just("\u{1b}[2J".to_owned()),
        Just(String::new()),
        Just("KRW".to_owned()),
        Just("USD".to_owned()),
        "[a-zA-Z0-9_.\\-결]{0,24}",
        (1..3000_usize).prop_map(|n| "x".repeat(n)),
        Just("y".repeat(20_000)),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop_oneof![Just(1_i64), Just(0), Just(-1), Just(9900), Just(i64::MAX)].prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
            proptest::collection::btree_map("[a-z]{1,6}", inner, 0..3)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// A body: any of the fields the API knows (and some it does not), with any values.
fn body() -> impl Strategy<Value = String> {
    let field = prop_oneof![
        Just("plan_id"),
        Just("billing_key"),
        Just("customer_id"),
        Just("amount"),
        Just("order_name"),
        Just("currency"),
        Just("reason"),
        Just("quantity"),
        Just("price"),
    ];
    prop_oneof![
        8 => proptest::collection::btree_map(field, value(), 0..5).prop_map(|fields| {
            let object: Map<String, Value> = fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            Value::Object(object).to_string()
        }),
        1 => value().prop_map(|v| v.to_string()),
        1 => Just("{not json".to_owned()),
    ]
}

/// A subscription id as a path segment: another customer's, a dot segment, percent-encoded NUL
/// or broken UTF-8, very long, or random.
fn id() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("pay_b".to_owned()),
        Just("..".to_owned()),
        Just(".".to_owned()),
        Just("%2E%2E".to_owned()),
        Just("%00".to_owned()),
        Just("pay_a%00".to_owned()),
        Just("%FF".to_owned()),
        Just("%C3%28".to_owned()),
        Just("x".repeat(5000)),
        "[a-zA-Z0-9_\\-]{1,40}",
    ]
}

/// One customer request: method, path, Idempotency-Key when the operation takes one, body.
fn operation() -> impl Strategy<Value = (&'static str, String, bool, String)> {
    prop_oneof![
        body().prop_map(|b| ("POST", "/api/subscriptions".to_owned(), true, b)),
        (prop_oneof![Just("pay_a".to_owned()), id()], body()).prop_map(|(id, b)| (
            "POST",
            format!("/api/subscriptions/{id}/change"),
            false,
            b
        )),
        (prop_oneof![Just("pay_a".to_owned()), id()], body()).prop_map(|(id, b)| (
            "POST",
            format!("/api/subscriptions/{id}/payment-method"),
            false,
            b
        )),
        (id(), body()).prop_map(|(id, b)| ("POST", format!("/api/subscriptions/{id}/cancel"), false, b)),
        (id(), body()).prop_map(|(id, b)| ("POST", format!("/api/subscriptions/{id}/resume"), false, b)),
        (id(), body()).prop_map(|(id, b)| ("POST", format!("/api/subscriptions/{id}/refund"), false, b)),
        id().prop_map(|id| ("GET", format!("/api/subscriptions/{id}"), false, String::new())),
        id().prop_map(|id| (
            "GET",
            format!("/api/subscriptions?customer_id={id}"),
            false,
            String::new()
        )),
    ]
}

/// What a customer's request must never change: both subscriptions as the admin reads them.
async fn state(app: &TestApp) -> Vec<Value> {
    let admin = format!("Bearer {ADMIN_TOKEN}");
    let mut all = Vec::new();
    for id in ["pay_a", "pay_b"] {
        let (_, _, body) = app
            .request_as("GET", &format!("/api/subscriptions/{id}"), Some(&admin), &[], "")
            .await;
        all.push(json!({
            "status": body["subscription"]["status"],
            "next_charge": body["subscription"]["next_charge"],
            "canceled_at": body["subscription"]["canceled_at"],
            "payments": body["payments"],
        }));
    }
    all
}

#[test]
fn no_customer_request_gives_a_5xx_or_changes_what_the_customer_may_not_change() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (app, alice, before, writes_before) = runtime.block_on(async {
        let project = Project::start().await;
        let ec = es256("ec-1");
        project.serve_keys(&[&ec]).await;
        let app = spawn_app_with(Options {
            user_tokens: Some(project.settings(false)),
            ..Options::default()
        })
        .await;
        app.portone_schedules().await;
        for (payment_id, customer) in [("pay_a", "user-a"), ("pay_b", "user-b")] {
            let mut payment = paid_payment(payment_id);
            payment["customer"]["id"] = json!(customer);
            app.portone_has_payment(&payment).await;
            let (status, answer) = app.send(payment_id, "Paid").await;
            assert!(status.is_success(), "{answer}");
        }
        let cards = Cards::mount(&app.portone).await;
        cards.issue("bk-user-b", "user-b");
        let before = state(&app).await;
        let calls = schedule_calls(&app).await;
        // The project stays up for the token's key set: leak it for the test's lifetime.
        let alice = project.bearer(&ec, "user-a");
        std::mem::forget(project);
        (app, alice, before, calls)
    });
    let mut runner = TestRunner::new(Config {
        cases: 160,
        failure_persistence: None,
        ..Config::default()
    });
    let n = std::sync::atomic::AtomicU32::new(0);
    runner
        .run(&operation(), |(method, path, keyed, body)| {
            let key = format!("fuzz-{}", n.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
            let headers: Vec<(&str, &str)> = if keyed {
                vec![("idempotency-key", key.as_str())]
            } else {
                vec![]
            };
            let (status, _, answer) =
                runtime.block_on(app.request_as(method, &path, Some(&alice), &headers, &body));
            prop_assert!(
                status.as_u16() < 500,
                "{} {} {} -> {} {}",
                method,
                path,
                body,
                status,
                answer
            );
            prop_assert!(
                answer["code"].is_string() || status.is_success(),
                "{} {} -> {} {}",
                method,
                path,
                status,
                answer
            );
            let after = runtime.block_on(state(&app));
            prop_assert_eq!(&after, &before, "{} {} {}", method, path, body);
            let calls = runtime.block_on(schedule_calls(&app));
            prop_assert_eq!(calls, writes_before, "{} {}", method, path);
            Ok(())
        })
        .unwrap();
}

/// How many schedule writes (create, revoke) PortOne's stand-in received.
async fn schedule_calls(app: &TestApp) -> usize {
    app.portone_calls()
        .await
        .iter()
        .filter(|call| call.ends_with("/schedule") || call.starts_with("DELETE"))
        .count()
}
