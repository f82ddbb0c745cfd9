//! Steps 2 and 3 of a pass: every open renewal still ahead must have a `SCHEDULED` schedule at
//! PortOne; a live schedule of a stopped subscription is an orphan. PortOne's schedules are read
//! in bulk, page by page, never one call per subscription.

use crate::ports::Schedules;
use std::collections::{HashMap, HashSet};

use futures_util::stream::{self, StreamExt};

use crate::domain::payment_id::PaymentId;
use crate::domain::record::PaymentRecord;
use crate::domain::schedule_status::ScheduleStatus;
use crate::domain::timestamp::Timestamp;
use crate::ports::{PaymentSchedule, Ports, ReconcileLedger, RenewalWindow, RevokeOutcome, ScheduleQuery};

use super::pages::OpenRenewals;
use super::{Action, ActionKind, Lease, Outcome, PassOptions, ReconcileReport, Reconciler};

/// Payment ids asked about per `stopped_months_for` call.
const ORPHAN_BATCH: usize = 500;

impl<P: Ports> Reconciler<P> {
    pub(super) async fn reconcile_schedules(
        &self,
        report: &mut ReconcileReport,
        options: PassOptions,
        lease: &Lease<'_, P>,
    ) {
        let now = self.now();
        let horizon = chrono::Duration::from_std(self.settings.horizon).unwrap_or_default();
        let until = Timestamp::from_utc(now.as_utc() + horizon);
        let live = match self.live_schedules(now, until).await {
            Ok(live) => live,
            Err(error) => {
                report.push(Action::failed_read(ActionKind::MissingSchedule, &error));
                return;
            }
        };
        report.checked.portone_schedules = live.len() as u64;
        let window = RenewalWindow { from: now, until };
        let mut ours: HashSet<PaymentId> = HashSet::new();
        let mut pages = OpenRenewals::new(self, lease, window, ActionKind::MissingSchedule);
        while let Some(months) = pages.next(report).await {
            report.checked.upcoming_renewals += months.len() as u64;
            let mut missing: Vec<PaymentRecord> = Vec::new();
            for month in months {
                if let Some(charge) = month.pending_charge() {
                    let is_missing = !live.contains_key(&charge.payment_id);
                    ours.insert(charge.payment_id);
                    if is_missing {
                        missing.push(month);
                    }
                }
            }
            let actions: Vec<Action> = stream::iter(missing)
                .map(|month| async move { self.recreate(&month, options, now).await })
                .buffer_unordered(self.settings.concurrency.max(1))
                .collect()
                .await;
            actions.into_iter().for_each(|action| report.push(action));
        }
        // Orphans only after every open renewal was read: one not read could own a schedule.
        if !pages.finished() {
            return;
        }
        self.orphans(report, options, &live, &ours).await;
    }

    /// PortOne's `SCHEDULED` schedules with `timeToPay` in `[from, until]`, by payment id. Pages
    /// until one comes back short: PortOne's `totalCount` counts the page's own items.
    async fn live_schedules(
        &self,
        from: Timestamp,
        until: Timestamp,
    ) -> Result<HashMap<PaymentId, PaymentSchedule>, String> {
        let mut live = HashMap::new();
        let size = self.settings.schedule_page_size.max(1);
        for page in 0.. {
            let query = ScheduleQuery {
                from,
                until,
                statuses: vec![ScheduleStatus::Scheduled],
                page,
                size,
            };
            let listed = self
                .ports()
                .gateway()
                .list_schedules(&query)
                .await
                .map_err(|error| format!("listing PortOne's schedules failed: {error}"))?;
            let count = listed.items.len();
            for schedule in listed.items {
                live.insert(schedule.payment_id.clone(), schedule);
            }
            if count < size as usize {
                break;
            }
        }
        Ok(live)
    }

    async fn recreate(&self, month: &PaymentRecord, options: PassOptions, now: Timestamp) -> Action {
        let Some(charge) = month.pending_charge() else {
            return schedule_action(
                month,
                String::new(),
                Outcome::Reported,
                "no charge is pending".into(),
            );
        };
        let payment_id = charge.payment_id.to_string();
        let (outcome, detail) = if options.dry_run {
            (
                Outcome::WouldHeal,
                "PortOne holds no schedule: would create it".to_owned(),
            )
        } else {
            self.schedule(month, charge, now)
                .await
                .unwrap_or_else(|problem| (Outcome::Failed, problem))
        };
        schedule_action(month, payment_id, outcome, detail)
    }

    /// Live schedules nothing of ours is waiting for, whose payment id belongs to a stopped month.
    async fn orphans(
        &self,
        report: &mut ReconcileReport,
        options: PassOptions,
        live: &HashMap<PaymentId, PaymentSchedule>,
        ours: &HashSet<PaymentId>,
    ) {
        let candidates: Vec<PaymentId> = live.keys().filter(|id| !ours.contains(*id)).cloned().collect();
        for batch in candidates.chunks(ORPHAN_BATCH) {
            let stopped = match self.ports().ledger().stopped_months_for(batch).await {
                Ok(stopped) => stopped,
                Err(error) => {
                    report.push(Action::failed_read(
                        ActionKind::OrphanSchedule,
                        &error.to_string(),
                    ));
                    return;
                }
            };
            for month in stopped {
                let ids = [
                    Some(&month.next_schedule_id),
                    month.renewal.retry_payment_id.as_ref(),
                ];
                for id in ids.into_iter().flatten() {
                    if let Some(schedule) = live.get(id) {
                        let action = self.orphan(&month, schedule, options).await;
                        report.push(action);
                    }
                }
            }
        }
    }

    async fn orphan(
        &self,
        month: &PaymentRecord,
        schedule: &PaymentSchedule,
        options: PassOptions,
    ) -> Action {
        let why = if month.renewal.lapsed_at.is_some() {
            "lapsed"
        } else if month.is_canceled() {
            "cancelled"
        } else {
            "refunded"
        };
        let (outcome, detail) = match (options.fix_orphans, options.dry_run) {
            (false, _) => (
                Outcome::Reported,
                format!(
                    "schedule {} is live though the subscription {why}; revoke with fix_orphans",
                    schedule.id
                ),
            ),
            (true, true) => (
                Outcome::WouldHeal,
                format!("would revoke schedule {}", schedule.id),
            ),
            (true, false) => match self.ports().gateway().revoke_schedule(&schedule.id).await {
                Ok(
                    RevokeOutcome::Revoked { .. } | RevokeOutcome::AlreadyRevoked | RevokeOutcome::NotFound,
                ) => (
                    Outcome::Revoked,
                    format!("revoked schedule {} ({why})", schedule.id),
                ),
                Ok(RevokeOutcome::AlreadyProcessed) => (
                    Outcome::Failed,
                    format!(
                        "schedule {} ran before it could be revoked; a refund is needed",
                        schedule.id
                    ),
                ),
                Err(error) => (
                    Outcome::Failed,
                    format!("revoking {} failed: {error}", schedule.id),
                ),
            },
        };
        Action {
            kind: ActionKind::OrphanSchedule,
            outcome,
            transaction_key: Some(month.transaction_key.clone()),
            payment_id: schedule.payment_id.to_string(),
            detail,
        }
    }
}

fn schedule_action(month: &PaymentRecord, payment_id: String, outcome: Outcome, detail: String) -> Action {
    Action {
        kind: ActionKind::MissingSchedule,
        outcome,
        transaction_key: Some(month.transaction_key.clone()),
        payment_id,
        detail,
    }
}
