//! A subscription never lapses while PortOne may have been paid: a grace that runs out is only
//! `past_due` until the grace pass has asked PortOne. Paid (the webhook was lost): the month is
//! recorded and the subscription goes on, with no `lapsed` ever written. Nothing that could pay
//! it: lapsed. And a subscription's events always sort in the order they were written, so a
//! correction written after a lapse is never older than it.

use chrono::Duration;
use portone_subscriptions::domain::customer_id::CustomerId;
use portone_subscriptions::domain::event::EventType;
use portone_subscriptions::domain::plan::{PlanId, PlanTerms};
use portone_subscriptions::domain::subscription::SubscriptionStatus;
use portone_subscriptions::ports::MonthLedger;
use portone_subscriptions::ports::Schedules;
use portone_subscriptions::service::Verdict;

use crate::fakes::{paid, utc, Harness};

/// `pay_1` paid 2024-03-10T12:00:00Z; its renewal is scheduled for 2024-04-10T01:00:00Z, its
/// grace ends 2024-04-10T14:59:59Z.
async fn subscribed() -> Harness {
    let app = Harness::new(0);
    app.portone.add(paid("pay_1", Some("2024-03-10T12:00:00Z")));
    assert_eq!(app.send("pay_1", "Paid").await.verdict, Verdict::Done);
    app
}

fn events_of(app: &Harness, kind: EventType) -> usize {
    app.ledger
        .all_events()
        .iter()
        .filter(|e| e.event_type == kind.as_str())
        .count()
}

async fn status(app: &Harness) -> SubscriptionStatus {
    app.read("pay_1").await.status
}

#[tokio::test]
async fn a_renewal_paid_with_its_webhook_lost_never_lapses() {
    let app = subscribed().await;
    let renewal = app.ledger.rows()[0].next_schedule_id.clone();
    // PortOne charges the renewal; its webhook never arrives, and no reconciliation ran.
    app.portone.charge(renewal, false);
    app.clock.set(utc("2024-04-10T15:00:00Z"));

    assert_eq!(
        status(&app).await,
        SubscriptionStatus::PastDue,
        "not lapsed by time alone"
    );
    assert_eq!(app.services.events.emit_due().await.unwrap(), 0);

    let graces = app.services.reconciler.settle_graces().await.unwrap();

    assert_eq!((graces.checked, graces.healed, graces.lapsed), (1, 1, 0));
    assert_eq!(status(&app).await, SubscriptionStatus::Active);
    assert_eq!(app.ledger.rows().len(), 2, "the renewal is recorded");
    assert_eq!(events_of(&app, EventType::Lapsed), 0, "no lapse was ever written");
    assert_eq!(app.portone.live().len(), 1, "the month after is scheduled");
    // Nothing is left to check.
    let again = app.services.reconciler.settle_graces().await.unwrap();
    assert_eq!(again.checked, 0);
}

#[tokio::test]
async fn a_renewal_portone_is_still_processing_waits_and_one_with_nothing_to_pay_it_lapses() {
    let app = subscribed().await;
    app.clock.set(utc("2024-04-10T15:00:00Z"));

    // The schedule is still live at PortOne: it may yet be charged.
    let graces = app.services.reconciler.settle_graces().await.unwrap();
    assert_eq!((graces.waiting, graces.lapsed), (1, 0));
    assert_eq!(status(&app).await, SubscriptionStatus::PastDue);

    // PortOne revoked it on its own: nothing will pay the renewal.
    use portone_subscriptions::domain::payment_schedule_id::ScheduleId;

    let schedule = ScheduleId::parse(app.portone.live()[0].id.clone()).unwrap();
    app.portone.revoke_schedule(&schedule).await.unwrap();
    let graces = app.services.reconciler.settle_graces().await.unwrap();

    assert_eq!(graces.lapsed, 1);
    assert_eq!(status(&app).await, SubscriptionStatus::Lapsed);
    let month = &app.ledger.rows()[0];
    assert_eq!(
        month.renewal.lapsed_at.map(|at| at.to_iso()).as_deref(),
        Some("2024-04-10T14:59:59.001Z"),
        "the first instant after its grace"
    );
    assert_eq!(events_of(&app, EventType::Lapsed), 1);
    assert_eq!(app.services.events.emit_due().await.unwrap(), 0, "written once");
}

#[tokio::test]
async fn a_correction_after_a_lapse_sorts_after_it() {
    let app = subscribed().await;
    let month = app.ledger.rows()[0].clone();
    // A lapse was written (PortOne said nothing would pay it)…
    app.ledger
        .mark_lapsed(&month.transaction_key, month.end_grace_at.plus_millis(1))
        .await
        .unwrap();
    // …then PortOne's charge of the renewal turns up after all, paid before the lapse.
    app.portone.charge(&month.next_schedule_id, false);
    app.clock.set(utc("2024-04-11T00:00:00Z"));
    let outcome = app.send(month.next_schedule_id.as_str(), "Paid").await;
    assert_eq!(outcome.verdict, Verdict::Done);

    let events = app.ledger.all_events();
    let lapsed = events
        .iter()
        .find(|e| e.event_type == "subscription.lapsed")
        .unwrap();
    let renewed = events
        .iter()
        .find(|e| e.event_type == "subscription.renewed")
        .unwrap();
    assert!(
        renewed.occurred_at > lapsed.occurred_at,
        "renewed {} must sort after lapsed {}",
        renewed.occurred_at,
        lapsed.occurred_at
    );
    assert_eq!(renewed.data["subscription"]["status"], "active");
    let mut times: Vec<_> = events.iter().map(|e| e.occurred_at).collect();
    let written = times.clone();
    times.sort();
    assert_eq!(
        times, written,
        "every event of the subscription after the one before it"
    );
}

#[tokio::test]
async fn a_trial_warning_skipped_by_the_clock_is_written_late_while_the_trial_lasts() {
    let app = Harness::new(0);
    let terms = PlanTerms::new(
        PlanId::parse("pro").unwrap(),
        "프로",
        19_900,
        "KRW",
        14,
        None,
        None,
    )
    .unwrap();
    app.services.plans.put(&terms).await.unwrap();
    app.portone.cards.issue("bk_1", "user-1");
    let start = portone_subscriptions::service::checkout::StartRequest {
        customer_id: CustomerId::parse("user-1").unwrap(),
        plan_id: PlanId::parse("pro").unwrap(),
        billing_key: portone_subscriptions::domain::billing_key::BillingKey::parse("bk_1").unwrap(),
        quantity: Default::default(),
        promotion_code: None,
        idempotency_key: portone_subscriptions::domain::checkout::IdempotencyKey::parse("start-1").unwrap(),
    };
    app.services.checkout.start(&start).await;

    // The process was down from day 10 to a moment past the trial's end, before its first
    // charge ran: the warning's moment passed, the trial did not.
    app.clock.advance(Duration::days(14) + Duration::hours(1));
    assert_eq!(app.services.events.emit_due().await.unwrap(), 1);

    assert_eq!(events_of(&app, EventType::TrialWillEnd), 1);
    assert_eq!(app.services.events.emit_due().await.unwrap(), 0, "once");
}
