//! [`ReconcileLedger`] over the SQL functions: `open_renewals`, `stopped_months_for`,
//! `claim_lease` and `release_lease`.

use std::time::Duration;

use crate::domain::payment_id::PaymentId;

use super::SqlLedger;
use crate::adapters::ledger::args::{derived_ids, int, opt_text, text, time};
use crate::domain::record::PaymentRecord;
use crate::domain::timestamp::Timestamp;
use crate::ports::{LedgerError, ReconcileLedger, RenewalCursor, RenewalWindow};

impl ReconcileLedger for SqlLedger {
    async fn open_renewals(
        &self,
        window: &RenewalWindow,
        after: Option<&RenewalCursor>,
        limit: u32,
    ) -> Result<Vec<PaymentRecord>, LedgerError> {
        let args = vec![
            ("p_from", time(Some(window.from))),
            ("p_until", time(Some(window.until))),
            ("p_after_at", time(after.map(|cursor| cursor.at))),
            (
                "p_after_key",
                opt_text(after.map(|cursor| &cursor.transaction_key)),
            ),
            ("p_limit", int(limit)),
        ];
        self.records("open_renewals", args).await
    }

    async fn stopped_months_for(&self, payment_ids: &[PaymentId]) -> Result<Vec<PaymentRecord>, LedgerError> {
        let args = vec![("p_payment_ids", derived_ids(payment_ids))];
        self.records("stopped_months_for", args).await
    }

    async fn grace_ended(&self, now: Timestamp, limit: u32) -> Result<Vec<PaymentRecord>, LedgerError> {
        let args = vec![("p_at", time(Some(now))), ("p_limit", int(limit))];
        self.records("grace_ended", args).await
    }

    async fn claim_lease(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool, LedgerError> {
        let seconds = u32::try_from(ttl.as_secs().max(1)).unwrap_or(u32::MAX);
        let args = vec![
            ("p_name", text(name)),
            ("p_holder", text(holder)),
            ("p_seconds", int(seconds)),
        ];
        Ok(!self.call_rows("claim_lease", args).await?.is_empty())
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<(), LedgerError> {
        let args = vec![("p_name", text(name)), ("p_holder", text(holder))];
        self.call_rows("release_lease", args).await.map(|_| ())
    }
}
