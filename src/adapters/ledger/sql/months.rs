//! Writes and reads of single months: `record_subscription_month`, `payment_by_transaction_key`,
//! `cancel_payment`, `set_subscription_state`, `set_next_terms`.

use super::{missing, text, time, Arg, SqlLedger};
use crate::domain::record::{NextTerms, PaymentRecord};
use crate::domain::timestamp::Timestamp;
use crate::ports::ledger::LedgerResult;
use crate::ports::{LedgerError, Recorded};

impl SqlLedger {
    pub(super) async fn record_month(&self, record: &PaymentRecord) -> Result<Recorded, LedgerError> {
        const FUNCTION: &str = "record_subscription_month";
        let args = vec![
            ("p_transaction_key", text(&record.transaction_key)),
            ("p_amount", Arg::BigInt(record.amount.value())),
            ("p_status", text(&record.status)),
            ("p_start_at", time(Some(record.start_at))),
            ("p_end_at", time(Some(record.end_at))),
            ("p_end_grace_at", time(Some(record.end_grace_at))),
            ("p_next_schedule_at", time(Some(record.next_schedule_at))),
            ("p_next_schedule_id", Arg::Uuid(Some(record.next_schedule_id))),
            ("p_customer_id", Arg::Text(record.customer_id.clone())),
            ("p_order_name", Arg::Text(record.order_name.clone())),
            ("p_currency", Arg::Text(record.currency.clone())),
        ];
        let parsed = self
            .one(FUNCTION, args)
            .await?
            .ok_or_else(|| missing(FUNCTION, "row"))?;
        Ok(Recorded {
            inserted: parsed.inserted.ok_or_else(|| missing(FUNCTION, "inserted"))?,
            record: parsed.record,
            renewed: parsed.renewed,
        })
    }

    pub(super) async fn find_month(&self, transaction_key: &str) -> LedgerResult {
        let args = vec![("p_transaction_key", text(transaction_key))];
        self.record("payment_by_transaction_key", args).await
    }

    pub(super) async fn cancel_month(&self, transaction_key: &str) -> LedgerResult {
        let args = vec![("p_transaction_key", text(transaction_key))];
        self.record("cancel_payment", args).await
    }

    pub(super) async fn write_subscription_state(
        &self,
        transaction_key: &str,
        cancelled_at: Option<Timestamp>,
        resumed_at: Option<Timestamp>,
    ) -> LedgerResult {
        let args = vec![
            ("p_transaction_key", text(transaction_key)),
            ("p_canceled_at", time(cancelled_at)),
            ("p_resumed_at", time(resumed_at)),
        ];
        self.record("set_subscription_state", args).await
    }

    pub(super) async fn write_next_terms(&self, transaction_key: &str, terms: &NextTerms) -> LedgerResult {
        let args = vec![
            ("p_transaction_key", text(transaction_key)),
            (
                "p_next_amount",
                Arg::OptBigInt(terms.next_amount.map(|a| a.value())),
            ),
            ("p_next_order_name", Arg::Text(terms.next_order_name.clone())),
            ("p_next_currency", Arg::Text(terms.next_currency.clone())),
        ];
        self.record("set_next_terms", args).await
    }
}
