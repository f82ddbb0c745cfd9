//! Time-pass benchmark: `cargo bench --bench time_pass` starts a throwaway PostgreSQL (as the
//! tests do), seeds `BENCH_SUBSCRIPTIONS` (default 1,000,000) live subscriptions, of which 1 in
//! 1,000 are canceled and ended within the last day (their `subscription.ended` is due), and times
//! `emit_due_events` (the time pass the service runs every `RECONCILE_INTERVAL`): the first pass,
//! which writes the due events, and a second one, which finds them written. Then it adds
//! `BENCH_HISTORY` (default 2) older months to every subscription (renewed, so never due) and
//! times a pass again, to show whether a pass grows with history.
//!
//! Everything shares this machine's cores: PostgreSQL and the pass.

#[path = "support/history.rs"]
mod history;
#[allow(dead_code)]
#[path = "../tests/api/pg.rs"]
mod pg;

use std::time::{Duration, Instant};

use portone_subscriptions::adapters::ledger::SqlLedger;
use portone_subscriptions::config::PostgresSettings;
use portone_subscriptions::domain::timestamp::Timestamp;
use portone_subscriptions::ports::EventLedger;
use secrecy::SecretString;

fn env_number(name: &str, default: i64) -> i64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `n` current months (one per subscription), 1 in 1,000 canceled and ended 12 hours ago.
async fn seed(pool: &sqlx::PgPool, n: i64) -> Duration {
    let started = Instant::now();
    sqlx::query(
        "insert into public.payment (transaction_key, amount, status, start_at, end_at, end_grace_at,
           next_schedule_at, next_schedule_id, customer_id, order_name, currency, subscription_id,
           canceled_at)
         select 'sub-' || i, 9900, 'Paid',
           case when i % 1000 = 0 then now() - interval '30 days 12 hours' else now() - interval '10 days' end,
           case when i % 1000 = 0 then now() - interval '12 hours' else now() + interval '20 days' end,
           now() + interval '21 days', now() + interval '21 days',
           md5('sub-' || i)::uuid, 'customer-' || i, '월간 구독', 'KRW', 'sub-' || i,
           case when i % 1000 = 0 then now() - interval '20 days' end
         from generate_series(1, $1) as i",
    )
    .bind(n)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("analyze public.payment").execute(pool).await.unwrap();
    started.elapsed()
}

async fn pass(ledger: &SqlLedger) -> (u64, Duration) {
    let now = Timestamp::from_utc(chrono::Utc::now());
    let started = Instant::now();
    let written = ledger.emit_due_events(now).await.unwrap();
    (written, started.elapsed())
}

#[tokio::main]
async fn main() {
    let n = env_number("BENCH_SUBSCRIPTIONS", 1_000_000);
    let history = env_number("BENCH_HISTORY", 2);
    let url = pg::shared().fresh_database().await;
    let pool = pg::PgServer::pool(&url).await;
    let ledger = SqlLedger::postgres(&PostgresSettings {
        url: SecretString::from(url.clone()),
        max_connections: 4,
        acquire_timeout: Duration::from_secs(30),
        statement_timeout: Duration::from_secs(600),
    })
    .unwrap();
    let seeded = seed(&pool, n).await;
    let (first_written, first) = pass(&ledger).await;
    let (again_written, again) = pass(&ledger).await;
    let grown = history::add_history(&pool, "sub-", n, history).await;
    let (history_written, with_history) = pass(&ledger).await;
    println!("| time pass (2 cores; PostgreSQL and pass on this machine) | result |");
    println!("|---|---|");
    println!(
        "| subscriptions | {n} (seeded in {:.1} s) |",
        seeded.as_secs_f64()
    );
    println!(
        "| first pass: due events written | {:.2} s, {first_written} written |",
        first.as_secs_f64()
    );
    println!(
        "| second pass: nothing new | {:.2} s, {again_written} written |",
        again.as_secs_f64()
    );
    println!(
        "| after {history} more months each ({} rows, added in {:.1} s) | {:.2} s, {history_written} written |",
        n * (history + 1),
        grown.as_secs_f64(),
        with_history.as_secs_f64()
    );
}
