//! The ledger written once over "call this SQL function": the direct PostgreSQL and the PostgREST
//! transports only differ in how they call `public.<function>(named args…)` and get its `setof
//! jsonb` rows back.

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::postgres::DirectPostgres;
use super::postgrest::SupabaseRest;
use super::row;
use crate::config::{PostgresSettings, StorageConfig};
use crate::domain::attempt::{AfterFailure, FailedAttempt};
use crate::domain::record::PaymentRecord;
use crate::domain::timestamp::Timestamp;
use crate::ports::ledger::LedgerResult;
use crate::ports::{AttemptRecorded, LedgerError, PaymentLedger, Recorded, RenewalOf};

/// One argument of a SQL function, typed as its parameter (`None` is SQL `null`).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Arg {
    Text(Option<String>),
    BigInt(i64),
    Int(i32),
    Time(Option<DateTime<Utc>>),
    Uuid(Option<Uuid>),
}

/// Named arguments, in the function's parameter names (`p_…`).
pub(super) type Args = Vec<(&'static str, Arg)>;

#[derive(Debug, Clone)]
enum Transport {
    Postgres(DirectPostgres),
    SupabaseRest(SupabaseRest),
}

/// The production ledger: the SQL functions of `supabase/migrations/`, over either transport.
#[derive(Debug, Clone)]
pub struct SqlLedger(Transport);

impl SqlLedger {
    /// The configured ledger; `http` is the shared client the REST transport uses.
    ///
    /// # Errors
    /// When the settings are unusable (the message never contains a secret).
    pub fn from_config(config: &StorageConfig, http: reqwest::Client) -> anyhow::Result<Self> {
        match config {
            StorageConfig::Postgres { settings, .. } => Self::postgres(settings),
            StorageConfig::SupabaseRest {
                url,
                service_role_key,
            } => Self::supabase_rest(http, url.as_str(), service_role_key),
        }
    }

    /// Over a direct, lazily connecting PostgreSQL pool.
    ///
    /// # Errors
    /// When `DATABASE_URL` is not a Postgres connection string (never repeated in the message).
    pub fn postgres(settings: &PostgresSettings) -> anyhow::Result<Self> {
        Ok(Self(Transport::Postgres(DirectPostgres::connect_lazy(settings)?)))
    }

    /// Over Supabase's REST API at `url`, with the service-role key.
    ///
    /// # Errors
    /// When `url` is not an http(s) URL with a host or the key is empty.
    pub fn supabase_rest(
        http: reqwest::Client,
        url: &str,
        service_role_key: &secrecy::SecretString,
    ) -> anyhow::Result<Self> {
        let rest = SupabaseRest::new(http, url, service_role_key).context("Failed to set up Supabase")?;
        Ok(Self(Transport::SupabaseRest(rest)))
    }

    async fn call(&self, function: &'static str, args: Args) -> Result<Vec<Value>, LedgerError> {
        match &self.0 {
            Transport::Postgres(postgres) => postgres.call(function, args).await,
            Transport::SupabaseRest(rest) => rest.call(function, args).await,
        }
    }

    async fn one(&self, function: &'static str, args: Args) -> Result<Option<row::Parsed>, LedgerError> {
        let rows = self.call(function, args).await?;
        row::parse_one(rows)
    }

    async fn record(&self, function: &'static str, args: Args) -> LedgerResult {
        Ok(self.one(function, args).await?.map(|parsed| parsed.record))
    }
}

fn text(value: &str) -> Arg {
    Arg::Text(Some(value.to_owned()))
}

fn time(value: Option<Timestamp>) -> Arg {
    Arg::Time(value.map(|t| t.as_utc()))
}

fn int(value: u32) -> Arg {
    Arg::Int(i32::try_from(value).unwrap_or(i32::MAX))
}

fn missing(function: &str, what: &str) -> LedgerError {
    LedgerError::InvalidResponse(format!("{function} returned no `{what}`"))
}

impl PaymentLedger for SqlLedger {
    async fn record_paid(&self, record: &PaymentRecord) -> Result<Recorded, LedgerError> {
        const FUNCTION: &str = "record_paid_month";
        let args = vec![
            ("p_transaction_key", text(&record.transaction_key)),
            ("p_amount", Arg::BigInt(record.amount.value())),
            ("p_status", text(&record.status)),
            ("p_start_at", time(Some(record.start_at))),
            ("p_end_at", time(Some(record.end_at))),
            ("p_end_grace_at", time(Some(record.end_grace_at))),
            ("p_next_schedule_at", time(Some(record.next_schedule_at))),
            ("p_next_schedule_id", Arg::Uuid(Some(record.next_schedule_id))),
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

    async fn find(&self, transaction_key: &str) -> LedgerResult {
        let args = vec![("p_transaction_key", text(transaction_key))];
        self.record("payment_by_transaction_key", args).await
    }

    async fn renewal_of(&self, payment_id: &str) -> Result<Option<RenewalOf>, LedgerError> {
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

    async fn mark_lapsed(&self, transaction_key: &str, at: Timestamp) -> LedgerResult {
        let args = vec![
            ("p_transaction_key", text(transaction_key)),
            ("p_lapsed_at", time(Some(at))),
        ];
        self.record("mark_lapsed", args).await
    }

    async fn mark_cancelled(&self, transaction_key: &str) -> LedgerResult {
        let args = vec![("p_transaction_key", text(transaction_key))];
        self.record("cancel_payment", args).await
    }

    async fn set_subscription_state(
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
}
