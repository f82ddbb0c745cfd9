//! Step 1 of a pass: open renewals whose charge was due more than the margin ago. PortOne's
//! payment of the pending charge decides what happened.

use crate::ports::{Payments, Schedules};
use chrono::DateTime;
use futures_util::stream::{self, StreamExt};

use crate::domain::payment::PaymentStatus;
use crate::domain::payment_id::PaymentId;
use crate::domain::record::{PaymentRecord, PendingCharge};
use crate::domain::rejection::RejectionKind;
use crate::domain::timestamp::Timestamp;
use crate::domain::webhook::WebhookEvent;
use crate::ports::{Ports, RenewalWindow};
use crate::service::payer::{payer_of, PayerError};

use super::pages::OpenRenewals;
use super::{Action, ActionKind, Lease, Outcome, PassOptions, ReconcileReport, Reconciler};

impl<P: Ports> Reconciler<P> {
    pub(super) async fn reconcile_due(
        &self,
        report: &mut ReconcileReport,
        options: PassOptions,
        lease: &Lease<'_, P>,
    ) {
        let now = self.now();
        let margin = chrono::Duration::from_std(self.settings.margin).unwrap_or_default();
        let window = RenewalWindow {
            from: Timestamp::from_utc(DateTime::UNIX_EPOCH),
            until: Timestamp::from_utc(now.as_utc() - margin),
        };
        let mut pages = OpenRenewals::new(self, lease, window, ActionKind::DueRenewal);
        while let Some(months) = pages.next(report).await {
            report.checked.due_renewals += months.len() as u64;
            // Owned items: a stream of borrows makes the future not provably `Send`.
            let actions: Vec<Action> = stream::iter(months)
                .map(|month| async move { self.due_one(&month, options, now).await })
                .buffer_unordered(self.settings.concurrency.max(1))
                .collect()
                .await;
            actions.into_iter().for_each(|action| report.push(action));
        }
    }

    /// What PortOne says of `month`'s pending charge, and what was done about it.
    pub(super) async fn due_one(
        &self,
        month: &PaymentRecord,
        options: PassOptions,
        now: Timestamp,
    ) -> Action {
        let Some(charge) = month.pending_charge() else {
            return action(
                month,
                &month.next_schedule_id,
                Outcome::Reported,
                "no charge is pending".into(),
            );
        };
        let id = charge.payment_id.clone();
        if month.next_charge_terms().amount == crate::domain::amount::Amount::default() {
            let (outcome, detail) = self.free(month, charge, options).await;
            return action(month, &id, outcome, detail);
        }
        let (outcome, detail) = match self.ports().gateway().get_payment(&id).await {
            Ok(payment) => match (&payment.status, options.dry_run) {
                (PaymentStatus::Paid, true) => (Outcome::WouldHeal, "paid: would run the paid flow".into()),
                (PaymentStatus::Paid, false) => self.replay(WebhookEvent::Paid(id.clone()), "paid").await,
                // Paid, then refunded before anything recorded it: the paid flow records the
                // month with its refund.
                (PaymentStatus::Cancelled | PaymentStatus::PartialCancelled, true)
                    if payment.paid_at.is_some() =>
                {
                    (
                        Outcome::WouldHeal,
                        "paid and refunded since: would record it".into(),
                    )
                }
                (PaymentStatus::Cancelled | PaymentStatus::PartialCancelled, false)
                    if payment.paid_at.is_some() =>
                {
                    self.replay(WebhookEvent::Paid(id.clone()), "paid").await
                }
                (PaymentStatus::Failed, true) => {
                    (Outcome::WouldHeal, "failed: would run the failed flow".into())
                }
                (PaymentStatus::Failed, false) => {
                    self.replay(WebhookEvent::Failed(id.clone()), "failed").await
                }
                (PaymentStatus::Cancelled | PaymentStatus::PartialCancelled, _) => (
                    Outcome::Reported,
                    format!("PortOne reports the renewal {}", payment.status.as_portone()),
                ),
                (status, _) => (
                    Outcome::Waiting,
                    format!("PortOne reports the renewal {}", status.as_portone()),
                ),
            },
            Err(error) if error.rejection() == Some(&RejectionKind::PaymentNotFound) => {
                self.never_charged(month, charge, options, now).await
            }
            Err(error) => (Outcome::Failed, format!("reading the renewal failed: {error}")),
        };
        action(month, &id, outcome, detail)
    }

    /// PortOne knows no payment for the charge: a schedule still waiting, or none ever created.
    async fn never_charged(
        &self,
        month: &PaymentRecord,
        charge: PendingCharge,
        options: PassOptions,
        now: Timestamp,
    ) -> (Outcome, String) {
        let gateway = self.ports().gateway();
        let schedule = match payer_of(self.ports(), month, None).await {
            Ok(Some(payer)) => gateway
                .find_schedule(&payer.billing_key, &charge.payment_id, charge.at)
                .await
                .map_err(PayerError::from),
            Ok(None) => return (Outcome::Reported, "the paid payment has no billing key".into()),
            Err(error) => Err(error),
        };
        match schedule {
            Ok(Some(s)) if s.status.is_waiting() => (
                Outcome::Waiting,
                format!("PortOne's schedule {} is {}", s.id, s.status),
            ),
            Ok(Some(s)) => (
                Outcome::Reported,
                format!(
                    "PortOne's schedule {} is {} though nothing here cancelled it; left as it is",
                    s.id, s.status
                ),
            ),
            Ok(None) if now > month.end_grace_at => (
                Outcome::Unhealable,
                format!(
                    "no schedule was ever created and the grace ended at {}",
                    month.end_grace_at
                ),
            ),
            Ok(None) if options.dry_run => (Outcome::WouldHeal, "no schedule: would create it now".into()),
            Ok(None) => self
                .schedule(month, charge, now)
                .await
                .unwrap_or_else(|problem| (Outcome::Failed, problem)),
            Err(error) => (
                Outcome::Failed,
                format!("looking up the schedule failed: {error}"),
            ),
        }
    }
}

fn action(month: &PaymentRecord, payment_id: &PaymentId, outcome: Outcome, detail: String) -> Action {
    Action {
        kind: ActionKind::DueRenewal,
        outcome,
        transaction_key: Some(month.transaction_key.clone()),
        payment_id: payment_id.to_string(),
        detail,
    }
}
