//! Reconciliation passes against the PortOne stand-in and the migrations' SQL on a real
//! PostgreSQL: every gap a pass heals, waits on, reports or cannot heal, the lease, dry runs, and a
//! PortOne outage.

use poem::http::StatusCode;
use portone_subscriptions::domain::payment_id::PaymentId;
use portone_subscriptions::domain::schedule_id::{next_schedule_id, retry_payment_id};
use portone_subscriptions::ports::ReconcileLedger;
use portone_subscriptions::service::reconcile::{ActionKind, Outcome, PassOptions, ReconcileReport};
use serde_json::{json, Value};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::{fixture, paid_payment, spawn_app_with, Options, Schedules, TestApp};
use crate::snapshot;

const RENEWAL_DUE: &str = "2024-02-01T01:08:00Z";

fn renewal_id() -> String {
    next_schedule_id(&PaymentId::parse("pay_123456").unwrap()).to_string()
}

/// PortOne holds the paid `pay_123456` and knows no other payment (`PAYMENT_NOT_FOUND`); its
/// schedules are recorded.
async fn portone_with_one_payment(options: Options) -> (TestApp, Schedules) {
    let app = spawn_app_with(options).await;
    app.portone_has_payment(&paid_payment("pay_123456")).await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/payments/[^/]+$"))
        .respond_with(ResponseTemplate::new(404).set_body_json(fixture("payment_not_found.json")))
        .with_priority(10)
        .mount(&app.portone)
        .await;
    let schedules = app.portone_schedules().await;
    (app, schedules)
}

/// `pay_123456` recorded and its renewal scheduled (for 2024-02-01T01:08:00Z).
async fn subscribed_with(options: Options) -> (TestApp, Schedules) {
    let (app, schedules) = portone_with_one_payment(options).await;
    assert_eq!(app.send("pay_123456", "Paid").await.0, StatusCode::OK);
    (app, schedules)
}

async fn subscribed() -> (TestApp, Schedules) {
    subscribed_with(Options::default()).await
}

/// PortOne runs the renewal's schedule; no webhook arrives.
async fn charged_silently(app: &TestApp, schedules: &Schedules, declined: bool) {
    let payment = if declined {
        let mut failed = fixture("failed_payment.json");
        failed["id"] = json!(renewal_id());
        schedules.mark_failed("schedule-0001");
        failed
    } else {
        let mut paid = paid_payment(&renewal_id());
        paid["paidAt"] = json!(RENEWAL_DUE);
        schedules.mark_succeeded("schedule-0001");
        paid
    };
    app.portone_has_payment(&payment).await;
}

async fn pass(app: &TestApp, options: PassOptions) -> ReconcileReport {
    app.reconciler.run(options).await
}

fn kinds(report: &ReconcileReport) -> Vec<(ActionKind, Outcome)> {
    report.actions.iter().map(|a| (a.kind, a.outcome)).collect()
}

/// The first schedule request's step 5 fails once: the month is recorded, nothing is scheduled.
async fn schedule_fails_once(app: &TestApp) {
    // A 500 is retried three times within one call: four make the call fail.
    Mock::given(method("POST"))
        .and(path(format!("/payments/{}/schedule", renewal_id())))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({ "type": "UNKNOWN" })))
        .up_to_n_times(4)
        .with_priority(1)
        .mount(&app.portone)
        .await;
}

#[tokio::test]
async fn a_lost_paid_webhook_is_recorded_and_the_second_pass_finds_nothing() {
    let (app, schedules) = subscribed().await;
    charged_silently(&app, &schedules, false).await;
    app.clock.set("2024-02-01T02:00:00Z".parse().unwrap());

    let report = pass(&app, PassOptions::default()).await;

    assert_eq!(
        kinds(&report),
        [(ActionKind::DueRenewal, Outcome::Healed)],
        "{report:#?}"
    );
    assert_eq!(report.actions[0].payment_id, renewal_id());
    assert_eq!(app.rows.len(), 2);
    assert_eq!(schedules.created().len(), 2, "the month after is scheduled");
    assert!(report.succeeded());
    let report_json = serde_json::to_value(&report).unwrap();
    snapshot!("reconcile_lost_paid_webhook", StatusCode::OK, report_json);

    let again = pass(&app, PassOptions::default()).await;
    assert!(again.actions.is_empty(), "{again:#?}");
    assert_eq!(again.checked.upcoming_renewals, 1);
    assert_eq!(app.rows.len(), 2);
}

#[tokio::test]
async fn a_lost_failed_webhook_runs_the_failed_flow() {
    let (app, schedules) = subscribed().await;
    charged_silently(&app, &schedules, true).await;
    app.clock.set("2024-02-01T02:00:00Z".parse().unwrap());

    let report = pass(&app, PassOptions::default()).await;

    assert_eq!(
        kinds(&report),
        [(ActionKind::DueRenewal, Outcome::Healed)],
        "{report:#?}"
    );
    let retry = retry_payment_id(&PaymentId::parse(renewal_id()).unwrap(), 1).to_string();
    assert_eq!(schedules.created().last().unwrap().0, retry);
    let (_, detail) = app.admin("GET", "/api/subscriptions/pay_123456").await;
    assert_eq!(detail["subscription"]["status"], "past_due");
}

#[tokio::test]
async fn a_schedule_portone_has_not_run_yet_is_left_waiting() {
    let (app, _) = subscribed().await;
    app.clock.set("2024-02-01T02:00:00Z".parse().unwrap());

    let report = pass(&app, PassOptions::default()).await;

    assert_eq!(
        kinds(&report),
        [(ActionKind::DueRenewal, Outcome::Waiting)],
        "{report:#?}"
    );
    assert!(report.succeeded(), "waiting is not a failure");
    assert_eq!(app.rows.len(), 1);
}

#[tokio::test]
async fn a_schedule_never_created_is_created_while_the_grace_lasts() {
    let (app, schedules) = subscribed_again_without_schedule().await;
    assert!(schedules.created().is_empty());
    app.clock.set("2024-02-01T02:00:00Z".parse().unwrap());

    let report = pass(&app, PassOptions::default()).await;

    assert_eq!(
        kinds(&report),
        [(ActionKind::DueRenewal, Outcome::Healed)],
        "{report:#?}"
    );
    let created = schedules.created();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].0, renewal_id());
    assert_eq!(
        created[0].1["timeToPay"], "2024-02-01T02:05:00.000Z",
        "shortly after now"
    );

    // Once the grace has passed, it can no longer be healed, and the pass says it failed.
    let (late, late_schedules) = subscribed_again_without_schedule().await;
    late.clock.set("2024-02-01T15:00:00Z".parse().unwrap());
    let report = pass(&late, PassOptions::default()).await;
    assert_eq!(
        kinds(&report),
        [(ActionKind::DueRenewal, Outcome::Unhealable)],
        "{report:#?}"
    );
    assert!(!report.succeeded());
    assert!(late_schedules.created().is_empty());
}

/// As `subscribed`, but step 5 failed: the month is recorded, PortOne holds no schedule.
async fn subscribed_again_without_schedule() -> (TestApp, Schedules) {
    let (app, schedules) = portone_with_one_payment(Options::default()).await;
    schedule_fails_once(&app).await;
    let (status, _) = app.send("pay_123456", "Paid").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "step 5 failed");
    (app, schedules)
}

#[tokio::test]
async fn a_missing_future_schedule_is_recreated_with_the_webhook_s_id_and_key() {
    let (app, schedules) = subscribed_again_without_schedule().await;
    app.clock.set("2024-01-02T00:00:00Z".parse().unwrap());

    let report = pass(&app, PassOptions::default()).await;

    assert_eq!(
        kinds(&report),
        [(ActionKind::MissingSchedule, Outcome::Healed)],
        "{report:#?}"
    );
    let created = schedules.created();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].0, renewal_id());
    assert_eq!(
        created[0].1["timeToPay"], "2024-02-01T01:08:00.000Z",
        "at its own time"
    );
    let keys = app.idempotency_keys().await;
    let webhook_key = format!("\"schedule-{}\"", renewal_id());
    assert_eq!(
        keys,
        vec![webhook_key; 5],
        "the webhook's own key: its call and three retries, then the pass"
    );
    assert!(pass(&app, PassOptions::default()).await.actions.is_empty());
}

#[tokio::test]
async fn portone_s_schedules_are_read_page_by_page() {
    let options = Options {
        reconcile: portone_subscriptions::service::reconcile::ReconcileSettings {
            page_size: 7,
            schedule_page_size: 10,
            ..Default::default()
        },
        ..Options::default()
    };
    let app = spawn_app_with(options).await;
    app.portone_pays_everything().await;
    let schedules = app.portone_schedules().await;
    for n in 0..25 {
        assert_eq!(
            app.send(&format!("pay_page_{n:02}"), "Paid").await.0,
            StatusCode::OK
        );
    }
    app.clock.set("2024-01-02T00:00:00Z".parse().unwrap());

    let report = pass(&app, PassOptions::default()).await;

    assert_eq!(report.checked.portone_schedules, 25, "{report:#?}");
    assert_eq!(report.checked.upcoming_renewals, 25);
    assert!(report.actions.is_empty(), "{report:#?}");
    let lists = app
        .portone_calls()
        .await
        .iter()
        .filter(|call| call.as_str() == "GET /payment-schedules")
        .count();
    assert_eq!(lists, 3, "three pages of ten");
    assert_eq!(schedules.created().len(), 25);
}

#[tokio::test]
async fn an_orphan_is_reported_and_revoked_only_when_asked() {
    let (app, schedules) = subscribed().await;
    app.clock.set("2024-01-15T00:00:00Z".parse().unwrap());
    assert_eq!(
        app.admin("POST", "/api/subscriptions/pay_123456/cancel").await.0,
        StatusCode::OK
    );
    // A schedule PortOne still holds for the cancelled subscription's next charge.
    let body = schedules.all()[0].body.clone();
    schedules.seed(&renewal_id(), body);

    let reported = pass(&app, PassOptions::default()).await;
    assert_eq!(
        kinds(&reported),
        [(ActionKind::OrphanSchedule, Outcome::Reported)],
        "{reported:#?}"
    );
    assert!(reported.succeeded(), "an orphan reported is not a failure");
    assert_eq!(schedules.revoked(), ["schedule-0001"]);

    let fixed = pass(
        &app,
        PassOptions {
            dry_run: false,
            fix_orphans: true,
        },
    )
    .await;
    assert_eq!(
        kinds(&fixed),
        [(ActionKind::OrphanSchedule, Outcome::Revoked)],
        "{fixed:#?}"
    );
    assert_eq!(schedules.revoked(), ["schedule-0001", "schedule-0002"]);
    assert!(pass(&app, PassOptions::default()).await.actions.is_empty());
}

#[tokio::test]
async fn a_dry_run_reports_what_it_would_do_and_changes_nothing() {
    let (app, schedules) = subscribed().await;
    charged_silently(&app, &schedules, false).await;
    app.clock.set("2024-02-01T02:00:00Z".parse().unwrap());
    let before = (
        schedules.all().len(),
        app.rows.len(),
        app.portone_calls().await.len(),
    );

    let report = pass(
        &app,
        PassOptions {
            dry_run: true,
            fix_orphans: true,
        },
    )
    .await;

    assert_eq!(
        kinds(&report),
        [(ActionKind::DueRenewal, Outcome::WouldHeal)],
        "{report:#?}"
    );
    assert!(report.dry_run);
    let calls = app.portone_calls().await;
    assert!(
        calls[before.2..].iter().all(|call| call.starts_with("GET ")),
        "only reads: {calls:?}"
    );
    assert_eq!((schedules.all().len(), app.rows.len()), (before.0, before.1));
    let real = pass(&app, PassOptions::default()).await;
    assert_eq!(kinds(&real), [(ActionKind::DueRenewal, Outcome::Healed)]);
}

#[tokio::test]
async fn two_passes_at_once_run_one_and_the_other_says_the_lease_is_held() {
    let (app, schedules) = subscribed().await;
    charged_silently(&app, &schedules, false).await;
    app.clock.set("2024-02-01T02:00:00Z".parse().unwrap());

    let (a, b) = tokio::join!(
        pass(&app, PassOptions::default()),
        pass(&app, PassOptions::default())
    );

    let skipped = [&a, &b].iter().filter(|r| r.skipped.is_some()).count();
    assert_eq!(skipped, 1, "{a:#?}\n{b:#?}");
    let ran = if a.skipped.is_some() { &b } else { &a };
    assert_eq!(kinds(ran), [(ActionKind::DueRenewal, Outcome::Healed)]);
    assert_eq!(app.rows.len(), 2);
    // The lease is given back: the next pass runs.
    assert!(pass(&app, PassOptions::default()).await.skipped.is_none());

    // Over HTTP: a held lease answers 409 and does nothing.
    let held = app
        .ledger
        .claim_lease("reconcile", "another-replica", std::time::Duration::from_secs(60))
        .await
        .unwrap();
    assert!(held);
    let (status, body) = app.admin("POST", "/api/admin/reconcile").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body:#}");
    assert_eq!(body["skipped"], "another pass holds the lease");
}

#[tokio::test]
async fn a_pass_during_a_portone_outage_heals_nothing_loses_nothing_and_reports_the_failures() {
    let (app, schedules) = subscribed().await;
    charged_silently(&app, &schedules, false).await;
    app.clock.set("2024-02-01T02:00:00Z".parse().unwrap());
    app.portone.reset().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({ "type": "UNKNOWN" })))
        .mount(&app.portone)
        .await;

    let report = pass(&app, PassOptions::default()).await;

    assert!(!report.succeeded());
    assert_eq!(report.healed, 0);
    assert!(
        report.actions.iter().all(|a| a.outcome == Outcome::Failed),
        "{report:#?}"
    );
    assert_eq!(app.rows.len(), 1);
    let (status, body) = app.admin("POST", "/api/admin/reconcile").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body:#}");
    assert!(body["failed"].as_u64().unwrap() >= 1);

    // PortOne is back: the next pass heals it.
    app.portone.reset().await;
    charged_silently(&app, &schedules, false).await;
    app.portone_has_payment(&paid_payment("pay_123456")).await;
    schedules.remount(&app.portone).await;
    let healed = pass(&app, PassOptions::default()).await;
    assert_eq!(
        kinds(&healed),
        [(ActionKind::DueRenewal, Outcome::Healed)],
        "{healed:#?}"
    );
    assert_eq!(app.rows.len(), 2);
}

#[tokio::test]
async fn the_admin_endpoint_answers_the_report() {
    let (app, schedules) = subscribed().await;
    charged_silently(&app, &schedules, false).await;
    app.clock.set("2024-02-01T02:00:00Z".parse().unwrap());

    // A malformed flag is a 400 with the reason, and no pass runs.
    let (status, bad) = app.admin("POST", "/api/admin/reconcile?fix_orphans=null").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad:#}");
    assert_eq!(bad["code"], "INVALID_PARAMETER");
    assert!(
        bad["message"].as_str().unwrap().contains("fix_orphans"),
        "{bad:#}"
    );
    assert_eq!(app.rows.len(), 1);

    let (status, dry) = app.admin("POST", "/api/admin/reconcile?dry_run=true").await;
    assert_eq!(status, StatusCode::OK, "{dry:#}");
    assert_eq!(dry["actions"][0]["outcome"], "would_heal");
    let (status, body) = app.admin("POST", "/api/admin/reconcile").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["healed"], 1);
    let actions: &Value = &body["actions"];
    assert_eq!(actions[0]["kind"], "due_renewal");
    let response = app.get("/api/admin/reconcile").send().await;
    assert_ne!(response.0.status(), StatusCode::OK, "POST only");
}

/// A caller that stops waiting (pg_net's timeout, a cron killed, a closed connection) does not
/// cut the pass short: the renewal is still recorded and the lease given back. The order is
/// forced, not timed: PortOne's lookup holds its answer until the request has been dropped.
#[tokio::test]
async fn a_pass_over_http_finishes_after_its_caller_hangs_up() {
    let (app, schedules) = subscribed().await;
    let mut paid = paid_payment(&renewal_id());
    paid["paidAt"] = json!(RENEWAL_DUE);
    schedules.mark_succeeded("schedule-0001");
    app.clock.set("2024-02-01T02:00:00Z".parse().unwrap());
    let (started, lookup_started) = std::sync::mpsc::channel::<()>();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (started, released) = (std::sync::Mutex::new(started), std::sync::Mutex::new(released));
    let held = std::sync::atomic::AtomicBool::new(false);
    Mock::given(method("GET"))
        .and(path(format!("/payments/{}", renewal_id())))
        .respond_with(move |_: &wiremock::Request| {
            // Only the pass's own lookup is held (wiremock answers on a thread of its own); the
            // paid flow it replays looks the payment up again.
            if !held.swap(true, std::sync::atomic::Ordering::SeqCst) {
                let _ = started.lock().unwrap().send(());
                let _ = released
                    .lock()
                    .unwrap()
                    .recv_timeout(std::time::Duration::from_secs(10));
            }
            ResponseTemplate::new(200).set_body_json(&paid)
        })
        .with_priority(1)
        .mount(&app.portone)
        .await;

    let waiting =
        tokio::task::spawn_blocking(move || lookup_started.recv_timeout(std::time::Duration::from_secs(10)));
    tokio::select! {
        answer = app.admin("POST", "/api/admin/reconcile") => panic!("answered before PortOne did: {answer:?}"),
        started = waiting => started.unwrap().expect("the pass looked the renewal up"),
    }
    // The request future is dropped here; only now does PortOne answer.
    release.send(()).unwrap();

    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.rows.len() < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the pass never recorded the renewal"
        );
        tokio::task::yield_now().await;
    }
    loop {
        let claimed = app
            .ledger
            .claim_lease("reconcile", "next-pass", std::time::Duration::from_secs(60))
            .await
            .unwrap();
        if claimed {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the lease was never given back"
        );
        tokio::task::yield_now().await;
    }
}
