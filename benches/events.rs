//! What subscription events cost, on a throwaway PostgreSQL (as the tests start one):
//! `cargo bench --bench events`.
//!
//! 1. Writing a paid month: `record_month` (the month, its `subscription.created` event with the
//!    read model, and the stored card, in one call) against `insert_month` alone (the month, as
//!    before events), `BENCH_MONTHS` (default 2,000) each, one at a time and 16 at once, through
//!    the direct PostgreSQL ledger.
//! 2. Delivering: the delivery pass over those events to a sink that answers at once, so the
//!    number is the outbox's own cost (claim, settle).
//!
//! Everything shares this machine's cores: PostgreSQL and the client.

#[allow(dead_code)]
#[path = "../tests/api/pg.rs"]
mod pg;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use futures_util::stream::{self, StreamExt};
use portone_subscriptions::adapters::clock::FixedClock;
use portone_subscriptions::adapters::ledger::SqlLedger;
use portone_subscriptions::adapters::portone::PortOneClient;
use portone_subscriptions::adapters::random::ThreadRandom;
use portone_subscriptions::config::PostgresSettings;
use portone_subscriptions::domain::amount::Amount;
use portone_subscriptions::domain::currency::Currency;
use portone_subscriptions::domain::event::SubscriptionEvent;
use portone_subscriptions::domain::payment::{Payment, PaymentStatus};
use portone_subscriptions::domain::payment_id::PaymentId;
use portone_subscriptions::domain::period::BillingPeriod;
use portone_subscriptions::domain::record::PaymentRecord;
use portone_subscriptions::domain::seoul::ScheduleOffset;
use portone_subscriptions::ports::{Adapters, Delivery, EventSink, MonthLedger};
use portone_subscriptions::service::events::{DeliverySettings, EventDelivery};
use secrecy::SecretString;
use sqlx::PgPool;

fn months() -> usize {
    std::env::var("BENCH_MONTHS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

fn month(id: &str, paid_at: DateTime<Utc>) -> PaymentRecord {
    let payment = Payment {
        id: PaymentId::parse(id).unwrap(),
        status: PaymentStatus::Paid,
        order_name: "월간 구독".into(),
        amount: Amount::new(9900).unwrap(),
        currency: Currency::reported("KRW"),
        cancelled_amount: Amount::new(0).unwrap(),
        plan_id: None,
        billing_key: portone_subscriptions::domain::billing_key::BillingKey::parse("bk").ok(),
        customer_id: Some(format!("customer-{id}")),
        paid_at: Some(paid_at),
        failed_at: None,
        failure: None,
    };
    PaymentRecord::paid(
        &payment,
        &BillingPeriod::starting_at(paid_at, ScheduleOffset::from_seconds(60)),
    )
}

/// Latencies in µs: median and 99th percentile.
fn percentiles(mut micros: Vec<u128>) -> (u128, u128) {
    micros.sort_unstable();
    let at = |q: f64| micros[((micros.len() as f64 * q) as usize).min(micros.len() - 1)];
    (at(0.5), at(0.99))
}

async fn timed<F, Fut>(count: usize, concurrency: usize, call: F) -> (f64, u128, u128)
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let started = Instant::now();
    let latencies: Vec<u128> = stream::iter(0..count)
        .map(|n| {
            let call = &call;
            async move {
                let one = Instant::now();
                call(n).await;
                one.elapsed().as_micros()
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let per_second = count as f64 / started.elapsed().as_secs_f64();
    let (p50, p99) = percentiles(latencies);
    (per_second, p50, p99)
}

/// A sink that accepts every event at once.
struct Accepting;

impl EventSink for Accepting {
    fn deliver<'a>(&'a self, _event: &'a SubscriptionEvent) -> BoxFuture<'a, Delivery> {
        Box::pin(async { Delivery::Delivered { status: 204 } })
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let count = months();
        let url = pg::shared().fresh_database().await;
        let settings = PostgresSettings {
            url: SecretString::from(url.clone()),
            max_connections: 16,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(10),
        };
        let ledger = SqlLedger::postgres(&settings).unwrap();
        let pool = PgPool::connect(&url).await.unwrap();
        let start: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        println!("events benchmark: {count} months per phase");

        for concurrency in [1, 16] {
            let before = timed(count, concurrency, |n| {
                let pool = pool.clone();
                let row = serde_json::to_value(month(&format!("plain_{concurrency}_{n}"), start)).unwrap();
                async move {
                    sqlx::query(
                        "select * from public.insert_month(jsonb_populate_record(null::public.payment, $1))",
                    )
                    .bind(row)
                    .execute(&pool)
                    .await
                    .unwrap();
                }
            })
            .await;
            let after = timed(count, concurrency, |n| {
                let ledger = ledger.clone();
                let row = month(&format!("evented_{concurrency}_{n}"), start);
                async move {
                    ledger.record_paid(&row).await.unwrap();
                }
            })
            .await;
            println!(
                "write a paid month, {concurrency} at once: insert_month alone {:.0}/s (p50 {} µs, p99 {} µs); \
                 record_month with its event {:.0}/s (p50 {} µs, p99 {} µs)",
                before.0, before.1, before.2, after.0, after.1, after.2
            );
        }

        let clock = Arc::new(FixedClock::at(start + chrono::Duration::days(1)));
        // PortOne is never called by a delivery pass.
        let gateway = PortOneClient::new(
            reqwest::Client::new(),
            reqwest::Url::parse("http://127.0.0.1:9").unwrap(),
            &SecretString::from("unused"),
            None,
        )
        .unwrap();
        let ports = Arc::new(Adapters {
            gateway,
            ledger: ledger.clone(),
            clock,
            random: ThreadRandom,
        });
        let delivery = EventDelivery::new(ports, Some(Arc::new(Accepting)), DeliverySettings::default());
        let started = Instant::now();
        let pass = delivery.deliver_due().await.unwrap();
        let took = started.elapsed();
        println!(
            "deliver: {} events in {:.2} s, {:.0} events/s (claim and settle in batches of {}, {} at once)",
            pass.delivered,
            took.as_secs_f64(),
            pass.delivered as f64 / took.as_secs_f64(),
            DeliverySettings::default().batch,
            DeliverySettings::default().concurrency,
        );
    });
}
