//! [`ProrationLedger`] over the SQL functions `begin_proration`, `fail_proration`,
//! `settle_proration`, `mark_proration_rescheduled` and `subscription_prorations`.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{missing, row, SqlLedger};
use crate::adapters::ledger::args::{text, time, Arg};
use crate::domain::amount::Amount;
use crate::domain::currency::Currency;
use crate::domain::payment_id::PaymentId;
use crate::domain::plan::PlanId;
use crate::domain::proration_record::{InEffect, Proration, ProrationStatus};
use crate::domain::quantity::Quantity;
use crate::domain::timestamp::Timestamp;
use crate::ports::{LedgerError, ProrationBegun, ProrationLedger, Settled};

/// A `proration` row as `to_jsonb` writes it.
#[derive(Debug, Deserialize)]
struct Row {
    payment_id: String,
    subscription_id: String,
    month_key: String,
    customer_id: Option<String>,
    from_plan_id: Option<String>,
    from_quantity: i64,
    from_amount: i64,
    to_plan_id: Option<String>,
    to_quantity: i64,
    to_amount: i64,
    order_name: String,
    currency: String,
    amount: i64,
    period_start: DateTime<Utc>,
    period_end: DateTime<Utc>,
    request_hash: String,
    status: String,
    failure_reason: Option<String>,
    paid_at: Option<DateTime<Utc>>,
    rescheduled_at: Option<DateTime<Utc>>,
    refunded_amount: Option<i64>,
    created_at: DateTime<Utc>,
    #[serde(default)]
    billing_number: Option<String>,
}

fn invalid(error: impl std::fmt::Display) -> LedgerError {
    LedgerError::InvalidResponse(error.to_string())
}

fn terms(plan_id: Option<String>, quantity: i64, amount: i64) -> Result<InEffect, LedgerError> {
    Ok(InEffect {
        plan_id: plan_id.and_then(|plan| PlanId::parse(plan).ok()),
        quantity: Quantity::new(quantity).map_err(invalid)?,
        amount: Amount::new(amount).map_err(invalid)?,
    })
}

fn parse(value: Value) -> Result<Proration, LedgerError> {
    let row: Row = serde_json::from_value(value).map_err(invalid)?;
    let key = |text: String| PaymentId::parse(text).map_err(invalid);
    Ok(Proration {
        payment_id: key(row.payment_id)?,
        subscription_id: row.subscription_id,
        month_key: key(row.month_key)?,
        customer_id: row.customer_id,
        from: terms(row.from_plan_id, row.from_quantity, row.from_amount)?,
        to: terms(row.to_plan_id, row.to_quantity, row.to_amount)?,
        order_name: row.order_name,
        currency: Currency::reported(row.currency),
        amount: Amount::new(row.amount).map_err(invalid)?,
        period_start: row.period_start.into(),
        period_end: row.period_end.into(),
        request_hash: row.request_hash,
        status: ProrationStatus::from_column(&row.status),
        failure_reason: row.failure_reason,
        paid_at: row.paid_at.map(Timestamp::from_utc),
        rescheduled_at: row.rescheduled_at.map(Timestamp::from_utc),
        refunded_amount: row
            .refunded_amount
            .map(Amount::new)
            .transpose()
            .map_err(invalid)?,
        created_at: row.created_at.into(),
        billing_number: row.billing_number,
    })
}

/// The row's columns, flat, as `begin_proration` inserts them.
fn columns(p: &Proration) -> Value {
    json!({
        "payment_id": p.payment_id, "subscription_id": p.subscription_id, "month_key": p.month_key,
        "customer_id": p.customer_id,
        "from_plan_id": p.from.plan_id, "from_quantity": p.from.quantity, "from_amount": p.from.amount,
        "to_plan_id": p.to.plan_id, "to_quantity": p.to.quantity, "to_amount": p.to.amount,
        "order_name": p.order_name, "currency": p.currency, "amount": p.amount,
        "period_start": p.period_start, "period_end": p.period_end, "request_hash": p.request_hash,
        "status": p.status.as_str(), "created_at": p.created_at,
    })
}

/// `begin_proration`'s and `settle_proration`'s answer.
#[derive(Debug, Deserialize)]
struct Answer {
    #[serde(default)]
    outcome: Option<String>,
    #[serde(default)]
    proration: Option<Value>,
    #[serde(default)]
    month: Option<Value>,
    #[serde(default)]
    applied: Option<bool>,
}

impl SqlLedger {
    async fn answer(
        &self,
        function: &'static str,
        args: crate::adapters::ledger::args::Args,
    ) -> Result<Option<Answer>, LedgerError> {
        let rows = self.call_rows(function, args).await?;
        rows.into_iter()
            .next()
            .map(|value| serde_json::from_value(value).map_err(invalid))
            .transpose()
    }
}

impl ProrationLedger for SqlLedger {
    async fn begin_proration(&self, proration: &Proration) -> Result<ProrationBegun, LedgerError> {
        const FUNCTION: &str = "begin_proration";
        let args = vec![("p_proration", Arg::Json(columns(proration)))];
        let answer = self
            .answer(FUNCTION, args)
            .await?
            .ok_or_else(|| missing(FUNCTION, "outcome"))?;
        match answer.outcome.as_deref() {
            Some("busy") => Ok(ProrationBegun::Busy),
            Some("stale") => Ok(ProrationBegun::Stale),
            _ => {
                let row = answer.proration.ok_or_else(|| missing(FUNCTION, "proration"))?;
                Ok(ProrationBegun::Stored(Box::new(parse(row)?)))
            }
        }
    }

    async fn fail_proration(
        &self,
        payment_id: &PaymentId,
        reason: &str,
        at: Timestamp,
    ) -> Result<Option<Proration>, LedgerError> {
        let args = vec![
            ("p_payment_id", text(payment_id)),
            ("p_reason", text(reason)),
            ("p_at", time(Some(at))),
        ];
        let rows = self.call_rows("fail_proration", args).await?;
        rows.into_iter().next().map(parse).transpose()
    }

    async fn settle_proration(
        &self,
        payment_id: &PaymentId,
        paid_at: Timestamp,
        at: Timestamp,
    ) -> Result<Option<Settled>, LedgerError> {
        const FUNCTION: &str = "settle_proration";
        let args = vec![
            ("p_payment_id", text(payment_id)),
            ("p_paid_at", time(Some(paid_at))),
            ("p_at", time(Some(at))),
        ];
        let Some(answer) = self.answer(FUNCTION, args).await? else {
            return Ok(None);
        };
        let proration = answer.proration.ok_or_else(|| missing(FUNCTION, "proration"))?;
        let month = answer.month.ok_or_else(|| missing(FUNCTION, "month"))?;
        Ok(Some(Settled {
            proration: parse(proration)?,
            month: row::record(month)?,
            applied: answer.applied.unwrap_or(false),
        }))
    }

    async fn mark_rescheduled(&self, payment_id: &PaymentId, at: Timestamp) -> Result<(), LedgerError> {
        let args = vec![("p_payment_id", text(payment_id)), ("p_at", time(Some(at)))];
        self.call_rows("mark_proration_rescheduled", args).await?;
        Ok(())
    }

    async fn record_proration_refund(
        &self,
        payment_id: &PaymentId,
        total: Amount,
    ) -> Result<Option<Proration>, LedgerError> {
        let args = vec![
            ("p_payment_id", text(payment_id)),
            ("p_total", Arg::OptBigInt(Some(total.value()))),
        ];
        let rows = self.call_rows("record_proration_refund", args).await?;
        rows.into_iter().next().map(parse).transpose()
    }

    async fn prorations(&self, subscription_id: &str) -> Result<Vec<Proration>, LedgerError> {
        let args = vec![("p_subscription_id", text(subscription_id))];
        let rows = self.call_rows("subscription_prorations", args).await?;
        rows.into_iter().map(parse).collect()
    }
}
