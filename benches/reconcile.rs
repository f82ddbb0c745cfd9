//! Reconciliation benchmark: `cargo bench --bench reconcile` starts a throwaway PostgreSQL (as the
//! tests do), seeds `BENCH_SUBSCRIPTIONS` (default 100,000) subscriptions whose renewals are all
//! ahead, starts a PortOne stand-in holding their `SCHEDULED` schedules (paged as
//! `getPaymentSchedules` pages), and times reconciliation passes through the real PortOne adapter
//! and the direct PostgreSQL ledger:
//! - a healthy pass: every schedule is where it should be, nothing to do;
//! - a pass with 1% of the schedules missing at PortOne, which it re-creates;
//! - a healthy pass again after `BENCH_HISTORY` (default 2) older, renewed months were added to
//!   every subscription, to show whether a pass grows with history or only with what is live.
//!
//! Everything shares this machine's cores: PostgreSQL, the stand-in and the pass.

#[path = "support/history.rs"]
mod history;
#[allow(dead_code)]
#[path = "../tests/api/pg.rs"]
mod pg;
#[path = "support/portone.rs"]
mod portone;

use portone_subscriptions::service::flows::PaymentFlows;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::{Data, Path, Query};
use poem::{get, handler, post, EndpointExt, Response, Route, Server};
use portone_subscriptions::adapters::clock::SystemClock;
use portone_subscriptions::adapters::ledger::SqlLedger;
use portone_subscriptions::adapters::portone::PortOneClient;
use portone_subscriptions::adapters::random::ThreadRandom;
use portone_subscriptions::config::PostgresSettings;
use portone_subscriptions::ports::Adapters;
use portone_subscriptions::service::reconcile::{PassOptions, ReconcileReport};
use portone_subscriptions::service::{Services, WebhookService};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{json, Value};

use portone::{json_response, paid_payment};

/// One schedule the stand-in holds: (paymentId, timeToPay as RFC 3339).
type Held = Vec<(String, String)>;

#[derive(Clone)]
struct StandIn {
    /// Sorted by `timeToPay`, as the ascending list answers them.
    schedules: Arc<Held>,
    /// Each schedule's place in `schedules`, by payment id.
    places: Arc<HashMap<String, usize>>,
    /// Places of the schedules the stand-in "lost" (not listed until re-created).
    lost: Arc<Mutex<BTreeSet<usize>>>,
    calls: Arc<std::sync::atomic::AtomicU64>,
}

/// The places in `schedules` of the listed (not lost) schedules `start..start + size`, found
/// without walking the list from its start, so the stand-in's own paging stays off the pass's
/// time (a million schedules are 10,000 pages; walking to each would cost the stand-in
/// quadratic time, which an earlier version of this bench counted as the pass's).
fn listed_page(total: usize, lost: &BTreeSet<usize>, start: usize, size: usize) -> Vec<usize> {
    // The first listed place p has exactly `start` listed places before it: p = start + lost
    // places before p. Iterating from p = start only ever moves up to it.
    let mut place = start;
    loop {
        let next = start + lost.range(..place).count();
        if next == place {
            break;
        }
        place = next;
    }
    (place..total)
        .filter(|place| !lost.contains(place))
        .take(size)
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BodyQuery {
    request_body: Option<String>,
}

#[handler]
fn list(Query(query): Query<BodyQuery>, stand_in: Data<&StandIn>) -> Response {
    stand_in.calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let body: Value = serde_json::from_str(&query.request_body.unwrap_or_default()).unwrap_or_default();
    let size = body["page"]["size"].as_u64().unwrap_or(10) as usize;
    let number = body["page"]["number"].as_u64().unwrap_or(0) as usize;
    let lost = stand_in.lost.lock().unwrap();
    let items: Vec<Value> = listed_page(stand_in.schedules.len(), &lost, number * size, size)
        .into_iter()
        .map(|place| {
            let (id, at) = &stand_in.schedules[place];
            json!({ "status": "SCHEDULED", "id": format!("s-{id}"), "merchantId": "m", "storeId": "s",
                "paymentId": id, "billingKey": "bk", "orderName": "월간 구독", "isCulturalExpense": false,
                "isEscrow": false, "customer": {}, "customData": "", "totalAmount": 9900, "currency": "KRW",
                "createdAt": "2024-01-01T00:00:00Z", "timeToPay": at })
        })
        .collect();
    let count = items.len();
    json_response(
        json!({ "items": items, "page": { "number": number, "size": size, "totalCount": count } })
            .to_string(),
    )
}

#[handler]
fn payment(Path(id): Path<String>) -> Response {
    json_response(paid_payment(&id))
}

#[handler]
fn schedule(Path(id): Path<String>, stand_in: Data<&StandIn>) -> Response {
    if let Some(place) = stand_in.places.get(&id) {
        stand_in.lost.lock().unwrap().remove(place);
    }
    json_response(format!(r#"{{"schedule":{{"id":"s-{id}"}}}}"#))
}

async fn start_stand_in(stand_in: StandIn) -> String {
    let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await.unwrap();
    let port = acceptor.local_addr()[0].as_socket_addr().unwrap().port();
    let app = Route::new()
        .at("/payment-schedules", get(list))
        .at("/payments/:id", get(payment))
        .at("/payments/:id/schedule", post(schedule))
        .data(stand_in);
    tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
    format!("http://127.0.0.1:{port}")
}

/// `n` first months, their renewals spread over the next 30 days, straight into the table.
async fn seed(url: &str, n: u64) -> Held {
    let pool = pg::PgServer::pool(url).await;
    sqlx::query(
        "insert into public.payment (transaction_key, amount, status, start_at, end_at, end_grace_at,
           next_schedule_at, next_schedule_id, customer_id, order_name, currency, subscription_id)
         select 'bench-' || i, 9900, 'Paid', now() - interval '1 day', now() + interval '29 days',
           now() + interval '31 days', now() + interval '1 hour' + (i % 43200) * interval '1 minute',
           md5('bench-' || i)::uuid, 'customer-' || i, '월간 구독', 'KRW', 'bench-' || i
         from generate_series(1, $1) as i",
    )
    .bind(n as i64)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query_as::<_, (String, String)>(
        "select next_schedule_id::text, to_char(next_schedule_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')
         from public.payment order by next_schedule_at, transaction_key",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
}

async fn timed(services: &Services<Ports>, stand_in: &StandIn) -> (ReconcileReport, Duration, u64) {
    let calls = stand_in.calls.load(std::sync::atomic::Ordering::Relaxed);
    let started = Instant::now();
    let report = services.reconciler.run(PassOptions::default()).await;
    let elapsed = started.elapsed();
    let listed = stand_in.calls.load(std::sync::atomic::Ordering::Relaxed) - calls;
    (report, elapsed, listed)
}

type Ports = Adapters<PortOneClient, SqlLedger, SystemClock, ThreadRandom>;

#[tokio::main]
async fn main() {
    let n: u64 = std::env::var("BENCH_SUBSCRIPTIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let months: i64 = std::env::var("BENCH_HISTORY")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    let server = pg::PgServer::start();
    let url = server.fresh_database().await;
    let seeding = Instant::now();
    let held = seed(&url, n).await;
    let seeded = seeding.elapsed();
    let places = held
        .iter()
        .enumerate()
        .map(|(place, (id, _))| (id.clone(), place))
        .collect();
    let stand_in = StandIn {
        schedules: Arc::new(held),
        places: Arc::new(places),
        lost: Arc::default(),
        calls: Arc::default(),
    };
    let base = start_stand_in(stand_in.clone()).await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let gateway =
        PortOneClient::new(http, base.parse().unwrap(), &SecretString::from("bench"), None).unwrap();
    let settings = PostgresSettings {
        url: SecretString::from(url.as_str()),
        max_connections: 10,
        acquire_timeout: Duration::from_secs(5),
        statement_timeout: Duration::from_secs(30),
    };
    let ports = Adapters {
        gateway,
        ledger: SqlLedger::postgres(&settings).unwrap(),
        clock: SystemClock,
        random: ThreadRandom,
    };
    let services = Services::new(WebhookService::new(PaymentFlows::new(Arc::new(ports))));

    let (healthy, healthy_time, healthy_lists) = timed(&services, &stand_in).await;
    assert!(
        healthy.actions.is_empty(),
        "a healthy pass finds nothing: {:?}",
        healthy.actions.first()
    );
    let gaps = (n / 100).max(1);
    stand_in
        .lost
        .lock()
        .unwrap()
        .extend((0..n as usize).step_by((n / gaps) as usize));
    let (gapped, gapped_time, _) = timed(&services, &stand_in).await;
    assert_eq!(
        gapped.healed,
        gaps,
        "every lost schedule is re-created: {:?} {:?}",
        gapped.failed,
        gapped.actions.iter().take(3).collect::<Vec<_>>()
    );
    let pool = pg::PgServer::pool(&url).await;
    let grown = history::add_history(&pool, "bench-", n as i64, months).await;
    let (later, later_time, later_lists) = timed(&services, &stand_in).await;
    assert!(
        later.actions.is_empty(),
        "history gives a pass nothing to do: {:?}",
        later.actions.first()
    );

    let per_second = |time: Duration| n as f64 / time.as_secs_f64();
    let per_subscription = |time: Duration| time.as_secs_f64() / n as f64 * 1e6;
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("| reconcile pass ({cores} cores; PostgreSQL, stand-in and pass on this machine) | result |");
    println!("|---|---|");
    println!(
        "| subscriptions | {n} (seeded in {:.1} s) |",
        seeded.as_secs_f64()
    );
    println!(
        "| healthy pass: nothing to do | {:.2} s, {:.0} subscriptions/s, {:.1} µs each, {healthy_lists} list calls |",
        healthy_time.as_secs_f64(),
        per_second(healthy_time),
        per_subscription(healthy_time)
    );
    println!(
        "| pass with 1% of schedules missing ({gaps} re-created) | {:.2} s, {:.0} subscriptions/s |",
        gapped_time.as_secs_f64(),
        per_second(gapped_time)
    );
    println!(
        "| healthy pass after {months} more months each ({} rows, added in {:.1} s) | {:.2} s, {:.0} subscriptions/s, {:.1} µs each, {later_lists} list calls |",
        n as i64 * (months + 1),
        grown.as_secs_f64(),
        later_time.as_secs_f64(),
        per_second(later_time),
        per_subscription(later_time)
    );
    drop(server);
}
