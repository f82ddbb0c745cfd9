//! An in-memory `payment` table with the same semantics as the SQL functions: for tests, and for
//! running without Supabase.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use uuid::Uuid;

use crate::domain::record::{PaymentRecord, CANCELLED_STATUS};
use crate::domain::timestamp::Timestamp;
use crate::ports::ledger::LedgerResult;
use crate::ports::{LedgerError, PaymentLedger, Recorded};

/// Rows keyed by `transaction_key`; `next_schedule_id` is unique too, as in the migration.
#[derive(Debug, Default)]
pub struct InMemoryLedger {
    rows: Mutex<HashMap<String, PaymentRecord>>,
}

impl InMemoryLedger {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every stored row, ordered by `start_at` then `transaction_key`.
    pub fn rows(&self) -> Vec<PaymentRecord> {
        let mut rows: Vec<_> = self.lock().values().cloned().collect();
        rows.sort_by(|a, b| (a.start_at, &a.transaction_key).cmp(&(b.start_at, &b.transaction_key)));
        rows
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, PaymentRecord>> {
        self.rows.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn update(&self, transaction_key: &str, change: impl FnOnce(&mut PaymentRecord)) -> LedgerResult {
        Ok(self.lock().get_mut(transaction_key).map(|row| {
            change(row);
            row.clone()
        }))
    }
}

impl PaymentLedger for InMemoryLedger {
    async fn record_paid(&self, record: &PaymentRecord) -> Result<Recorded, LedgerError> {
        let mut rows = self.lock();
        if let Some(stored) = rows.get(&record.transaction_key) {
            return Ok(Recorded {
                record: stored.clone(),
                inserted: false,
            });
        }
        if rows
            .values()
            .any(|row| row.next_schedule_id == record.next_schedule_id)
        {
            return Err(LedgerError::Rejected {
                code: "23505".to_owned(),
                message: "duplicate key value violates unique constraint \"payment_next_schedule_id_key\""
                    .to_owned(),
            });
        }
        rows.insert(record.transaction_key.clone(), record.clone());
        Ok(Recorded {
            record: record.clone(),
            inserted: true,
        })
    }

    async fn find(&self, transaction_key: &str) -> LedgerResult {
        Ok(self.lock().get(transaction_key).cloned())
    }

    async fn find_by_next_schedule_id(&self, id: Uuid) -> LedgerResult {
        Ok(self
            .lock()
            .values()
            .find(|row| row.next_schedule_id == id)
            .cloned())
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
