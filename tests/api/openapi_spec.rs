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
