//! A `payment` row as the SQL functions return it: `to_jsonb(p)`, plus what some functions add:
//! `inserted`, `renewed` (a second row) and `attempt`. PostgreSQL writes `timestamptz` in JSON as
//! `2024-01-01T00:00:00.123+00:00`.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use crate::domain::amount::Amount;
use crate::domain::record::{PaymentRecord, Renewal};
use crate::domain::timestamp::Timestamp;
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
    renewal_attempts: u32,
    #[serde(default)]
    retry_limit: Option<u32>,
    #[serde(default)]
    retry_payment_id: Option<Uuid>,
    #[serde(default)]
    retry_at: Option<DateTime<Utc>>,
    #[serde(default)]
    last_failure_reason: Option<String>,
    #[serde(default)]
    lapsed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    renewed_by: Option<String>,
}

/// One answer row: the payment row and what the function added to it.
#[derive(Debug)]
pub(super) struct Parsed {
    pub record: PaymentRecord,
    pub inserted: Option<bool>,
    pub renewed: Option<PaymentRecord>,
    pub attempt: Option<u32>,
}

#[derive(Debug, Deserialize)]
struct Extras {
    #[serde(default)]
    inserted: Option<bool>,
    #[serde(default)]
    renewed: Option<Value>,
    #[serde(default)]
    attempt: Option<u32>,
}

fn time(value: Option<DateTime<Utc>>) -> Option<Timestamp> {
    value.map(Timestamp::from_utc)
}

fn record(value: Value) -> Result<PaymentRecord, LedgerError> {
    let row: Row = serde_json::from_value(value).map_err(|e| LedgerError::InvalidResponse(e.to_string()))?;
    let amount = Amount::new(row.amount).map_err(|e| LedgerError::InvalidResponse(e.to_string()))?;
    Ok(PaymentRecord {
        transaction_key: row.transaction_key,
        amount,
        status: row.status,
        start_at: row.start_at.into(),
        end_at: row.end_at.into(),
        end_grace_at: row.end_grace_at.into(),
        next_schedule_at: row.next_schedule_at.into(),
        next_schedule_id: row.next_schedule_id,
        cancelled_at: time(row.canceled_at),
        resumed_at: time(row.resumed_at),
        renewal: Renewal {
            renewal_attempts: row.renewal_attempts,
            retry_limit: row.retry_limit,
            retry_payment_id: row.retry_payment_id,
            retry_at: time(row.retry_at),
            last_failure_reason: row.last_failure_reason,
            lapsed_at: time(row.lapsed_at),
            renewed_by: row.renewed_by,
        },
    })
}

/// The single row of a function's answer, or `None`.
///
/// # Errors
/// [`LedgerError::InvalidResponse`] for more than one row or a row that is not a payment.
pub(super) fn parse_one(rows: Vec<Value>) -> Result<Option<Parsed>, LedgerError> {
    if rows.len() > 1 {
        return Err(LedgerError::InvalidResponse(format!(
            "expected at most one row, got {}",
            rows.len()
        )));
    }
    let Some(value) = rows.into_iter().next() else {
        return Ok(None);
    };
    let extras: Extras =
        serde_json::from_value(value.clone()).map_err(|e| LedgerError::InvalidResponse(e.to_string()))?;
    let renewed = match extras.renewed {
        None | Some(Value::Null) => None,
        Some(row) => Some(record(row)?),
    };
    Ok(Some(Parsed {
        record: record(value)?,
        inserted: extras.inserted,
        renewed,
        attempt: extras.attempt,
    }))
}
