//! An in-memory `payment` table with the semantics of the SQL functions in
//! `supabase/migrations/`: for the sandbox and the use-case tests. One lock guards everything, so
//! every call is atomic, as each SQL function is.

mod reconcile;
mod subscriptions;

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use uuid::Uuid;

use crate::domain::attempt::{AfterFailure, FailedAttempt};
use crate::domain::record::{NextTerms, PaymentRecord, CANCELLED_STATUS};
use crate::domain::timestamp::Timestamp;
use crate::ports::ledger::LedgerResult;
use crate::ports::{
    AttemptRecorded, LedgerError, PaymentLedger, Recorded, RenewalCursor, RenewalOf, RenewalWindow,
    SubscriptionRows,
};

#[derive(Debug, Default)]
struct Tables {
    /// Rows by `transaction_key`; `next_schedule_id` is unique too, as in the migration.
    payments: HashMap<String, PaymentRecord>,
    attempts: Vec<FailedAttempt>,
    leases: HashMap<String, reconcile::Lease>,
}

impl Tables {
    /// The `transaction_key` of the month whose first charge or pending retry `key` is.
    fn renewed_by_payment(&self, key: &str) -> Option<String> {
        let id = Uuid::parse_str(key).ok()?;
        self.payments
            .values()
            .find(|row| row.next_schedule_id == id || row.renewal.retry_payment_id == Some(id))
            .map(|row| row.transaction_key.clone())
    }
}

#[derive(Debug, Default)]
pub struct InMemoryLedger {
    tables: Mutex<Tables>,
}

impl InMemoryLedger {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every stored row, ordered by `start_at` then `transaction_key`.
    pub fn rows(&self) -> Vec<PaymentRecord> {
        let mut rows: Vec<_> = self.lock().payments.values().cloned().collect();
        rows.sort_by(|a, b| (a.start_at, &a.transaction_key).cmp(&(b.start_at, &b.transaction_key)));
        rows
    }

    /// Every recorded failed attempt, in the order recorded.
    pub fn attempts(&self) -> Vec<FailedAttempt> {
        self.lock().attempts.clone()
    }

    fn lock(&self) -> MutexGuard<'_, Tables> {
        self.tables
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn update(&self, transaction_key: &str, change: impl FnOnce(&mut PaymentRecord)) -> LedgerResult {
        Ok(self.lock().payments.get_mut(transaction_key).map(|row| {
            change(row);
            row.clone()
        }))
    }
}

fn duplicate_next_schedule_id() -> LedgerError {
    LedgerError::Rejected {
        code: "23505".to_owned(),
        message: "duplicate key value violates unique constraint \"payment_next_schedule_id_key\"".to_owned(),
    }
}

impl PaymentLedger for InMemoryLedger {
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
                new.subscription_id = Some(new.transaction_key.clone());
                if let Some(renewed) = &renewed {
                    // A renewal of a stopped subscription inherits the stop, and every renewal
                    // the subscription.
                    new.cancelled_at = renewed.cancelled_at;
                    new.renewal.lapsed_at = renewed.renewal.lapsed_at.map(|_| new.end_grace_at);
                    new.subscription_id = renewed
                        .subscription_id
                        .clone()
                        .or_else(|| Some(renewed.transaction_key.clone()));
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
        Ok(Recorded {
            record: stored,
            inserted,
            renewed,
        })
    }

    async fn find(&self, transaction_key: &str) -> LedgerResult {
        Ok(self.lock().payments.get(transaction_key).cloned())
    }

    async fn renewal_of(&self, payment_id: &str) -> Result<Option<RenewalOf>, LedgerError> {
        let tables = self.lock();
        let recorded = tables
            .attempts
            .iter()
            .find(|a| a.payment_id == payment_id)
            .and_then(|a| Some((tables.payments.get(&a.renewed_key)?, a.attempt)));
        let pending = || {
            let key = tables.renewed_by_payment(payment_id)?;
            let month = tables.payments.get(&key)?;
            let id = Uuid::parse_str(payment_id).ok()?;
            let attempt = if month.next_schedule_id == id {
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
            match *after {
                AfterFailure::Retry {
                    limit,
                    payment_id,
                    slot,
                    ..
                } => {
                    renewal.retry_limit = Some(limit);
                    renewal.retry_payment_id = Some(payment_id);
                    renewal.retry_at = Some(slot.at);
                    month.end_grace_at = month.end_grace_at.max(slot.grace_until);
                }
                AfterFailure::Lapse { limit, at } => {
                    renewal.retry_limit = Some(limit);
                    renewal.lapsed_at = Some(at);
                }
            }
        }
        Ok(Some(AttemptRecorded {
            month: month.clone(),
            inserted,
        }))
    }

    async fn mark_lapsed(&self, transaction_key: &str, at: Timestamp) -> LedgerResult {
        self.update(transaction_key, |row| {
            let lapsed = row.renewal.lapsed_at.map_or(at, |earlier| earlier.min(at));
            row.renewal.lapsed_at = Some(lapsed);
        })
    }

    async fn subscription(&self, key: &str) -> Result<Option<SubscriptionRows>, LedgerError> {
        Ok(self.lock().subscription(key))
    }

    async fn customer_subscriptions(&self, customer_id: &str) -> Result<Vec<SubscriptionRows>, LedgerError> {
        Ok(self.lock().customer_subscriptions(customer_id))
    }

    async fn open_renewals(
        &self,
        window: &RenewalWindow,
        after: Option<&RenewalCursor>,
        limit: u32,
    ) -> Result<Vec<PaymentRecord>, LedgerError> {
        Ok(self.lock().open_renewals(window, after, limit))
    }

    async fn stopped_months_for(&self, payment_ids: &[Uuid]) -> Result<Vec<PaymentRecord>, LedgerError> {
        Ok(self.lock().stopped_months_for(payment_ids))
    }

    async fn claim_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: std::time::Duration,
    ) -> Result<bool, LedgerError> {
        Ok(self.lock().claim_lease(name, holder, ttl))
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<(), LedgerError> {
        self.lock().release_lease(name, holder);
        Ok(())
    }

    /// Memory always answers.
    async fn ping(&self) -> Result<(), LedgerError> {
        Ok(())
    }

    async fn set_next_terms(&self, transaction_key: &str, terms: &NextTerms) -> LedgerResult {
        self.update(transaction_key, |row| row.next_terms = terms.clone())
    }

    async fn mark_cancelled(&self, transaction_key: &str) -> LedgerResult {
        self.update(transaction_key, |row| row.status = CANCELLED_STATUS.to_owned())
    }

    async fn set_subscription_state(
        &self,
        transaction_key: &str,
        cancelled_at: Option<Timestamp>,
        resumed_at: Option<Timestamp>,
    ) -> LedgerResult {
        self.update(transaction_key, |row| {
            row.cancelled_at = cancelled_at;
            row.resumed_at = resumed_at;
        })
    }
}
