//! Storage metrics, exactly: a process of its own (the recorder is global), the direct PostgreSQL
//! adapter on a real server, and one scrape.

#[allow(dead_code)]
#[path = "api/pg.rs"]
mod pg;
#[path = "support/prometheus.rs"]
mod prometheus;

use std::time::Duration;

use portone_subscriptions::adapters::ledger::SqlLedger;
use portone_subscriptions::config::PostgresSettings;
use portone_subscriptions::domain::payment_id::PaymentId;
use portone_subscriptions::ports::{MonthLedger, Readiness};
use portone_subscriptions::telemetry::metrics;
use secrecy::SecretString;

fn settings(url: &str) -> PostgresSettings {
    PostgresSettings {
        url: SecretString::from(url),
        max_connections: 2,
        acquire_timeout: Duration::from_millis(500),
        statement_timeout: Duration::from_secs(3),
    }
}

#[tokio::test]
async fn storage_calls_are_timed_by_function_and_result() {
    let handle = metrics::install();
    let server = pg::PgServer::start();
    let url = server.fresh_database().await;
    let ledger = SqlLedger::postgres(&settings(&url)).unwrap();
    let down = SqlLedger::postgres(&settings("postgres://postgres@127.0.0.1:9/none")).unwrap();

    ledger.ping().await.unwrap();
    ledger.ping().await.unwrap();
    assert_eq!(
        ledger
            .find(&PaymentId::parse("nothing-here").unwrap())
            .await
            .unwrap(),
        None
    );
    assert!(down.ping().await.is_err());

    let text = handle.render();
    let count = |operation, result| {
        prometheus::sample(
            &text,
            "portone_subscriptions_upstream_request_duration_seconds_count",
            &[
                ("upstream", "storage"),
                ("operation", operation),
                ("result", result),
            ],
        )
    };
    assert_eq!(count("ready", "ok"), Some(2.0), "{text}");
    // The lazy pool reports a refused connection as no connection within the acquire timeout.
    assert_eq!(count("ready", "unavailable"), Some(1.0), "{text}");
    assert_eq!(count("payment_by_transaction_key", "ok"), Some(1.0), "{text}");
    let series = prometheus::names(&text)
        .into_iter()
        .filter(|name| name.ends_with("_count"))
        .count();
    assert_eq!(series, 3, "nothing else was called: {text}");
    assert!(!text.contains("127.0.0.1"), "no address in a label: {text}");
}
