//! JSON of the `record_paid_payment` call: named parameters in, one row with `inserted` out.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::domain::amount::Amount;
use crate::domain::record::PaymentRecord;
use crate::domain::timestamp::Timestamp;
use crate::ports::{LedgerError, Recorded};

/// The function's parameters; PostgREST matches them by name.
#[derive(Debug, Serialize)]
pub(super) struct RecordPaidParams<'a> {
    p_transaction_key: &'a str,
    p_amount: i64,
    p_status: &'a str,
    p_start_at: Timestamp,
    p_end_at: Timestamp,
    p_end_grace_at: Timestamp,
    p_next_schedule_at: Timestamp,
    p_next_schedule_id: Uuid,
}

impl<'a> From<&'a PaymentRecord> for RecordPaidParams<'a> {
    fn from(record: &'a PaymentRecord) -> Self {
        Self {
            p_transaction_key: &record.transaction_key,
            p_amount: record.amount.value(),
            p_status: &record.status,
            p_start_at: record.start_at,
            p_end_at: record.end_at,
            p_end_grace_at: record.end_grace_at,
            p_next_schedule_at: record.next_schedule_at,
            p_next_schedule_id: record.next_schedule_id,
        }
    }
}

/// The row the function returns (PostgREST writes `timestamptz` as `2024-01-01T00:00:00+00:00`).
#[derive(Debug, Deserialize)]
pub(super) struct RecordedRow {
    transaction_key: String,
    amount: i64,
    status: String,
    start_at: DateTime<Utc>,
    end_at: DateTime<Utc>,
    end_grace_at: DateTime<Utc>,
    next_schedule_at: DateTime<Utc>,
    next_schedule_id: Uuid,
    inserted: bool,
}

impl RecordedRow {
    pub(super) fn parse(value: Value) -> Result<Recorded, LedgerError> {
        let row: Self =
            serde_json::from_value(value).map_err(|e| LedgerError::InvalidResponse(e.to_string()))?;
        let amount = Amount::new(row.amount).map_err(|e| LedgerError::InvalidResponse(e.to_string()))?;
        Ok(Recorded {
            record: PaymentRecord {
                transaction_key: row.transaction_key,
                amount,
                status: row.status,
                start_at: row.start_at.into(),
                end_at: row.end_at.into(),
                end_grace_at: row.end_grace_at.into(),
                next_schedule_at: row.next_schedule_at.into(),
                next_schedule_id: row.next_schedule_id,
            },
            inserted: row.inserted,
        })
    }
}
