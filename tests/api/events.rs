//! Subscription events on a real PostgreSQL, delivered over HTTP to a stand-in of the app: one
//! event under a storm of identical webhooks; signatures the `standardwebhooks` library accepts; a
//! delivery retried after a 500 and a timeout; two replicas delivering every event exactly once;
//! an app that is down for a while losing nothing.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use poem::http::StatusCode;
use portone_subscriptions::adapters::app_webhook::AppWebhook;
use portone_subscriptions::domain::event::{DeliveryResult, DeliveryStatus, SubscriptionEvent};
use portone_subscriptions::ports::{EventFilter, EventLedger};
use portone_subscriptions::service::events::{DeliverySettings, EventDelivery};
use reqwest::Url;
use secrecy::SecretString;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::helpers::{paid_payment, spawn_app_with, Options, TestApp, TestPorts};
use crate::pg::shared;

/// The app's secret, made here for this test run: `whsec_` and base64 of 32 random bytes.
fn app_secret() -> &'static str {
    use base64::Engine;
    static SECRET: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SECRET.get_or_init(|| {
        let bytes = [
            uuid::Uuid::new_v4().into_bytes(),
            uuid::Uuid::new_v4().into_bytes(),
        ]
        .concat();
        format!(
            "whsec_{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    })
}

async fn app_on_postgres() -> TestApp {
    let url = shared().fresh_database().await;
    let app = spawn_app_with(Options {
        database_url: Some(url),
        ..Options::default()
    })
    .await;
    app.portone_schedules().await;
    app
}

/// Pays `count` subscriptions through their webhooks: `count` `subscription.created` events.
async fn subscriptions(app: &TestApp, count: usize) {
    for n in 0..count {
        let id = format!("pay_event_{n:03}");
        let mut payment = paid_payment(&id);
        payment["customer"]["id"] = json!(format!("customer_{n}"));
        app.portone_has_payment(&payment).await;
        let (status, body) = app.send(&id, "Paid").await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

fn delivery_to(app: &TestApp, server: &MockServer, timeout: Duration) -> EventDelivery<TestPorts> {
    delivery_in_batches(app, server, timeout, DeliverySettings::default())
}

fn delivery_in_batches(
    app: &TestApp,
    server: &MockServer,
    timeout: Duration,
    settings: DeliverySettings,
) -> EventDelivery<TestPorts> {
    let url = Url::parse(&format!("{}/billing/events", server.uri())).unwrap();
    let sink = AppWebhook::new(url, &SecretString::from(app_secret()))
        .unwrap()
        .with_timeout(timeout);
    EventDelivery::new(app.ports.clone(), Some(Arc::new(sink)), settings)
}

async fn events(app: &TestApp) -> Vec<SubscriptionEvent> {
    app.ledger
        .events(&EventFilter {
            limit: 1000,
            ..EventFilter::default()
        })
        .await
        .unwrap()
}

async fn received(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap()
}

/// Checks `request` as an app would, with the official library; its body as JSON.
fn verified(request: &Request) -> Value {
    let signer = standardwebhooks::Webhook::new(app_secret()).unwrap();
    signer
        .verify(&request.body, &request.headers)
        .expect("the signature verifies with the standardwebhooks library");
    serde_json::from_slice(&request.body).unwrap()
}

#[tokio::test]
async fn twenty_identical_webhooks_at_once_write_one_event() {
    let app = app_on_postgres().await;
    app.portone_has_payment(&paid_payment("pay_storm")).await;

    let answers = join_all((0..20).map(|_| app.send("pay_storm", "Paid"))).await;

    assert!(answers.iter().all(|(status, _)| *status == StatusCode::OK));
    let written = events(&app).await;
    assert_eq!(written.len(), 1, "{written:#?}");
    assert_eq!(written[0].event_type, "subscription.created");
    assert_eq!(written[0].subscription_id, "pay_storm");
    assert_eq!(written[0].customer_id.as_deref(), Some("customer_1"));
    assert_eq!(
        written[0].data["subscription"]["status"], "active",
        "the read model at its time"
    );
    assert_eq!(written[0].data["month"]["transaction_key"], "pay_storm");
    assert_eq!(written[0].status, DeliveryStatus::Pending);
}

#[tokio::test]
async fn a_delivery_is_signed_retried_after_a_500_and_a_timeout_and_delivered_once_the_app_answers() {
    let app = app_on_postgres().await;
    subscriptions(&app, 1).await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/billing/events"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/billing/events"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/billing/events"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let delivery = delivery_to(&app, &server, Duration::from_millis(300));

    let first = delivery.deliver_due().await.unwrap();
    assert_eq!((first.claimed, first.retrying), (1, 1));
    let event = events(&app).await.remove(0);
    assert_eq!(event.delivery_attempts[0].result, DeliveryResult::Http(500));
    assert_eq!(
        delivery.deliver_due().await.unwrap().claimed,
        0,
        "not due before its time"
    );
    app.clock.set(event.next_attempt_at.as_utc());
    assert_eq!(delivery.deliver_due().await.unwrap().retrying, 1);
    let event = events(&app).await.remove(0);
    assert_eq!(event.delivery_attempts[1].result, DeliveryResult::Timeout);
    app.clock.set(event.next_attempt_at.as_utc());
    assert_eq!(delivery.deliver_due().await.unwrap().delivered, 1);

    let event = events(&app).await.remove(0);
    assert_eq!((event.status, event.attempts), (DeliveryStatus::Delivered, 3));
    let requests = received(&server).await;
    assert_eq!(requests.len(), 3);
    for request in &requests {
        let body = verified(request);
        assert_eq!(request.headers["webhook-id"], event.id.to_string().as_str());
        assert_eq!(body["id"], event.id.to_string());
        assert_eq!(body["type"], "subscription.created");
        assert_eq!(body["data"]["subscription"]["subscription_id"], "pay_event_000");
        assert!(
            !body.to_string().contains("billing_key_123"),
            "no billing key is ever sent"
        );
    }
    // A forged signature does not verify: the check above is a real one.
    let mut forged = requests[0].clone();
    forged.body = b"{}".to_vec();
    let signer = standardwebhooks::Webhook::new(app_secret()).unwrap();
    assert!(signer.verify(&forged.body, &forged.headers).is_err());
}

#[tokio::test]
async fn two_replicas_deliver_every_event_exactly_once() {
    let app = app_on_postgres().await;
    subscriptions(&app, 30).await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/billing/events"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(20)))
        .mount(&server)
        .await;
    // Small batches, so both replicas claim while the other is sending.
    let settings = DeliverySettings {
        batch: 3,
        ..DeliverySettings::default()
    };
    let replicas = [
        delivery_in_batches(&app, &server, Duration::from_secs(5), settings),
        delivery_in_batches(&app, &server, Duration::from_secs(5), settings),
    ];

    let passes = join_all(replicas.iter().map(EventDelivery::deliver_due)).await;

    let delivered: u64 = passes.iter().map(|p| p.as_ref().unwrap().delivered).sum();
    assert_eq!(delivered, 30);
    assert!(
        passes.iter().all(|p| p.as_ref().unwrap().delivered > 0),
        "both replicas worked"
    );
    let mut sent: HashMap<String, usize> = HashMap::new();
    for request in received(&server).await {
        verified(&request);
        let id = request.headers["webhook-id"].to_str().unwrap().to_owned();
        *sent.entry(id).or_default() += 1;
    }
    assert_eq!(sent.len(), 30);
    assert!(sent.values().all(|n| *n == 1), "{sent:?}");
    assert!(events(&app)
        .await
        .iter()
        .all(|e| e.status == DeliveryStatus::Delivered));
}

#[tokio::test]
async fn an_app_that_is_down_for_a_while_loses_nothing() {
    let app = app_on_postgres().await;
    subscriptions(&app, 5).await;
    let server = MockServer::start().await;
    // Down for the first 15 attempts (three rounds of five events), then up.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(15)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let delivery = delivery_to(&app, &server, Duration::from_secs(5));

    for _ in 0..6 {
        delivery.deliver_due().await.unwrap();
        let latest = events(&app)
            .await
            .iter()
            .filter(|e| e.status == DeliveryStatus::Pending)
            .map(|e| e.next_attempt_at.as_utc())
            .max();
        if let Some(at) = latest {
            app.clock.set(at);
        }
    }

    let all = events(&app).await;
    assert_eq!(all.len(), 5);
    for event in &all {
        assert_eq!(event.status, DeliveryStatus::Delivered, "{event:#?}");
        assert_eq!(event.attempts, 4, "three refusals, then delivered");
    }
    let delivered_ids: Vec<_> = received(&server)
        .await
        .iter()
        .skip(15)
        .map(|r| r.headers["webhook-id"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        delivered_ids.len(),
        5,
        "each delivered once after the app came back"
    );
}

/// Over direct PostgreSQL the sender is woken when an event commits (`LISTEN`/`NOTIFY`), not at
/// its next poll: the listener's wake fires for an event another connection wrote. Without the
/// trigger nothing would wake it within the bound (the wait is a bound, not an ordering sleep).
#[tokio::test]
async fn a_committed_event_wakes_the_sender_over_listen_notify() {
    let url = shared().fresh_database().await;
    let ledger = portone_subscriptions::adapters::ledger::SqlLedger::postgres(
        &crate::helpers::postgres_settings(&url),
    )
    .unwrap();
    let wakes = ledger.event_wakes().expect("direct PostgreSQL listens");
    // The first wake is the catch-up pass once listening has started.
    tokio::time::timeout(Duration::from_secs(10), wakes.notified())
        .await
        .expect("the listener connected and listens");

    let app = spawn_app_with(Options {
        database_url: Some(url),
        ..Options::default()
    })
    .await;
    app.portone_schedules().await;
    subscriptions(&app, 1).await; // commits one `subscription.created`

    tokio::time::timeout(Duration::from_secs(10), wakes.notified())
        .await
        .expect("the committed event woke the sender");
}
