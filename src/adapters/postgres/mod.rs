//! The `payment` table over a direct PostgreSQL connection (sqlx), for `DATABASE_URL`.
//!
//! It calls the same SQL function as the REST adapter (`public.record_paid_payment`, from
//! `supabase/migrations/`), so the idempotent write exists once, in the database.
//!
//! Works through Supabase's transaction-mode pooler (port 6543): statements are unnamed
//! (`persistent(false)`, no statement cache), so nothing prepared outlives a transaction.

mod errors;

use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Executor, PgPool, Row};
use uuid::Uuid;

use crate::config::PostgresSettings;
use crate::domain::amount::Amount;
use crate::domain::record::PaymentRecord;
use crate::ports::{LedgerError, PaymentLedger, Recorded};

const RECORD_PAID_SQL: &str = "select transaction_key, amount, status, start_at, end_at, end_grace_at, \
     next_schedule_at, next_schedule_id, inserted \
     from public.record_paid_payment($1, $2, $3, $4, $5, $6, $7, $8)";

/// A bounded, lazily connecting pool: the service starts (and answers `/healthz`) while the
/// database is down, and reconnects on its own when it comes back.
#[derive(Clone, Debug)]
pub struct PostgresLedger {
    pool: PgPool,
    /// Client-side bound on one call, so a hung connection cannot outlive the webhook.
    call_timeout: Duration,
}

impl PostgresLedger {
    /// Builds the pool without connecting.
    ///
    /// # Errors
    /// When `DATABASE_URL` is not a Postgres connection string (the message never repeats it).
    pub fn connect_lazy(settings: &PostgresSettings) -> anyhow::Result<Self> {
        let options: PgConnectOptions = settings
            .url
            .expose_secret()
            .parse()
            .map_err(|_| anyhow::anyhow!("DATABASE_URL is not a valid Postgres connection string"))?;
        let options = options
            .statement_cache_capacity(0)
            .application_name("portone-subscriptions");
        let statement_ms = settings.statement_timeout.as_millis();
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections)
            .min_connections(0)
            .acquire_timeout(settings.acquire_timeout)
            // A session setting, not a startup parameter: transaction-mode poolers refuse unknown
            // startup parameters. Behind such a pooler it is best effort; `call_timeout` always holds.
            .after_connect(move |connection, _meta| {
                Box::pin(async move {
                    connection
                        .execute(format!("set statement_timeout = {statement_ms}").as_str())
                        .await?;
                    Ok(())
                })
            })
            .connect_lazy_with(options);
        let call_timeout = settings.acquire_timeout + settings.statement_timeout + Duration::from_millis(500);
        Ok(Self { pool, call_timeout })
    }

    /// The pool, for tests and health checks.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn call(&self, record: &PaymentRecord) -> Result<sqlx::postgres::PgRow, sqlx::Error> {
        sqlx::query(RECORD_PAID_SQL)
            .persistent(false)
            .bind(&record.transaction_key)
            .bind(record.amount.value())
            .bind(&record.status)
            .bind(record.start_at.as_utc())
            .bind(record.end_at.as_utc())
            .bind(record.end_grace_at.as_utc())
            .bind(record.next_schedule_at.as_utc())
            .bind(record.next_schedule_id)
            .fetch_one(&self.pool)
            .await
    }
}

impl PaymentLedger for PostgresLedger {
    async fn record_paid(&self, record: &PaymentRecord) -> Result<Recorded, LedgerError> {
        let row = match tokio::time::timeout(self.call_timeout, self.call(record)).await {
            Ok(result) => result
                .with_context(|| format!("Failed to record payment {}", record.transaction_key))
                .map_err(errors::ledger_error)?,
            Err(_) => {
                return Err(LedgerError::Unavailable(format!(
                    "no answer from the database within {} ms",
                    self.call_timeout.as_millis()
                )))
            }
        };
        read_row(&row).map_err(|error| LedgerError::InvalidResponse(format!("{error:#}")))
    }
}

fn read_row(row: &sqlx::postgres::PgRow) -> anyhow::Result<Recorded> {
    let time = |name: &str| -> anyhow::Result<_> { Ok(row.try_get::<DateTime<Utc>, _>(name)?.into()) };
    Ok(Recorded {
        record: PaymentRecord {
            transaction_key: row.try_get("transaction_key")?,
            amount: Amount::new(row.try_get("amount")?)?,
            status: row.try_get("status")?,
            start_at: time("start_at")?,
            end_at: time("end_at")?,
            end_grace_at: time("end_grace_at")?,
            next_schedule_at: time("next_schedule_at")?,
            next_schedule_id: row.try_get::<Uuid, _>("next_schedule_id")?,
        },
        inserted: row.try_get("inserted")?,
    })
}
