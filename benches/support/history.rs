//! Older months for the storage benchmarks: each seeded subscription gets `months` earlier months,
//! already renewed (`renewed_by` set), so no pass has anything to do with them. They show whether
//! a pass grows with the table's history or only with what is live.

use std::time::{Duration, Instant};

/// Adds `months` renewed months before the current one to each subscription `{prefix}{1..=n}`
/// (whose current month's `transaction_key` and `subscription_id` are both `{prefix}{i}`), then
/// `analyze`s the table. Returns how long the insert and the analysis took.
pub async fn add_history(pool: &sqlx::PgPool, prefix: &str, n: i64, months: i64) -> Duration {
    let started = Instant::now();
    sqlx::query(
        "insert into public.payment (transaction_key, amount, status, start_at, end_at, end_grace_at,
           next_schedule_at, next_schedule_id, customer_id, order_name, currency, subscription_id,
           renewed_by)
         select $1 || i || '-m' || m, 9900, 'Paid',
           now() - (m + 1) * interval '30 days' - interval '10 days', now() - m * interval '30 days' - interval '10 days',
           now() - m * interval '30 days', now() - m * interval '30 days',
           md5($1 || i || '-m' || m)::uuid, 'customer-' || i, '월간 구독', 'KRW', $1 || i, $1 || i
         from generate_series(1, $2) as i cross join generate_series(1, $3) as m",
    )
    .bind(prefix)
    .bind(n)
    .bind(months)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("analyze public.payment").execute(pool).await.unwrap();
    started.elapsed()
}
