//! The ledger written once over "call this SQL function": the direct PostgreSQL and the PostgREST
//! transports only differ in how they call `public.<function>(named args…)` and get its `setof
//! jsonb` rows back.

use std::time::Instant;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

mod months;
mod reconcile;
mod renewals;
mod subscriptions;

use super::postgres::DirectPostgres;
use super::postgrest::SupabaseRest;
use super::row;
use crate::config::{PostgresSettings, StorageConfig};
use crate::domain::attempt::{AfterFailure, FailedAttempt};
use crate::domain::record::{NextTerms, PaymentRecord};
use crate::domain::timestamp::Timestamp;
use crate::ports::ledger::LedgerResult;
use crate::ports::{
    AttemptRecorded, LedgerError, PaymentLedger, Recorded, RenewalCursor, RenewalOf, RenewalWindow,
    SubscriptionRows, Unavailable,
};
use crate::telemetry::metrics::{self, Upstream};

/// One argument of a SQL function, typed as its parameter (`None` is SQL `null`).
#[derive(Debug, Clone, PartialEq)]
pub(in crate::adapters::ledger) enum Arg {
    Text(Option<String>),
    BigInt(i64),
    OptBigInt(Option<i64>),
    Int(i32),
    Time(Option<DateTime<Utc>>),
    Uuid(Option<Uuid>),
    UuidArray(Vec<Uuid>),
}

/// Named arguments, in the function's parameter names (`p_…`).
pub(in crate::adapters::ledger) type Args = Vec<(&'static str, Arg)>;

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

    /// Calls `public.<function>`; the call is timed in
    /// `portone_subscriptions_upstream_request_duration_seconds{upstream="storage", operation=function}`.
    pub(super) async fn call_rows(
        &self,
        function: &'static str,
        args: Args,
    ) -> Result<Vec<Value>, LedgerError> {
        let started = Instant::now();
        let result = match &self.0 {
            Transport::Postgres(postgres) => postgres.call(function, args).await,
            Transport::SupabaseRest(rest) => rest.call(function, args).await,
        };
        metrics::upstream_call(Upstream::Storage, function, result_label(&result), started);
        result
    }

    pub(super) async fn one(
        &self,
        function: &'static str,
        args: Args,
    ) -> Result<Option<row::Parsed>, LedgerError> {
        let rows = self.call_rows(function, args).await?;
        row::parse_one(rows)
    }

    pub(super) async fn record(&self, function: &'static str, args: Args) -> LedgerResult {
        Ok(self.one(function, args).await?.map(|parsed| parsed.record))
    }
}

/// The metrics label of a call's result.
fn result_label<T>(result: &Result<T, LedgerError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(LedgerError::Rejected { .. }) => "rejected",
        Err(LedgerError::InvalidResponse(_)) => "invalid_response",
        Err(LedgerError::Unavailable { kind, .. }) => match kind {
            Unavailable::Timeout | Unavailable::Deadline => "timeout",
            Unavailable::Unreachable => "connect_error",
            Unavailable::Interrupted | Unavailable::Busy | Unavailable::ServerUnavailable { .. } => {
                "unavailable"
            }
        },
    }
}

pub(super) fn text(value: &str) -> Arg {
    Arg::Text(Some(value.to_owned()))
}

pub(super) fn time(value: Option<Timestamp>) -> Arg {
    Arg::Time(value.map(|t| t.as_utc()))
}

pub(super) fn int(value: u32) -> Arg {
    Arg::Int(i32::try_from(value).unwrap_or(i32::MAX))
}

pub(super) fn missing(function: &str, what: &str) -> LedgerError {
    LedgerError::InvalidResponse(format!("{function} returned no `{what}`"))
}

impl PaymentLedger for SqlLedger {
    async fn record_paid(&self, record: &PaymentRecord) -> Result<Recorded, LedgerError> {
        self.record_month(record).await
    }

    async fn find(&self, transaction_key: &str) -> LedgerResult {
        self.find_month(transaction_key).await
    }

    async fn renewal_of(&self, payment_id: &str) -> Result<Option<RenewalOf>, LedgerError> {
        self.find_renewal(payment_id).await
    }

    async fn record_failed_attempt(
        &self,
        attempt: &FailedAttempt,
        after: &AfterFailure,
    ) -> Result<Option<AttemptRecorded>, LedgerError> {
        self.record_attempt(attempt, after).await
    }

    async fn mark_lapsed(&self, transaction_key: &str, at: Timestamp) -> LedgerResult {
        self.lapse(transaction_key, at).await
    }

    async fn mark_cancelled(&self, transaction_key: &str) -> LedgerResult {
        self.cancel_month(transaction_key).await
    }

    async fn subscription(&self, key: &str) -> Result<Option<SubscriptionRows>, LedgerError> {
        self.read_subscription(key).await
    }

    async fn customer_subscriptions(&self, customer_id: &str) -> Result<Vec<SubscriptionRows>, LedgerError> {
        self.read_customer_subscriptions(customer_id).await
    }

    async fn set_next_terms(&self, transaction_key: &str, terms: &NextTerms) -> LedgerResult {
        self.write_next_terms(transaction_key, terms).await
    }

    async fn open_renewals(
        &self,
        window: &RenewalWindow,
        after: Option<&RenewalCursor>,
        limit: u32,
    ) -> Result<Vec<PaymentRecord>, LedgerError> {
        self.read_open_renewals(window, after, limit).await
    }

    async fn stopped_months_for(&self, payment_ids: &[Uuid]) -> Result<Vec<PaymentRecord>, LedgerError> {
        self.read_stopped_months(payment_ids).await
    }

    async fn claim_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: std::time::Duration,
    ) -> Result<bool, LedgerError> {
        self.claim(name, holder, ttl).await
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<(), LedgerError> {
        self.release(name, holder).await
    }

    async fn ping(&self) -> Result<(), LedgerError> {
        self.call_rows("ready", Vec::new()).await.map(drop)
    }

    async fn set_subscription_state(
        &self,
        transaction_key: &str,
        cancelled_at: Option<Timestamp>,
        resumed_at: Option<Timestamp>,
    ) -> LedgerResult {
        self.write_subscription_state(transaction_key, cancelled_at, resumed_at)
            .await
    }
}
