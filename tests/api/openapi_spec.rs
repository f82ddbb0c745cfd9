//! `openapi/openapi.json` is generated from the code; this test fails when they differ.
//! Regenerate with `UPDATE_OPENAPI=1 cargo test --test api openapi`.

use portone_subscriptions::service::flows::PaymentFlows;
use std::sync::Arc;

use portone_subscriptions::adapters::clock::FixedClock;
use portone_subscriptions::adapters::http::{document, production_apis};
use portone_subscriptions::adapters::ledger::InMemoryLedger;
use portone_subscriptions::adapters::portone::PortOneClient;
use portone_subscriptions::adapters::random::SeededRandom;
use portone_subscriptions::config::Limits;
use portone_subscriptions::ports::Adapters;
use portone_subscriptions::service::{Services, WebhookService};
use secrecy::SecretString;

/// The production document, as the code generates it.
pub fn generated_spec() -> String {
    let gateway = PortOneClient::new(
        reqwest::Client::new(),
        "http://127.0.0.1:9".parse().unwrap(),
        &SecretString::from("unused"),
        None,
    )
    .unwrap();
    let ports = Adapters {
        gateway,
        ledger: InMemoryLedger::new(),
        clock: FixedClock::at(crate::helpers::now()),
        random: SeededRandom::new(1),
    };
    let services = Services::new(WebhookService::new(PaymentFlows::new(Arc::new(ports))));
    document(production_apis(&services, Limits::default(), false)).spec() + "\n"
}

#[test]
fn committed_spec_matches_the_code() {
    let generated = generated_spec();
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(file, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(file).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date: run `UPDATE_OPENAPI=1 cargo test --test api openapi` and commit it"
    );
}

/// Every schema an answer can reach, by name (following `$ref`s, `items` and `allOf`).
fn answer_schemas(spec: &serde_json::Value) -> std::collections::BTreeSet<String> {
    fn refs(value: &serde_json::Value, found: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(object) => {
                if let Some(reference) = object.get("$ref").and_then(|r| r.as_str()) {
                    found.push(reference.trim_start_matches("#/components/schemas/").to_owned());
                }
                object.values().for_each(|v| refs(v, found));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }
    let mut pending = Vec::new();
    for operation in spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|m| m.as_object().unwrap().values())
    {
        refs(&operation["responses"], &mut pending);
    }
    let mut seen = std::collections::BTreeSet::new();
    while let Some(name) = pending.pop() {
        if seen.insert(name.clone()) {
            refs(&spec["components"]["schemas"][&name], &mut pending);
        }
    }
    seen
}

/// "Nullable means present": every key an answer declares is in `required`, so a generated
/// client types it `T` or `T | null`, never `T | undefined`. The webhook's checklist entry keeps
/// its documented shape (its `data` is left out when a step has none).
#[test]
fn every_answer_key_is_required_and_absent_values_are_nullable() {
    let spec: serde_json::Value = serde_json::from_str(&generated_spec()).unwrap();
    let exempt = ["ChecklistEntry"];
    let reached = answer_schemas(&spec);
    for name in [
        "SubscriptionModel",
        "NextChargeModel",
        "CardModel",
        "PaymentModel",
        "EventModel",
        "ApiError",
    ] {
        assert!(reached.contains(name), "{name} is an answer's: {reached:?}");
    }
    let mut optional = Vec::new();
    for name in reached {
        if exempt.contains(&name.as_str()) {
            continue;
        }
        let schema = &spec["components"]["schemas"][&name];
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|all| all.iter().filter_map(|r| r.as_str()).collect())
            .unwrap_or_default();
        for key in schema["properties"]
            .as_object()
            .into_iter()
            .flat_map(|p| p.keys())
        {
            if !required.contains(&key.as_str()) {
                optional.push(format!("{name}.{key}"));
            }
        }
    }
    assert!(
        optional.is_empty(),
        "answer keys that may be missing: {optional:?}"
    );
}
