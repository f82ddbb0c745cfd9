//! Declined renewals against a real PostgreSQL through the direct adapter: the attempt rows as
//! stored, and a storm of duplicate `Failed` deliveries.

use futures::future::join_all;
use poem::http::StatusCode;
use portone_subscriptions::domain::payment_id::PaymentId;
use portone_subscriptions::domain::schedule_id::{next_schedule_id, retry_payment_id};
use serde_json::json;
use sqlx::Row;

use crate::helpers::{fixture, paid_payment, spawn_app_with, Options};
use crate::pg::{shared, PgServer};

#[tokio::test]
async fn fifty_identical_failed_webhooks_at_once_record_one_attempt_and_one_retry() {
    let url = shared().fresh_database().await;
    let app = spawn_app_with(Options {
        database_url: Some(url.clone()),
        ..Options::default()
    })
    .await;
    app.portone_has_payment(&paid_payment("pay_dunning")).await;
    let schedules = app.portone_schedules().await;
    assert_eq!(app.send("pay_dunning", "Paid").await.0, StatusCode::OK);
    let first = next_schedule_id(&PaymentId::parse("pay_dunning").unwrap());
    let mut failed = fixture("failed_payment.json");
    failed["id"] = json!(first.to_string());
    app.portone_has_payment(&failed).await;
    app.clock.set("2024-02-01T01:30:05Z".parse().unwrap());

    let id = first.to_string();
    let answers = join_all((0..50).map(|_| app.send(&id, "Failed"))).await;

    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::OK, "{body:#}");
    }
    let recorded = answers
        .iter()
        .filter(|(_, body)| body["checklist"][3]["message"] == "갱신 결제 실패(첫 결제)를 기록했습니다.")
        .count();
    assert_eq!(recorded, 1, "exactly one delivery records the attempt");
    let pool = PgServer::pool(&url).await;
    let attempts = sqlx::query(
        "select renewed_key, attempt, payment_id, failure_reason, pg_code, pg_message, failed_at::text from public.renewal_attempt",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(attempts.len(), 1);
    let row = &attempts[0];
    assert_eq!(row.get::<String, _>(0), "pay_dunning");
    assert_eq!(row.get::<i32, _>(1), 0);
    assert_eq!(row.get::<String, _>(2), first.to_string());
    assert_eq!(row.get::<String, _>(3), "카드 잔액이 부족합니다.");
    assert_eq!(row.get::<String, _>(4), "51");
    assert_eq!(row.get::<String, _>(5), "잔액부족");
    assert_eq!(row.get::<String, _>(6), "2024-02-01 01:30:01+00");
    let month = sqlx::query(
        "select renewal_attempts, retry_payment_id, end_grace_at > next_schedule_at from public.payment where transaction_key = 'pay_dunning'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(month.get::<i32, _>(0), 1);
    assert_eq!(
        PaymentId::from_uuid(month.get::<uuid::Uuid, _>(1)),
        retry_payment_id(&first, 1)
    );
    let retries: Vec<_> = schedules
        .created()
        .into_iter()
        .filter(|(id, _)| *id == retry_payment_id(&first, 1).as_str())
        .collect();
    assert_eq!(retries.len(), 1, "one retry schedule");
}
