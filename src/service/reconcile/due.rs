//! Step 1 of a pass: open renewals whose charge was due more than the margin ago. PortOne's
//! payment of the pending charge decides what happened.

use chrono::DateTime;
use futures_util::stream::{self, StreamExt};

use crate::domain::payment::PaymentStatus;
use crate::domain::payment_id::PaymentId;
use crate::domain::record::{PaymentRecord, PendingCharge};
use crate::domain::timestamp::Timestamp;
use crate::domain::webhook::WebhookEvent;
use crate::ports::{GatewayError, PaymentGateway, PaymentLedger, Ports, RenewalCursor, RenewalWindow};

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
        let mut cursor: Option<RenewalCursor> = None;
        loop {
            let page = self.settings.page_size;
            let months = match self
                .ports()
                .ledger()
                .open_renewals(&window, cursor.as_ref(), page)
                .await
            {
                Ok(months) => months,
                Err(error) => {
                    report.push(failed_read(ActionKind::DueRenewal, &error.to_string()));
                    return;
                }
            };
            report.checked.due_renewals += months.len() as u64;
            // Owned items: a stream of borrows makes the future not provably `Send`.
            let actions: Vec<Action> = stream::iter(months.clone())
                .map(|month| async move { self.due_one(&month, options, now).await })
                .buffer_unordered(self.settings.concurrency.max(1))
                .collect()
                .await;
            actions.into_iter().for_each(|action| report.push(action));
            if let Err(stuck) = advance(&mut cursor, &months) {
                report.push(stopped(ActionKind::DueRenewal, stuck));
                return;
            }
            if let Err(lost) = lease.extend().await {
                report.push(stopped(ActionKind::DueRenewal, lost));
                return;
            }
            if months.len() < page as usize {
                return;
            }
        }
    }

    async fn due_one(&self, month: &PaymentRecord, options: PassOptions, now: Timestamp) -> Action {
        let Some(charge) = month.pending_charge() else {
            return action(
                month,
                month.next_schedule_id,
                Outcome::Reported,
                "no charge is pending".into(),
            );
        };
        let Ok(id) = PaymentId::parse(charge.payment_id.to_string()) else {
            return action(
                month,
                charge.payment_id,
                Outcome::Failed,
                "not a payment id".into(),
            );
        };
        let (outcome, detail) = match self.ports().gateway().get_payment(&id).await {
            Ok(payment) => match (&payment.status, options.dry_run) {
                (PaymentStatus::Paid, true) => (Outcome::WouldHeal, "paid: would run the paid flow".into()),
                (PaymentStatus::Paid, false) => self.replay(WebhookEvent::Paid(id), "paid").await,
                (PaymentStatus::Failed, true) => {
                    (Outcome::WouldHeal, "failed: would run the failed flow".into())
                }
                (PaymentStatus::Failed, false) => self.replay(WebhookEvent::Failed(id), "failed").await,
                (PaymentStatus::Cancelled | PaymentStatus::PartialCancelled, _) => (
                    Outcome::Reported,
                    format!("PortOne reports the renewal {}", payment.status.as_portone()),
                ),
                (status, _) => (
                    Outcome::Waiting,
                    format!("PortOne reports the renewal {}", status.as_portone()),
                ),
            },
            Err(GatewayError::Rejected { error_type, .. }) if error_type == "PAYMENT_NOT_FOUND" => {
                self.never_charged(month, charge, options, now).await
            }
            Err(error) => (Outcome::Failed, format!("reading the renewal failed: {error}")),
        };
        action(month, charge.payment_id, outcome, detail)
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
        let schedule = match PaymentId::parse(month.transaction_key.clone()) {
            Ok(paid) => match gateway.get_payment(&paid).await {
                Ok(payment) => match payment.billing_key {
                    Some(key) => gateway.find_schedule(&key, charge.payment_id, charge.at).await,
                    None => return (Outcome::Reported, "the paid payment has no billing key".into()),
                },
                Err(error) => Err(error),
            },
            Err(error) => return (Outcome::Failed, error.to_string()),
        };
        match schedule {
            Ok(Some(s)) if matches!(s.status.as_str(), "SCHEDULED" | "STARTED" | "PENDING") => (
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

fn action(month: &PaymentRecord, payment_id: uuid::Uuid, outcome: Outcome, detail: String) -> Action {
    Action {
        kind: ActionKind::DueRenewal,
        outcome,
        transaction_key: Some(month.transaction_key.clone()),
        payment_id: payment_id.to_string(),
        detail,
    }
}

/// Where the next page starts: after `month`.
fn cursor_of(month: &PaymentRecord) -> Option<RenewalCursor> {
    Some(RenewalCursor {
        at: month.pending_charge()?.at,
        transaction_key: month.transaction_key.clone(),
    })
}

/// Moves `cursor` to the last month of `months`. A page must end strictly after the previous
/// one in (pending charge, transaction_key) order; one that does not would be read again and
/// again, so the step stops with the reason instead of looping until the lease runs out.
pub(super) fn advance(cursor: &mut Option<RenewalCursor>, months: &[PaymentRecord]) -> Result<(), String> {
    let Some(next) = months.last().and_then(cursor_of) else {
        return Ok(());
    };
    if let Some(previous) = cursor.as_ref() {
        if (next.at, &next.transaction_key) <= (previous.at, &previous.transaction_key) {
            return Err(format!(
                "the ledger's pages did not advance past ({}, {}); stopped reading",
                previous.at, previous.transaction_key
            ));
        }
    }
    *cursor = Some(next);
    Ok(())
}

/// A read that failed: the pass reports it and does not go on with that step.
pub(super) fn failed_read(kind: ActionKind, error: &str) -> Action {
    stopped(kind, format!("reading failed: {error}"))
}

/// A step that stopped early, and why: the rest of it is left to the next pass.
pub(super) fn stopped(kind: ActionKind, why: String) -> Action {
    Action {
        kind,
        outcome: Outcome::Failed,
        transaction_key: None,
        payment_id: String::new(),
        detail: why,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::amount::Amount;
    use crate::domain::payment::Payment;
    use crate::domain::period::{BillingPeriod, ScheduleOffset};

    fn month(key: &str) -> PaymentRecord {
        let payment = Payment {
            id: PaymentId::parse(key).unwrap(),
            status: PaymentStatus::Paid,
            order_name: "월간 구독".into(),
            amount: Amount::new(9900).unwrap(),
            currency: "KRW".into(),
            billing_key: Some("bk".into()),
            customer_id: None,
            paid_at: None,
            failed_at: None,
            failure: None,
        };
        let start = "2024-01-01T00:00:00Z".parse().unwrap();
        PaymentRecord::paid(
            &payment,
            &BillingPeriod::starting_at(start, ScheduleOffset::from_seconds(0)),
        )
    }

    #[test]
    fn the_cursor_moves_forward_or_the_step_stops() {
        let mut cursor = None;
        assert_eq!(advance(&mut cursor, &[month("pay_a")]), Ok(()));
        assert_eq!(cursor.as_ref().unwrap().transaction_key, "pay_a");
        assert_eq!(advance(&mut cursor, &[]), Ok(()), "an empty page leaves it");
        assert_eq!(advance(&mut cursor, &[month("pay_b")]), Ok(()));

        let stuck = advance(&mut cursor, &[month("pay_a"), month("pay_b")]).unwrap_err();
        assert!(stuck.contains("did not advance past"), "{stuck}");
        assert!(advance(&mut cursor, &[month("pay_a")]).is_err(), "backwards");
        assert_eq!(
            cursor.unwrap().transaction_key,
            "pay_b",
            "a stuck page leaves the cursor"
        );
    }
}
