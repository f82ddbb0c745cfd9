//! A reconciliation pass and the webhook it stands in for, at the same time, on a real
//! PostgreSQL through the direct adapter: still one row and one schedule. And the pages a pass
//! reads open renewals in.

use chrono::{DateTime, Utc};
use poem::http::StatusCode;
use portone_subscriptions::adapters::ledger::SqlLedger;
use portone_subscriptions::domain::payment_id::PaymentId;
use portone_subscriptions::domain::schedule_id::next_schedule_id;
use portone_subscriptions::ports::{ReconcileLedger, RenewalCursor, RenewalWindow};
use portone_subscriptions::service::reconcile::PassOptions;
use serde_json::json;

use crate::helpers::{paid_payment, postgres_settings, spawn_app_with, Options};
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

/// Months whose pending charges share a millisecond but differ in microseconds (as `now()` or a
/// backfill writes them) are read once each, in order, whatever the page size: the cursor is the
/// millisecond the service reads, so the database pages at that precision too. (Paged at full
/// precision, a page of one read `k1` again and again: the pass never ended.)
#[tokio::test]
async fn open_renewals_page_exactly_across_microseconds_sharing_a_millisecond() {
    let url = shared().fresh_database().await;
    let pool = PgServer::pool(&url).await;
    // Keys sort against their microseconds: k1 is latest within the millisecond, k4 earliest.
    sqlx::query(
        "insert into public.payment (transaction_key, amount, status, start_at, end_at, end_grace_at,
           next_schedule_at, next_schedule_id, subscription_id)
         select key, 9900, 'Paid', '2024-01-01T00:00:00Z', '2024-01-31T00:00:00Z',
           '2024-02-01T14:59:59Z', at::timestamptz, gen_random_uuid(), key
         from (values ('k1', '2024-02-01T01:00:00.123900Z'), ('k2', '2024-02-01T01:00:00.123500Z'),
                      ('k3', '2024-02-01T01:00:00.123200Z'), ('k4', '2024-02-01T01:00:00.123000Z'),
                      ('k0', '2024-02-01T01:00:00.122999Z'), ('k5', '2024-02-01T01:00:00.124000Z'))
           as m(key, at)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let ledger = SqlLedger::postgres(&postgres_settings(&url)).unwrap();
    let window = RenewalWindow {
        from: "2024-02-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap().into(),
        until: "2024-02-02T00:00:00Z".parse::<DateTime<Utc>>().unwrap().into(),
    };
    for page in 1..=4 {
        let mut keys = Vec::new();
        let mut cursor: Option<RenewalCursor> = None;
        // Bounded: a cursor that does not advance would read the same page forever.
        for _ in 0..=6 {
            let months = ledger
                .open_renewals(&window, cursor.as_ref(), page)
                .await
                .unwrap();
            keys.extend(months.iter().map(|month| month.transaction_key.clone()));
            cursor = months.last().map(|month| RenewalCursor {
                at: month.pending_charge().unwrap().at,
                transaction_key: month.transaction_key.clone(),
            });
            if months.len() < page as usize {
                break;
            }
        }
        assert_eq!(keys, ["k0", "k1", "k2", "k3", "k4", "k5"], "page size {page}");
    }
}
