//! [`CheckoutLedger`] over the SQL functions `claim_checkout`, `complete_checkout`,
//! `release_checkout` and `take_charge_slot`.

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use super::{missing, SqlLedger};
use crate::adapters::ledger::args::{int, text, time, Arg};
use crate::adapters::ledger::stored_answer;
use crate::domain::answer::Answer;
use crate::domain::charge_limit::{ChargeLimit, ChargeSlot};
use crate::domain::customer_id::CustomerId;
use crate::domain::payment_id::PaymentId;
use crate::domain::timestamp::Timestamp;
use crate::ports::{CheckoutClaim, CheckoutKey, CheckoutLedger, LedgerError};

#[derive(Debug, Deserialize)]
struct ClaimRow {
    claim: String,
    #[serde(default)]
    response_status: Option<u16>,
    #[serde(default)]
    response: Option<Value>,
    /// Until a running claim's lease ends, for `in_progress` and `busy`.
    #[serde(default)]
    retry_after_seconds: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct SlotRow {
    taken: bool,
    #[serde(default)]
    retry_after_seconds: Option<u64>,
}

fn key_args(key: &CheckoutKey<'_>) -> crate::adapters::ledger::args::Args {
    vec![
        ("p_customer_id", text(key.customer_id)),
        ("p_key", text(key.idempotency_key)),
    ]
}

impl CheckoutLedger for SqlLedger {
    async fn claim_checkout(
        &self,
        key: &CheckoutKey<'_>,
        request_hash: &str,
        payment_id: &PaymentId,
        lease: Duration,
    ) -> Result<CheckoutClaim, LedgerError> {
        const FUNCTION: &str = "claim_checkout";
        let seconds = u32::try_from(lease.as_secs().max(1)).unwrap_or(u32::MAX);
        let mut args = key_args(key);
        args.extend([
            ("p_request_hash", text(request_hash)),
            ("p_payment_id", text(payment_id)),
            ("p_seconds", int(seconds)),
        ]);
        let row = self
            .call_rows(FUNCTION, args)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| missing(FUNCTION, "claim"))?;
        let row: ClaimRow =
            serde_json::from_value(row).map_err(|e| LedgerError::InvalidResponse(e.to_string()))?;
        Ok(match row.claim.as_str() {
            "claimed" => CheckoutClaim::Claimed,
            "in_progress" => CheckoutClaim::InProgress {
                retry_after_seconds: row.retry_after_seconds.unwrap_or(1).max(1),
            },
            "busy" => CheckoutClaim::Busy {
                retry_after_seconds: row.retry_after_seconds.unwrap_or(1).max(1),
            },
            "mismatch" => CheckoutClaim::Mismatch,
            "completed" => CheckoutClaim::Completed(stored_answer::stored(
                row.response_status
                    .ok_or_else(|| missing(FUNCTION, "response_status"))?,
                row.response.unwrap_or(Value::Null),
            )),
            other => {
                return Err(LedgerError::InvalidResponse(format!(
                    "{FUNCTION} answered claim {other:?}"
                )))
            }
        })
    }

    async fn complete_checkout(&self, key: &CheckoutKey<'_>, answer: &Answer) -> Result<(), LedgerError> {
        let status = stored_answer::status_of(answer.ending);
        let mut args = key_args(key);
        args.extend([
            ("p_response_status", int(u32::from(status))),
            ("p_response", Arg::Json(stored_answer::document_of(answer)?)),
        ]);
        self.call_rows("complete_checkout", args).await.map(drop)
    }

    async fn release_checkout(&self, key: &CheckoutKey<'_>) -> Result<(), LedgerError> {
        self.call_rows("release_checkout", key_args(key)).await.map(drop)
    }

    async fn take_charge_slot(
        &self,
        customer_id: &CustomerId,
        limit: &ChargeLimit,
        now: Timestamp,
    ) -> Result<ChargeSlot, LedgerError> {
        const FUNCTION: &str = "take_charge_slot";
        let args = vec![
            ("p_customer_id", text(customer_id)),
            ("p_limit", int(limit.per_window)),
            ("p_window_seconds", int(limit.window_seconds())),
            ("p_now", time(Some(now))),
        ];
        let row = self
            .call_rows(FUNCTION, args)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| missing(FUNCTION, "taken"))?;
        let row: SlotRow =
            serde_json::from_value(row).map_err(|e| LedgerError::InvalidResponse(e.to_string()))?;
        Ok(if row.taken {
            ChargeSlot::Taken
        } else {
            ChargeSlot::Full {
                retry_after_seconds: row.retry_after_seconds.unwrap_or(1).max(1),
            }
        })
    }
}
