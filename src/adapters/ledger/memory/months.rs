//! [`MonthLedger`] in memory, as `record_subscription_month`, `renewal_of_payment`,
//! `record_failed_attempt`, `mark_lapsed` and `cancel_payment` behave.

use serde_json::json;

use super::events::month_data;
use super::InMemoryLedger;
use crate::domain::amount::Amount;
use crate::domain::attempt::{AfterFailure, FailedAttempt};
use crate::domain::event::EventType;
use crate::domain::history_line::history_line;
use crate::domain::payment_id::PaymentId;
use crate::domain::record::{MonthStatus, PaymentRecord};
use crate::domain::timestamp::Timestamp;
use crate::ports::ledger::LedgerResult;
use crate::ports::{AttemptRecorded, LedgerError, MonthLedger, Recorded, RenewalOf};

fn duplicate_next_schedule_id() -> LedgerError {
    LedgerError::Rejected {
        code: "23505".to_owned(),
        message: "duplicate key value violates unique constraint \"payment_next_schedule_id_key\"".to_owned(),
    }
}

impl MonthLedger for InMemoryLedger {
    async fn record_paid(&self, record: &PaymentRecord) -> Result<Recorded, LedgerError> {
        let mut tables = self.lock();
        let renewed_key = tables.renewed_by_payment(&record.transaction_key);
        let renewed = renewed_key
            .as_ref()
            .and_then(|key| tables.payments.get(key))
            .cloned();
        let (stored, inserted) = match tables.payments.get(&record.transaction_key) {
            Some(stored) => (stored.clone(), false),
            None if tables
                .payments
                .values()
                .any(|row| row.next_schedule_id == record.next_schedule_id) =>
            {
                return Err(duplicate_next_schedule_id())
            }
            None => {
                let mut new = record.clone();
                new.subscription_id = Some(new.transaction_key.to_string());
                if let Some(renewed) = &renewed {
                    // A renewal of a stopped subscription inherits the stop (a refunded one's
                    // stops when it was paid), and every renewal the subscription.
                    new.canceled_at = renewed
                        .canceled_at
                        .or_else(|| renewed.is_refunded().then_some(new.start_at));
                    // A lapse inherited only when it had happened by the time this was paid: a
                    // payment inside the last grace (a new card's) recovers the subscription.
                    new.renewal.lapsed_at = renewed
                        .renewal
                        .lapsed_at
                        .filter(|at| *at <= new.start_at)
                        .map(|_| new.end_grace_at);
                    new.subscription_id = renewed
                        .subscription_id
                        .clone()
                        .or_else(|| Some(renewed.transaction_key.to_string()));
                }
                if !new.is_trial() {
                    new.billing_number = Some(tables.next_billing_number(new.start_at));
                }
                tables.payments.insert(new.transaction_key.clone(), new.clone());
                (new, true)
            }
        };
        let renewed = renewed_key.and_then(|key| {
            let row = tables.payments.get_mut(&key)?;
            row.renewal
                .renewed_by
                .get_or_insert_with(|| record.transaction_key.clone());
            Some(row.clone())
        });
        if inserted {
            let at = stored.start_at;
            let mut cause = month_data(&stored);
            cause["line"] = history_line(&stored);
            match &renewed {
                None => {
                    let id = stored.subscription_key();
                    tables.emit(
                        EventType::Created,
                        id.as_str(),
                        at,
                        cause,
                        format!("created:{id}"),
                    );
                }
                Some(renewed) => {
                    let mut cause = cause;
                    cause["renewed_key"] = json!(renewed.transaction_key);
                    tables.emit_for(EventType::Renewed, &stored, at, cause.clone(), "");
                    if renewed.renewal.renewal_attempts > 0 {
                        cause["failed_attempts"] = json!(renewed.renewal.renewal_attempts);
                        tables.emit_for(EventType::Recovered, &stored, at, cause, "");
                    }
                }
            }
            // The coupon's last discounted period: the next charge is at the list price.
            if let (Some(discount), None) = (&stored.discount, &stored.next_discount) {
                let mut cause = month_data(&stored);
                cause["coupon_id"] = json!(discount.coupon_id);
                tables.emit_for(EventType::DiscountEnded, &stored, at, cause, "");
            }
        }
        let payment_method = tables.methods.get(stored.subscription_key().as_str()).cloned();
        Ok(Recorded {
            record: stored,
            inserted,
            renewed,
            payment_method,
        })
    }

    async fn find(&self, transaction_key: &PaymentId) -> LedgerResult {
        Ok(self.lock().payments.get(transaction_key).cloned())
    }

    async fn renewal_of(&self, payment_id: &PaymentId) -> Result<Option<RenewalOf>, LedgerError> {
        let tables = self.lock();
        let recorded = tables
            .attempts
            .iter()
            .find(|a| &a.payment_id == payment_id)
            .and_then(|a| Some((tables.payments.get(&a.renewed_key)?, a.attempt)));
        let pending = || {
            let key = tables.renewed_by_payment(payment_id)?;
            let month = tables.payments.get(&key)?;
            let attempt = if &month.next_schedule_id == payment_id {
                0
            } else {
                month.renewal.renewal_attempts
            };
            Some((month, attempt))
        };
        Ok(recorded.or_else(pending).map(|(month, attempt)| RenewalOf {
            month: month.clone(),
            attempt,
        }))
    }

    async fn record_failed_attempt(
        &self,
        attempt: &FailedAttempt,
        after: &AfterFailure,
    ) -> Result<Option<AttemptRecorded>, LedgerError> {
        let mut tables = self.lock();
        if !tables.payments.contains_key(&attempt.renewed_key) {
            return Ok(None);
        }
        let inserted = !tables.attempts.iter().any(|a| {
            a.payment_id == attempt.payment_id
                || (a.renewed_key == attempt.renewed_key && a.attempt == attempt.attempt)
        });
        if inserted {
            tables.attempts.push(attempt.clone());
        }
        let Some(month) = tables.payments.get_mut(&attempt.renewed_key) else {
            return Ok(None);
        };
        let renewal = &mut month.renewal;
        if inserted
            && attempt.attempt >= renewal.renewal_attempts
            && renewal.renewed_by.is_none()
            && renewal.lapsed_at.is_none()
        {
            renewal.renewal_attempts = attempt.attempt + 1;
            renewal.last_failure_reason = attempt.failure.reason.clone();
            match after {
                AfterFailure::Retry {
                    limit,
                    payment_id,
                    slot,
                    ..
                } => {
                    renewal.retry_limit = Some(*limit);
                    renewal.retry_payment_id = Some(payment_id.clone());
                    renewal.retry_at = Some(slot.at);
                    month.end_grace_at = month.end_grace_at.max(slot.grace_until);
                }
                AfterFailure::Lapse { limit, at } => {
                    renewal.retry_limit = Some(*limit);
                    renewal.lapsed_at = Some(*at);
                }
            }
        }
        let month = month.clone();
        if inserted {
            let (limit, next_retry_at) = match *after {
                AfterFailure::Retry { limit, slot, .. } => (limit, Some(slot.at)),
                AfterFailure::Lapse { limit, .. } => (limit, None),
            };
            let cause = json!({ "attempt": {
                "renewed_key": attempt.renewed_key, "attempt": attempt.attempt,
                "retry_limit": limit, "payment_id": attempt.payment_id,
                "failure_reason": attempt.failure.reason, "pg_code": attempt.failure.pg_code,
                "pg_message": attempt.failure.pg_message, "failed_at": attempt.failed_at,
                "next_retry_at": next_retry_at,
            }});
            let key = format!("payment_failed:{}", attempt.payment_id);
            tables.emit(
                EventType::PaymentFailed,
                month.subscription_key().as_str(),
                attempt.failed_at,
                cause,
                key,
            );
        }
        Ok(Some(AttemptRecorded { month, inserted }))
    }

    async fn open_recovery_charge(
        &self,
        transaction_key: &PaymentId,
        payment_id: &PaymentId,
        at: Timestamp,
    ) -> LedgerResult {
        let mut tables = self.lock();
        let Some(row) = tables.payments.get_mut(transaction_key) else {
            return Ok(None);
        };
        let renewal = &mut row.renewal;
        let exhausted = renewal.renewal_attempts > 0 && renewal.renewed_by.is_none();
        if !exhausted || renewal.lapsed_at.is_none_or(|lapse| lapse <= at) {
            return Ok(None);
        }
        renewal.retry_payment_id = Some(payment_id.clone());
        renewal.retry_at = Some(at);
        Ok(Some(row.clone()))
    }

    async fn mark_lapsed(&self, transaction_key: &PaymentId, at: Timestamp) -> LedgerResult {
        let mut tables = self.lock();
        let Some(row) = tables.payments.get_mut(transaction_key) else {
            return Ok(None);
        };
        let lapsed = row.renewal.lapsed_at.map_or(at, |earlier| earlier.min(at));
        row.renewal.lapsed_at = Some(lapsed);
        let row = row.clone();
        tables.emit_for(EventType::Lapsed, &row, at, month_data(&row), "");
        Ok(Some(row))
    }

    async fn record_refund(
        &self,
        transaction_key: &PaymentId,
        refunded_amount: Amount,
        at: Timestamp,
    ) -> LedgerResult {
        let mut tables = self.lock();
        let Some(row) = tables.payments.get_mut(transaction_key) else {
            return Ok(None);
        };
        let before = row.refunded_amount.map_or(0, |a| a.value());
        row.refunded_amount = Some(
            row.refunded_amount
                .map_or(refunded_amount, |b| b.max(refunded_amount)),
        );
        let row = row.clone();
        // A refund of the whole payment is told by `mark_cancelled`.
        if refunded_amount.value() > before && refunded_amount.value() < row.amount.value() {
            let mut cause = month_data(&row);
            cause["refund"] = json!({
                "refunded_total": refunded_amount, "amount": refunded_amount.value() - before, "full": false,
            });
            let suffix = format!(":{}", refunded_amount.value());
            tables.emit_for(EventType::Refunded, &row, at, cause, &suffix);
        }
        Ok(Some(row))
    }

    async fn mark_cancelled(&self, transaction_key: &PaymentId, at: Timestamp) -> LedgerResult {
        let mut tables = self.lock();
        let Some(row) = tables.payments.get_mut(transaction_key) else {
            return Ok(None);
        };
        let first = row.status != MonthStatus::Cancelled;
        row.status = MonthStatus::Cancelled;
        let row = row.clone();
        if first {
            let mut cause = month_data(&row);
            cause["refund"] = json!({ "refunded_total": row.amount, "full": true });
            tables.emit_for(EventType::Refunded, &row, at, cause, ":full");
        }
        Ok(Some(row))
    }
}
