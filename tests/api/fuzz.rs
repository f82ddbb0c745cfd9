//! Property tests of the request parsing through the HTTP layer: arbitrary bytes and arbitrary
//! JSON never panic and always get the five-step checklist; anything that is not a valid webhook
//! gets a 4xx.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

fn assert_checklist(status: u16, body: &Value) -> Result<(), TestCaseError> {
    let steps = body["checklist"].as_array().map_or(0, Vec::len);
    prop_assert_eq!(steps, 5, "{}", body);
    prop_assert_eq!(
        body["success"] == json!(true),
        status == 200,
        "{} {}",
        status,
        body
    );
    Ok(())
}

fn run(
    cases: u32,
    strategy: impl Strategy<Value = Vec<u8>>,
    check: impl Fn(&TestApp, Vec<u8>) -> Result<(), TestCaseError>,
) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let app = runtime.block_on(spawn_app());
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let _guard = runtime.enter();
    runner.run(&strategy, |input| check(&app, input)).unwrap();
}

#[test]
fn arbitrary_bytes_get_a_4xx_checklist() {
    run(
        256,
        proptest::collection::vec(any::<u8>(), 0..2048),
        |app, bytes| {
            let runtime = tokio::runtime::Handle::current();
            let (status, body) = runtime.block_on(app.post_webhook(bytes.clone()));
            prop_assert!(
                status.is_client_error(),
                "{} for {:?}",
                status,
                String::from_utf8_lossy(&bytes)
            );
            assert_checklist(status.as_u16(), &body)
        },
    );
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-zA-Z_.\\n\\u{0}-\\u{7f}결]{0,40}".prop_map(Value::from),
        prop_oneof![
            Just("Paid"),
            Just("Cancelled"),
            Just("Ready"),
            Just("Transaction.Paid"),
            Just("BillingKey.Issued")
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("payment_id".to_owned()),
                    Just("status".to_owned()),
                    Just("type".to_owned()),
                    Just("data".to_owned()),
                    Just("paymentId".to_owned()),
                    "[a-z]{1,8}"
                ],
                inner,
                0..5
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

#[test]
fn arbitrary_json_always_gets_the_checklist_and_never_a_5xx_without_an_upstream_call() {
    run(
        512,
        json_value().prop_map(|v| v.to_string().into_bytes()),
        |app, bytes| {
            let runtime = tokio::runtime::Handle::current();
            let (status, body) = runtime.block_on(app.post_webhook(bytes));
            assert_checklist(status.as_u16(), &body)?;
            // No PortOne stand-in is mounted: a 5xx can only come from a valid Paid/Cancelled webhook
            // whose lookup failed at step 3.
            if status.is_server_error() {
                prop_assert_eq!(&body["checklist"][2]["status"], &json!("failed"), "{}", body);
            }
            Ok(())
        },
    );
}
