//! A reconciliation pass over in-memory ports, where the interleaving is exact: a pass that loses
//! its lease midway stops before doing anything more.

use portone_subscriptions::service::flows::PaymentFlows;
use std::time::Duration;

use portone_subscriptions::ports::ReconcileLedger;
use portone_subscriptions::service::reconcile::{ActionKind, Outcome, PassOptions, ReconcileSettings};
use portone_subscriptions::service::Services;

use crate::fakes::{paid, utc, Harness};

/// Two subscriptions whose renewals PortOne charged with no webhook arriving, a pass reading one
/// month per page, and a lease that expires at once. While the pass looks up the first month's
/// renewal, another replica claims the expired lease: the pass heals that month, finds the lease
/// gone when it would extend it, and stops. The second month and the schedules step are left to
/// the pass that now holds the lease.
#[tokio::test]
async fn a_pass_that_loses_its_lease_stops_before_the_next_page() {
    let mut app = Harness::new(0);
    let mut renewals = Vec::new();
    for id in ["pay_1", "pay_2"] {
        app.portone.add(paid(id, Some("2024-01-01T00:00:00Z")));
        app.send(id, "Paid").await;
        renewals.push(app.ledger.rows().last().unwrap().next_schedule_id.clone());
    }
    for renewal in &renewals {
        app.portone.charge(renewal, false);
    }
    app.clock.set(utc("2024-02-01T02:00:00Z"));
    let settings = ReconcileSettings {
        page_size: 1,
        lease_ttl: Duration::ZERO,
        ..ReconcileSettings::default()
    };
    let webhooks = portone_subscriptions::service::WebhookService::new(PaymentFlows::new(
        app.services.webhooks.ports().clone(),
    ));
    app.services = Services::new(webhooks).with_reconcile_settings(settings);
    let ledger = app.ledger.clone();
    app.portone.during_next_lookup(move || {
        let claimed = futures::executor::block_on(ledger.claim_lease(
            "reconcile",
            "another-replica",
            Duration::from_secs(3600),
        ));
        assert_eq!(claimed.ok(), Some(true), "the expired lease is free to claim");
    });

    let report = app.services.reconciler.run(PassOptions::default()).await;

    let actions: Vec<_> = report.actions.iter().map(|a| (a.kind, a.outcome)).collect();
    assert_eq!(
        actions,
        [
            (ActionKind::DueRenewal, Outcome::Healed),
            (ActionKind::DueRenewal, Outcome::Failed)
        ],
        "{report:#?}"
    );
    assert_eq!(
        report.actions[1].detail,
        "the lease expired and another pass holds it now; stopped"
    );
    assert_eq!(report.checked.due_renewals, 1, "the second page was never read");
    assert_eq!(
        report.checked.portone_schedules, 0,
        "the schedules step did not run"
    );
    let recorded: Vec<_> = app
        .ledger
        .rows()
        .iter()
        .map(|r| r.transaction_key.clone())
        .collect();
    assert_eq!(recorded, ["pay_1", "pay_2", renewals[0].to_string().as_str()]);
    assert!(!report.succeeded(), "a stopped pass is not a finished one");
}
