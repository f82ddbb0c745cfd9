//! [`ReconcileLedger`] in memory: what a reconciliation pass reads, and the lease, with the
//! semantics of `open_renewals`, `stopped_months_for`, `claim_lease` and `release_lease`.

use std::time::{Duration, Instant};

use crate::domain::payment_id::PaymentId;

use super::{InMemoryLedger, Tables};
use crate::domain::record::PaymentRecord;
use crate::domain::timestamp::Timestamp;
use crate::ports::{LedgerError, ReconcileLedger, RenewalCursor, RenewalWindow};

impl ReconcileLedger for InMemoryLedger {
    async fn open_renewals(
        &self,
        window: &RenewalWindow,
        after: Option<&RenewalCursor>,
        limit: u32,
    ) -> Result<Vec<PaymentRecord>, LedgerError> {
        Ok(self.lock().open_renewals(window, after, limit))
    }

    async fn stopped_months_for(&self, payment_ids: &[PaymentId]) -> Result<Vec<PaymentRecord>, LedgerError> {
        Ok(self.lock().stopped_months_for(payment_ids))
    }

    async fn grace_ended(&self, now: Timestamp, limit: u32) -> Result<Vec<PaymentRecord>, LedgerError> {
        let tables = self.lock();
        let mut ended: Vec<&PaymentRecord> = tables
            .payments
            .values()
            .filter(|row| {
                row.renewal.renewed_by.is_none()
                    && !row.is_canceled()
                    && !row.is_refunded()
                    && row.renewal.lapsed_at.is_none()
                    && row.end_grace_at < now
            })
            .collect();
        ended.sort_by(|a, b| (a.end_grace_at, &a.transaction_key).cmp(&(b.end_grace_at, &b.transaction_key)));
        Ok(ended.into_iter().take(limit as usize).cloned().collect())
    }

    async fn claim_lease(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool, LedgerError> {
        Ok(self.lock().claim_lease(name, holder, ttl))
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<(), LedgerError> {
        self.lock().release_lease(name, holder);
        Ok(())
    }
}

/// Who holds a lease, until when (this process's monotonic clock).
#[derive(Debug, Clone)]
pub(super) struct Lease {
    holder: String,
    expires: Instant,
}

fn open(row: &PaymentRecord) -> bool {
    !row.is_canceled() && !row.is_refunded() && row.pending_charge().is_some()
}

impl Tables {
    fn open_renewals(
        &self,
        window: &RenewalWindow,
        after: Option<&RenewalCursor>,
        limit: u32,
    ) -> Vec<PaymentRecord> {
        let mut open: Vec<(crate::domain::timestamp::Timestamp, &PaymentRecord)> = self
            .payments
            .values()
            .filter(|row| open(row))
            .filter_map(|row| Some((row.pending_charge()?.at, row)))
            .filter(|(at, _)| *at >= window.from && *at < window.until)
            .filter(|(at, row)| {
                after.is_none_or(|cursor| (*at, &row.transaction_key) > (cursor.at, &cursor.transaction_key))
            })
            .collect();
        open.sort_by(|(a, x), (b, y)| (a, &x.transaction_key).cmp(&(b, &y.transaction_key)));
        open.into_iter()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|(_, row)| row.clone())
            .collect()
    }

    fn stopped_months_for(&self, payment_ids: &[PaymentId]) -> Vec<PaymentRecord> {
        self.payments
            .values()
            .filter(|row| {
                let charges = [Some(&row.next_schedule_id), row.renewal.retry_payment_id.as_ref()];
                charges.iter().flatten().any(|id| payment_ids.contains(id))
            })
            .filter(|row| row.renewal.renewed_by.is_none())
            .filter(|row| row.is_canceled() || row.is_refunded() || row.renewal.lapsed_at.is_some())
            .cloned()
            .collect()
    }

    fn claim_lease(&mut self, name: &str, holder: &str, ttl: Duration) -> bool {
        let now = Instant::now();
        let free = self
            .leases
            .get(name)
            .is_none_or(|lease| lease.expires < now || lease.holder == holder);
        if free {
            let lease = Lease {
                holder: holder.to_owned(),
                expires: now + ttl,
            };
            self.leases.insert(name.to_owned(), lease);
        }
        free
    }

    fn release_lease(&mut self, name: &str, holder: &str) {
        if self.leases.get(name).is_some_and(|lease| lease.holder == holder) {
            self.leases.remove(name);
        }
    }
}
