//! The webhook against a real PostgreSQL: duplicate storms, the commit race, and an outage.

use std::time::{Duration, Instant};

use futures::future::join_all;
use poem::http::StatusCode;
use portone_subscriptions::domain::payment_id::PaymentId;
use portone_subscriptions::domain::schedule_id::next_schedule_id;
use sqlx::PgPool;

use crate::helpers::{paid_payment, spawn_app_with, Options, TestApp};
use crate::pg::{shared, PgServer};

async fn app_on(url: &str) -> TestApp {
    spawn_app_with(Options {
        database_url: Some(url.to_owned()),
        ..Options::default()
    })
    .await
}

async fn row_count(pool: &PgPool) -> i64 {
    sqlx::query_scalar("select count(*) from public.payment")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn fifty_identical_webhooks_at_once_record_one_row_and_one_schedule() {
    let url = shared().fresh_database().await;
    let app = app_on(&url).await;
    app.portone_has_payment(&paid_payment("pay_storm")).await;
    let schedules = app.portone_schedules().await;

    let answers = join_all((0..50).map(|_| app.send("pay_storm", "Paid"))).await;

    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::OK, "{body:#}");
        assert_eq!(body["success"], true);
    }
    let inserted = answers
        .iter()
        .filter(|(_, b)| b["checklist"][3]["message"] == "payment 데이터를 성공적으로 저장했습니다.");
    assert_eq!(inserted.count(), 1, "exactly one delivery inserts");
    assert_eq!(row_count(&PgServer::pool(&url).await).await, 1);
    assert_eq!(schedules.created().len(), 1);
}

#[tokio::test]
async fn fifty_different_payments_at_once_record_fifty_rows_and_fifty_schedules() {
    let url = shared().fresh_database().await;
    let app = app_on(&url).await;
    app.portone_pays_everything().await;
    let schedules = app.portone_schedules().await;

    let ids: Vec<String> = (0..50).map(|n| format!("pay_many_{n:02}")).collect();
    let answers = join_all(ids.iter().map(|id| app.send(id, "Paid"))).await;

    assert!(answers.iter().all(|(status, _)| *status == StatusCode::OK));
    assert_eq!(row_count(&PgServer::pool(&url).await).await, 50);
    assert_eq!(schedules.created().len(), 50);
}

#[tokio::test]
async fn webhook_racing_an_uncommitted_insert_answers_with_the_row_that_committed() {
    let url = shared().fresh_database().await;
    let app = app_on(&url).await;
    app.portone_has_payment(&paid_payment("pay_race")).await;
    let schedules = app.portone_schedules().await;
    let pool = PgServer::pool(&url).await;
    let next_id = next_schedule_id(&PaymentId::parse("pay_race").unwrap());

    // Another delivery has inserted the row but not committed yet.
    let mut other = pool.begin().await.unwrap();
    sqlx::query(
        "insert into public.payment (transaction_key, amount, status, start_at, end_at, end_grace_at, \
         next_schedule_at, next_schedule_id) values ('pay_race', 10000, 'Paid', '2023-12-31T23:00:00Z', \
         '2024-01-30T23:00:00Z', '2024-01-31T14:59:59Z', '2024-01-31T01:23:45Z', $1)",
    )
    .bind(next_id.as_uuid())
    .execute(&mut *other)
    .await
    .unwrap();

    let commit_once_blocked = async {
        wait_for_a_backend_waiting_on_a_lock(&pool).await;
        other.commit().await.unwrap();
    };
    let ((status, body), ()) = tokio::join!(app.send("pay_race", "Paid"), commit_once_blocked);

    assert_eq!(status, StatusCode::OK, "{body:#}");
    let step = &body["checklist"][3];
    assert_eq!(
        step["message"],
        "이미 저장된 payment 데이터가 있어 저장된 값을 사용합니다."
    );
    assert_eq!(step["data"]["start_at"], "2023-12-31T23:00:00.000Z");
    assert_eq!(
        body["checklist"][4]["data"]["timeToPay"],
        "2024-01-31T01:23:45.000Z"
    );
    assert_eq!(row_count(&pool).await, 1);
    assert_eq!(schedules.created().len(), 1);
}

/// Polls `pg_stat_activity` until the webhook's statement waits on the other transaction's lock.
async fn wait_for_a_backend_waiting_on_a_lock(pool: &PgPool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if waiting > 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the webhook never blocked on the uncommitted row"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn database_outage_fails_step_four_quickly_and_the_resent_webhook_recovers() {
    let server = PgServer::start();
    let url = server.fresh_database().await;
    let app = app_on(&url).await;
    app.portone_pays_everything().await;
    let schedules = app.portone_schedules().await;
    assert_eq!(app.send("pay_before_outage", "Paid").await.0, StatusCode::OK);

    server.stop();
    let started = Instant::now();
    let (status, body) = app.send("pay_outage", "Paid").await;
    let waited = started.elapsed();

    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body:#}");
    assert_eq!(body["checklist"][3]["status"], "failed");
    assert!(
        body["checklist"][3]["message"]
            .as_str()
            .unwrap()
            .contains("연결할 수 없어"),
        "{body:#}"
    );
    assert_eq!(body["checklist"][4]["status"], "skipped");
    // Bounded by the pool's acquire timeout (1.5 s here), not by PortOne's 30 s.
    assert!(waited < Duration::from_secs(10), "answered after {waited:?}");
    assert_eq!(schedules.created().len(), 1);

    server.start_postgres();
    let (status, body) = app.send("pay_outage", "Paid").await;

    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(row_count(&PgServer::pool(&url).await).await, 2);
    assert_eq!(schedules.created().len(), 2);
}
