//! The ledger written once over "call this SQL function": the direct PostgreSQL and the PostgREST
//! transports only differ in how they call `public.<function>(named args…)` and get its `setof
//! jsonb` rows back. Each ledger port is implemented in the module of its use (`months`,
//! `subscriptions`, `reconcile`), method for method under the trait's names.

use std::time::Instant;

use anyhow::Context;
use serde_json::Value;

mod checkout;
mod coupons;
mod events;
mod method;
mod months;
mod plans;
mod prorations;
mod readiness;
mod reconcile;
mod subscriptions;

use super::args::Args;
use super::postgres::DirectPostgres;
use super::postgrest::SupabaseRest;
use super::row;
use crate::config::{PostgresSettings, StorageConfig};
use crate::domain::record::PaymentRecord;
use crate::ports::ledger::LedgerResult;
use crate::ports::{LedgerError, Unavailable};
use crate::telemetry::metrics::{self, Upstream};

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

    /// Over direct PostgreSQL, a [`tokio::sync::Notify`] woken each time a new subscription
    /// event commits (`LISTEN`/`NOTIFY`), so the sender need not wait for its next poll; `None`
    /// over the REST API, which keeps the poll alone. Spawns the listener: call once.
    pub fn event_wakes(&self) -> Option<std::sync::Arc<tokio::sync::Notify>> {
        match &self.0 {
            Transport::Postgres(postgres) => Some(postgres.event_wakes()),
            Transport::SupabaseRest(_) => None,
        }
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

    /// Every row of `function`'s answer, as months.
    pub(super) async fn records(
        &self,
        function: &'static str,
        args: Args,
    ) -> Result<Vec<PaymentRecord>, LedgerError> {
        let rows = self.call_rows(function, args).await?;
        Ok(row::parse_all(rows)?
            .into_iter()
            .map(|parsed| parsed.record)
            .collect())
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

pub(super) fn missing(function: &str, what: &str) -> LedgerError {
    LedgerError::InvalidResponse(format!("{function} returned no `{what}`"))
}
