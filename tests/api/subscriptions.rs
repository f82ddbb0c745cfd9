//! Subscription cancel/resume, the admin schedule API, and a year of renewals.

use chrono::{DateTime, Utc};
use poem::http::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{paid_payment, spawn_app, TestApp};
use crate::snapshot;

const CANCEL: &str = "/api/subscriptions/pay_123456/cancel";
const RESUME: &str = "/api/subscriptions/pay_123456/resume";

async fn subscribed() -> (TestApp, crate::helpers::Schedules, Value) {
    let app = spawn_app().await;
    app.portone_has_payment(&paid_payment("pay_123456")).await;
    let schedules = app.portone_schedules().await;
    let (_, body) = app.send("pay_123456", "Paid").await;
    (app, schedules, body["checklist"][3]["data"].clone())
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

#[tokio::test]
async fn cancel_revokes_the_next_schedule_once_and_keeps_the_period() {
    let (app, schedules, row) = subscribed().await;
    app.clock.set(at("2024-01-15T03:00:00Z"));

    let (status, body) = app.admin("POST", CANCEL).await;

    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(body["code"], "SUBSCRIPTION_CANCELED");
    assert_eq!(body["subscription"]["canceled_at"], "2024-01-15T03:00:00.000Z");
    assert_eq!(body["subscription"]["end_at"], row["end_at"]);
    assert_eq!(schedules.revoked(), ["schedule-0001"]);
    snapshot!("subscription_cancelled", status, body);

    let (status, again) = app.admin("POST", CANCEL).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["code"], "ALREADY_CANCELED");
    assert_eq!(again["subscription"]["canceled_at"], "2024-01-15T03:00:00.000Z");
    assert_eq!(schedules.revoked().len(), 1);
}

#[tokio::test]
async fn resume_schedules_the_same_payment_id_with_a_new_idempotency_key() {
    let (app, schedules, row) = subscribed().await;
    app.admin("POST", CANCEL).await;
    app.clock.set(at("2024-01-20T00:00:00Z"));

    let (status, body) = app.admin("POST", RESUME).await;

    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(body["code"], "SUBSCRIPTION_RESUMED");
    assert_eq!(body["subscription"]["canceled_at"], Value::Null);
    assert_eq!(body["subscription"]["status"], "active");
    assert_eq!(schedules.all()[1].status, "SCHEDULED");
    let created = schedules.created();
    assert_eq!(created.len(), 2);
    assert_eq!(created[1].0, row["next_schedule_id"].as_str().unwrap());
    assert_eq!(created[1].1["timeToPay"], row["next_schedule_at"]);
    let keys = app.idempotency_keys().await;
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0], keys[1]);

    let (status, again) = app.admin("POST", RESUME).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["code"], "ALREADY_RESUMED");
    assert_eq!(schedules.created().len(), 2);
}

#[tokio::test]
async fn state_conflicts_answer_409_unknown_keys_404_and_no_token_401() {
    let (app, _, _) = subscribed().await;
    let (status, body) = app.admin("POST", RESUME).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "resume of a subscription that is not cancelled: {body}"
    );

    app.clock.set(at("2024-01-31T00:00:00.001Z"));
    let (status, body) = app.admin("POST", CANCEL).await;
    assert_eq!(status, StatusCode::CONFLICT, "cancel after end_at: {body}");
    snapshot!("subscription_cancel_after_end", status, body);

    app.clock.set(at("2024-01-30T00:00:00Z"));
    assert_eq!(app.admin("POST", CANCEL).await.0, StatusCode::OK);
    app.clock.set(at("2024-02-01T15:00:00Z"));
    let (status, _) = app.admin("POST", RESUME).await;
    assert_eq!(status, StatusCode::CONFLICT, "resume after end_grace_at");

    let (status, body) = app.admin("POST", "/api/subscriptions/pay_unknown/cancel").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "NOT_FOUND");
    let response = app.get("/api/admin/payment-schedules/schedule-0001").send().await;
    response.assert_status(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn admin_api_reads_and_revokes_portone_schedules() {
    let (app, _, row) = subscribed().await;

    let (status, schedule) = app
        .admin("GET", "/api/admin/payment-schedules/schedule-0001")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(schedule["status"], "SCHEDULED");
    assert_eq!(schedule["paymentId"], row["next_schedule_id"]);
    assert_eq!(schedule["timeToPay"], row["next_schedule_at"]);
    assert_eq!(schedule["totalAmount"], 10000);
    snapshot!("admin_schedule", status, schedule);

    let (status, revoked) = app
        .admin("DELETE", "/api/admin/payment-schedules/schedule-0001")
        .await;
    assert_eq!(
        (status, revoked["result"].clone()),
        (StatusCode::OK, json!("REVOKED"))
    );
    let (status, again) = app
        .admin("DELETE", "/api/admin/payment-schedules/schedule-0001")
        .await;
    assert_eq!(
        (status, again["result"].clone()),
        (StatusCode::OK, json!("ALREADY_REVOKED"))
    );
    let (status, _) = app.admin("GET", "/api/admin/payment-schedules/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn renewal_charged_despite_a_cancel_is_recorded_but_not_rescheduled() {
    let (app, schedules, row) = subscribed().await;
    app.admin("POST", CANCEL).await;
    // The charge raced the revoke: PortOne reports the renewal as paid anyway.
    let renewal_id = row["next_schedule_id"].as_str().unwrap();
    let mut renewal = paid_payment(renewal_id);
    renewal["paidAt"] = row["next_schedule_at"].clone();
    app.portone_has_payment(&renewal).await;

    let (status, body) = app.send(renewal_id, "Paid").await;

    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(app.rows.len(), 2);
    assert_eq!(body["checklist"][4]["status"], "skipped");
    assert_eq!(
        body["checklist"][4]["message"],
        "구독이 해지되어 다음달 구독을 예약하지 않습니다."
    );
    assert_eq!(schedules.created().len(), 1);
}

#[tokio::test]
async fn twelve_months_of_renewals_stop_at_a_cancel_and_go_on_after_resume() {
    let app = spawn_app().await;
    let schedules = app.portone_schedules().await;
    let (mut payment_id, mut paid_at) = ("pay_123456".to_owned(), "2024-01-01T00:00:00Z".to_owned());
    let mut rows: Vec<Value> = Vec::new();
    let mut previous_schedule = String::new();
    for month in 1..=12 {
        let mut payment = paid_payment(&payment_id);
        payment["paidAt"] = json!(paid_at);
        if month > 1 {
            payment["scheduleId"] = json!(previous_schedule);
        }
        app.portone_has_payment(&payment).await;
        app.clock.set(at(&paid_at));

        let (status, body) = app.send(&payment_id, "Paid").await;

        assert_eq!(status, StatusCode::OK, "month {month}: {body:#}");
        let schedule_id = body["checklist"][4]["data"]["scheduleId"]
            .as_str()
            .unwrap()
            .to_owned();
        let row = body["checklist"][3]["data"].clone();
        let mut active = schedule_id.clone();
        let scheduled = schedules.all().into_iter().find(|s| s.id == schedule_id).unwrap();
        assert_eq!(
            scheduled.payment_id,
            row["next_schedule_id"].as_str().unwrap(),
            "month {month}"
        );
        assert_eq!(
            scheduled.body["timeToPay"], row["next_schedule_at"],
            "month {month}"
        );
        if let Some(previous) = rows.last() {
            assert_eq!(
                row["start_at"], previous["next_schedule_at"],
                "month {month} starts when charged"
            );
        }

        if month == 5 {
            let cancel = format!("/api/subscriptions/{payment_id}/cancel");
            assert_eq!(app.admin("POST", &cancel).await.0, StatusCode::OK);
            assert_eq!(
                schedules.revoked(),
                std::slice::from_ref(&schedule_id),
                "the chain stops at month 5"
            );
            assert!(schedules.all().iter().all(|s| s.status != "SCHEDULED"));
            let (status, resumed) = app
                .admin("POST", &format!("/api/subscriptions/{payment_id}/resume"))
                .await;
            assert_eq!(status, StatusCode::OK, "{resumed:#}");
            let pending = schedules
                .all()
                .into_iter()
                .find(|s| s.status == "SCHEDULED")
                .unwrap();
            assert_eq!(
                pending.payment_id,
                row["next_schedule_id"].as_str().unwrap(),
                "resumed with the same id"
            );
            active = pending.id;
        }
        // PortOne charges the schedule at timeToPay and sends the next webhook.
        schedules.mark_succeeded(&active);
        previous_schedule = active;
        payment_id = row["next_schedule_id"].as_str().unwrap().to_owned();
        paid_at = row["next_schedule_at"].as_str().unwrap().to_owned();
        rows.push(row);
    }
    assert_eq!(app.rows.len(), 12);
    assert_eq!(schedules.revoked().len(), 1);
    assert_eq!(schedules.created().len(), 13, "twelve months plus the resume");
}
