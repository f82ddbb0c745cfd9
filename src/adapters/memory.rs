//! An in-memory `payment` table with the same idempotency as the SQL function: for tests, and
//! for running without Supabase.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::domain::record::PaymentRecord;
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

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, PaymentRecord>> {
        self.rows.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
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
}
