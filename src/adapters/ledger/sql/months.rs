//! [`MonthLedger`] over the SQL functions: `record_month`,
//! `payment_by_transaction_key`, `renewal_of_payment`, `record_failed_attempt`, `mark_lapsed`,
//! `cancel_payment` and `ready`.

use super::{method, missing, SqlLedger};
use crate::adapters::ledger::args::{derived_id, int, opt_text, text, time, Arg};
use crate::adapters::ledger::row::parse_one;
use crate::domain::amount::Amount;
use crate::domain::attempt::{AfterFailure, FailedAttempt};
use crate::domain::payment_id::PaymentId;
use crate::domain::record::PaymentRecord;
use crate::domain::timestamp::Timestamp;
use crate::ports::ledger::LedgerResult;
use crate::ports::{AttemptRecorded, LedgerError, MonthLedger, Recorded, RenewalOf};

impl MonthLedger for SqlLedger {
    async fn record_paid(&self, record: &PaymentRecord) -> Result<Recorded, LedgerError> {
        const FUNCTION: &str = "record_month";
        // The month as the table's columns: a new column travels without a new signature.
        let month = serde_json::to_value(record).map_err(|e| LedgerError::InvalidResponse(e.to_string()))?;
        let args = vec![("p_month", Arg::Json(month))];
        let rows = self.call_rows(FUNCTION, args).await?;
        // The subscription's stored card, answered in the same call (null when none is stored).
        let payment_method = rows
            .first()
            .and_then(|row| row.get("payment_method"))
            .filter(|method| !method.is_null())
            .cloned()
            .map(method::parse)
            .transpose()?;
        let parsed = parse_one(rows)?.ok_or_else(|| missing(FUNCTION, "row"))?;
        Ok(Recorded {
            inserted: parsed.inserted.ok_or_else(|| missing(FUNCTION, "inserted"))?,
            record: parsed.record,
            renewed: parsed.renewed,
            payment_method,
        })
    }

    async fn find(&self, transaction_key: &PaymentId) -> LedgerResult {
        let args = vec![("p_transaction_key", text(transaction_key))];
        self.record("payment_by_transaction_key", args).await
    }

    async fn renewal_of(&self, payment_id: &PaymentId) -> Result<Option<RenewalOf>, LedgerError> {
        const FUNCTION: &str = "renewal_of_payment";
        let args = vec![("p_payment_id", text(payment_id))];
        let Some(parsed) = self.one(FUNCTION, args).await? else {
            return Ok(None);
        };
        Ok(Some(RenewalOf {
            attempt: parsed.attempt.ok_or_else(|| missing(FUNCTION, "attempt"))?,
            month: parsed.record,
        }))
    }

    async fn record_failed_attempt(
        &self,
        attempt: &FailedAttempt,
        after: &AfterFailure,
    ) -> Result<Option<AttemptRecorded>, LedgerError> {
        const FUNCTION: &str = "record_failed_attempt";
        let failure = &attempt.failure;
        let (limit, retry, lapsed_at) = match after {
            AfterFailure::Retry {
                limit,
                payment_id,
                slot,
                ..
            } => (*limit, Some((payment_id, *slot)), None),
            AfterFailure::Lapse { limit, at } => (*limit, None, Some(*at)),
        };
        let args = vec![
            ("p_renewed_key", text(&attempt.renewed_key)),
            ("p_attempt", int(attempt.attempt)),
            ("p_payment_id", text(&attempt.payment_id)),
            ("p_failure_reason", opt_text(failure.reason.as_ref())),
            ("p_pg_code", opt_text(failure.pg_code.as_ref())),
            ("p_pg_message", opt_text(failure.pg_message.as_ref())),
            ("p_failed_at", time(Some(attempt.failed_at))),
            ("p_retry_limit", int(limit)),
            ("p_retry_payment_id", derived_id(retry.map(|(id, _)| id))?),
            ("p_retry_at", time(retry.map(|(_, slot)| slot.at))),
            ("p_retry_grace", time(retry.map(|(_, slot)| slot.grace_until))),
            ("p_lapsed_at", time(lapsed_at)),
        ];
        let Some(parsed) = self.one(FUNCTION, args).await? else {
            return Ok(None);
        };
        Ok(Some(AttemptRecorded {
            inserted: parsed.inserted.ok_or_else(|| missing(FUNCTION, "inserted"))?,
            month: parsed.record,
        }))
    }

    async fn open_recovery_charge(
        &self,
        transaction_key: &PaymentId,
        payment_id: &PaymentId,
        at: Timestamp,
    ) -> LedgerResult {
        let args = vec![
            ("p_transaction_key", text(transaction_key)),
            ("p_payment_id", derived_id(Some(payment_id))?),
            ("p_at", time(Some(at))),
        ];
        self.record("open_recovery_charge", args).await
    }

    async fn mark_lapsed(&self, transaction_key: &PaymentId, at: Timestamp) -> LedgerResult {
        let args = vec![
            ("p_transaction_key", text(transaction_key)),
            ("p_lapsed_at", time(Some(at))),
        ];
        self.record("mark_lapsed", args).await
    }

    async fn record_refund(
        &self,
        transaction_key: &PaymentId,
        refunded_amount: Amount,
        at: Timestamp,
    ) -> LedgerResult {
        let args = vec![
            ("p_transaction_key", text(transaction_key)),
            ("p_refunded_amount", Arg::OptBigInt(Some(refunded_amount.value()))),
            ("p_at", time(Some(at))),
        ];
        self.record("record_refund", args).await
    }

    async fn mark_cancelled(&self, transaction_key: &PaymentId, at: Timestamp) -> LedgerResult {
        let args = vec![
            ("p_transaction_key", text(transaction_key)),
            ("p_at", time(Some(at))),
        ];
        self.record("cancel_payment", args).await
    }
}
