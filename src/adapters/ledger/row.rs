//! A `payment` row as the SQL functions return it: `to_jsonb(p)`, plus `inserted` from
//! `record_paid_payment`. PostgreSQL writes `timestamptz` in JSON as `2024-01-01T00:00:00.123+00:00`.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use crate::domain::amount::Amount;
use crate::domain::record::PaymentRecord;
use crate::ports::LedgerError;

#[derive(Debug, Deserialize)]
struct Row {
    transaction_key: String,
    amount: i64,
    status: String,
    start_at: DateTime<Utc>,
    end_at: DateTime<Utc>,
    end_grace_at: DateTime<Utc>,
    next_schedule_at: DateTime<Utc>,
    next_schedule_id: Uuid,
    #[serde(default)]
    canceled_at: Option<DateTime<Utc>>,
    #[serde(default)]
    resumed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    inserted: Option<bool>,
}

/// The single row of a function's answer (with its `inserted` flag, if any), or `None`.
///
/// # Errors
/// [`LedgerError::InvalidResponse`] for more than one row or a row that is not a payment.
pub(super) fn parse_one(rows: Vec<Value>) -> Result<Option<(PaymentRecord, Option<bool>)>, LedgerError> {
    if rows.len() > 1 {
        return Err(LedgerError::InvalidResponse(format!(
            "expected at most one row, got {}",
            rows.len()
        )));
    }
    let Some(value) = rows.into_iter().next() else {
        return Ok(None);
    };
    let row: Row = serde_json::from_value(value).map_err(|e| LedgerError::InvalidResponse(e.to_string()))?;
    let amount = Amount::new(row.amount).map_err(|e| LedgerError::InvalidResponse(e.to_string()))?;
    let record = PaymentRecord {
        transaction_key: row.transaction_key,
        amount,
        status: row.status,
        start_at: row.start_at.into(),
        end_at: row.end_at.into(),
        end_grace_at: row.end_grace_at.into(),
        next_schedule_at: row.next_schedule_at.into(),
        next_schedule_id: row.next_schedule_id,
        cancelled_at: row.canceled_at.map(Into::into),
        resumed_at: row.resumed_at.map(Into::into),
    };
    Ok(Some((record, row.inserted)))
}
