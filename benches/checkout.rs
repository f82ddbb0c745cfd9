//! Checkout benchmark: `cargo bench --bench checkout` starts the release binary against a
//! throwaway PostgreSQL (direct storage) and a PortOne stand-in that answers every call after a
//! fixed delay (`BENCH_UPSTREAM_MS`, default 20), then runs `BENCH_CHECKOUTS` (default 16)
//! concurrent loops of `POST /api/subscriptions` (a new customer and key each time, the first
//! month charged now) for `BENCH_SECONDS` (default 10).
//!
//! The overhead is what a checkout costs beyond its upstream round trips: each checkout's latency
//! minus the time its upstream calls took, as the service itself measured them
//! (`portone_subscriptions_upstream_request_duration_seconds`, summed per upstream and divided by
//! the checkouts: getBillingKeyInfo, payWithBillingKey, getPayment, createPaymentSchedule and
//! every storage call). PortOne's calls are fixed by the stand-in; storage's are real PostgreSQL
//! round trips on this machine.

#[allow(dead_code)]
#[path = "../tests/api/pg.rs"]
mod pg;
#[allow(dead_code)]
#[path = "support/portone.rs"]
mod portone;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::{Data, Json, Path};
use poem::{get, handler, post, EndpointExt, Response, Route, Server};
use serde_json::{json, Value};

use portone::json_response;

const ADMIN: &str = "bench-admin-token-0123456789";

/// The stand-in's state: the fixed delay and what each payment was charged.
#[derive(Clone)]
struct PortOne {
    delay: Duration,
    charges: Arc<Mutex<HashMap<String, Value>>>,
}

fn fixture(name: &str) -> Value {
    let text = match name {
        "billing_key_issued" => include_str!("../tests/fixtures/portone/billing_key_issued.json"),
        "paid_payment" => include_str!("../tests/fixtures/portone/paid_payment.json"),
        "pay_with_billing_key" => include_str!("../tests/fixtures/portone/pay_with_billing_key.json"),
        _ => include_str!("../tests/fixtures/portone/schedule_created.json"),
    };
    serde_json::from_str(text).unwrap()
}

/// `getBillingKeyInfo`: issued, for the customer the key names (`bk-{customer}`).
#[handler]
async fn billing_key(Path(key): Path<String>, portone: Data<&PortOne>) -> Response {
    tokio::time::sleep(portone.delay).await;
    let mut info = fixture("billing_key_issued");
    info["billingKey"] = json!(key);
    info["customer"]["id"] = json!(key.trim_start_matches("bk-"));
    json_response(info.to_string())
}

/// `payWithBillingKey`: paid; the payment is kept for `getPayment`.
#[handler]
async fn pay(Path(id): Path<String>, Json(body): Json<Value>, portone: Data<&PortOne>) -> Response {
    tokio::time::sleep(portone.delay).await;
    let mut payment = fixture("paid_payment");
    payment["id"] = json!(id);
    payment["billingKey"] = body["billingKey"].clone();
    payment["orderName"] = body["orderName"].clone();
    payment["customer"] = json!({ "id": body["customer"]["id"] });
    payment["amount"]["total"] = body["amount"]["total"].clone();
    payment["amount"]["paid"] = body["amount"]["total"].clone();
    payment["customData"] = body["customData"].clone();
    payment.as_object_mut().unwrap().remove("scheduleId");
    portone.charges.lock().unwrap().insert(id, payment);
    json_response(fixture("pay_with_billing_key").to_string())
}

/// `getPayment`: what `payWithBillingKey` charged.
#[handler]
async fn get_payment(Path(id): Path<String>, portone: Data<&PortOne>) -> Response {
    tokio::time::sleep(portone.delay).await;
    let payment = portone.charges.lock().unwrap().get(&id).cloned();
    json_response(payment.unwrap_or_else(|| fixture("paid_payment")).to_string())
}

/// `createPaymentSchedule`: created.
#[handler]
async fn schedule(Path(_id): Path<String>, portone: Data<&PortOne>) -> Response {
    tokio::time::sleep(portone.delay).await;
    json_response(fixture("schedule_created").to_string())
}

async fn start_portone(delay: Duration) -> String {
    let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await.unwrap();
    let port = acceptor.local_addr()[0].as_socket_addr().unwrap().port();
    let state = PortOne {
        delay,
        charges: Arc::new(Mutex::new(HashMap::new())),
    };
    let app = Route::new()
        .at("/billing-keys/:key", get(billing_key))
        .at("/payments/:id/billing-key", post(pay))
        .at("/payments/:id", get(get_payment))
        .at("/payments/:id/schedule", post(schedule))
        .data(state);
    tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
    format!("http://127.0.0.1:{port}")
}

struct Service(Child, String);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start_service(portone: &str, database: &str, http: &reqwest::Client) -> Service {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_portone-subscriptions"))
        .env_clear()
        .env("PORTONE_API_SECRET", "bench-secret")
        .env("PORTONE_API_BASE_URL", portone)
        .env("DATABASE_URL", database)
        .env("ADMIN_API_TOKEN", ADMIN)
        .env("UNSAFE_ACCEPT_UNSIGNED_WEBHOOKS", "true")
        .env("RECONCILE_INTERVAL", "off")
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the release binary");
    let service = Service(child, format!("http://127.0.0.1:{port}"));
    let started = Instant::now();
    while !http
        .get(format!("{}/readyz", service.1))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the service did not get ready"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    service
}

/// The upstream time the service measured so far: (sum of seconds, calls) per upstream.
async fn upstream_time(http: &reqwest::Client, base: &str) -> HashMap<String, (f64, f64)> {
    let text = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut totals: HashMap<String, (f64, f64)> = HashMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("portone_subscriptions_upstream_request_duration_seconds_") else {
            continue;
        };
        let (kind, rest) = rest.split_once('{').unwrap_or(("", rest));
        let upstream = rest
            .split("upstream=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or("");
        let value: f64 = rest
            .rsplit(' ')
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        let entry = totals.entry(upstream.to_owned()).or_default();
        match kind {
            "sum" => entry.0 += value,
            "count" => entry.1 += value,
            _ => {}
        }
    }
    totals
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let delay = Duration::from_millis(env_number("BENCH_UPSTREAM_MS", 20));
    let concurrency = env_number("BENCH_CHECKOUTS", 16) as usize;
    let length = Duration::from_secs(env_number("BENCH_SECONDS", 10));
    let database = pg::shared().fresh_database().await;
    let portone = start_portone(delay).await;
    let http = reqwest::Client::new();
    let service = start_service(&portone, &database, &http).await;
    let plan = json!({ "name": "벤치", "amount": 10000, "currency": "KRW", "trial_days": 0 });
    let put = http
        .put(format!("{}/api/plans/bench", service.1))
        .bearer_auth(ADMIN)
        .json(&plan)
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "{}", put.text().await.unwrap());

    let checkout = |n: usize| {
        let (http, base) = (http.clone(), service.1.clone());
        async move {
            let customer = format!("bench-{n}");
            let body = json!({ "customer_id": customer, "plan_id": "bench", "billing_key": format!("bk-{customer}") });
            let started = Instant::now();
            let answer = http
                .post(format!("{base}/api/subscriptions"))
                .bearer_auth(ADMIN)
                .header("Idempotency-Key", format!("order-{n}"))
                .json(&body)
                .send()
                .await
                .unwrap();
            let ok = answer.status().as_u16() == 201;
            (ok, started.elapsed())
        }
    };
    // Warm-up: connections, prepared statements.
    for n in 0..32 {
        assert!(checkout(1_000_000 + n).await.0, "a warm-up checkout failed");
    }
    let before = upstream_time(&http, &service.1).await;
    let counter = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let began = Instant::now();
    let loops = (0..concurrency).map(|_| {
        let (counter, checkout) = (counter.clone(), checkout);
        async move {
            let mut latencies = Vec::new();
            let mut failed = 0;
            while began.elapsed() < length {
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let (ok, took) = checkout(n).await;
                if ok {
                    latencies.push(took.as_secs_f64() * 1000.0);
                } else {
                    failed += 1;
                }
            }
            (latencies, failed)
        }
    });
    let results = futures::future::join_all(loops).await;
    let elapsed = began.elapsed();
    let after = upstream_time(&http, &service.1).await;
    let failed: usize = results.iter().map(|r| r.1).sum();
    let mut latencies: Vec<f64> = results.into_iter().flat_map(|r| r.0).collect();
    latencies.sort_by(f64::total_cmp);
    let checkouts = latencies.len() as f64;
    let per_checkout = |upstream: &str| {
        let (sum0, count0) = before.get(upstream).copied().unwrap_or_default();
        let (sum1, count1) = after.get(upstream).copied().unwrap_or_default();
        ((sum1 - sum0) * 1000.0 / checkouts, (count1 - count0) / checkouts)
    };
    let (portone_ms, portone_calls) = per_checkout("portone");
    let (storage_ms, storage_calls) = per_checkout("storage");
    let mean = latencies.iter().sum::<f64>() / checkouts;
    let (p50, p99) = (percentile(&latencies, 0.5), percentile(&latencies, 0.99));
    let upstream = portone_ms + storage_ms;
    println!("checkout benchmark: {concurrency} concurrent checkouts, PortOne stand-in {} ms per call, PostgreSQL direct", delay.as_millis());
    println!("| checkouts | per s | failed | p50 ms | p99 ms | mean ms | PortOne calls × ms | storage calls × ms | overhead mean ms | p99 − mean upstream ms |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {} | {:.0} | {failed} | {p50:.1} | {p99:.1} | {mean:.1} | {portone_calls:.1} × {:.1} | {storage_calls:.1} × {:.2} | {:.2} | {:.2} |",
        latencies.len(),
        checkouts / elapsed.as_secs_f64(),
        portone_ms / portone_calls.max(1.0),
        storage_ms / storage_calls.max(1.0),
        mean - upstream,
        p99 - upstream,
    );
}
