//! The ledger written once over "call this SQL function": the PostgREST and the direct PostgreSQL
//! adapters only differ in how they call `public.<function>(named args…)` and get its `setof
//! jsonb` rows back (functions defined in `supabase/migrations/`).

mod row;

use std::future::Future;

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use crate::domain::record::PaymentRecord;
use crate::domain::timestamp::Timestamp;
use crate::ports::ledger::LedgerResult;
use crate::ports::{LedgerError, PaymentLedger, Recorded};

/// One argument of a SQL function, typed as its parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Text(String),
    BigInt(i64),
    Time(Option<DateTime<Utc>>),
    Uuid(Uuid),
}

/// Calls `public.<function>` with named arguments and returns its rows (each a JSON object).
pub trait SqlFunctions: Send + Sync + 'static {
    fn call(
        &self,
        function: &'static str,
        args: Vec<(&'static str, Arg)>,
    ) -> impl Future<Output = Result<Vec<Value>, LedgerError>> + Send;
}

/// A [`PaymentLedger`] over any [`SqlFunctions`].
#[derive(Debug, Clone)]
pub struct SqlLedger<F>(pub F);

fn text(value: &str) -> Arg {
    Arg::Text(value.to_owned())
}

fn time(value: Option<Timestamp>) -> Arg {
    Arg::Time(value.map(|t| t.as_utc()))
}

impl<F: SqlFunctions> SqlLedger<F> {
    async fn one(&self, function: &'static str, args: Vec<(&'static str, Arg)>) -> LedgerResult {
        let rows = self.0.call(function, args).await?;
        Ok(row::parse_one(rows)?.map(|(record, _)| record))
    }
}

impl<F: SqlFunctions> PaymentLedger for SqlLedger<F> {
    async fn record_paid(&self, record: &PaymentRecord) -> Result<Recorded, LedgerError> {
        let args = vec![
            ("p_transaction_key", text(&record.transaction_key)),
            ("p_amount", Arg::BigInt(record.amount.value())),
            ("p_status", text(&record.status)),
            ("p_start_at", time(Some(record.start_at))),
            ("p_end_at", time(Some(record.end_at))),
            ("p_end_grace_at", time(Some(record.end_grace_at))),
            ("p_next_schedule_at", time(Some(record.next_schedule_at))),
            ("p_next_schedule_id", Arg::Uuid(record.next_schedule_id)),
        ];
        let rows = self.0.call("record_paid_payment", args).await?;
        match row::parse_one(rows)? {
            Some((record, Some(inserted))) => Ok(Recorded { record, inserted }),
            Some((_, None)) => Err(LedgerError::InvalidResponse(
                "the row has no `inserted` flag".into(),
            )),
            None => Err(LedgerError::InvalidResponse(
                "record_paid_payment returned no row".into(),
            )),
        }
    }

    async fn find(&self, transaction_key: &str) -> LedgerResult {
        self.one(
            "payment_by_transaction_key",
            vec![("p_transaction_key", text(transaction_key))],
        )
        .await
    }

    async fn find_by_next_schedule_id(&self, id: Uuid) -> LedgerResult {
        self.one(
            "payment_by_next_schedule_id",
            vec![("p_next_schedule_id", Arg::Uuid(id))],
        )
        .await
    }

    async fn mark_cancelled(&self, transaction_key: &str) -> LedgerResult {
        self.one(
            "cancel_payment",
            vec![("p_transaction_key", text(transaction_key))],
        )
        .await
    }

    async fn set_subscription_state(
        &self,
        transaction_key: &str,
        canceled_at: Option<Timestamp>,
        resumed_at: Option<Timestamp>,
    ) -> LedgerResult {
        let args = vec![
            ("p_transaction_key", text(transaction_key)),
            ("p_canceled_at", time(canceled_at)),
            ("p_resumed_at", time(resumed_at)),
        ];
        self.one("set_subscription_state", args).await
    }
}
