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
use crate::domain::record::PaymentRecord;
use crate::domain::timestamp::Timestamp;
use crate::ports::ledger::LedgerResult;
use crate::ports::{LedgerError, PaymentLedger, Recorded};

/// One argument of a SQL function, typed as its parameter.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Arg {
    Text(String),
    BigInt(i64),
    Time(Option<DateTime<Utc>>),
    Uuid(Uuid),
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

    async fn one(&self, function: &'static str, args: Args) -> LedgerResult {
        let rows = self.call(function, args).await?;
        Ok(row::parse_one(rows)?.map(|(record, _)| record))
    }
}

fn text(value: &str) -> Arg {
    Arg::Text(value.to_owned())
}

fn time(value: Option<Timestamp>) -> Arg {
    Arg::Time(value.map(|t| t.as_utc()))
}

impl PaymentLedger for SqlLedger {
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
        let rows = self.call("record_paid_payment", args).await?;
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
        let args = vec![("p_transaction_key", text(transaction_key))];
        self.one("payment_by_transaction_key", args).await
    }

    async fn find_by_next_schedule_id(&self, id: Uuid) -> LedgerResult {
        let args = vec![("p_next_schedule_id", Arg::Uuid(id))];
        self.one("payment_by_next_schedule_id", args).await
    }

    async fn mark_cancelled(&self, transaction_key: &str) -> LedgerResult {
        let args = vec![("p_transaction_key", text(transaction_key))];
        self.one("cancel_payment", args).await
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
        self.one("set_subscription_state", args).await
    }
}
