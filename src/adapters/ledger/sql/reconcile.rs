//! What a reconciliation pass reads and the lease it holds: `open_renewals`,
//! `stopped_months_for`, `claim_lease`, `release_lease`.

use std::time::Duration;

use uuid::Uuid;

use super::{int, row, text, time, Arg, SqlLedger};
use crate::domain::record::PaymentRecord;
use crate::ports::{LedgerError, RenewalCursor, RenewalWindow};

impl SqlLedger {
    pub(super) async fn read_open_renewals(
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
                Arg::Text(after.map(|cursor| cursor.transaction_key.clone())),
            ),
            ("p_limit", int(limit)),
        ];
        self.records("open_renewals", args).await
    }

    pub(super) async fn read_stopped_months(
        &self,
        payment_ids: &[Uuid],
    ) -> Result<Vec<PaymentRecord>, LedgerError> {
        let args = vec![("p_payment_ids", Arg::UuidArray(payment_ids.to_vec()))];
        self.records("stopped_months_for", args).await
    }

    pub(super) async fn claim(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool, LedgerError> {
        let seconds = u32::try_from(ttl.as_secs().max(1)).unwrap_or(u32::MAX);
        let args = vec![
            ("p_name", text(name)),
            ("p_holder", text(holder)),
            ("p_seconds", int(seconds)),
        ];
        Ok(!self.call_rows("claim_lease", args).await?.is_empty())
    }

    pub(super) async fn release(&self, name: &str, holder: &str) -> Result<(), LedgerError> {
        let args = vec![("p_name", text(name)), ("p_holder", text(holder))];
        self.call_rows("release_lease", args).await.map(|_| ())
    }

    async fn records(
        &self,
        function: &'static str,
        args: super::Args,
    ) -> Result<Vec<PaymentRecord>, LedgerError> {
        let rows = self.call_rows(function, args).await?;
        Ok(row::parse_all(rows)?
            .into_iter()
            .map(|parsed| parsed.record)
            .collect())
    }
}
