//! A reconciliation pass and the webhook it stands in for, at the same time, on a real
//! PostgreSQL through the direct adapter: still one row and one schedule.

use poem::http::StatusCode;
use portone_subscriptions::domain::payment_id::PaymentId;
use portone_subscriptions::domain::schedule_id::next_schedule_id;
use portone_subscriptions::service::reconcile::PassOptions;
use serde_json::json;

use crate::helpers::{paid_payment, spawn_app_with, Options};
use crate::pg::{shared, PgServer};

#[tokio::test]
async fn a_pass_and_the_late_webhook_at_once_record_one_row_and_one_schedule() {
    for round in 0..5 {
        let url = shared().fresh_database().await;
        let app = spawn_app_with(Options {
            database_url: Some(url.clone()),
            ..Options::default()
        })
        .await;
        app.portone_has_payment(&paid_payment("pay_123456")).await;
        let schedules = app.portone_schedules().await;
        assert_eq!(app.send("pay_123456", "Paid").await.0, StatusCode::OK);
        let renewal = next_schedule_id(&PaymentId::parse("pay_123456").unwrap()).to_string();
        let mut paid = paid_payment(&renewal);
        paid["paidAt"] = json!("2024-02-01T01:08:00Z");
        app.portone_has_payment(&paid).await;
        schedules.mark_succeeded("schedule-0001");
        app.clock.set("2024-02-01T02:00:00Z".parse().unwrap());

        let (report, (status, body)) = tokio::join!(
            app.reconciler.run(PassOptions::default()),
            app.send(&renewal, "Paid")
        );

        assert_eq!(status, StatusCode::OK, "round {round}: {body:#}");
        assert!(report.succeeded(), "round {round}: {report:#?}");
        let pool = PgServer::pool(&url).await;
        let rows: i64 = sqlx::query_scalar("select count(*) from public.payment")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(rows, 2, "round {round}");
        let next_month: Vec<_> = schedules
            .created()
            .into_iter()
            .filter(|(id, _)| *id != renewal)
            .collect();
        assert_eq!(
            next_month.len(),
            1,
            "round {round}: one schedule for the month after"
        );
    }
}
