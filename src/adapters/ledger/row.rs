//! A `payment` row as the SQL functions return it: `to_jsonb(p)`, plus what some functions add:
//! `inserted`, `renewed` (a second row), `attempt`, and `attempts` (`renewal_attempt` rows).
//! PostgreSQL writes `timestamptz` in JSON as `2024-01-01T00:00:00.123+00:00`.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use crate::domain::amount::Amount;
use crate::domain::attempt::FailedAttempt;
use crate::domain::currency::Currency;
use crate::domain::interval::PeriodRule;
use crate::domain::payment::PaymentFailure;
use crate::domain::payment_id::PaymentId;
use crate::domain::plan::PlanId;
use crate::domain::proration_record::InEffect;
use crate::domain::quantity::Quantity;
use crate::domain::record::{MonthStatus, NextTerms, PaymentRecord, Renewal};
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
    #[serde(default)]
    customer_id: Option<String>,
    #[serde(default)]
    order_name: Option<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    subscription_id: Option<String>,
    #[serde(default)]
    next_amount: Option<i64>,
    #[serde(default)]
    next_order_name: Option<String>,
    #[serde(default)]
    next_currency: Option<String>,
    #[serde(default)]
    plan_id: Option<String>,
    #[serde(default)]
    next_plan_id: Option<String>,
    #[serde(default)]
    period_interval: Option<String>,
    #[serde(default)]
    period_interval_count: Option<i64>,
    #[serde(default)]
    anchor_at: Option<DateTime<Utc>>,
    #[serde(default)]
    refunded_amount: Option<i64>,
    #[serde(default)]
    quantity: Option<i64>,
    #[serde(default)]
    next_quantity: Option<i64>,
    #[serde(default)]
    current_plan_id: Option<String>,
    #[serde(default)]
    current_quantity: Option<i64>,
    #[serde(default)]
    current_amount: Option<i64>,
    #[serde(default)]
    receipt_url: Option<String>,
    #[serde(default)]
    billing_number: Option<String>,
    /// Written by this service as a [`Discount`]; anything else (edited by hand) is no discount.
    #[serde(default)]
    discount: Option<serde_json::Value>,
    #[serde(default)]
    discount_amount: Option<i64>,
    #[serde(default)]
    next_discount: Option<serde_json::Value>,
}

/// A `discount`/`next_discount` column: `None` for null or a shape that is not a [`Discount`].
fn discount(value: Option<serde_json::Value>) -> Option<crate::domain::discount::Discount> {
    value.and_then(|value| serde_json::from_value(value).ok())
}

/// A `renewal_attempt` row.
#[derive(Debug, Deserialize)]
struct AttemptRow {
    renewed_key: String,
    attempt: u32,
    payment_id: String,
    #[serde(default)]
    failure_reason: Option<String>,
    #[serde(default)]
    pg_code: Option<String>,
    #[serde(default)]
    pg_message: Option<String>,
    failed_at: DateTime<Utc>,
}

/// One answer row: the payment row and what the function added to it.
#[derive(Debug)]
pub(super) struct Parsed {
    pub record: PaymentRecord,
    pub inserted: Option<bool>,
    pub renewed: Option<PaymentRecord>,
    pub attempt: Option<u32>,
    pub attempts: Vec<FailedAttempt>,
}

#[derive(Debug, Deserialize)]
struct Extras {
    #[serde(default)]
    inserted: Option<bool>,
    #[serde(default)]
    renewed: Option<Value>,
    #[serde(default)]
    attempt: Option<u32>,
    #[serde(default)]
    attempts: Vec<AttemptRow>,
}

fn time(value: Option<DateTime<Utc>>) -> Option<Timestamp> {
    value.map(Timestamp::from_utc)
}

fn invalid(error: impl std::fmt::Display) -> LedgerError {
    LedgerError::InvalidResponse(error.to_string())
}

fn key(value: String) -> Result<PaymentId, LedgerError> {
    PaymentId::parse(value).map_err(invalid)
}

/// A stored plan id; one this build cannot read (written by hand, say) is left out rather than
/// failing the row: it only labels the month, and billing must go on.
fn plan(value: String) -> Option<PlanId> {
    PlanId::parse(value).ok()
}

/// A stored quantity; the column's check keeps it in range, and a row from before seats has
/// none (one seat).
fn seats(value: Option<i64>) -> Option<Quantity> {
    value.and_then(|q| Quantity::new(q).ok())
}

pub(super) fn record(value: Value) -> Result<PaymentRecord, LedgerError> {
    let row: Row = serde_json::from_value(value).map_err(invalid)?;
    let amount = Amount::new(row.amount).map_err(invalid)?;
    let next_amount = row.next_amount.map(Amount::new).transpose().map_err(invalid)?;
    Ok(PaymentRecord {
        transaction_key: key(row.transaction_key)?,
        amount,
        status: MonthStatus::from_column(&row.status),
        start_at: row.start_at.into(),
        end_at: row.end_at.into(),
        end_grace_at: row.end_grace_at.into(),
        next_schedule_at: row.next_schedule_at.into(),
        next_schedule_id: PaymentId::from_uuid(row.next_schedule_id),
        canceled_at: time(row.canceled_at),
        resumed_at: time(row.resumed_at),
        renewal: Renewal {
            renewal_attempts: row.renewal_attempts,
            retry_limit: row.retry_limit,
            retry_payment_id: row.retry_payment_id.map(PaymentId::from_uuid),
            retry_at: time(row.retry_at),
            last_failure_reason: row.last_failure_reason,
            lapsed_at: time(row.lapsed_at),
            renewed_by: row.renewed_by.map(key).transpose()?,
        },
        customer_id: row.customer_id,
        order_name: row.order_name,
        currency: row.currency.map(Currency::reported),
        subscription_id: row.subscription_id,
        plan_id: row.plan_id.and_then(plan),
        quantity: seats(row.quantity).unwrap_or_default(),
        // Written together by `settle_proration`: an amount means an upgrade happened.
        in_effect: match row.current_amount {
            Some(amount) => Some(InEffect {
                plan_id: row.current_plan_id.and_then(plan),
                quantity: seats(row.current_quantity).unwrap_or_default(),
                amount: Amount::new(amount).map_err(invalid)?,
            }),
            None => None,
        },
        refunded_amount: row
            .refunded_amount
            .map(Amount::new)
            .transpose()
            .map_err(invalid)?,
        next_terms: NextTerms {
            next_amount,
            next_order_name: row.next_order_name,
            next_currency: row.next_currency.map(Currency::reported),
            next_plan_id: row.next_plan_id.and_then(plan),
            next_quantity: seats(row.next_quantity),
        },
        period_rule: PeriodRule::from_columns(
            row.period_interval.as_deref(),
            row.period_interval_count,
            time(row.anchor_at),
        ),
        receipt_url: row.receipt_url,
        billing_number: row.billing_number,
        discount: discount(row.discount),
        discount_amount: Amount::new(row.discount_amount.unwrap_or(0)).map_err(invalid)?,
        next_discount: discount(row.next_discount),
    })
}

fn attempt(row: AttemptRow) -> Result<FailedAttempt, LedgerError> {
    Ok(FailedAttempt {
        renewed_key: key(row.renewed_key)?,
        attempt: row.attempt,
        payment_id: key(row.payment_id)?,
        failure: PaymentFailure {
            reason: row.failure_reason,
            pg_code: row.pg_code,
            pg_message: row.pg_message,
        },
        failed_at: Timestamp::from_utc(row.failed_at),
    })
}

/// Every row of a function's answer.
///
/// # Errors
/// [`LedgerError::InvalidResponse`] for a row that is not a payment.
pub(super) fn parse_all(rows: Vec<Value>) -> Result<Vec<Parsed>, LedgerError> {
    rows.into_iter().map(parse).collect()
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
    rows.into_iter().next().map(parse).transpose()
}

/// Splits what a function added off the row (no copy of the row), then reads both.
fn parse(value: Value) -> Result<Parsed, LedgerError> {
    let Value::Object(mut row) = value else {
        return Err(invalid("a row is not a JSON object"));
    };
    let mut extras = serde_json::Map::new();
    for key in ["inserted", "renewed", "attempt", "attempts"] {
        if let Some(extra) = row.remove(key) {
            extras.insert(key.to_owned(), extra);
        }
    }
    let extras: Extras = serde_json::from_value(Value::Object(extras)).map_err(invalid)?;
    let renewed = match extras.renewed {
        None | Some(Value::Null) => None,
        Some(renewed) => Some(record(renewed)?),
    };
    Ok(Parsed {
        record: record(Value::Object(row))?,
        inserted: extras.inserted,
        renewed,
        attempt: extras.attempt,
        attempts: extras
            .attempts
            .into_iter()
            .map(attempt)
            .collect::<Result<_, _>>()?,
    })
}
