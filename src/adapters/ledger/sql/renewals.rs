//! Declined renewals: `renewal_of_payment`, `record_failed_attempt`, `mark_lapsed`.

use super::{int, missing, text, time, Arg, SqlLedger};
use crate::domain::attempt::{AfterFailure, FailedAttempt};
use crate::domain::timestamp::Timestamp;
use crate::ports::ledger::LedgerResult;
use crate::ports::{AttemptRecorded, LedgerError, RenewalOf};

impl SqlLedger {
    pub(super) async fn find_renewal(&self, payment_id: &str) -> Result<Option<RenewalOf>, LedgerError> {
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

    pub(super) async fn record_attempt(
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
            } => (*limit, Some((*payment_id, *slot)), None),
            AfterFailure::Lapse { limit, at } => (*limit, None, Some(*at)),
        };
        let args = vec![
            ("p_renewed_key", text(&attempt.renewed_key)),
            ("p_attempt", int(attempt.attempt)),
            ("p_payment_id", text(&attempt.payment_id)),
            ("p_failure_reason", Arg::Text(failure.reason.clone())),
            ("p_pg_code", Arg::Text(failure.pg_code.clone())),
            ("p_pg_message", Arg::Text(failure.pg_message.clone())),
            ("p_failed_at", time(Some(attempt.failed_at))),
            ("p_retry_limit", int(limit)),
            ("p_retry_payment_id", Arg::Uuid(retry.map(|(id, _)| id))),
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

    pub(super) async fn lapse(&self, transaction_key: &str, at: Timestamp) -> LedgerResult {
        let args = vec![
            ("p_transaction_key", text(transaction_key)),
            ("p_lapsed_at", time(Some(at))),
        ];
        self.record("mark_lapsed", args).await
    }
}
