//! What a reconciliation pass reads, and the lease, out of the in-memory tables, with the
//! semantics of `open_renewals`, `stopped_months_for`, `claim_lease` and `release_lease`.

use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::domain::record::{PaymentRecord, CANCELLED_STATUS};
use crate::ports::{RenewalCursor, RenewalWindow};

use super::Tables;

/// Who holds a lease, until when (this process's monotonic clock).
#[derive(Debug, Clone)]
pub(super) struct Lease {
    holder: String,
    expires: Instant,
}

fn open(row: &PaymentRecord) -> bool {
    row.cancelled_at.is_none() && row.status != CANCELLED_STATUS && row.pending_charge().is_some()
}

impl Tables {
    pub(super) fn open_renewals(
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
                after.is_none_or(|cursor| {
                    (*at, row.transaction_key.as_str()) > (cursor.at, cursor.transaction_key.as_str())
                })
            })
            .collect();
        open.sort_by(|(a, x), (b, y)| (a, &x.transaction_key).cmp(&(b, &y.transaction_key)));
        open.into_iter()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|(_, row)| row.clone())
            .collect()
    }

    pub(super) fn stopped_months_for(&self, payment_ids: &[Uuid]) -> Vec<PaymentRecord> {
        self.payments
            .values()
            .filter(|row| {
                let charges = [Some(row.next_schedule_id), row.renewal.retry_payment_id];
                charges.iter().flatten().any(|id| payment_ids.contains(id))
            })
            .filter(|row| row.renewal.renewed_by.is_none())
            .filter(|row| {
                row.cancelled_at.is_some()
                    || row.status == CANCELLED_STATUS
                    || row.renewal.lapsed_at.is_some()
            })
            .cloned()
            .collect()
    }

    pub(super) fn claim_lease(&mut self, name: &str, holder: &str, ttl: Duration) -> bool {
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

    pub(super) fn release_lease(&mut self, name: &str, holder: &str) {
        if self.leases.get(name).is_some_and(|lease| lease.holder == holder) {
            self.leases.remove(name);
        }
    }
}
