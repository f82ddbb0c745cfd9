//! What subscription events cost, on a throwaway PostgreSQL (as the tests start one):
//! `cargo bench --bench events`.
//!
//! 1. Writing a paid month: `record_month` (the month, its `subscription.created` event with the
//!    read model, and the stored card, in one call) against `insert_month` alone (the month, as
//!    before events), `BENCH_MONTHS` (default 2,000) each, one at a time and 16 at once, through
//!    the direct PostgreSQL ledger.
//! 2. Delivering: the delivery pass over those events to a sink that answers at once, so the
//!    number is the outbox's own cost (claim, settle).
//! 3. Commit to receipt: months written at `BENCH_EVENT_RATE` per second (default 1,000) for
//!    `BENCH_EVENT_SECONDS` (default 5), delivered by two replicas (each its own pool and, when
//!    woken, its own `LISTEN` connection) to a sink that notes when each event arrived: p50 and
//!    p99 from the commit of `record_month` to the receipt, and that each event arrived once;
//!    once with the wake on commit (`LISTEN`/`NOTIFY`) and once with the one-second poll alone.
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
        quantity: Default::default(),
        kind: Default::default(),
        list_amount: None,
        discount: None,
        credit: None,
        receipt_url: None,
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

/// A sink that notes when each event arrived, by subscription (one event each here).
struct Noting(std::sync::Mutex<Vec<(String, Instant)>>);

impl EventSink for Noting {
    fn deliver<'a>(&'a self, event: &'a SubscriptionEvent) -> BoxFuture<'a, Delivery> {
        self.0
            .lock()
            .unwrap()
            .push((event.subscription_id.clone(), Instant::now()));
        Box::pin(async { Delivery::Delivered { status: 204 } })
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One replica's sender: a pass at every wake (when listening) and every second.
fn replica(
    delivery: Arc<EventDelivery<BenchPorts>>,
    wakes: Option<Arc<tokio::sync::Notify>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs(1));
        loop {
            match &wakes {
                Some(wakes) => tokio::select! {
                    _ = ticks.tick() => {}
                    () = wakes.notified() => {}
                },
                None => {
                    ticks.tick().await;
                }
            }
            let _ = delivery.deliver_due().await;
        }
    })
}

type BenchPorts = Adapters<PortOneClient, SqlLedger, Arc<FixedClock>, ThreadRandom>;

/// The ports a delivery pass runs on: PortOne is never called by one.
fn bench_ports(ledger: SqlLedger, clock: Arc<FixedClock>) -> Arc<BenchPorts> {
    let gateway = PortOneClient::new(
        reqwest::Client::new(),
        reqwest::Url::parse("http://127.0.0.1:9").unwrap(),
        &SecretString::from("unused"),
        None,
    )
    .unwrap();
    Arc::new(Adapters {
        gateway,
        ledger,
        clock,
        random: ThreadRandom,
    })
}

/// Phase 3 on a fresh database: commit-to-receipt latency with two replicas.
async fn commit_to_receipt(listen: bool) {
    let rate = env_number("BENCH_EVENT_RATE", 1000);
    let seconds = env_number("BENCH_EVENT_SECONDS", 5);
    let url = pg::shared().fresh_database().await;
    let settings = |connections| PostgresSettings {
        url: SecretString::from(url.clone()),
        max_connections: connections,
        acquire_timeout: Duration::from_secs(5),
        statement_timeout: Duration::from_secs(10),
    };
    let start: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
    let clock = Arc::new(FixedClock::at(start + chrono::Duration::days(1)));
    let sink = Arc::new(Noting(std::sync::Mutex::new(Vec::new())));
    let mut senders = Vec::new();
    for _ in 0..2 {
        let ledger = SqlLedger::postgres(&settings(8)).unwrap();
        let wakes = if listen { ledger.event_wakes() } else { None };
        let delivery = Arc::new(EventDelivery::new(
            bench_ports(ledger, clock.clone()),
            Some(sink.clone() as Arc<dyn EventSink>),
            DeliverySettings::default(),
        ));
        senders.push(replica(delivery, wakes));
    }
    let writer = SqlLedger::postgres(&settings(16)).unwrap();
    let total = (rate * seconds) as usize;
    let committed = Arc::new(std::sync::Mutex::new(std::collections::HashMap::new()));
    let began = Instant::now();
    stream::iter(0..total)
        .map(|n| {
            let (writer, committed) = (writer.clone(), committed.clone());
            async move {
                // Paced: month n is written at n / rate seconds.
                let due = began + Duration::from_secs_f64(n as f64 / rate as f64);
                tokio::time::sleep_until(due.into()).await;
                let id = format!("latency_{listen}_{n}");
                writer.record_paid(&month(&id, start)).await.unwrap();
                committed.lock().unwrap().insert(id, Instant::now());
            }
        })
        .buffer_unordered(64)
        .collect::<Vec<_>>()
        .await;
    let written = began.elapsed();
    // Let the last ones arrive: a poll at most.
    let deadline = Instant::now() + Duration::from_secs(5);
    while sink.0.lock().unwrap().len() < total && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    senders.iter().for_each(tokio::task::JoinHandle::abort);
    let received = sink.0.lock().unwrap().clone();
    let committed = committed.lock().unwrap();
    let mut seen = std::collections::HashSet::new();
    let duplicates = received.iter().filter(|(id, _)| !seen.insert(id.clone())).count();
    let latencies: Vec<u128> = received
        .iter()
        .filter_map(|(id, at)| {
            committed
                .get(id)
                .map(|c| at.saturating_duration_since(*c).as_micros())
        })
        .collect();
    let (p50, p99) = percentiles(latencies);
    println!(
        "commit to receipt, two replicas, {}: {} events written at {:.0}/s; {} received, {} twice; \
         p50 {:.1} ms, p99 {:.1} ms",
        if listen {
            "woken on commit (LISTEN/NOTIFY)"
        } else {
            "one-second poll alone"
        },
        total,
        total as f64 / written.as_secs_f64(),
        seen.len(),
        duplicates,
        p50 as f64 / 1000.0,
        p99 as f64 / 1000.0,
    );
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
        let ports = bench_ports(ledger.clone(), clock);
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

        for listen in [false, true] {
            commit_to_receipt(listen).await;
        }
    });
}
