//! Reconciliation: makes the ledger and PortOne agree again when webhooks were lost (PortOne
//! resends a webhook at most 5 times over about 5.5 hours, then gives up) or a schedule call kept
//! failing. One pass, under a lease so replicas never run two at once:
//! 1. `due`: every open renewal whose charge was due more than the margin ago: PortOne's payment
//!    decides (paid: the paid flow; failed: the failed flow; pending: wait; never created: create
//!    the schedule while the grace lasts);
//! 2. `schedules`: every open renewal still ahead must have a `SCHEDULED` schedule at PortOne,
//!    compared in bulk with `getPaymentSchedules`; missing ones are created with the webhook's own
//!    deterministic payment id and `Idempotency-Key`;
//! 3. orphans: a live schedule of a cancelled, refunded or lapsed subscription is reported, and
//!    revoked only when asked (`fix_orphans`): charging a cancelled customer is the worst outcome.

mod due;
mod free;
mod grace;
mod heal;
mod pages;
mod report;
mod schedules;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::domain::timestamp::Timestamp;
use crate::ports::{Clock, Ports, ReconcileLedger};
use crate::telemetry::metrics;

use super::flows::PaymentFlows;

pub use grace::{GraceReport, GRACE_BATCH};
pub use report::{Action, ActionKind, Checked, Outcome, PassResult, ReconcileReport};

/// The lease's name in `reconcile_lease`.
pub const LEASE_NAME: &str = "reconcile";

/// How a pass runs. Every read is bounded: rows in pages of `page_size`, PortOne's schedules in
/// pages of `schedule_page_size`, at most `concurrency` PortOne calls at once (each with the
/// client's timeouts and retries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconcileSettings {
    /// A charge due less than this long ago is left to its webhook (`RECONCILE_MARGIN_SECONDS`,
    /// default 10 minutes).
    pub margin: Duration,
    /// `RECONCILE_CONCURRENCY`, default 4.
    pub concurrency: usize,
    /// Months read per page, default 500.
    pub page_size: u32,
    /// PortOne schedules per page, default 100.
    pub schedule_page_size: u32,
    /// How long a pass holds the lease without extending it, default 10 minutes; extended after
    /// every page.
    pub lease_ttl: Duration,
    /// How far ahead PortOne's schedules are listed, default 400 days (a renewal is at most a
    /// month and a year of retries away).
    pub horizon: Duration,
}

impl Default for ReconcileSettings {
    fn default() -> Self {
        Self {
            margin: Duration::from_secs(600),
            concurrency: 4,
            page_size: 500,
            schedule_page_size: 100,
            lease_ttl: Duration::from_secs(600),
            horizon: Duration::from_secs(400 * 24 * 3600),
        }
    }
}

/// What to do besides looking.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassOptions {
    /// Change nothing; report what would be done.
    pub dry_run: bool,
    /// Revoke orphan schedules instead of only reporting them.
    pub fix_orphans: bool,
}

/// Runs reconciliation passes.
pub struct Reconciler<P> {
    /// The ports it reads and heals through (`flows.ports()`), and the payment flows a lost
    /// webhook's event runs through.
    flows: PaymentFlows<P>,
    settings: ReconcileSettings,
}

impl<P: Ports> Reconciler<P> {
    pub fn new(flows: PaymentFlows<P>, settings: ReconcileSettings) -> Self {
        Self { flows, settings }
    }

    fn ports(&self) -> &P {
        self.flows.ports()
    }

    fn now(&self) -> Timestamp {
        Timestamp::from_utc(self.ports().clock().now())
    }

    /// One pass. Never fails as a whole: every failure is an action in the report (see
    /// [`ReconcileReport::succeeded`]); a pass that finds the lease held does nothing and says so.
    pub async fn run(&self, options: PassOptions) -> ReconcileReport {
        let started = std::time::Instant::now();
        let report = self.pass(options).await;
        metrics::reconcile_pass(report.result().label(), started.elapsed());
        for action in &report.actions {
            metrics::reconcile_item(action.kind.label(), action.outcome.label());
        }
        report
    }

    async fn pass(&self, options: PassOptions) -> ReconcileReport {
        let mut report = ReconcileReport::new(self.now(), options.dry_run, options.fix_orphans);
        let holder = uuid::Uuid::new_v4().to_string();
        let ledger = self.ports().ledger();
        match ledger
            .claim_lease(LEASE_NAME, &holder, self.settings.lease_ttl)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                report.skipped = Some("another pass holds the lease".to_owned());
                report.finished_at = self.now();
                return report;
            }
            Err(error) => {
                report.skipped = Some(format!("the lease could not be claimed: {error}"));
                report.failed += 1;
                report.finished_at = self.now();
                return report;
            }
        }
        let lease = Lease {
            holder: &holder,
            reconciler: self,
            lost: AtomicBool::new(false),
        };
        self.reconcile_due(&mut report, options, &lease).await;
        if !lease.lost.load(Ordering::Relaxed) {
            self.reconcile_schedules(&mut report, options, &lease).await;
        }
        if let Err(error) = ledger.release_lease(LEASE_NAME, &holder).await {
            tracing::warn!(%error, "the reconcile lease could not be released; it expires on its own");
        }
        report.finished_at = self.now();
        tracing::info!(
            healed = report.healed,
            left = report.left,
            failed = report.failed,
            due = report.checked.due_renewals,
            upcoming = report.checked.upcoming_renewals,
            dry_run = report.dry_run,
            "reconcile pass finished"
        );
        report
    }
}

/// The pass's hold on the lease, extended between pages.
struct Lease<'a, P> {
    holder: &'a str,
    reconciler: &'a Reconciler<P>,
    /// Set once another holder has the lease: no further step runs.
    lost: AtomicBool,
}

impl<P: Ports> Lease<'_, P> {
    /// Extends the lease for another `lease_ttl`. `Err` when another holder has it: this pass
    /// outlived its lease (a page took longer than `lease_ttl`) and must stop, or two passes
    /// would run at once. A storage error only logs: the lease still runs until it expires.
    async fn extend(&self) -> Result<(), String> {
        let settings = &self.reconciler.settings;
        let ledger = self.reconciler.ports().ledger();
        match ledger
            .claim_lease(LEASE_NAME, self.holder, settings.lease_ttl)
            .await
        {
            Ok(true) => Ok(()),
            Ok(false) => {
                self.lost.store(true, Ordering::Relaxed);
                Err("the lease expired and another pass holds it now; stopped".to_owned())
            }
            Err(error) => {
                tracing::warn!(%error, "the reconcile lease could not be extended");
                Ok(())
            }
        }
    }
}
