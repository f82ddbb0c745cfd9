//! The direct PostgreSQL transport (sqlx), for `DATABASE_URL`.
//!
//! It calls the same SQL functions as the REST transport (from `supabase/migrations/`), so the
//! idempotent write exists once, in the database.
//!
//! Works through Supabase's transaction-mode pooler (port 6543): statements are unnamed
//! (`persistent(false)`, no statement cache), so nothing prepared outlives a transaction.

mod errors;
mod listen;

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::Context;
use secrecy::ExposeSecret;
use serde_json::Value;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions};
use sqlx::query::Query;
use sqlx::{Executor, PgPool, Postgres, Row};

use super::args::{Arg, Args};
use crate::config::PostgresSettings;
use crate::ports::{LedgerError, Unavailable};

/// A bounded, lazily connecting pool: the service starts (and answers `/healthz`) while the
/// database is down, and reconnects on its own when it comes back.
#[derive(Clone, Debug)]
pub(super) struct DirectPostgres {
    pool: PgPool,
    /// Client-side bound on one call, so a hung connection cannot outlive the webhook.
    call_timeout: Duration,
}

impl DirectPostgres {
    /// Starts listening for new subscription events (see [`listen`]); the [`tokio::sync::Notify`]
    /// wakes the event sender.
    pub(super) fn event_wakes(&self) -> std::sync::Arc<tokio::sync::Notify> {
        listen::spawn(self.pool.clone())
    }

    /// Builds the pool without connecting.
    ///
    /// # Errors
    /// When `DATABASE_URL` is not a Postgres connection string (the message never repeats it).
    pub(super) fn connect_lazy(settings: &PostgresSettings) -> anyhow::Result<Self> {
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

    /// Calls `public.<function>` with named arguments; each row is the function's `jsonb`.
    pub(super) async fn call(&self, function: &'static str, args: Args) -> Result<Vec<Value>, LedgerError> {
        let sql = call_sql(function, &args);
        let query = args
            .into_iter()
            .fold(sqlx::query(&sql).persistent(false), |q, (_, arg)| bind(q, arg));
        let rows = match tokio::time::timeout(self.call_timeout, query.fetch_all(&self.pool)).await {
            Ok(result) => result
                .with_context(|| format!("Failed to call {function}"))
                .map_err(errors::ledger_error)?,
            Err(_) => {
                return Err(LedgerError::unavailable(
                    Unavailable::Timeout,
                    format!(
                        "no answer from the database within {} ms",
                        self.call_timeout.as_millis()
                    ),
                ))
            }
        };
        rows.iter()
            .map(|row| row.try_get::<Value, _>(0))
            .collect::<Result<_, _>>()
            .map_err(|error| LedgerError::InvalidResponse(error.to_string()))
    }
}

/// `select r from public.<function>(p_a => $1, …) as r`: named notation, so argument order
/// cannot silently swap two parameters of the same type.
fn call_sql(function: &str, args: &[(&'static str, Arg)]) -> String {
    let mut sql = format!("select r from public.{function}(");
    for (index, (name, _)) in args.iter().enumerate() {
        let separator = if index == 0 { "" } else { ", " };
        let _ = write!(sql, "{separator}{name} => ${}", index + 1);
    }
    sql.push_str(") as r");
    sql
}

fn bind(query: Query<'_, Postgres, PgArguments>, arg: Arg) -> Query<'_, Postgres, PgArguments> {
    match arg {
        Arg::Text(text) => query.bind(text),
        Arg::OptBigInt(number) => query.bind(number),
        Arg::Int(number) => query.bind(number),
        Arg::OptInt(number) => query.bind(number),
        Arg::Time(time) => query.bind(time),
        Arg::Uuid(id) => query.bind(id),
        Arg::UuidArray(ids) => query.bind(ids),
        Arg::Json(value) => query.bind(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_use_named_notation_in_order() {
        let args = vec![("p_a", Arg::Int(1)), ("p_b", Arg::Time(None))];
        assert_eq!(
            call_sql("f", &args),
            "select r from public.f(p_a => $1, p_b => $2) as r"
        );
    }
}
