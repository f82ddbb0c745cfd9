//! An in-memory ledger with the semantics of the SQL functions in `supabase/migrations/`: for the
//! sandbox and the use-case tests. One lock guards everything, so every call is atomic, as each
//! SQL function is. Each port is implemented in the module of its use (`months`, `subscriptions`,
//! `reconcile`).

mod checkout;
mod coupons;
mod event_page;
mod events;
mod months;
mod plans;
mod prorations;
mod reconcile;
mod subscriptions;
mod time_pass;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::domain::attempt::FailedAttempt;
use crate::domain::payment_id::PaymentId;
use crate::domain::payment_method::PaymentMethod;
use crate::domain::plan::{Plan, PlanId};
use crate::domain::record::PaymentRecord;

#[derive(Debug, Default)]
struct Tables {
    /// Rows by `transaction_key`; `next_schedule_id` is unique too, as in the migration.
    payments: HashMap<PaymentId, PaymentRecord>,
    attempts: Vec<FailedAttempt>,
    leases: HashMap<String, reconcile::Lease>,
    plans: HashMap<PlanId, Plan>,
    /// Payment methods by subscription id.
    methods: HashMap<String, PaymentMethod>,
    /// Checkout claims by (customer id, idempotency key).
    checkouts: HashMap<(String, String), checkout::Checkout>,
    /// Counted charge-triggering calls by customer (`ChargeLimit::take`'s log).
    charge_attempts: HashMap<String, Vec<crate::domain::timestamp::Timestamp>>,
    /// Prorations, in the order written.
    prorations: Vec<crate::domain::proration_record::Proration>,
    /// The last billing-history number drawn, by Seoul year.
    billing_numbers: HashMap<i32, u32>,
    /// The outbox, in the order written.
    events: Vec<events::StoredEvent>,
    /// Coupons, codes (by lower-case code) and redemptions (by key).
    coupons: coupons::CouponTables,
}

impl Tables {
    /// The next billing-history number of the Seoul year of `at` (`billing_number`'s rule).
    fn next_billing_number(&mut self, at: crate::domain::timestamp::Timestamp) -> String {
        let year = crate::domain::billing_number::seoul_year(at);
        let n = self.billing_numbers.entry(year).or_insert(0);
        *n += 1;
        crate::domain::billing_number::billing_number(year, *n)
    }

    /// The `transaction_key` of the month whose first charge or pending retry `key` is.
    fn renewed_by_payment(&self, key: &PaymentId) -> Option<PaymentId> {
        self.payments
            .values()
            .find(|row| row.next_schedule_id == *key || row.renewal.retry_payment_id.as_ref() == Some(key))
            .map(|row| row.transaction_key.clone())
    }
}

/// The ledger in memory. A clone is a handle on the same tables: tests and the sandbox keep one
/// to read what the service wrote.
#[derive(Debug, Default, Clone)]
pub struct InMemoryLedger {
    tables: Arc<Mutex<Tables>>,
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
}

/// Memory always answers.
impl crate::ports::Readiness for InMemoryLedger {
    async fn ping(&self) -> Result<(), crate::ports::LedgerError> {
        Ok(())
    }
}
